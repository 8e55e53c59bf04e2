// The safetensors format (https://github.com/huggingface/safetensors), as a
// pure parser and writer over bytes.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON,
// then the data buffer. The JSON maps each tensor name to
// {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]} (offsets
// relative to the buffer) and may hold "__metadata__": {string: string}.
// The parser enforces the spec: the header starts with '{' and fits in
// 100 MB, every field has its type, end - begin equals the shape's byte size,
// and the tensors tile the buffer exactly (no holes, no overlap, nothing
// after). The writer orders tensors by element size then name and pads the
// header with spaces to 8 bytes, so every tensor is aligned to its element.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/format_common.h"

namespace jx::io::format {

/// The safetensors dtype names for each Elem ("F32", "BF16", "BOOL" ...).
const char* safetensors_dtype(Elem e);

struct SafetensorsTensor {
  std::string name;
  Elem elem = Elem::F32;
  std::vector<int64_t> shape;
  uint64_t offset = 0;  // of the first data byte, from the start of the file
  uint64_t nbytes = 0;
};

struct SafetensorsFile {
  std::map<std::string, std::string> metadata;
  std::vector<SafetensorsTensor> tensors;  // in data order
};

/// Parses and validates a whole file. Throws ParseError.
SafetensorsFile parse_safetensors(std::span<const uint8_t> bytes);

/// A tensor to write: `data` holds numel * elem_size bytes, little-endian.
struct TensorRef {
  std::string name;
  Elem elem = Elem::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
};

/// Writes a file to `sink`. Names must be unique valid UTF-8 other than
/// "__metadata__"; throws std::invalid_argument otherwise.
void write_safetensors(std::span<const TensorRef> tensors,
                       const std::map<std::string, std::string>& metadata, const Sink& sink);

}  // namespace jx::io::format
