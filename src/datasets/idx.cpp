// The IDX reader: the whole file is decompressed first (zlib reads plain files
// through the same gzread calls), then the header is checked against the
// number of bytes actually present, so a lying header never drives an
// allocation or a read past the data.
#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "jx/datasets.h"

namespace jx::datasets {
namespace {

constexpr std::string_view kOp = "datasets.read_idx";

std::vector<unsigned char> read_all(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw_error(kOp, "no such file: '" + path + "'");
  if (!std::filesystem::is_regular_file(path, ec))
    throw_error(kOp, "'" + path + "' is not a regular file");
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f)
    throw_error(kOp, "cannot open '" + path + "': " + (errno ? std::strerror(errno) : "zlib"));
  std::vector<unsigned char> out;
  constexpr unsigned kChunk = 1u << 20;
  for (;;) {
    size_t old = out.size();
    out.resize(old + kChunk);
    int n = gzread(f, out.data() + old, kChunk);
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw_error(kOp, "'" + path + "' is corrupt or truncated (zlib: " + msg + ")");
    }
    out.resize(old + size_t(n));
    if (n == 0) break;
  }
  // A truncated gzip stream can end a read "successfully" and only report the
  // problem through gzerror / gzclose.
  int code = 0;
  std::string msg = gzerror(f, &code);
  int rc = gzclose(f);
  if (code != Z_OK || rc != Z_OK)
    throw_error(kOp, "'" + path + "' is corrupt or truncated (zlib: " +
                         (code != Z_OK ? msg : std::string("error ") + std::to_string(rc)) + ")");
  return out;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

}  // namespace

Array read_idx(const std::string& path, Loc loc) {
  CallSite site(loc);
  std::vector<unsigned char> bytes = read_all(path);
  if (bytes.size() < 4)
    throw_error(kOp, "'" + path + "' holds " + std::to_string(bytes.size()) +
                         " bytes, too few for an IDX header");
  uint32_t magic = be32(bytes.data());
  unsigned type = (magic >> 8) & 0xFF, ndim = magic & 0xFF;
  DType dt = uint8;
  switch (type) {
    case 0x08:
      dt = uint8;
      break;
    case 0x09:
      dt = int8;
      break;
    case 0x0B:
      dt = int16;
      break;
    case 0x0C:
      dt = int32;
      break;
    case 0x0D:
      dt = float32;
      break;
    case 0x0E:
      dt = float64;
      break;
    default:
      type = 0;
  }
  if ((magic >> 16) != 0 || type == 0)
    throw_error(kOp, "'" + path + "' is not an IDX file: magic number " + hex(magic) +
                         " (expected 0x0000TTNN with type TT in 08, 09, 0B, 0C, 0D, 0E)");
  size_t header = 4 + 4 * size_t(ndim);
  if (bytes.size() < header)
    throw_error(kOp, "'" + path + "' is truncated: its header declares " + std::to_string(ndim) +
                         " dimensions but the file holds only " + std::to_string(bytes.size()) +
                         " bytes");
  std::vector<int64_t> dims(ndim);
  // Sizes are uint32, so their product fits unsigned __int128 for any ndim
  // that fits a real file; compare before multiplying by the item size.
  unsigned __int128 count = 1;
  for (unsigned i = 0; i < ndim; ++i) {
    dims[i] = be32(bytes.data() + 4 + 4 * i);
    if (count <= (unsigned __int128)(1) << 64) count *= uint64_t(dims[i]);
  }
  std::string shape_text = Shape(dims).str();
  size_t item = size_t(dt.itemsize());
  size_t have = bytes.size() - header;
  if (count * item != have)
    throw_error(
        kOp, "'" + path + "' declares shape " + shape_text + " of " + std::string(dt.name()) +
                 " (" +
                 (count <= (unsigned __int128)(1) << 64 ? std::to_string(uint64_t(count * item))
                                                        : std::string("too many")) +
                 " bytes of data) but holds " + std::to_string(have) + " bytes after the header");
  unsigned char* data = bytes.data() + header;
  if (item > 1 && std::endian::native == std::endian::little)  // IDX data is big-endian
    for (size_t i = 0; i < have; i += item)
      for (size_t a = 0, b = item - 1; a < b; ++a, --b) std::swap(data[i + a], data[i + b]);
  return make_from_host(data, Aval{dt, Shape(dims), false}, default_device());
}

}  // namespace jx::datasets
