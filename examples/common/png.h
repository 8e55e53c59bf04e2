// A minimal PNG encoder for the examples: 8-bit RGB, no interlace, one IDAT
// chunk compressed with zlib's compress2, chunk CRCs from zlib's crc32.
// Header-only; link zlib (the examples' CMake target does).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace examples {

/// An 8-bit RGB image, row-major, 3 bytes per pixel.
struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3
  Image() = default;
  Image(int w, int h, uint8_t gray = 255) : width(w), height(h), rgb(size_t(w) * h * 3, gray) {}
  uint8_t* at(int x, int y) { return rgb.data() + (size_t(y) * width + x) * 3; }
  const uint8_t* at(int x, int y) const { return rgb.data() + (size_t(y) * width + x) * 3; }
};

namespace png_detail {
inline void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}
// Appends one chunk: length, type, data, CRC-32 of type + data.
inline void chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& data) {
  put32(out, uint32_t(data.size()));
  size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, out.data() + start, uInt(out.size() - start));
  put32(out, uint32_t(crc));
}
}  // namespace png_detail

/// The bytes of a PNG file holding `img`. Throws std::runtime_error for an
/// empty or inconsistent image.
inline std::vector<uint8_t> encode_png(const Image& img) {
  if (img.width <= 0 || img.height <= 0 || img.rgb.size() != size_t(img.width) * img.height * 3)
    throw std::runtime_error("encode_png: image of " + std::to_string(img.width) + "x" +
                             std::to_string(img.height) + " with " +
                             std::to_string(img.rgb.size()) + " bytes");
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  png_detail::put32(ihdr, uint32_t(img.width));
  png_detail::put32(ihdr, uint32_t(img.height));
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit, truecolor, deflate, filter 0, no interlace
  png_detail::chunk(out, "IHDR", ihdr);
  // Scanlines, each prefixed by filter type 0 (None).
  size_t row = size_t(img.width) * 3;
  std::vector<uint8_t> raw((row + 1) * img.height);
  for (int y = 0; y < img.height; ++y) {
    raw[y * (row + 1)] = 0;
    std::copy_n(img.rgb.data() + y * row, row, raw.data() + y * (row + 1) + 1);
  }
  uLongf zsize = compressBound(uLong(raw.size()));
  std::vector<uint8_t> z(zsize);
  if (compress2(z.data(), &zsize, raw.data(), uLong(raw.size()), 6) != Z_OK)
    throw std::runtime_error("encode_png: zlib compress2 failed");
  z.resize(zsize);
  png_detail::chunk(out, "IDAT", z);
  png_detail::chunk(out, "IEND", {});
  return out;
}

/// Writes `img` as a PNG file at `path`; throws std::runtime_error when the
/// file cannot be written.
inline void write_png(const std::string& path, const Image& img) {
  std::vector<uint8_t> bytes = encode_png(img);
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!f) throw std::runtime_error("write_png: cannot write '" + path + "'");
}

}  // namespace examples
