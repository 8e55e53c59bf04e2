// reduce_window (sum / max / min) and the select_and_scatter_add /
// select_and_gather_add pair against a naive reference that builds XLA's
// dilated, padded operand explicitly: random window sizes, strides,
// padding (including negative), base and window dilation in 1-3 dims,
// several dtypes, windows larger than the operand, empty operands; errors
// with their messages; check_grads of sum and max pooling (order 2, fwd +
// rev), the placement of max-pool gradients on ties and NaN (values from
// JAX); vmap against a loop over slices.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "backend/cpu/thread_pool.h"
#include "jx/check_grads.h"
#include "jx/lax_sort.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using lx::WindowConfig;
using lx::WindowOp;
using Arrays = std::vector<Array>;

Array from_doubles(DType dt, const Shape& s, const std::vector<double>& v) {
  return lx::convert_element_type(array(v, s), dt);
}
std::vector<double> vals(const Array& a) { return a.to_vector<double>(); }

int64_t dilate(int64_t n, int64_t d) { return n == 0 ? 0 : (n - 1) * d + 1; }

// The naive reference: every output element scans its window over the
// explicitly dilated and padded operand (holes and padding: -1 = init).
struct Naive {
  Shape out;
  std::vector<double> y;        // reduce_window
  std::vector<int64_t> choice;  // operand index selected per window (max/min), -1 if none
};
Naive naive(WindowOp op, const std::vector<double>& x, const Shape& s, const WindowConfig& w) {
  size_t nd = s.size();
  // Index map of the dilated padded operand.
  std::vector<int64_t> ps(nd);
  for (size_t d = 0; d < nd; ++d)
    ps[d] = dilate(s[d], w.base_dilation[d]) + w.padding[d].first + w.padding[d].second;
  Naive r;
  for (size_t d = 0; d < nd; ++d) {
    int64_t wd = dilate(w.window_dimensions[d], w.window_dilation[d]);
    r.out.push_back(ps[d] < wd ? 0 : (ps[d] - wd) / w.window_strides[d] + 1);
  }
  int64_t n_out = r.out.numel(), n_win = 1;
  for (int64_t k : w.window_dimensions) n_win *= k;
  double init = op == WindowOp::kSum ? 0 : op == WindowOp::kMax ? -INFINITY : INFINITY;
  for (int64_t e = 0; e < n_out; ++e) {
    std::vector<int64_t> o(nd);
    for (size_t d = nd, rest = size_t(e); d-- > 0;) {
      o[d] = int64_t(rest) % r.out[d];
      rest /= size_t(r.out[d]);
    }
    double acc = init, best = 0;
    int64_t pick = -1;
    for (int64_t t = 0; t < n_win; ++t) {
      int64_t rest = t, flat = 0;
      bool valid = true;
      std::vector<int64_t> widx(nd);
      for (size_t d = nd; d-- > 0;) {
        widx[d] = rest % w.window_dimensions[d];
        rest /= w.window_dimensions[d];
      }
      for (size_t d = 0; d < nd; ++d) {
        int64_t q =
            o[d] * w.window_strides[d] + widx[d] * w.window_dilation[d] - w.padding[d].first;
        if (q < 0 || q >= dilate(s[d], w.base_dilation[d]) || q % w.base_dilation[d]) valid = false;
        flat = flat * s[d] + (valid ? q / w.base_dilation[d] : 0);
      }
      if (!valid) continue;
      double v = x[size_t(flat)];
      if (op == WindowOp::kSum)
        acc += v;
      else
        acc = op == WindowOp::kMax ? std::max(acc, v) : std::min(acc, v);
      bool take = pick < 0 || (op == WindowOp::kMax ? !(best >= v) : !(best <= v));
      if (take) pick = flat, best = v;
    }
    r.y.push_back(acc);
    r.choice.push_back(pick);
  }
  return r;
}

