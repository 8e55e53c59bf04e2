// Helpers for the LLVM code generator tests: typed buffers for a kernel's
// params filled with random values, and runners for the JIT and the kernel
// IR's reference interpreter.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/llvm/codegen.h"
#include "compiler/kernel_ir.h"

namespace jxt::llvm_cg {

namespace kir = jx::compiler::kir;
using jx::DType;

struct Buffers {
  std::vector<std::vector<char>> data;
  std::vector<char*> ptrs() {
    std::vector<char*> p;
    for (auto& d : data) p.push_back(d.data());
    return p;
  }
};

/// Random contents for every param (outputs get a fill pattern). Floats are
/// normal-ish with a few specials when `specials`; ints span their range.
inline Buffers random_buffers(const kir::Kernel& k, std::mt19937_64& rng, bool specials = false) {
  Buffers b;
  for (const kir::Param& p : k.params) {
    std::vector<char> d(size_t(p.size * p.dtype.itemsize()), char(0x5a));
    if (!p.is_output) {
      std::normal_distribution<double> nd(0.0, 2.0);
      std::uniform_int_distribution<int64_t> id(-100000, 100000);
      for (int64_t i = 0; i < p.size; ++i) {
        char* at = d.data() + i * p.dtype.itemsize();
        double v = nd(rng);
        if (specials && rng() % 16 == 0) {
          const double sp[] = {0.0,   -0.0,    INFINITY, -INFINITY, NAN,
                               1e-40, -3e-310, 1e30,     100.0,     -100.0};
          v = sp[rng() % 10];
        }
        int64_t iv = id(rng);
        if (p.dtype == jx::float32) {
          float f = float(v);
          std::memcpy(at, &f, 4);
        } else if (p.dtype == jx::float64)
          std::memcpy(at, &v, 8);
        else if (p.dtype == jx::bool_)
          *at = char(rng() & 1);
        else
          std::memcpy(at, &iv, size_t(p.dtype.itemsize()));  // little endian: wraps
      }
    }
    b.data.push_back(std::move(d));
  }
  return b;
}

inline void run_interp(const kir::Kernel& k, Buffers& b) {
  auto p = b.ptrs();
  kir::interpret(k, p.data(), 0, k.rows());
}

inline void run_jit(const kir::Kernel& k, Buffers& b) {
  auto ck = jx::cpu::llvm_backend::compile_kernel(k);
  auto p = b.ptrs();
  jx::cpu::llvm_backend::run_kernel(*ck, k, p.data());
}

/// Reads element i of a float/int buffer as double (ints exactly up to 2^53).
inline double element(DType dt, const char* d, int64_t i) {
  if (dt == jx::float32) {
    float f;
    std::memcpy(&f, d + 4 * i, 4);
    return f;
  }
  if (dt == jx::float64) {
    double f;
    std::memcpy(&f, d + 8 * i, 8);
    return f;
  }
  if (dt == jx::bool_ || dt == jx::uint8) return double((unsigned char)d[i]);
  if (dt == jx::int8) return double((signed char)d[i]);
  if (dt == jx::int32) {
    int32_t v;
    std::memcpy(&v, d + 4 * i, 4);
    return v;
  }
  if (dt == jx::uint32) {
    uint32_t v;
    std::memcpy(&v, d + 4 * i, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, d + 8 * i, 8);
  return double(v);
}

/// Distance in ulps between two floats of dtype dt (0 when both NaN).
inline double ulp_diff(DType dt, double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (std::isnan(a) || std::isnan(b)) return INFINITY;
  if (a == b) return 0;
  if (dt == jx::float32) {
    auto key = [](float f) {
      int32_t i;
      std::memcpy(&i, &f, 4);
      return i < 0 ? int64_t(INT32_MIN) - i : int64_t(i);
    };
    return std::fabs(double(key(float(a)) - key(float(b))));
  }
  auto key = [](double f) {
    int64_t i;
    std::memcpy(&i, &f, 8);
    return i < 0 ? (long double)(INT64_MIN)-i : (long double)(i);
  };
  return double(std::fabs(key(a) - key(b)));
}

/// Compares every output: bitwise-equal (up to NaN payloads) when ulps == 0
/// and rel == 0, else within `ulps`, relative error `rel` or absolute error
/// `atol` (for values that cancel, like x - mean(x)).
inline ::testing::AssertionResult same_outputs(const kir::Kernel& k, Buffers& a, Buffers& b,
                                               double ulps = 0, double rel = 0, double atol = 0) {
  for (size_t p = 0; p < k.params.size(); ++p) {
    if (!k.params[p].is_output) continue;
    DType dt = k.params[p].dtype;
    for (int64_t i = 0; i < k.params[p].size; ++i) {
      double x = element(dt, a.data[p].data(), i), y = element(dt, b.data[p].data(), i);
      bool ok;
      if (!dt.is_floating())
        ok =
            x == y && std::memcmp(a.data[p].data() + i * dt.itemsize(),
                                  b.data[p].data() + i * dt.itemsize(), size_t(dt.itemsize())) == 0;
      else if (std::isnan(x) || std::isnan(y))
        ok = std::isnan(x) && std::isnan(y);
      else if (x == y)
        ok = std::signbit(x) == std::signbit(y) || ulps > 0 || rel > 0;
      else
        ok = ulp_diff(dt, x, y) <= ulps ||
             std::fabs(x - y) <= rel * std::max(std::fabs(x), std::fabs(y)) ||
             std::fabs(x - y) <= atol;
      if (!ok)
        return ::testing::AssertionFailure()
               << "output p" << p << "[" << i << "]: interpreter " << x << " vs jit " << y << " ("
               << ulp_diff(dt, x, y) << " ulp)\n"
               << k.str();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace jxt::llvm_cg
