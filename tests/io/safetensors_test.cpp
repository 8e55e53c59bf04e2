// safetensors: a file written by the `safetensors` Python package, round
// trips of every dtype with metadata, the layout the writer promises, and
// clear errors for every kind of corruption.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/safetensors_format.h"
#include "io_test_util.h"

namespace {
using namespace jxio;
namespace io = jx::io;
namespace fmt = jx::io::format;

TEST(Safetensors, LoadsFileFromPythonPackage) {
  std::string path = fixture("numpy.safetensors");
  io::ArrayMap m = io::load_safetensors(path);
  std::vector<std::string> names;
  for (const auto& kv : m) names.push_back(kv.first);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "bf", "d", "mask", "step", "u", "w"}));
  EXPECT_TRUE(same_array(m.at("w"), expected(jx::float32, {2, 3})));
  EXPECT_TRUE(same_array(m.at("b"), expected(jx::float16, {3})));
  EXPECT_TRUE(same_array(m.at("step"), expected(jx::int64, {})));
  EXPECT_TRUE(same_array(m.at("mask"), expected(jx::bool_, {2, 2})));
  EXPECT_TRUE(same_array(m.at("u"), expected(jx::uint8, {4})));
  EXPECT_TRUE(same_array(m.at("d"), expected(jx::float64, {1, 2})));
  EXPECT_TRUE(same_array(m.at("bf"), expected(jx::bfloat16, {2, 2})));
  io::Metadata md = io::load_safetensors_metadata(path);
  EXPECT_EQ(md, (io::Metadata{{"format", "np"}, {"note", "fixture"}}));
}

TEST(Safetensors, RoundTripsEveryDtypeWithMetadata) {
  TempDir dir;
  io::ArrayMap m;
  for (jx::DType dt : jx::kAllDTypes) m[std::string(dt.name())] = expected(dt, {2, 3});
  m["scalar"] = expected(jx::float32, {});
  m["empty"] = expected(jx::int16, {0, 4});
  io::Metadata md{{"step", "1200"}, {"note", "ünïcode ✓"}};
  io::save_safetensors(dir / "all.safetensors", m, md);
  io::ArrayMap back = io::load_safetensors(dir / "all.safetensors");
  ASSERT_EQ(back.size(), m.size());
  for (const auto& [k, v] : m) EXPECT_TRUE(same_array(back.at(k), v)) << k;
  EXPECT_EQ(io::load_safetensors_metadata(dir / "all.safetensors"), md);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"all.safetensors"});
}