WindowConfig random_config(const Shape& s, std::mt19937& rng, bool dilations = true) {
  WindowConfig w;
  for (size_t d = 0; d < s.size(); ++d) {
    w.window_dimensions.push_back(1 + int64_t(rng() % 3));
    w.window_strides.push_back(1 + int64_t(rng() % 2));
    w.padding.push_back({int64_t(rng() % 3) - (rng() % 4 == 0 ? 1 : 0), int64_t(rng() % 2)});
    w.base_dilation.push_back(dilations ? 1 + int64_t(rng() % 2) : 1);
    w.window_dilation.push_back(dilations ? 1 + int64_t(rng() % 2) : 1);
  }
  return w;
}
std::string config_str(const WindowConfig& w) {
  std::string s = "win " + jx::shape_str(w.window_dimensions) + " str " +
                  jx::shape_str(w.window_strides) + " pad (";
  for (auto [lo, hi] : w.padding) s += std::to_string(lo) + "," + std::to_string(hi) + " ";
  return s + ") bd " + jx::shape_str(w.base_dilation) + " wd " + jx::shape_str(w.window_dilation);
}

Array random_array(DType dt, const Shape& s, std::mt19937& rng) {
  std::vector<double> v(size_t(s.numel()));
  std::uniform_int_distribution<int> small(-6, 6);
  for (double& e : v) e = small(rng) * (dt.is_floating() ? 0.5 : 1);
  return from_doubles(dt, s, v);
}

TEST(ReduceWindow, AgainstNaiveRandomConfigs) {
  std::mt19937 rng(1);
  const Shape shapes[] = {{7}, {4, 5}, {3, 4, 2}, {1, 6}};
  for (int trial = 0; trial < 40; ++trial) {
    Shape s = shapes[trial % 4];
    WindowConfig w = random_config(s, rng);
    for (DType dt : {jx::float32, jx::int32, jx::float64})
      for (WindowOp op : {WindowOp::kSum, WindowOp::kMax, WindowOp::kMin}) {
        Array x = random_array(dt, s, rng);
        Naive want = naive(op, vals(x), s, w);
        Array y = lx::reduce_window(x, op, w);
        ASSERT_EQ(y.shape(), want.out) << config_str(w);
        ASSERT_EQ(y.dtype(), dt);
        auto got = vals(y);
        for (size_t i = 0; i < got.size(); ++i) {
          double e = want.y[i];
          if (!dt.is_floating() && std::isinf(e))  // integer init values
            e = e > 0 ? double(std::numeric_limits<int32_t>::max())
                      : double(std::numeric_limits<int32_t>::min());
          ASSERT_EQ(got[i], e) << config_str(w) << " op " << int(op) << " " << dt.name() << " at "
                               << i;
        }
      }
  }
}

