// What the file-format parsers and writers share: element types, the parse
// error (with the byte offset at fault), bounds-checked little-endian reads,
// checked size arithmetic and the byte sink writers emit to.
//
// Everything under src/io/*_format.* depends only on the standard library,
// nlohmann-json and zlib (never on jx::Array), so the fuzz targets in fuzz/
// compile these files alone. Parsers are pure functions over a byte span that
// either return a fully validated result or throw ParseError; writers throw
// std::invalid_argument for values the format cannot hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>

namespace jx::io::format {

/// Element types the formats carry, in jx::DTypeId order (io.cpp checks that).
enum class Elem : uint8_t { Bool, I8, I16, I32, I64, U8, U16, U32, U64, F16, BF16, F32, F64 };
inline constexpr int kNumElems = 13;

/// Bytes per element.
size_t elem_size(Elem e);
/// "float32", "bool" ... (jx dtype names, for messages).
const char* elem_name(Elem e);

/// A malformed input: what is wrong and the byte offset where it was found.
class ParseError : public std::runtime_error {
 public:
  ParseError(std::string message, uint64_t offset)
      : std::runtime_error(std::move(message)), offset_(offset) {}
  uint64_t offset() const noexcept { return offset_; }

 private:
  uint64_t offset_;
};

[[noreturn]] void fail(uint64_t offset, std::string message);

/// Arrays may have at most this many dimensions (NumPy's limit).
inline constexpr size_t kMaxDims = 64;

/// The element count of `shape`, or false when it overflows int64 (a zero
/// dimension makes the count 0 whatever the others are).
bool checked_numel(std::span<const int64_t> shape, uint64_t* out);
/// numel * itemsize, or false when it overflows int64.
bool checked_nbytes(std::span<const int64_t> shape, size_t itemsize, uint64_t* out);
/// "(2, 3)" as NumPy prints shapes.
std::string shape_str(std::span<const int64_t> shape);

/// Reads an unsigned little-endian integer of N bytes at `at`, after checking
/// that the bytes exist; `what` names the field for the error.
uint64_t read_le(std::span<const uint8_t> bytes, uint64_t at, int n, const char* what);

/// Receives a writer's output, in order.
using Sink = std::function<void(const void* data, size_t n)>;

/// Appends the n-byte little-endian encoding of v to `out`.
void put_le(std::string& out, uint64_t v, int n);

}  // namespace jx::io::format
