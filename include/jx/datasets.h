// jx::datasets: reading standard data files into jx arrays.
//
// `read_idx` reads one file in the IDX format of MNIST and Fashion-MNIST
// (magic 0x0000TTNN: TT the element type, NN the number of dimensions, then
// NN big-endian uint32 sizes, then the elements in row-major, big-endian
// order), gzip-compressed (.gz) or not. `load_fashion_mnist` reads the four
// Fashion-MNIST files of a directory (by default Debian's
// dataset-fashion-mnist package) and checks that they fit together.
//
// Every problem with the files is a jx::Error naming the op, the file and what
// is wrong (missing, not gzip or truncated, a bad magic number, sizes that do
// not match the data, images and labels of different counts, labels out of
// range), located at the caller's line; never a crash or a partial array.
#pragma once

#include <array>
#include <source_location>
#include <string>
#include <string_view>

#include "jx/array.h"

namespace jx::datasets {

using Loc = std::source_location;

/// The contents of the IDX file at `path` (gzip-compressed or plain, detected
/// from the data) as a concrete array of the file's shape and element type:
/// 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
Array read_idx(const std::string& path, Loc loc = Loc::current());

/// Where Debian's dataset-fashion-mnist package installs the data.
inline constexpr std::string_view kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// The ten Fashion-MNIST classes, indexed by label.
inline constexpr std::array<std::string_view, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/// One split of an image classification data set.
struct ImageSplit {
  Array images;  ///< uint8[N, H, W], pixel values 0..255 as stored
  Array labels;  ///< int32[N], class indices
  /// The images as float32[N, H, W, 1] (NHWC, one channel) scaled to [0, 1].
  Array images_float() const;
};

/// The train and test splits of Fashion-MNIST.
struct FashionMnist {
  ImageSplit train;  ///< 60000 images of 28x28
  ImageSplit test;   ///< 10000 images of 28x28
};

/// Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir` (the
/// .gz name is tried first). Errors when a file is missing or malformed, when
/// images are not uint8[N, H, W] or labels not uint8[N], when counts differ,
/// or when a label is not in 0..9.
FashionMnist load_fashion_mnist(const std::string& dir = std::string(kFashionMnistDir),
                                Loc loc = Loc::current());

}  // namespace jx::datasets