TEST(ReduceWindow, DefaultsStridesPaddingDilation) {
  Array x = from_doubles(jx::float32, Shape{5}, {0, 1, 2, 3, 4});
  EXPECT_EQ(vals(lx::reduce_window_sum(x, {.window_dimensions = {2}})),
            (std::vector<double>{1, 3, 5, 7}));
  // Values printed by JAX: base dilation 2 with padding (1, 1).
  WindowConfig w{
      .window_dimensions = {2}, .window_strides = {1}, .padding = {{1, 1}}, .base_dilation = {2}};
  EXPECT_EQ(vals(lx::reduce_window_sum(x, w)), (std::vector<double>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(vals(lx::reduce_window_max(x, w)), (std::vector<double>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}));
}

TEST(ReduceWindow, WindowLargerThanOperandAndEmpty) {
  EXPECT_EQ(lx::reduce_window_sum(jx::np::ones({3}), {.window_dimensions = {4}}).shape(), Shape{0});
  EXPECT_EQ(lx::reduce_window_max(jx::np::ones({0}), {.window_dimensions = {1}}).shape(), Shape{0});
  // All-padding windows hold the init value.
  Array y =
      lx::reduce_window_max(jx::np::ones({0}), {.window_dimensions = {1}, .padding = {{1, 1}}});
  EXPECT_EQ(vals(y), (std::vector<double>{-INFINITY, -INFINITY}));
  EXPECT_EQ(vals(lx::reduce_window_sum(jx::np::ones({2, 3}), {.window_dimensions = {2, 3}})),
            (std::vector<double>{6}));
}

TEST(ReduceWindow, Errors) {
  Array x = jx::np::ones({3, 4});
  std::string m = error_of([&] { lx::reduce_window_sum(x, {.window_dimensions = {2}}); });
  EXPECT_NE(m.find("[reduce_window_sum] window_dimensions (2,) must have one entry per dimension "
                   "of the operand f32[3,4]"),
            std::string::npos)
      << m;
  m = error_of([&] { lx::reduce_window_max(x, {.window_dimensions = {0, 1}}); });
  EXPECT_NE(
      m.find("[reduce_window_max] window_dimensions (0, 1) must be positive in every dimension"),
      std::string::npos)
      << m;
  m = error_of([&] {
    lx::reduce_window_min(x, {.window_dimensions = {1, 1}, .window_strides = {1, -1}});
  });
  EXPECT_NE(m.find("window_strides (1, -1) must be positive"), std::string::npos) << m;
  m = error_of([&] {
    lx::reduce_window_sum(x, {.window_dimensions = {1, 1}, .padding = {{0, 0}}});
  });
  EXPECT_NE(m.find("padding (0, 0) must have a (low, high) pair per dimension"), std::string::npos)
      << m;
  m = error_of([&] {
    lx::reduce_window_sum(x, {.window_dimensions = {1, 1}, .padding = {{-4, 0}, {0, 0}}});
  });
  EXPECT_NE(m.find("removes more than dimension 0"), std::string::npos) << m;
  m = error_of([&] { lx::reduce_window_sum(array<bool>({true}), {.window_dimensions = {1}}); });
  EXPECT_NE(m.find("[reduce_window_sum] expected a numeric"), std::string::npos) << m;
  m = error_of([&] {
    lx::select_and_scatter_add(jx::np::ones({3}), x, WindowOp::kMax, {.window_dimensions = {2, 2}});
  });
  EXPECT_NE(
      m.find("[select_and_scatter_add] source f32[3] must have the window output shape (2, 3)"),
      std::string::npos)
      << m;
  m = error_of([&] {
    lx::select_and_gather_add(x, x, WindowOp::kSum, {.window_dimensions = {1, 1}});
  });
  EXPECT_NE(m.find("select must be WindowOp::kMax or WindowOp::kMin"), std::string::npos) << m;
  EXPECT_NE(m.find("windowed_test.cpp"), std::string::npos) << m;
}

TEST(ReduceWindow, SelectPairAgainstNaive) {
  std::mt19937 rng(2);
  const Shape shapes[] = {{7}, {4, 5}, {3, 2, 4}};
  for (int trial = 0; trial < 30; ++trial) {
    Shape s = shapes[trial % 3];
    WindowConfig w = random_config(s, rng);
    for (WindowOp op : {WindowOp::kMax, WindowOp::kMin}) {
      Array x = random_array(jx::float64, s, rng);  // many ties: the first wins
      Naive nv = naive(op, vals(x), s, w);
      Array src = random_array(jx::float64, nv.out, rng);
      std::vector<double> want(size_t(s.numel()), 0.0);
      auto sv = vals(src);
      for (size_t e = 0; e < nv.choice.size(); ++e)
        if (nv.choice[e] >= 0) want[size_t(nv.choice[e])] += sv[e];
      EXPECT_EQ(vals(lx::select_and_scatter_add(src, x, op, w)), want) << config_str(w);
      Array t = random_array(jx::float64, s, rng);
      auto tv = vals(t);
      std::vector<double> gathered;
      for (int64_t c : nv.choice) gathered.push_back(c >= 0 ? tv[size_t(c)] : 0.0);
      EXPECT_EQ(vals(lx::select_and_gather_add(t, x, op, w)), gathered) << config_str(w);
    }
  }
}

// Gradients of max pooling land on the first maximum of each window; values
// printed by JAX 0.10.2.
TEST(ReduceWindow, MaxGradTiesAndNaN) {
  auto grad = [](const Array& x, WindowConfig w) {
    auto f = [w](std::span<const Array> in) {
      return Arrays{lx::reduce_sum(lx::reduce_window_max(in[0], w), {0})};
    };
    auto [ys, pullback] = jx::vjp_flat(f, Arrays{x});
    return vals(pullback(Arrays{jx::np::ones({}, x.dtype())})[0]);
  };
  EXPECT_EQ(grad(from_doubles(jx::float32, Shape{3}, {1, 1, 1}), {.window_dimensions = {2}}),
            (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(grad(from_doubles(jx::float32, Shape{3}, {1, NAN, 3}),
                 {.window_dimensions = {2}, .padding = {{1, 1}}}),
            (std::vector<double>{1, 1, 2}));
  Array y = from_doubles(jx::float64, Shape{5}, {0, 1, 2, 3, 4});
  EXPECT_EQ(grad(y, {.window_dimensions = {2}, .padding = {{1, 1}}, .base_dilation = {2}}),
            (std::vector<double>{2, 2, 2, 2, 2}));
}

Array distinct(DType dt, const Shape& s, std::mt19937& rng) {
  std::vector<double> v(size_t(s.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.25 * double(i) - 0.1 * double(v.size());
  std::shuffle(v.begin(), v.end(), rng);
  return from_doubles(dt, s, v);
}

TEST(ReduceWindow, GradSumAndMaxOrder2) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64})
    for (int trial = 0; trial < 6; ++trial) {
      Shape s = trial % 2 ? Shape{5, 4} : Shape{7};
      WindowConfig w = random_config(s, rng);
      Array x = distinct(dt, s, rng);
      for (WindowOp op : {WindowOp::kSum, WindowOp::kMax, WindowOp::kMin}) {
        auto f = [w, op](std::span<const Array> in) {
          return Arrays{lx::reduce_window(in[0], op, w)};
        };
        EXPECT_NO_THROW(jx::test::check_grads(f, Arrays{x}, 2, {"fwd", "rev"}, {}, {}, 1e-2))
            << config_str(w) << " op " << int(op) << " " << dt.name();
      }
    }
}

TEST(ReduceWindow, GradMaxPool2D) {
  // NHWC max pooling, 2x2 windows, stride 2, as a CNN uses it.
  std::mt19937 rng(4);
  Array x = distinct(jx::float32, Shape{2, 4, 6, 3}, rng);
  WindowConfig w{.window_dimensions = {1, 2, 2, 1}, .window_strides = {1, 2, 2, 1}};
  auto f = [w](std::span<const Array> in) { return Arrays{lx::reduce_window_max(in[0], w)}; };
  EXPECT_EQ(lx::reduce_window_max(x, w).shape(), (Shape{2, 2, 3, 3}));
  EXPECT_NO_THROW(jx::test::check_grads(f, Arrays{x}, 2, {"fwd", "rev"}, {}, {}, 1e-2));
  // "SAME"-style padded 3x3 windows with stride 1.
  WindowConfig same{.window_dimensions = {1, 3, 3, 1}, .padding = {{0, 0}, {1, 1}, {1, 1}, {0, 0}}};
  auto g = [same](std::span<const Array> in) { return Arrays{lx::reduce_window_max(in[0], same)}; };
  EXPECT_NO_THROW(jx::test::check_grads(g, Arrays{lx::convert_element_type(x, jx::float64)}, 1));
}

// CNN-sized pooling (NCHW and NHWC, disjoint and overlapping windows,
// padding, many rows so that work is split over blocks and threads):
// reduce_window, select_and_scatter_add and select_and_gather_add against
// the naive reference, with the same bits on 1 and 2 threads.
TEST(ReduceWindow, PoolingShapesAgainstNaive) {
  std::mt19937 rng(7);
  struct Case {
    Shape s;
    WindowConfig w;
  };
  auto full = [](std::vector<int64_t> win, std::vector<int64_t> str,
                 std::vector<std::pair<int64_t, int64_t>> pad) {
    return WindowConfig{win, str, pad, std::vector<int64_t>(win.size(), 1),
                        std::vector<int64_t>(win.size(), 1)};
  };
  const Case cases[] = {
      {{4, 6, 30, 30}, full({1, 1, 2, 2}, {1, 1, 2, 2}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}})},
      {{4, 6, 17, 13}, full({1, 1, 3, 3}, {1, 1, 1, 1}, {{0, 0}, {0, 0}, {1, 1}, {1, 1}})},
      {{4, 6, 17, 13}, full({1, 1, 3, 3}, {1, 1, 2, 2}, {{0, 0}, {0, 0}, {1, 0}, {0, 1}})},
      {{4, 14, 14, 9}, full({1, 2, 2, 1}, {1, 2, 2, 1}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}})},
      {{4, 15, 11, 9}, full({1, 3, 3, 1}, {1, 2, 1, 1}, {{0, 0}, {1, 1}, {1, 1}, {0, 0}})},
      {{2, 9, 40, 40}, full({2, 2, 2, 2}, {2, 1, 2, 2}, {{0, 0}, {0, 0}, {0, 0}, {0, 0}})},
  };
  const int saved = jx::cpu::num_threads();
  for (const Case& c : cases)
    for (DType dt : {jx::float32, jx::float64}) {
      Array x = random_array(dt, c.s, rng);
      std::vector<double> xv = vals(x);
      for (WindowOp op : {WindowOp::kMax, WindowOp::kMin, WindowOp::kSum}) {
        Naive nv = naive(op, xv, c.s, c.w);
        std::vector<Array> got;
        for (int threads : {1, 2}) {
          jx::cpu::set_num_threads(threads);
          got.push_back(lx::reduce_window(x, op, c.w));
        }
        ASSERT_EQ(got[0].shape(), nv.out) << config_str(c.w);
        EXPECT_EQ(vals(got[0]), nv.y) << config_str(c.w) << " op " << int(op);
        EXPECT_EQ(std::memcmp(got[0].data(), got[1].data(), size_t(got[0].nbytes())), 0);
        if (op == WindowOp::kSum) continue;
        Array src = random_array(dt, nv.out, rng), t = random_array(dt, c.s, rng);
        std::vector<double> sv = vals(src), tv = vals(t);
        std::vector<double> want(size_t(c.s.numel()), 0.0), gathered;
        for (size_t e = 0; e < nv.choice.size(); ++e) {
          if (nv.choice[e] >= 0) want[size_t(nv.choice[e])] += sv[e];
          gathered.push_back(nv.choice[e] >= 0 ? tv[size_t(nv.choice[e])] : 0.0);
        }
        std::vector<Array> scattered;
        for (int threads : {1, 2}) {
          jx::cpu::set_num_threads(threads);
          scattered.push_back(lx::select_and_scatter_add(src, x, op, c.w));
          EXPECT_EQ(vals(lx::select_and_gather_add(t, x, op, c.w)), gathered) << config_str(c.w);
        }
        EXPECT_EQ(vals(scattered[0]), want) << config_str(c.w) << " op " << int(op);
        EXPECT_EQ(std::memcmp(scattered[0].data(), scattered[1].data(), size_t(scattered[0].nbytes())), 0);
      }
    }
  jx::cpu::set_num_threads(saved);
}

Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

