// Shared helpers of the pure format parsers and writers (see format_common.h).
#include "io/format_common.h"

namespace jx::io::format {

size_t elem_size(Elem e) {
  switch (e) {
    case Elem::Bool:
    case Elem::I8:
    case Elem::U8:
      return 1;
    case Elem::I16:
    case Elem::U16:
    case Elem::F16:
    case Elem::BF16:
      return 2;
    case Elem::I32:
    case Elem::U32:
    case Elem::F32:
      return 4;
    case Elem::I64:
    case Elem::U64:
    case Elem::F64:
      return 8;
  }
  return 1;
}

const char* elem_name(Elem e) {
  static const char* const names[kNumElems] = {"bool",     "int8",    "int16",  "int32",  "int64",
                                               "uint8",    "uint16",  "uint32", "uint64", "float16",
                                               "bfloat16", "float32", "float64"};
  return names[int(e)];
}

void fail(uint64_t offset, std::string message) { throw ParseError(std::move(message), offset); }

bool checked_numel(std::span<const int64_t> shape, uint64_t* out) {
  for (int64_t d : shape)
    if (d == 0) return *out = 0, true;
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) return false;
  *out = uint64_t(n);
  return true;
}

bool checked_nbytes(std::span<const int64_t> shape, size_t itemsize, uint64_t* out) {
  uint64_t n = 0;
  int64_t bytes = 0;
  if (!checked_numel(shape, &n)) return false;
  if (__builtin_mul_overflow(int64_t(n), int64_t(itemsize), &bytes)) return false;
  *out = uint64_t(bytes);
  return true;
}

std::string shape_str(std::span<const int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

uint64_t read_le(std::span<const uint8_t> bytes, uint64_t at, int n, const char* what) {
  if (at > bytes.size() || bytes.size() - at < uint64_t(n))
    fail(at, std::string("truncated: ") + what + " (" + std::to_string(n) + " bytes at offset " +
                 std::to_string(at) + ") runs past the end of the data (" +
                 std::to_string(bytes.size()) + " bytes)");
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | bytes[size_t(at) + size_t(i)];
  return v;
}

void put_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out += char((v >> (8 * i)) & 0xff);
}

}  // namespace jx::io::format
