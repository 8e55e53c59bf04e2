// libFuzzer target: the .npy parser and its byte-order / Fortran-order
// conversion. What parses must survive write -> parse with the same values.
#include <cstdlib>

#include "io/npy_format.h"

using namespace jx::io::format;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  NpyHeader h;
  std::vector<uint8_t> values;
  try {
    h = parse_npy_header(in);
    values = npy_data(in, h);
  } catch (const ParseError&) {
    return 0;
  }
  if (values.size() != h.nbytes) abort();
  std::string out = npy_bytes(h.elem, h.shape, values.data());
  std::span<const uint8_t> again(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  NpyHeader h2 = parse_npy_header(again);
  if (h2.elem != h.elem || h2.shape != h.shape || h2.fortran_order || h2.big_endian) abort();
  if (npy_data(again, h2) != values) abort();
  if (h2.data_offset % 64 != 0) abort();  // NumPy's alignment
  return 0;
}
