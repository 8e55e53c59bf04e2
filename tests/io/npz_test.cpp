// .npz archives: NumPy's savez and savez_compressed fixtures (ZIP64 local
// headers as numpy writes them), round trips stored and deflated, the ZIP64
// writer, and clear errors for corrupt archives.
#include <gtest/gtest.h>

#include "io/zip_format.h"
#include "io_test_util.h"

namespace {
using namespace jxio;
namespace io = jx::io;
namespace fmt = jx::io::format;

void expect_fixture_arrays(const io::ArrayMap& m) {
  ASSERT_EQ(m.size(), 4u);
  EXPECT_TRUE(same_array(m.at("a"), expected(jx::float32, {2, 3})));
  EXPECT_TRUE(same_array(m.at("b"), expected(jx::int64, {5})));
  EXPECT_TRUE(same_array(m.at("c"), expected(jx::bool_, {3, 1})));
  EXPECT_TRUE(same_array(m.at("d"), expected(jx::float16, {})));
}

TEST(Npz, LoadsNumpySavez) { expect_fixture_arrays(io::load_npz(fixture("savez.npz"))); }

TEST(Npz, LoadsNumpySavezCompressed) {
  expect_fixture_arrays(io::load_npz(fixture("savez_compressed.npz")));
}

TEST(Npz, RoundTripsStoredAndDeflated) {
  TempDir dir;
  io::ArrayMap m;
  for (jx::DType dt : jx::kAllDTypes)
    if (dt != jx::bfloat16) m[std::string(dt.name())] = expected(dt, {4, 5});
  m["dir/nested name"] = expected(jx::float32, {0});
  io::save_npz(dir / "a.npz", m);
  io::savez_compressed(dir / "b.npz", m);
  for (const char* f : {"a.npz", "b.npz"}) {
    io::ArrayMap back = io::load_npz(dir / f);
    ASSERT_EQ(back.size(), m.size()) << f;
    for (const auto& [k, v] : m) EXPECT_TRUE(same_array(back.at(k), v)) << f << " " << k;
  }
  // Repetitive data compresses.
  io::ArrayMap zeros{{"z", jx::np::zeros({1000})}};
  io::save_npz(dir / "z1.npz", zeros);
  io::savez_compressed(dir / "z2.npz", zeros);
  EXPECT_LT(read_bytes(dir / "z2.npz").size() * 10, read_bytes(dir / "z1.npz").size());
  std::string msg = error_of([&] {
    io::save_npz(dir / "c.npz", {{"bf", expected(jx::bfloat16, {2})}});
  });
  EXPECT_NE(msg.find("array 'bf': NumPy's .npy format has no bfloat16"), std::string::npos) << msg;
}

std::string zip_of(const std::vector<std::pair<std::string, std::string>>& files, bool deflate,
                   bool zip64) {
  std::vector<fmt::ZipMember> members;
  for (const auto& [name, data] : files)
    members.push_back(
        {name,
         {std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size())}});
  std::string out;
  fmt::write_zip(
      members, deflate,
      [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }, zip64);
  return out;
}

std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Npz, ZipWriterAndReaderAgreeIncludingZip64) {
  std::string big(100000, 'a');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = char('a' + i % 26);
  for (bool deflate : {false, true})
    for (bool zip64 : {false, true}) {
      SCOPED_TRACE(std::to_string(deflate) + std::to_string(zip64));
      std::string z = zip_of({{"x", big}, {"empty", ""}, {"ünï", "abc"}}, deflate, zip64);
      std::vector<fmt::ZipEntry> es = fmt::parse_zip(span_of(z));
      ASSERT_EQ(es.size(), 3u);
      EXPECT_EQ(es[0].name, "x");
      EXPECT_EQ(es[2].name, "ünï");
      EXPECT_EQ(es[0].method, deflate ? 8 : 0);
      std::vector<uint8_t> x = fmt::zip_extract(span_of(z), es[0]);
      EXPECT_EQ(std::string(x.begin(), x.end()), big);
      EXPECT_TRUE(fmt::zip_extract(span_of(z), es[1]).empty());
      std::vector<uint8_t> u = fmt::zip_extract(span_of(z), es[2]);
      EXPECT_EQ(std::string(u.begin(), u.end()), "abc");
    }
}

// Adds a central directory entry (`entry`, 51 bytes for a 5-letter name) to
// a one-member archive `z`, pointing at `local`.
std::string with_extra_entry(std::string z, std::string entry, uint32_t local) {
  entry.replace(42, 4, reinterpret_cast<const char*>(&local), 4);
  z.insert(z.size() - 22, entry);
  uint16_t two = 2;
  uint32_t dir_size = 51 * 2;
  z.replace(z.size() - 22 + 8, 2, reinterpret_cast<const char*>(&two), 2);
  z.replace(z.size() - 22 + 10, 2, reinterpret_cast<const char*>(&two), 2);
  z.replace(z.size() - 22 + 12, 4, reinterpret_cast<const char*>(&dir_size), 4);
  return z;
}

