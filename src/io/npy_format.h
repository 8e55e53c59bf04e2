// NumPy's .npy format (numpy.lib.format), as a pure parser and writer over
// bytes.
//
// Layout: "\x93NUMPY", a major and minor version byte, the header length
// (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), then a
// Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline, then the data. The parser reads versions
// 1.0, 2.0 and 3.0, little- and big-endian descrs and C or Fortran order, and
// converts the data to little-endian C order. The writer emits version 1.0
// (2.0 when the header needs more than 65535 bytes), little-endian, C order,
// with the preamble padded to 64 bytes as NumPy does. NumPy has no bfloat16:
// ml_dtypes writes it as '<V2', which the parser rejects with that hint.
#pragma once

#include <string>
#include <vector>

#include "io/format_common.h"

namespace jx::io::format {

struct NpyHeader {
  int major = 1, minor = 0;
  Elem elem = Elem::F32;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  uint64_t data_offset = 0;  // of the first data byte
  uint64_t nbytes = 0;       // of the data
};

/// Parses the preamble and header and checks that the data that follows has
/// exactly nbytes. Throws ParseError.
NpyHeader parse_npy_header(std::span<const uint8_t> bytes);

/// The array's data as little-endian, C-order bytes (swapped and transposed
/// as the header says). `bytes` is the whole file parse_npy_header accepted.
std::vector<uint8_t> npy_data(std::span<const uint8_t> bytes, const NpyHeader& h);

/// The NumPy descr of an Elem ("<f4", "|b1" ...); throws std::invalid_argument
/// for BF16, which NumPy cannot represent.
std::string npy_descr(Elem e);

/// The preamble and header of an .npy file of `shape` (the data follows it).
/// Throws std::invalid_argument for BF16 or an invalid shape.
std::string npy_header(Elem elem, std::span<const int64_t> shape);

/// Writes an .npy file of `shape` from little-endian C-order `data`.
void write_npy(Elem elem, std::span<const int64_t> shape, const void* data, const Sink& sink);

/// The bytes of an .npy file (write_npy into a string).
std::string npy_bytes(Elem elem, std::span<const int64_t> shape, const void* data);

}  // namespace jx::io::format
