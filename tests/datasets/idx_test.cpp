// IDX reading and Fashion-MNIST loading: files written byte by byte here
// (plain and gzip), every element type, and every way a file can be wrong;
// the real Fashion-MNIST against values computed with Python's gzip module.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "jx/datasets.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

void put32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back((v >> s) & 0xFF);
}

// An IDX header: magic for `type` and the dims.
Bytes header(unsigned type, std::vector<uint32_t> dims) {
  Bytes b;
  put32(b, (type << 8) | uint32_t(dims.size()));
  for (uint32_t d : dims) put32(b, d);
  return b;
}

// Appends the big-endian bytes of v.
template <class T>
void put_be(Bytes& b, T v) {
  unsigned char raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) b.push_back(raw[sizeof(T) - 1 - i]);
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("jx_idx_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_plain(const std::string& name, const Bytes& b) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
    return p;
  }
  std::string write_gz(const std::string& name, const Bytes& b) {
    std::string p = (dir_ / name).string();
    gzFile f = gzopen(p.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, b.data(), unsigned(b.size())), int(b.size()));
    EXPECT_EQ(gzclose(f), Z_OK);
    return p;
  }
  static Bytes file_bytes(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }

  fs::path dir_;
};

// EXPECT that `f` throws jx::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F f, std::vector<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no jx::Error thrown";
  } catch (const jx::Error& e) {
    std::string msg = e.what();
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << msg << "\n  lacks: " << p;
    EXPECT_NE(msg.find("idx_test.cpp:"), std::string::npos) << msg;
  }
}

TEST_F(IdxTest, Uint8PlainAndGzipGiveTheSameArray) {
  Bytes b = header(0x08, {2, 3});
  for (int i = 0; i < 6; ++i) b.push_back(uint8_t(250 + i));  // 250..255
  for (const std::string& p : {write_plain("a", b), write_gz("a.gz", b)}) {
    jx::Array a = jx::datasets::read_idx(p);
    EXPECT_EQ(a.dtype(), jx::uint8);
    EXPECT_EQ(a.shape(), jx::Shape({2, 3}));
    EXPECT_EQ(a.to_vector<int>(), (std::vector<int>{250, 251, 252, 253, 254, 255}));
  }
}

TEST_F(IdxTest, EveryElementTypeIsReadBigEndian) {
  {
    Bytes b = header(0x09, {3});
    for (int8_t v : {int8_t(-128), int8_t(-1), int8_t(7)}) b.push_back(uint8_t(v));
    auto a = jx::datasets::read_idx(write_gz("i8.gz", b));
    EXPECT_EQ(a.dtype(), jx::int8);
    EXPECT_EQ(a.to_vector<int>(), (std::vector<int>{-128, -1, 7}));
  }
  {
    Bytes b = header(0x0B, {2});
    b.insert(b.end(), {0x12, 0x34, 0xFF, 0xFE});  // 0x1234, -2
    auto a = jx::datasets::read_idx(write_plain("i16", b));
    EXPECT_EQ(a.dtype(), jx::int16);
    EXPECT_EQ(a.to_vector<int>(), (std::vector<int>{0x1234, -2}));
  }
  {
    Bytes b = header(0x0C, {1, 2});
    b.insert(b.end(), {0x01, 0x02, 0x03, 0x04, 0x80, 0x00, 0x00, 0x00});
    auto a = jx::datasets::read_idx(write_gz("i32.gz", b));
    EXPECT_EQ(a.dtype(), jx::int32);
    EXPECT_EQ(a.shape(), jx::Shape({1, 2}));
    EXPECT_EQ(a.to_vector<int64_t>(), (std::vector<int64_t>{0x01020304, INT32_MIN}));
  }
  {
    Bytes b = header(0x0D, {2});
    b.insert(b.end(), {0x3F, 0xC0, 0x00, 0x00, 0xBE, 0x80, 0x00, 0x00});  // 1.5, -0.25
    auto a = jx::datasets::read_idx(write_plain("f32", b));
    EXPECT_EQ(a.dtype(), jx::float32);
    EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{1.5f, -0.25f}));
  }
  {
    Bytes b = header(0x0E, {1});
    put_be(b, 3.141592653589793);
    auto a = jx::datasets::read_idx(write_gz("f64.gz", b));
    EXPECT_EQ(a.dtype(), jx::float64);
    EXPECT_EQ(a.item<double>(), 3.141592653589793);
  }
  {
    Bytes b = header(0x08, {});  // 0-d: one element
    b.push_back(42);
    auto a = jx::datasets::read_idx(write_plain("scalar", b));
    EXPECT_EQ(a.ndim(), 0);
    EXPECT_EQ(a.item<int>(), 42);
  }
}