TEST(Npz, CorruptArchivesAreClearErrors) {
  TempDir dir;
  std::string npy = read_bytes(fixture("float32.npy"));
  std::string stored = zip_of({{"a.npy", npy}}, false, false);
  std::string deflated = zip_of({{"a.npy", npy}}, true, false);
  auto with = [](std::string b, size_t at, const std::string& s) {
    b.replace(at, s.size(), s);
    return b;
  };
  size_t data_at = 30 + 5;                         // local header + name
  size_t dir_at = stored.size() - 22 - 46 - 5;     // the central entry
  size_t ddir_at = deflated.size() - 22 - 46 - 5;  // same, deflated archive
  struct Case {
    std::string name, bytes, message;
  };
  std::vector<Case> cases = {
      {"empty", "", "too short for a ZIP end"},
      {"not zip", std::string(100, 'x'), "no end of central directory record"},
      {"truncated", stored.substr(0, stored.size() - 30), "no end of central directory record"},
      {"crc", with(stored, data_at + 130, "Z"), "fails its CRC-32 check"},
      {"deflate data", with(deflated, data_at + 2, "\xff\xff\xff"), "corrupt deflate data"},
      {"method", with(stored, dir_at + 10, std::string("\x0c\x00", 2)), "compression method 12"},
      {"encrypted", with(stored, dir_at + 8, std::string("\x01\x00", 2)), "is encrypted"},
      {"dir offset", with(stored, stored.size() - 6, "\xff\xff\x00\x00"), "lies outside the file"},
      {"local offset", with(stored, dir_at + 42, "\x50\x00\x00\x00"), "bad local header signature"},
      {"size", with(stored, dir_at + 20, "\xff\xff\x00\x00"), "needs 65535 bytes"},
      {"bomb", with(deflated, ddir_at + 24, "\xff\xff\xff\x7f"), "more than deflate can produce"},
      {"count", with(stored, stored.size() - 14, std::string("\x09\x00\x09\x00", 4)),
       "9 entries cannot fit"},
      {"not npy", zip_of({{"a.txt", "hello"}}, false, false),
       "member 'a.txt' is not an .npy array"},
      {"bad member", zip_of({{"a.npy", npy.substr(0, 140)}}, false, false),
       "member 'a.npy': truncated: float32(2, 3) needs 24 bytes"},
      {"duplicate", zip_of({{"a.npy", npy}}, false, false), ""},  // placeholder, replaced below
  };
  // Two directory entries for one name.
  cases.back() = {"duplicate", with_extra_entry(stored, stored.substr(dir_at, 51), 0),
                  "appears twice"};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    write_bytes(dir / "bad.npz", c.bytes);
    std::string msg = error_of([&] { io::load_npz(dir / "bad.npz"); });
    EXPECT_NE(msg.find("[io.load_npz] '" + (dir / "bad.npz") + "': "), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte offset "), std::string::npos) << msg;
  }
}

TEST(Npz, OverlappingMembersAreRejected) {
  // Member a's data holds a complete local header + data for b, and the
  // directory lists b there too: b's bytes would be counted twice.
  std::string zb = zip_of({{"b.npy", "xyz"}}, false, false);
  std::string local_b = zb.substr(0, 38), entry_b = zb.substr(38, 51);
  std::string z = with_extra_entry(zip_of({{"a.npy", local_b}}, false, false), entry_b, 35);
  try {
    fmt::parse_zip(span_of(z));
    FAIL() << "expected a ParseError";
  } catch (const fmt::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("members 'a.npy' and 'b.npy' overlap"), std::string::npos)
        << e.what();
  }
  // The same entries without the overlap parse.
  std::string ok = with_extra_entry(zip_of({{"a.npy", ""}}, false, false), entry_b, 0);
  EXPECT_THROW(fmt::parse_zip(span_of(ok)), fmt::ParseError);  // b's header is not at 0
}

TEST(Npz, EveryTruncationIsAnError) {
  std::string good = read_bytes(fixture("savez_compressed.npz"));
  for (size_t n = 0; n < good.size(); ++n) {
    std::span<const uint8_t> b(reinterpret_cast<const uint8_t*>(good.data()), n);
    try {
      for (const fmt::ZipEntry& e : fmt::parse_zip(b)) fmt::zip_extract(b, e);
      ADD_FAILURE() << "truncation at " << n << " was accepted";
    } catch (const fmt::ParseError&) {
    }
  }
}

}  // namespace
