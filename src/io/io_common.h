// What jx::io's array layer shares between the format entry points (io.cpp)
// and pytree checkpoints (checkpoint.cpp): dtype <-> Elem, arrays from and to
// the pure formats' byte views, whole-file tensor reads, and the translation
// of format errors into jx::Error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/format_common.h"
#include "jx/array.h"
#include "jx/io.h"

namespace jx::io::detail {

format::Elem elem_of(DType dt);
DType dtype_of(format::Elem e);

/// "float32[3,4]" for messages.
std::string aval_text(DType dt, std::span<const int64_t> shape);

/// A tensor read from a file: `data` points into the file's bytes or `owned`.
struct FileTensor {
  std::string name;
  format::Elem elem = format::Elem::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> owned;
  const uint8_t* data = nullptr;
};

struct FileTensors {
  std::vector<uint8_t> bytes;
  std::vector<FileTensor> tensors;
  Metadata metadata;
};

/// Reads and validates a safetensors file or (npz) an .npz archive.
FileTensors read_tensors(std::string_view op, const std::string& path, bool npz);

/// A new array holding a file tensor's data on `device`.
Array to_array(const FileTensor& t, Device device);

/// Atomically writes named arrays as safetensors or as an .npz archive.
void write_safetensors_file(std::string_view op, const std::string& path,
                            const std::vector<std::string>& names, const std::vector<Array>& arrays,
                            const Metadata& metadata);
void write_npz_file(std::string_view op, const std::string& path,
                    const std::vector<std::string>& names, const std::vector<Array>& arrays,
                    bool compress);

/// Inside a catch block: rethrows the current exception as a jx::Error for
/// `op` about `path` (format errors with their byte offset).
[[noreturn]] void rethrow_for(std::string_view op, const std::string& path);

/// Whether `path` ends with `suffix`.
bool ends_with(const std::string& path, std::string_view suffix);

}  // namespace jx::io::detail