TEST_F(IdxTest, MissingFileAndDirectory) {
  std::string p = (dir_ / "nope.gz").string();
  expect_error([&] { jx::datasets::read_idx(p); }, {"[datasets.read_idx]", "no such file", p});
  expect_error([&] { jx::datasets::read_idx(dir_.string()); }, {"not a regular file"});
}

TEST_F(IdxTest, BadMagicNumber) {
  Bytes b = {0x1F, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5};
  expect_error([&] { jx::datasets::read_idx(write_plain("m1", b)); },
               {"not an IDX file", "0x1F000801"});
  Bytes c = header(0x0A, {1});  // 0x0A is not an IDX type
  c.push_back(0);
  expect_error([&] { jx::datasets::read_idx(write_gz("m2.gz", c)); }, {"0x00000A01"});
  expect_error(
      [&] {
        jx::datasets::read_idx(write_plain("short", Bytes{0, 0}));
      },
      {"holds 2 bytes", "too few"});
  expect_error([&] { jx::datasets::read_idx(write_plain("empty", Bytes{})); }, {"holds 0 bytes"});
}

TEST_F(IdxTest, SizesThatDoNotMatchTheData) {
  Bytes hdr_only = header(0x08, {2, 3});
  hdr_only.resize(8);  // declares 2 dims, holds one size
  expect_error([&] { jx::datasets::read_idx(write_plain("h", hdr_only)); },
               {"truncated", "2 dimensions", "only 8 bytes"});
  Bytes few = header(0x0B, {2, 3});
  few.resize(few.size() + 11);  // 12 needed
  expect_error([&] { jx::datasets::read_idx(write_gz("few.gz", few)); },
               {"declares shape (2, 3) of int16", "12 bytes", "holds 11 bytes"});
  Bytes many = header(0x08, {4});
  many.resize(many.size() + 5);
  expect_error([&] { jx::datasets::read_idx(write_plain("many", many)); },
               {"(4,)", "holds 5 bytes"});
  // Absurd sizes are compared against the data, never allocated.
  Bytes huge = header(0x0E, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  huge.push_back(0);
  expect_error([&] { jx::datasets::read_idx(write_plain("huge", huge)); },
               {"(4294967295, 4294967295, 4294967295)", "holds 1 bytes"});
}

TEST_F(IdxTest, TruncatedAndCorruptGzip) {
  Bytes b = header(0x08, {1000});
  for (int i = 0; i < 1000; ++i) b.push_back(uint8_t(i * 7919 % 251));
  Bytes gz = file_bytes(write_gz("full.gz", b));
  ASSERT_GT(gz.size(), 40u);
  Bytes cut(gz.begin(), gz.begin() + gz.size() / 2);
  expect_error([&] { jx::datasets::read_idx(write_plain("cut.gz", cut)); },
               {"corrupt or truncated", "cut.gz"});
  Bytes bad = gz;
  bad[bad.size() - 6] ^= 0xFF;  // inside the CRC-32 trailer
  expect_error([&] { jx::datasets::read_idx(write_plain("crc.gz", bad)); },
               {"corrupt or truncated", "crc.gz"});
}

TEST(FashionMnist, RealDataMatchesAnIndependentReader) {
  if (!fs::exists(std::string(jx::datasets::kFashionMnistDir)))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto ds = jx::datasets::load_fashion_mnist();
  EXPECT_EQ(ds.train.images.dtype(), jx::uint8);
  EXPECT_EQ(ds.train.images.shape(), jx::Shape({60000, 28, 28}));
  EXPECT_EQ(ds.test.images.shape(), jx::Shape({10000, 28, 28}));
  EXPECT_EQ(ds.train.labels.dtype(), jx::int32);
  EXPECT_EQ(ds.test.labels.shape(), jx::Shape({10000}));
  // Reference values: Python's gzip module over the same files (sum of all
  // pixel bytes, the first labels, bytes 10..17 of row 14 of image 0).
  auto sum_u8 = [](const jx::Array& a) {
    uint64_t s = 0;
    for (int64_t i = 0; i < a.size(); ++i) s += a.data_as<uint8_t>()[i];
    return s;
  };
  EXPECT_EQ(sum_u8(ds.train.images), 3431114169u);
  EXPECT_EQ(sum_u8(ds.test.images), 573469082u);
  auto tl = ds.train.labels.to_vector<int>();
  EXPECT_EQ(std::vector<int>(tl.begin(), tl.begin() + 10),
            (std::vector<int>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
  auto el = ds.test.labels.to_vector<int>();
  EXPECT_EQ(std::vector<int>(el.begin(), el.begin() + 10),
            (std::vector<int>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  std::vector<int> counts(10, 0);
  for (int l : tl) counts[l]++;
  EXPECT_EQ(counts, std::vector<int>(10, 6000));
  const uint8_t* row = ds.train.images.data_as<uint8_t>() + 28 * 14 + 10;
  EXPECT_EQ(std::vector<int>(row, row + 8),
            (std::vector<int>{0x00, 0x00, 0xed, 0xe2, 0xd9, 0xdf, 0xde, 0xdb}));
  // images_float: NHWC float32 in [0, 1].
  auto f = ds.test.images_float();
  EXPECT_EQ(f.dtype(), jx::float32);
  EXPECT_EQ(f.shape(), jx::Shape({10000, 28, 28, 1}));
  auto fv = f[0].to_vector<float>();
  EXPECT_FLOAT_EQ(fv[28 * 14 + 12], float(0x62) / 255.0f);
  EXPECT_EQ(jx::datasets::kFashionMnistClasses[9], "Ankle boot");
}

TEST_F(IdxTest, FashionMnistChecksFilesAgainstEachOther) {
  auto images = [&](uint32_t n) {
    Bytes b = header(0x08, {n, 2, 2});
    b.resize(b.size() + 4 * n, 1);
    return b;
  };
  auto labels = [&](std::vector<uint8_t> l) {
    Bytes b = header(0x08, {uint32_t(l.size())});
    b.insert(b.end(), l.begin(), l.end());
    return b;
  };
  std::string d = dir_.string();
  expect_error([&] { jx::datasets::load_fashion_mnist(d); },
               {"[datasets.load_fashion_mnist]", "missing file", "train-images-idx3-ubyte.gz"});
  write_gz("train-images-idx3-ubyte.gz", images(3));
  write_plain("train-labels-idx1-ubyte", labels({0, 9, 4}));  // plain files work too
  write_gz("t10k-images-idx3-ubyte.gz", images(2));
  write_gz("t10k-labels-idx1-ubyte.gz", labels({1, 2, 3}));
  expect_error([&] { jx::datasets::load_fashion_mnist(d); }, {"holds 2 images", "holds 3 labels"});
  write_gz("t10k-labels-idx1-ubyte.gz", labels({1, 10}));
  expect_error([&] { jx::datasets::load_fashion_mnist(d); }, {"label 10 at index 1", "0..9"});
  write_gz("t10k-labels-idx1-ubyte.gz", labels({1, 2}));
  auto ds = jx::datasets::load_fashion_mnist(d);
  EXPECT_EQ(ds.train.labels.to_vector<int>(), (std::vector<int>{0, 9, 4}));
  EXPECT_EQ(ds.test.images.shape(), jx::Shape({2, 2, 2}));
  // Labels of the wrong rank, images of the wrong dtype.
  Bytes rank2 = header(0x08, {1, 2});
  rank2.insert(rank2.end(), {1, 2});
  write_gz("t10k-labels-idx1-ubyte.gz", rank2);
  expect_error([&] { jx::datasets::load_fashion_mnist(d); }, {"u8[1,2]", "expected labels u8[N]"});
}

}  // namespace
