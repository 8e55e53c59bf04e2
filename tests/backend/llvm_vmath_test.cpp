// Accuracy of the JIT's polynomial transcendentals (backend/cpu/llvm/
// vmath.cpp): max ulp error against a long double libm reference on dense
// samples plus special values, within the bounds stated in docs/codegen.md,
// and agreement with the eager kernels (cpu::unary).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "backend/cpu/kernels.h"
#include "backend/llvm_test_util.h"

namespace jxt::llvm_cg {
namespace {

using jx::cpu::UnaryOp;
namespace lb = jx::cpu::llvm_backend;

long double reference(UnaryOp op, long double x) {
  switch (op) {
    case UnaryOp::kExp:
      return expl(x);
    case UnaryOp::kExp2:
      return exp2l(x);
    case UnaryOp::kLog:
      return logl(x);
    case UnaryOp::kLog1p:
      return log1pl(x);
    case UnaryOp::kExpm1:
      return expm1l(x);
    case UnaryOp::kTanh:
      return tanhl(x);
    case UnaryOp::kLogistic:
      return 1.0L / (1.0L + expl(-x));
    case UnaryOp::kSin:
      return sinl(x);
    case UnaryOp::kCos:
      return cosl(x);
    case UnaryOp::kErf:
      return erfl(x);
    default:
      return NAN;
  }
}

// Error of y against the exact r in ulps of r's type T (subnormal ulps below
// the normal range); 0 when both are NaN or equal infinities.
template <class T>
double ulp_error(T y, long double r) {
  if (std::isnan(y) || std::isnan(r)) return std::isnan(y) && std::isnan(r) ? 0 : INFINITY;
  T rt = T(r);
  if (std::isinf(rt) || std::isinf(y)) return y == rt ? 0 : INFINITY;
  int e;
  std::frexp(double(rt == 0 ? std::numeric_limits<T>::min() : rt), &e);
  int emin = std::numeric_limits<T>::min_exponent;
  long double ulp = std::ldexp(1.0L, std::max(e, emin) - std::numeric_limits<T>::digits);
  return double(std::fabs((long double)y - r) / ulp);
}

template <class T>
struct Result {
  double max_ulp = 0;
  T worst = 0;
};

// Runs op on xs with a JIT kernel; returns outputs.
template <class T>
std::vector<T> jit_unary(UnaryOp op, const std::vector<T>& xs) {
  DType dt = sizeof(T) == 4 ? jx::float32 : jx::float64;
  kir::Kernel k;
  k.name = "vmath";
  auto n = int64_t(xs.size());
  k.params = {{dt, n, false}, {dt, n, true}};
  k.domain = {n};
  k.stores.push_back({1, kir::add_unary(k, op, kir::add_load(k, 0, dt, {1})), 0, {1}});
  std::vector<T> ys(xs.size());
  char* p[2] = {const_cast<char*>(reinterpret_cast<const char*>(xs.data())),
                reinterpret_cast<char*>(ys.data())};
  lb::run_kernel(*lb::compile_kernel(k), k, p);
  return ys;
}

// Dense samples: every `step`-th bit pattern of the positive and negative
// floats (f32), or log-uniform magnitudes (f64), plus special values.
template <class T>
std::vector<T> samples(int64_t count, uint64_t seed) {
  std::vector<T> xs;
  const T sp[] = {T(0),
                  T(-0.0),
                  std::numeric_limits<T>::infinity(),
                  -std::numeric_limits<T>::infinity(),
                  std::numeric_limits<T>::quiet_NaN(),
                  std::numeric_limits<T>::min(),
                  std::numeric_limits<T>::denorm_min(),
                  std::numeric_limits<T>::max(),
                  T(1),
                  T(-1),
                  T(0.5),
                  T(88.72),
                  T(-87.33),
                  T(-103.9),
                  T(709.7),
                  T(-745.1),
                  T(1e-30),
                  T(-1e-30)};
  for (T v : sp) xs.push_back(v);
  std::mt19937_64 rng(seed);
  if constexpr (sizeof(T) == 4) {
    uint64_t step = (uint64_t(1) << 32) / uint64_t(count);
    for (uint64_t b = rng() % step; b < (uint64_t(1) << 32); b += step) {
      uint32_t bits = uint32_t(b);
      float f;
      std::memcpy(&f, &bits, 4);
      xs.push_back(f);
    }
  } else {
    std::uniform_real_distribution<double> u(-40, 12);
    for (int64_t i = 0; i < count; ++i) {
      double m = std::exp2(u(rng));
      xs.push_back(rng() & 1 ? -m : m);
    }
    std::uniform_real_distribution<double> lin(-800, 800);
    for (int64_t i = 0; i < count / 4; ++i) xs.push_back(lin(rng));
  }
  return xs;
}

template <class T>
Result<T> measure(UnaryOp op, const std::vector<T>& xs) {
  std::vector<T> ys = jit_unary(op, xs);
  Result<T> r;
  for (size_t i = 0; i < xs.size(); ++i) {
    double e = ulp_error<T>(ys[i], reference(op, (long double)xs[i]));
    if (e > r.max_ulp) {
      r.max_ulp = e;
      r.worst = xs[i];
    }
  }
  return r;
}

struct Bound {
  UnaryOp op;
  const char* name;
  double f32_ulp, f64_ulp;
  double trig_range;  // |x| limit for sin/cos samples (0: none)
};

// The bounds of docs/codegen.md (measured maxima rounded up).
const Bound kBounds[] = {
    {UnaryOp::kExp, "exp", 1, 1, 0},
    {UnaryOp::kExp2, "exp2", 1, 1, 0},
    {UnaryOp::kLog, "log", 1, 1, 0},
    {UnaryOp::kLog1p, "log1p", 1, 1.5, 0},
    {UnaryOp::kExpm1, "expm1", 1.5, 2, 0},
    {UnaryOp::kTanh, "tanh", 1.5, 1.5, 0},
    {UnaryOp::kLogistic, "logistic", 3, 2.5, 0},
    {UnaryOp::kSin, "sin", 1, 1.5, 1e6},  // f64: |x| < 1e6 (see docs); f32: all
    {UnaryOp::kCos, "cos", 1, 1.5, 1e6},
    {UnaryOp::kErf, "erf", 1, 2.5, 0},
};

template <class T>
std::vector<T> op_samples(const Bound& b, int64_t count, uint64_t seed) {
  std::vector<T> xs = samples<T>(count, seed);
  if (b.trig_range > 0 && sizeof(T) == 8)
    for (T& x : xs)
      if (std::fabs(x) > b.trig_range) x = std::fmod(x, T(b.trig_range));
  return xs;
}

TEST(LlvmVmath, Float32WithinBound) {
  for (const Bound& b : kBounds) {
    Result<float> r = measure<float>(b.op, op_samples<float>(b, 1 << 22, 1));
    EXPECT_LE(r.max_ulp, b.f32_ulp) << b.name << " worst at x = " << r.worst;
    std::printf("%-9s f32 max %.3f ulp (x = %.9g)\n", b.name, r.max_ulp, double(r.worst));
  }
}

TEST(LlvmVmath, Float64WithinBound) {
  for (const Bound& b : kBounds) {
    Result<double> r = measure<double>(b.op, op_samples<double>(b, 1 << 20, 2));
    EXPECT_LE(r.max_ulp, b.f64_ulp) << b.name << " worst at x = " << r.worst;
    std::printf("%-9s f64 max %.3f ulp (x = %.17g)\n", b.name, r.max_ulp, r.worst);
  }
}

// Bitwise agreement in the special values and closeness to the eager
// kernels (Highway's math) everywhere.
TEST(LlvmVmath, AgreesWithEagerKernels) {
  for (const Bound& b : kBounds) {
    for (int f64 = 0; f64 < 2; ++f64) {
      DType dt = f64 ? jx::float64 : jx::float32;
      auto check = [&]<class T>(T) {
        std::vector<T> xs = op_samples<T>(b, 1 << 16, 3);
        std::vector<T> ys = jit_unary(b.op, xs), eager(xs.size());
        jx::cpu::unary(b.op, dt, xs.data(), eager.data(), int64_t(xs.size()));
        double worst = 0;
        T at = 0;
        for (size_t i = 0; i < xs.size(); ++i) {
          // Where the eager kernel itself is off (e.g. its logistic
          // overflows exp(-x) to inf for x < -709), exactness decides.
          if (ulp_error<T>(eager[i], reference(b.op, (long double)xs[i])) > 4) continue;
          double d = ulp_diff(dt, double(ys[i]), double(eager[i]));
          if (d > worst) {
            worst = d;
            at = xs[i];
          }
        }
        // Both sides are within their own bounds of the exact result.
        EXPECT_LE(worst, (f64 ? b.f64_ulp : b.f32_ulp) + 4)
            << b.name << " " << dt.name() << " at x = " << at;
      };
      if (f64)
        check(0.0);
      else
        check(0.0f);
    }
  }
}

}  // namespace
}  // namespace jxt::llvm_cg
