// ZIP parser and writer (see zip_format.h). Offsets in errors are absolute.
#include "io/zip_format.h"

#include <zlib.h>

#include <algorithm>
#include <set>

namespace jx::io::format {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr uint64_t kMax32 = 0xffffffff;
constexpr uint64_t kMaxDeflateRatio = 1032;  // deflate's largest expansion
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;

std::string q(const std::string& name) { return "'" + name + "'"; }

struct EndRecord {
  uint64_t entries = 0, dir_size = 0, dir_offset = 0, at = 0;
};

EndRecord find_end(std::span<const uint8_t> b) {
  if (b.size() < 22) fail(0, "truncated: too short for a ZIP end of central directory record");
  // The record is the last thing in the file, followed only by its comment
  // (at most 65535 bytes); search backwards for its signature.
  uint64_t lowest = b.size() >= 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (uint64_t at = b.size() - 22 + 1; at-- > lowest;) {
    if (read_le(b, at, 4, "signature") != kEndSig) continue;
    uint64_t comment = read_le(b, at + 20, 2, "comment length");
    if (at + 22 + comment > b.size()) continue;
    EndRecord r;
    r.at = at;
    uint64_t disk = read_le(b, at + 4, 2, "disk number");
    uint64_t dir_disk = read_le(b, at + 6, 2, "directory disk");
    uint64_t on_disk = read_le(b, at + 8, 2, "entries on disk");
    r.entries = read_le(b, at + 10, 2, "entry count");
    r.dir_size = read_le(b, at + 12, 4, "directory size");
    r.dir_offset = read_le(b, at + 16, 4, "directory offset");
    if (at >= 20 && read_le(b, at - 20, 4, "signature") == kLocator64Sig) {
      uint64_t loc = at - 20;
      dir_disk = read_le(b, loc + 4, 4, "ZIP64 end record disk");
      uint64_t e64 = read_le(b, loc + 8, 8, "ZIP64 end record offset");
      if (read_le(b, loc + 16, 4, "disk count") > 1)
        fail(loc, "multi-disk archives are not supported");
      if (e64 > loc || loc - e64 < 56)
        fail(loc + 8, "ZIP64 end record offset " + std::to_string(e64) + " is out of range");
      if (read_le(b, e64, 4, "ZIP64 end signature") != kEnd64Sig)
        fail(e64, "no ZIP64 end of central directory record where the locator points");
      disk = read_le(b, e64 + 16, 4, "disk number");
      dir_disk = read_le(b, e64 + 20, 4, "directory disk");
      on_disk = read_le(b, e64 + 24, 8, "entries on disk");
      r.entries = read_le(b, e64 + 32, 8, "entry count");
      r.dir_size = read_le(b, e64 + 40, 8, "directory size");
      r.dir_offset = read_le(b, e64 + 48, 8, "directory offset");
      r.at = e64;
    }
    if (disk != 0 || dir_disk != 0 || on_disk != r.entries)
      fail(at, "multi-disk archives are not supported");
    return r;
  }
  fail(b.size(), "not a ZIP file (no end of central directory record)");
}

// Replaces the 32-bit fields that are 0xffffffff by their values in the ZIP64
// extra field (id 1), in the order the spec fixes: size, compressed, offset.
void apply_zip64(std::span<const uint8_t> b, uint64_t extra, uint64_t extra_len,
                 std::vector<uint64_t*> fields, uint64_t at) {
  uint64_t end = extra + extra_len;
  while (extra + 4 <= end) {
    uint64_t id = read_le(b, extra, 2, "extra field id");
    uint64_t len = read_le(b, extra + 2, 2, "extra field length");
    if (len > end - extra - 4) fail(extra, "extra field runs past its header's extra area");
    if (id == 1) {
      uint64_t p = extra + 4;
      for (uint64_t* f : fields) {
        if (*f != kMax32) continue;
        if (p + 8 > extra + 4 + len) fail(extra, "ZIP64 extra field is too short");
        *f = read_le(b, p, 8, "ZIP64 value");
        p += 8;
      }
      return;
    }
    extra += 4 + len;
  }
  for (uint64_t* f : fields)
    if (*f == kMax32) fail(at, "entry needs a ZIP64 extra field but has none");
}

// Raw deflate (no zlib header) of the concatenated parts, as ZIP stores it.
std::vector<uint8_t> deflate_parts(const std::vector<std::span<const uint8_t>>& parts,
                                   uint64_t total) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("zlib deflateInit failed");
  std::vector<uint8_t> out(size_t(deflateBound(&z, uLong(total))) + 64);
  z.next_out = out.data();
  uint64_t in_left = total;
  size_t part = 0;
  uint64_t part_used = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    while (part < parts.size() && part_used == parts[part].size()) ++part, part_used = 0;
    uInt in_chunk = 0;
    if (part < parts.size()) {
      in_chunk = uInt(std::min<uint64_t>(parts[part].size() - part_used, 1u << 30));
      z.next_in = const_cast<Bytef*>(parts[part].data() + part_used);
    }
    uint64_t room = out.size() - z.total_out;
    z.avail_in = in_chunk;
    z.avail_out = uInt(std::min<uint64_t>(room, 1u << 30));
    rc = deflate(&z, in_chunk == in_left ? Z_FINISH : Z_NO_FLUSH);
    uint64_t used = in_chunk - z.avail_in;
    in_left -= used;
    part_used += used;
    if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && room == 0)) {
      deflateEnd(&z);
      throw std::runtime_error("zlib deflate failed");
    }
  }
  out.resize(size_t(z.total_out));
  deflateEnd(&z);
  return out;
}

}  // namespace

