// check_grads: automatic derivatives against central finite differences, as
// jax/_src/public_test_util.py does it (same default tolerances, step and
// recursion), with host-side arithmetic in double.
#include "jx/check_grads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>

#include "backend/cpu/kernels.h"

namespace jx::test {

double default_gradient_tolerance(DType dt) {
  if (dt == float64) return 1e-5;
  if (dt == float32) return 2e-3;
  if (dt == float16) return 1e-2;
  if (dt == bfloat16) return 1e-1;
  return 0;
}

namespace {

constexpr double kDefaultEps = 1e-4;  // JAX's EPS

struct Options {
  std::optional<double> atol, rtol;
  double eps;
  bool fwd, rev;
};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::vector<double> host(const Array& x) {
  if (x.is_tracer())
    throw_error("check_grads", "needs concrete values; it cannot run inside a transformation");
  return x.to_vector<double>();
}

/// An array with `aval` holding v rounded to its dtype.
Array from_host(const std::vector<double>& v, const Aval& aval) {
  Array out = make_uninit(aval, default_device());
  if (!v.empty())
    cpu::convert(float64, v.data(), aval.dtype, out.impl().buffer->data(), int64_t(v.size()));
  return out;
}

/// Standard normal samples from a fixed-seed mt19937 (Box-Muller written out,
/// because std::normal_distribution differs between standard libraries).
class Normal {
 public:
  double operator()() {
    double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  Array like(const Aval& aval) {
    std::vector<double> v(size_t(aval.size()));
    for (double& x : v) x = (*this)();
    return from_host(v, aval);
  }

 private:
  double uniform() { return (double(rng_()) + 0.5) / 4294967296.0; }
  std::mt19937 rng_{0};
};

/// The two points of a central difference and the direction between them.
struct Probe {
  std::vector<Array> pos, neg;  ///< args + eps t and args - eps t, in the args' dtypes
  std::vector<Array> tangents;  ///< (pos - neg) / (2 eps); undefined for non-floating args
};

// The direction used is the step actually taken once x ± eps·t is rounded to
// the dtype, not the random t itself: with float32 inputs near 100 the step
// is only a dozen ulps, and its rounding would otherwise dominate the error.
Probe make_probe(std::span<const Array> args, double eps, Normal& normal) {
  Probe p;
  for (size_t i = 0; i < args.size(); ++i) {
    const Array& a = args[i];
    if (!a.dtype().is_floating()) {
      p.pos.push_back(a);
      p.neg.push_back(a);
      p.tangents.push_back(Array());
      continue;
    }
    std::vector<double> x = host(a), xp(x.size()), xn(x.size());
    for (size_t k = 0; k < x.size(); ++k) {
      double t = normal();
      xp[k] = x[k] + eps * t;
      xn[k] = x[k] - eps * t;
    }
    Array ap = from_host(xp, a.aval()), an = from_host(xn, a.aval());
    std::vector<double> rp = host(ap), rn = host(an), t(x.size());
    bool moved = x.empty();
    for (size_t k = 0; k < x.size(); ++k) {
      t[k] = (rp[k] - rn[k]) / (2 * eps);
      moved = moved || t[k] != 0;
    }
    if (!moved)
      throw_error("check_grads", "eps " + num(eps) + " is below the resolution of argument " +
                                     std::to_string(i) + " (" + a.aval().str() +
                                     "): x ± eps rounds back to x; pass a larger eps");
    p.pos.push_back(ap);
    p.neg.push_back(an);
    p.tangents.push_back(from_host(t, a.aval()));
  }
  return p;
}

/// (f(pos) - f(neg)) / (2 eps) per output, with inf - inf = 0 as JAX's safe_sub.
std::vector<std::vector<double>> numeric_jvp(const FlatFn& f, const Probe& p, double eps) {
  std::vector<Array> op = f(p.pos), on = f(p.neg);
  std::vector<std::vector<double>> d;
  for (size_t i = 0; i < op.size(); ++i) {
    std::vector<double> a = host(op[i]), b = host(on[i]);
    for (size_t k = 0; k < a.size(); ++k) a[k] = a[k] == b[k] ? 0.0 : (a[k] - b[k]) / (2 * eps);
    d.push_back(std::move(a));
  }
  return d;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t k = 0; k < a.size(); ++k) s += a[k] * b[k];
  return s;
}

/// Throws unless every |got - want| <= atol * n + rtol * n * |want| (numpy's
/// assert_allclose with JAX's scaling by the number of elements n).
void check_close(const std::string& what, int order, const std::vector<double>& got,
                 const std::vector<double>& want, double atol, double rtol) {
  double n = double(std::max<size_t>(want.size(), 1));
  double worst_ratio = -1, worst_err = 0, worst_tol = 0;
  size_t worst = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    double g = got[k], w = want[k];
    if (std::isnan(g) && std::isnan(w)) continue;
    if (std::isinf(w) && g == w) continue;
    double err = std::fabs(g - w), tol = atol * n + rtol * n * std::fabs(w);
    double ratio = std::isnan(err) ? INFINITY : (tol > 0 ? err / tol : (err > 0 ? INFINITY : 0));
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst_err = err;
      worst_tol = tol;
      worst = k;
    }
  }
  if (worst_ratio <= 1) return;
  throw_error("check_grads", what + " (order " + std::to_string(order) + ") mismatch: max error " +
                                 num(worst_err) + " exceeds tolerance " + num(worst_tol) +
                                 " (atol " + num(atol) + ", rtol " + num(rtol) + ", " +
                                 std::to_string(want.size()) + " elements) at element " +
                                 std::to_string(worst) + ": got " + num(got[worst]) +
                                 ", expected " + num(want[worst]));
}