void check_vmap(const jx::FlatFn& f, const Arrays& args,
                const std::vector<std::optional<int>>& in_axes, int64_t n,
                const std::string& what) {
  Arrays got = jx::vmap_flat(f, args, in_axes, {});
  Arrays parts;
  for (int64_t i = 0; i < n; ++i) {
    Arrays xs;
    for (size_t a = 0; a < args.size(); ++a)
      xs.push_back(in_axes[a] ? take(args[a], *in_axes[a], i) : args[a]);
    parts.push_back(f(xs)[0]);
  }
  Array want = jx::np::stack(parts, 0);
  ASSERT_EQ(got[0].shape(), want.shape()) << what;
  EXPECT_EQ(std::memcmp(got[0].data(), want.data(), size_t(want.nbytes())), 0) << what;
}

TEST(ReduceWindow, VmapMatchesLoop) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 12; ++trial) {
    Shape s{4, 5};
    WindowConfig w = random_config(s, rng);
    int ax = int(rng() % 3);
    Shape bs = s;
    bs.insert(size_t(ax), 3);
    Array x = random_array(jx::float32, bs, rng);
    WindowOp op = WindowOp(trial % 3);
    check_vmap(
        [w, op](std::span<const Array> in) { return Arrays{lx::reduce_window(in[0], op, w)}; }, {x},
        {ax}, 3, config_str(w));
    // The select pair with one operand unbatched.
    Array plain = random_array(jx::float32, s, rng);
    Shape out = lx::reduce_window_max(plain, w).shape();
    Shape bout = out;
    bout.insert(size_t(ax), 3);
    Array src = random_array(jx::float32, bout, rng);
    check_vmap(
        [w](std::span<const Array> in) {
          return Arrays{lx::select_and_scatter_add(in[0], in[1], WindowOp::kMax, w)};
        },
        {src, plain}, {ax, std::nullopt}, 3, "scatter " + config_str(w));
    check_vmap(
        [w](std::span<const Array> in) {
          return Arrays{lx::select_and_gather_add(in[0], in[1], WindowOp::kMin, w)};
        },
        {plain, x}, {std::nullopt, ax}, 3, "gather " + config_str(w));
  }
}

}  // namespace
}  // namespace jxt
