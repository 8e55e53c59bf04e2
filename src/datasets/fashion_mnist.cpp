// Fashion-MNIST: four IDX files checked against each other.
#include <filesystem>
#include <string>

#include "jx/datasets.h"
#include "jx/numpy.h"

namespace jx::datasets {
namespace {

constexpr std::string_view kOp = "datasets.load_fashion_mnist";

// "<dir>/<name>.gz" when present, else "<dir>/<name>" when present, else an
// error naming both.
std::string find_file(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path gz = fs::path(dir) / (name + ".gz"), plain = fs::path(dir) / name;
  if (fs::exists(gz, ec)) return gz.string();
  if (fs::exists(plain, ec)) return plain.string();
  std::string hint = dir == kFashionMnistDir
                         ? " (install Debian's dataset-fashion-mnist package: ./scripts/setup)"
                         : "";
  throw_error(kOp, "missing file: neither '" + gz.string() + "' nor '" + plain.string() +
                       "' exists" + hint);
}

ImageSplit load_split(const std::string& dir, const std::string& prefix) {
  std::string ipath = find_file(dir, prefix + "-images-idx3-ubyte");
  std::string lpath = find_file(dir, prefix + "-labels-idx1-ubyte");
  Array images = read_idx(ipath);
  Array labels = read_idx(lpath);
  if (images.dtype() != uint8 || images.ndim() != 3)
    throw_error(kOp,
                "'" + ipath + "' holds " + images.aval().str() + ", expected images u8[N,H,W]");
  if (labels.dtype() != uint8 || labels.ndim() != 1)
    throw_error(kOp, "'" + lpath + "' holds " + labels.aval().str() + ", expected labels u8[N]");
  if (images.shape()[0] != labels.shape()[0])
    throw_error(kOp, "'" + ipath + "' holds " + std::to_string(images.shape()[0]) +
                         " images but '" + lpath + "' holds " + std::to_string(labels.shape()[0]) +
                         " labels");
  const uint8_t* l = labels.data_as<uint8_t>();
  for (int64_t i = 0; i < labels.size(); ++i)
    if (l[i] >= kFashionMnistClasses.size())
      throw_error(kOp, "'" + lpath + "': label " + std::to_string(int(l[i])) + " at index " +
                           std::to_string(i) + " is not a class index in 0..9");
  return ImageSplit{images, np::astype(labels, int32)};
}

}  // namespace

Array ImageSplit::images_float() const {
  const Shape& s = images.shape();
  return np::reshape(np::astype(images, float32) / 255.0f, Shape{s[0], s[1], s[2], 1});
}

FashionMnist load_fashion_mnist(const std::string& dir, Loc loc) {
  CallSite site(loc);
  FashionMnist out{load_split(dir, "train"), load_split(dir, "t10k")};
  if (out.train.images.shape()[1] != out.test.images.shape()[1] ||
      out.train.images.shape()[2] != out.test.images.shape()[2])
    throw_error(kOp, "train images are " + out.train.images.aval().str() + " but test images are " +
                         out.test.images.aval().str() + " (image sizes differ)");
  return out;
}

}  // namespace jx::datasets
