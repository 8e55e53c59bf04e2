// Helpers for the jx::io tests: a scratch directory, fixture paths, the value
// formula the fixture generator (tests/fixtures/io/gen_io_fixtures.py) uses,
// byte-level file helpers and exact array comparison.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace jxio {

namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "jx_io_test_XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  /// Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path path_;
};

inline std::string fixture(const std::string& name) {
  return std::string(JX_FIXTURES_DIR) + "/io/" + name;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

/// Element i of a fixture array of dtype `dt` (see gen_io_fixtures.py).
inline double value_at(jx::DType dt, int64_t i) {
  if (dt.is_bool()) return i % 3 == 0;
  if (dt.is_integer()) return double((i * 37 + 3) % 100 - (dt.is_signed_int() ? 50 : 0));
  return (double(i) - 2.5) * 0.75;
}

/// The fixture array of dtype `dt` and `shape`.
inline jx::Array expected(jx::DType dt, const jx::Shape& shape) {
  int64_t n = shape.numel();
  std::vector<uint8_t> bytes(size_t(std::max<int64_t>(n, 1) * dt.itemsize()));
  jx::dispatch_dtype(dt, [&]<class T>() {
    T* p = reinterpret_cast<T*>(bytes.data());
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_same_v<T, jx::float16_t> || std::is_same_v<T, jx::bfloat16_t>)
        p[i] = T(float(value_at(dt, i)));
      else
        p[i] = T(value_at(dt, i));
    }
  });
  return jx::make_from_host(bytes.data(), jx::Aval{dt, shape, false}, jx::default_device());
}

/// Same dtype, same shape, same bytes.
inline ::testing::AssertionResult same_array(const jx::Array& a, const jx::Array& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure() << a.aval().str() << " vs " << b.aval().str();
  if (a.nbytes() && std::memcmp(a.data(), b.data(), size_t(a.nbytes())) != 0)
    return ::testing::AssertionFailure() << "values differ:\n" << a << "\nvs\n" << b;
  return ::testing::AssertionSuccess();
}

/// The message of the jx::Error `f` throws ("" and a test failure if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a jx::Error";
  return "";
}

}  // namespace jxio