std::vector<ZipEntry> parse_zip(std::span<const uint8_t> b) {
  EndRecord end = find_end(b);
  if (end.dir_offset > end.at || end.dir_size > end.at - end.dir_offset)
    fail(end.at, "central directory (offset " + std::to_string(end.dir_offset) + ", size " +
                     std::to_string(end.dir_size) + ") lies outside the file");
  if (end.entries > end.dir_size / 46)
    fail(end.at, std::to_string(end.entries) + " entries cannot fit in a " +
                     std::to_string(end.dir_size) + "-byte central directory");
  std::vector<ZipEntry> out;
  std::set<std::string> names;
  std::vector<uint64_t> local_offsets;
  uint64_t p = end.dir_offset, dir_end = end.dir_offset + end.dir_size;
  for (uint64_t i = 0; i < end.entries; ++i) {
    if (dir_end - p < 46) fail(p, "truncated: central directory entry runs past the directory");
    if (read_le(b, p, 4, "signature") != kCentralSig)
      fail(p, "bad central directory entry signature");
    ZipEntry e;
    uint64_t flags = read_le(b, p + 8, 2, "flags");
    e.method = uint16_t(read_le(b, p + 10, 2, "method"));
    e.crc32 = uint32_t(read_le(b, p + 16, 4, "CRC-32"));
    e.compressed_size = read_le(b, p + 20, 4, "compressed size");
    e.size = read_le(b, p + 24, 4, "size");
    uint64_t name_len = read_le(b, p + 28, 2, "name length");
    uint64_t extra_len = read_le(b, p + 30, 2, "extra length");
    uint64_t comment_len = read_le(b, p + 32, 2, "comment length");
    uint64_t disk = read_le(b, p + 34, 2, "disk");
    uint64_t local = read_le(b, p + 42, 4, "local header offset");
    if (46 + name_len + extra_len + comment_len > dir_end - p)
      fail(p, "truncated: central directory entry runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(b.data()) + p + 46, size_t(name_len));
    apply_zip64(b, p + 46 + name_len, extra_len, {&e.size, &e.compressed_size, &local}, p);
    if (disk != 0 && disk != 0xffff) fail(p, "multi-disk archives are not supported");
    if (flags & 1) fail(p, "member " + q(e.name) + " is encrypted");
    if (e.method != 0 && e.method != 8)
      fail(p, "member " + q(e.name) + " uses compression method " + std::to_string(e.method) +
                  " (jx reads 0, stored, and 8, deflate)");
    if (!names.insert(e.name).second) fail(p, "member " + q(e.name) + " appears twice");

    // The local header repeats the name; the data follows it.
    if (local > end.dir_offset || end.dir_offset - local < 30)
      fail(p + 42, "member " + q(e.name) + ": local header offset " + std::to_string(local) +
                       " is out of range");
    if (read_le(b, local, 4, "signature") != kLocalSig)
      fail(local, "member " + q(e.name) + ": bad local header signature");
    uint64_t lname = read_le(b, local + 26, 2, "name length");
    uint64_t lextra = read_le(b, local + 28, 2, "extra length");
    e.data_offset = local + 30 + lname + lextra;
    if (e.data_offset > end.dir_offset)
      fail(local, "truncated: member " + q(e.name) + "'s local header runs into the directory");
    if (lname != name_len || std::string_view(reinterpret_cast<const char*>(b.data()) + local + 30,
                                              size_t(lname)) != e.name)
      fail(local + 30, "member " + q(e.name) + ": the local header names a different file");
    if (e.compressed_size > end.dir_offset - e.data_offset)
      fail(e.data_offset,
           "truncated: member " + q(e.name) + " needs " + std::to_string(e.compressed_size) +
               " bytes at offset " + std::to_string(e.data_offset) + ", the file has " +
               std::to_string(end.dir_offset - e.data_offset) + " before the directory");
    if (e.method == 0 && e.compressed_size != e.size)
      fail(p, "stored member " + q(e.name) + " has compressed size " +
                  std::to_string(e.compressed_size) + " != size " + std::to_string(e.size));
    if (e.method == 8 && e.size > e.compressed_size * kMaxDeflateRatio + 1024)
      fail(p, "member " + q(e.name) + " claims " + std::to_string(e.size) + " bytes from " +
                  std::to_string(e.compressed_size) + " compressed, more than deflate can produce");
    out.push_back(std::move(e));
    local_offsets.push_back(local);
    p += 46 + name_len + extra_len + comment_len;
  }
  // Members may not share or overlap data (a zip bomb's trick): in file order,
  // each member's data ends before the next member's local header begins.
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t c) { return local_offsets[a] < local_offsets[c]; });
  for (size_t k = 1; k < order.size(); ++k) {
    const ZipEntry& prev = out[order[k - 1]];
    if (prev.data_offset + prev.compressed_size > local_offsets[order[k]])
      fail(local_offsets[order[k]],
           "members " + q(prev.name) + " and " + q(out[order[k]].name) + " overlap");
  }
  return out;
}