TEST(Safetensors, LayoutAlignsEveryTensor) {
  TempDir dir;
  io::ArrayMap m{{"a8", expected(jx::uint8, {3})},
                 {"b16", expected(jx::bfloat16, {5})},
                 {"c64", expected(jx::float64, {2})},
                 {"d32", expected(jx::int32, {1})}};
  io::save_safetensors(dir / "x.safetensors", m);
  std::string bytes = read_bytes(dir / "x.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  auto header = nlohmann::json::parse(bytes.substr(8, n));
  EXPECT_FALSE(header.contains("__metadata__"));  // none given
  // Largest elements first: every offset is a multiple of the element size.
  EXPECT_EQ(header["c64"]["data_offsets"], nlohmann::json({0, 16}));
  EXPECT_EQ(header["d32"]["data_offsets"], nlohmann::json({16, 20}));
  EXPECT_EQ(header["b16"]["data_offsets"], nlohmann::json({20, 30}));
  EXPECT_EQ(header["a8"]["data_offsets"], nlohmann::json({30, 33}));
  EXPECT_EQ(header["b16"]["dtype"], "BF16");
  EXPECT_EQ(bytes.size(), 8 + n + 33);
}

TEST(Safetensors, SaveErrors) {
  TempDir dir;
  std::string msg = error_of([&] {
    io::save_safetensors(dir / "x.safetensors", {{"__metadata__", expected(jx::float32, {1})}});
  });
  EXPECT_NE(msg.find("[io.save_safetensors]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("reserved"), std::string::npos) << msg;
  msg = error_of([&] {
    io::save_safetensors(dir / "x.safetensors",
                         {{std::string("bad\xff"), expected(jx::float32, {1})}});
  });
  EXPECT_NE(msg.find("not valid UTF-8"), std::string::npos) << msg;
  msg = error_of([&] { io::save_safetensors(dir / "no/such/dir/x.safetensors", {}); });
  EXPECT_NE(msg.find("cannot create a temporary file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

// A valid file built by hand: header text (padded to 8) and a data buffer.
std::string file_of(const std::string& header, const std::string& data) {
  std::string h = header;
  std::string out;
  uint64_t n = h.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  return out + h + data;
}

TEST(Safetensors, CorruptFilesAreClearErrors) {
  TempDir dir;
  std::string good = read_bytes(fixture("numpy.safetensors"));
  std::string w = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  struct Case {
    std::string name, bytes, message;
  };
  std::vector<Case> cases = {
      {"empty", "", "fewer than the 8-byte header length"},
      {"short header", good.substr(0, 100), "runs past the end of the file"},
      {"huge header", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}",
       "exceeds the 100 MB limit"},
      {"no brace", file_of("[1]", ""), "does not start with '{'"},
      {"bad json", file_of("{\"w\":", ""), "not valid JSON"},
      {"deep", file_of("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}", ""),
       "nests deeper"},
      {"duplicate", file_of("{" + w + "," + w + "}", std::string(8, 'x')), "has the key 'w' twice"},
      {"dtype",
       file_of(R"({"w":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", std::string(8, 'x')),
       "unsupported dtype \"C64\""},
      {"no shape", file_of(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", "xxxx"),
       "has no \"shape\""},
      {"negative dim",
       file_of(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "xxxx"),
       "a dimension is not a non-negative integer: -1"},
      {"float dim", file_of(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "xxxx"),
       "not a non-negative integer: 1.5"},
      {"size mismatch",
       file_of(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, 'x')),
       "float32(3,) needs 12 bytes but data_offsets [0, 8] span 8"},
      {"overflow",
       file_of(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
               std::string(8, 'x')),
       "has too many elements"},
      {"reversed", file_of(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", "xxxx"),
       "end before they begin"},
      {"truncated data", file_of("{" + w + "}", "xxxx"), "truncated: tensor 'w' needs 8 bytes"},
      {"hole",
       file_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, 'x')),
       "(a hole)"},
      {"overlap",
       file_of("{" + w + R"(,"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
               std::string(8, 'x')),
       "(overlap)"},
      {"trailing", file_of("{" + w + "}", std::string(12, 'x')), "4 bytes after the last tensor"},
      {"metadata", file_of(R"({"__metadata__":{"a":1}})", ""),
       "\"__metadata__\" value of 'a' is not a string"},
      {"number overflow", file_of("{\"a\":1e999}", ""), "number overflow"},  // found by fuzzing
      {"not utf8", file_of("{\"w\xff\":1}", ""), "not valid JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    write_bytes(dir / "bad.safetensors", c.bytes);
    std::string msg = error_of([&] { io::load_safetensors(dir / "bad.safetensors"); });
    EXPECT_NE(msg.find("[io.load_safetensors] '" + (dir / "bad.safetensors") + "': "),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
    EXPECT_NE(msg.find("(byte offset "), std::string::npos) << msg;
    EXPECT_NE(msg.find("safetensors_test.cpp:"), std::string::npos) << msg;
  }
}

TEST(Safetensors, EveryTruncationAndByteFlipIsHandled) {
  std::string good = read_bytes(fixture("numpy.safetensors"));
  auto span = [](const std::string& s, size_t n) {
    return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), n);
  };
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(fmt::parse_safetensors(span(good, n)), fmt::ParseError) << n;
  // Flipping any header byte either still parses (e.g. inside a metadata
  // string) or is a ParseError; never anything else.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string b = good;
    b[i] = char(b[i] ^ 0x5a);
    try {
      fmt::parse_safetensors(span(b, b.size()));
    } catch (const fmt::ParseError&) {
    }
  }
}

}  // namespace
