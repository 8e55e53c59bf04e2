// ZIP archives as NumPy's .npz files use them, as a pure parser and writer
// over bytes (PKWARE APPNOTE 6.3: local headers, central directory, end of
// central directory record, ZIP64 extensions).
//
// The parser reads the central directory from the end record (ZIP64 when the
// locator is present), checks every entry's local header, name and data range
// against the file, and extracts stored (method 0) or deflated (method 8)
// members with zlib, verifying the size and CRC-32. Encrypted, multi-disk and
// other methods are errors. A deflated member may not claim more than deflate's
// maximum expansion (1032:1) of its compressed size, so a corrupt size cannot
// make the reader allocate without bound. The writer emits stored or deflated
// members with ZIP64 fields where sizes or offsets pass 4 GiB (or always, with
// force_zip64, as numpy.savez does), and a fixed 1980-01-01 timestamp so the
// output is reproducible.
#pragma once

#include <string>
#include <vector>

#include "io/format_common.h"

namespace jx::io::format {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;         // uncompressed
  uint64_t data_offset = 0;  // of the member's (compressed) data in the file
};

/// Parses and validates the directory. Names are unique. Throws ParseError.
std::vector<ZipEntry> parse_zip(std::span<const uint8_t> bytes);

/// The member's uncompressed bytes (CRC-checked). Throws ParseError.
std::vector<uint8_t> zip_extract(std::span<const uint8_t> bytes, const ZipEntry& entry);

/// A member to write; its data is the concatenation of `parts` (so a header
/// and a large array need not be copied into one buffer).
struct ZipMember {
  std::string name;
  std::vector<std::span<const uint8_t>> parts;
};

/// Writes an archive of `members` (deflated when `compress`) to `sink`.
/// Throws std::invalid_argument for duplicate or over-long names.
void write_zip(std::span<const ZipMember> members, bool compress, const Sink& sink,
               bool force_zip64 = false);

}  // namespace jx::io::format