std::vector<uint8_t> zip_extract(std::span<const uint8_t> b, const ZipEntry& e) {
  if (e.data_offset > b.size() || e.compressed_size > b.size() - e.data_offset)
    fail(e.data_offset, "member " + q(e.name) + " lies outside the file");
  const uint8_t* src = b.data() + e.data_offset;
  std::vector<uint8_t> out;
  if (e.method == 0) {
    out.assign(src, src + e.compressed_size);
  } else {
    out.resize(size_t(e.size));
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(e.data_offset, "zlib inflateInit failed");
    z.next_in = const_cast<Bytef*>(src);
    z.next_out = out.data();
    uint64_t in_left = e.compressed_size, out_left = e.size;
    uint8_t spare;  // once `out` is full, one more byte shows whether the data goes on
    bool too_big = false;
    int rc = Z_OK;
    while (rc == Z_OK) {  // Z_OK: inflate made progress and may make more
      bool full = out_left == 0;
      uInt in_chunk = uInt(std::min<uint64_t>(in_left, 1u << 30));
      uInt out_chunk = full ? 1 : uInt(std::min<uint64_t>(out_left, 1u << 30));
      if (full) z.next_out = &spare;
      z.avail_in = in_chunk;
      z.avail_out = out_chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      in_left -= in_chunk - z.avail_in;
      if (full && z.avail_out == 0) {
        too_big = true;
        break;
      }
      if (!full) out_left -= out_chunk - z.avail_out;
    }
    std::string msg = z.msg ? z.msg : "";
    uint64_t at = e.data_offset + (e.compressed_size - in_left);
    inflateEnd(&z);
    std::string what = "member " + q(e.name);
    if (too_big)
      fail(at, what + " inflates to more than its stated size " + std::to_string(e.size));
    if (rc == Z_BUF_ERROR)
      fail(at, "truncated: " + what + "'s deflate data ends before the stream does");
    if (rc != Z_STREAM_END) fail(at, what + ": corrupt deflate data (" + msg + ")");
    if (out_left != 0)
      fail(at, what + " inflates to " + std::to_string(e.size - out_left) +
                   " bytes, not its stated size " + std::to_string(e.size));
  }
  uint32_t crc = uint32_t(crc32_z(0, out.data(), out.size()));
  if (crc != e.crc32)
    fail(e.data_offset, "member " + q(e.name) + " fails its CRC-32 check (stored " +
                            std::to_string(e.crc32) + ", computed " + std::to_string(crc) + ")");
  return out;
}