double tol_of(std::optional<double> user, double dflt) { return user ? *user : dflt; }

void check_primals(const std::string& label, int order, const std::vector<Array>& outs,
                   const std::vector<Array>& expected, const Options& o) {
  if (outs.size() != expected.size())
    throw_error("check_grads", label + ": the transformed function returned " +
                                   std::to_string(outs.size()) + " outputs, f returned " +
                                   std::to_string(expected.size()));
  for (size_t i = 0; i < outs.size(); ++i) {
    double d = default_gradient_tolerance(expected[i].dtype());
    check_close(label + " primal output " + std::to_string(i), order, host(outs[i]),
                host(expected[i]), tol_of(o.atol, d), tol_of(o.rtol, d));
  }
}

void check_jvp(const FlatFn& f, std::span<const Array> args, const std::string& label, int order,
               const Options& o) {
  Normal normal;
  Probe p = make_probe(args, o.eps, normal);
  auto [outs, touts] = jvp_flat(f, args, p.tangents);
  std::vector<Array> expected = f(args);
  check_primals(label, order, outs, expected, o);
  std::vector<std::vector<double>> want = numeric_jvp(f, p, o.eps);
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!outs[i].dtype().is_floating()) continue;
    double d = default_gradient_tolerance(outs[i].dtype());
    check_close(label + " tangent output " + std::to_string(i), order, host(touts[i]), want[i],
                tol_of(o.atol, d), tol_of(o.rtol, d));
  }
}

void check_vjp(const FlatFn& f, std::span<const Array> args, const std::string& label, int order,
               const Options& o) {
  Normal normal;
  auto [outs, pullback] = vjp_flat(f, args);
  std::vector<Array> expected = f(args);
  check_primals(label, order, outs, expected, o);
  Probe p = make_probe(args, o.eps, normal);
  std::vector<std::vector<double>> t_out = numeric_jvp(f, p, o.eps);
  double d = 0;
  std::vector<Array> cts;
  for (const Array& y : outs) {
    cts.push_back(y.dtype().is_floating() ? normal.like(y.aval()) : Array());
    d = std::max(d, default_gradient_tolerance(y.dtype()));
  }
  std::vector<Array> ct_in = pullback(cts);
  double ip = 0, ip_expected = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!p.tangents[i].defined()) continue;
    ip += dot(host(p.tangents[i]), host(ct_in[i]));
    d = std::max(d, default_gradient_tolerance(args[i].dtype()));
  }
  for (size_t i = 0; i < outs.size(); ++i)
    if (cts[i].defined()) ip_expected += dot(t_out[i], host(cts[i]));
  check_close(label + " cotangent projection", order, {ip}, {ip_expected}, tol_of(o.atol, d),
              tol_of(o.rtol, d));
}

void check_rec(const FlatFn& f, std::vector<Array> args, int order, int depth,
               const std::string& msg, const Options& o) {
  if (o.fwd) {
    std::string label = msg.empty() ? "JVP" : "JVP of " + msg;
    check_jvp(f, args, label, depth, o);
    if (order > 1) {
      size_t n = args.size();
      // (primals, tangents) -> (outputs, output tangents), checked at (args, args).
      FlatFn g = [f, n](std::span<const Array> in) {
        std::vector<Array> primals(in.begin(), in.begin() + long(n));
        std::vector<Array> tangents(in.begin() + long(n), in.end());
        for (size_t i = 0; i < n; ++i)
          if (!primals[i].dtype().is_floating()) tangents[i] = Array();
        auto [outs, touts] = jvp_flat(f, primals, tangents);
        outs.insert(outs.end(), touts.begin(), touts.end());
        return outs;
      };
      std::vector<Array> args2 = args;
      args2.insert(args2.end(), args.begin(), args.end());
      check_rec(g, std::move(args2), order - 1, depth + 1, label, o);
    }
  }
  if (o.rev) {
    std::string label = msg.empty() ? "VJP" : "VJP of " + msg;
    check_vjp(f, args, label, depth, o);
    if (order > 1) {
      // args -> pullback(outputs): the outputs themselves as cotangents, as JAX.
      FlatFn g = [f](std::span<const Array> in) {
        auto [outs, pullback] = vjp_flat(f, in);
        std::vector<Array> cts;
        for (const Array& y : outs) cts.push_back(y.dtype().is_floating() ? y : Array());
        return pullback(cts);
      };
      check_rec(g, std::move(args), order - 1, depth + 1, label, o);
    }
  }
}

}  // namespace

void check_grads(const FlatFn& f, std::span<const Array> args, int order,
                 std::vector<std::string> modes, std::optional<double> atol,
                 std::optional<double> rtol, std::optional<double> eps) {
  if (order < 1)
    throw_error("check_grads", "order must be at least 1, got " + std::to_string(order));
  Options o{atol, rtol, eps.value_or(kDefaultEps), false, false};
  if (!(o.eps > 0)) throw_error("check_grads", "eps must be positive, got " + num(o.eps));
  for (const std::string& m : modes) {
    if (m == "fwd")
      o.fwd = true;
    else if (m == "rev")
      o.rev = true;
    else
      throw_error("check_grads", "unknown mode '" + m + "' (expected \"fwd\" or \"rev\")");
  }
  check_rec(f, std::vector<Array>(args.begin(), args.end()), order, 1, "", o);
}

}  // namespace jx::test