void write_zip(std::span<const ZipMember> members, bool compress, const Sink& sink,
               bool force_zip64) {
  std::set<std::string_view> names;
  for (const ZipMember& m : members) {
    if (m.name.size() > 0xffff) throw std::invalid_argument("member name longer than 65535 bytes");
    if (!names.insert(m.name).second)
      throw std::invalid_argument("two members are named '" + m.name + "'");
  }
  uint64_t offset = 0;
  auto emit = [&](const void* p, size_t n) {
    if (n) sink(p, n);
    offset += n;
  };
  std::string dir;
  for (const ZipMember& m : members) {
    uint32_t crc = 0;
    uint64_t usize = 0;
    for (auto part : m.parts) {
      crc = uint32_t(crc32_z(crc, part.data(), part.size()));
      usize += part.size();
    }
    std::vector<uint8_t> packed;
    if (compress) packed = deflate_parts(m.parts, usize);
    uint64_t csize = compress ? packed.size() : usize, local = offset;
    bool zip64 = force_zip64 || usize >= kMax32 || csize >= kMax32;
    uint16_t method = compress ? 8 : 0;
    uint16_t flags = std::any_of(m.name.begin(), m.name.end(), [](char c) { return c & 0x80; })
                         ? 1 << 11  // names are UTF-8
                         : 0;
    uint16_t version = zip64 ? 45 : 20;
    std::string h;
    put_le(h, kLocalSig, 4);
    put_le(h, version, 2);
    put_le(h, flags, 2);
    put_le(h, method, 2);
    put_le(h, 0, 2);  // time 00:00
    put_le(h, kDosDate1980, 2);
    put_le(h, crc, 4);
    put_le(h, zip64 ? kMax32 : csize, 4);
    put_le(h, zip64 ? kMax32 : usize, 4);
    put_le(h, m.name.size(), 2);
    put_le(h, zip64 ? 20 : 0, 2);
    h += m.name;
    if (zip64) {
      put_le(h, 1, 2);
      put_le(h, 16, 2);
      put_le(h, usize, 8);
      put_le(h, csize, 8);
    }
    emit(h.data(), h.size());
    if (compress)
      emit(packed.data(), packed.size());
    else
      for (auto part : m.parts) emit(part.data(), part.size());

    bool big_offset = force_zip64 || local >= kMax32;
    std::string extra;
    if (zip64) put_le(extra, usize, 8), put_le(extra, csize, 8);
    if (big_offset) put_le(extra, local, 8);
    put_le(dir, kCentralSig, 4);
    put_le(dir, version, 2);  // made by
    put_le(dir, version, 2);  // needed
    put_le(dir, flags, 2);
    put_le(dir, method, 2);
    put_le(dir, 0, 2);
    put_le(dir, kDosDate1980, 2);
    put_le(dir, crc, 4);
    put_le(dir, zip64 ? kMax32 : csize, 4);
    put_le(dir, zip64 ? kMax32 : usize, 4);
    put_le(dir, m.name.size(), 2);
    put_le(dir, extra.empty() ? 0 : extra.size() + 4, 2);
    put_le(dir, 0, 2);  // comment
    put_le(dir, 0, 2);  // disk
    put_le(dir, 0, 2);  // internal attributes
    put_le(dir, 0, 4);  // external attributes
    put_le(dir, big_offset ? kMax32 : local, 4);
    dir += m.name;
    if (!extra.empty()) {
      put_le(dir, 1, 2);
      put_le(dir, extra.size(), 2);
      dir += extra;
    }
  }
  uint64_t dir_offset = offset, count = members.size();
  emit(dir.data(), dir.size());
  bool zip64_end = force_zip64 || count >= 0xffff || dir.size() >= kMax32 || dir_offset >= kMax32;
  std::string tail;
  if (zip64_end) {
    uint64_t end64 = offset;
    put_le(tail, kEnd64Sig, 4);
    put_le(tail, 44, 8);  // size of the rest of this record
    put_le(tail, 45, 2);
    put_le(tail, 45, 2);
    put_le(tail, 0, 4);
    put_le(tail, 0, 4);
    put_le(tail, count, 8);
    put_le(tail, count, 8);
    put_le(tail, dir.size(), 8);
    put_le(tail, dir_offset, 8);
    put_le(tail, kLocator64Sig, 4);
    put_le(tail, 0, 4);
    put_le(tail, end64, 8);
    put_le(tail, 1, 4);
  }
  put_le(tail, kEndSig, 4);
  put_le(tail, 0, 2);
  put_le(tail, 0, 2);
  put_le(tail, zip64_end ? 0xffff : count, 2);
  put_le(tail, zip64_end ? 0xffff : count, 2);
  put_le(tail, zip64_end ? kMax32 : dir.size(), 4);
  put_le(tail, zip64_end ? kMax32 : dir_offset, 4);
  put_le(tail, 0, 2);
  emit(tail.data(), tail.size());
}

}  // namespace jx::io::format
