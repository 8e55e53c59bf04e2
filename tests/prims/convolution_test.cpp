// conv_general_dilated: values against a naive loop in long double that
// follows XLA's definition (padding, strides, lhs and rhs dilation, feature
// and batch groups, any layout), in 1, 2 and 3 spatial dims and several
// dtypes, on both kernel paths (oneDNN and im2col); edge cases (empty batch,
// empty output, zero features, negative padding); layout strings and
// padding modes; error messages; derivatives to second order in both modes
// (float32 and float64) for each feature; vmap against a loop over slices
// with random in_axes; and conv_transpose against the gradient of conv.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

#include "backend/cpu/contract_kernels.h"
#include "backend/cpu/thread_pool.h"
#include "jx/check_grads.h"
#include "jx/lax_contract.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Ints = std::vector<int64_t>;
using Arrays = std::vector<Array>;
using Pads = std::vector<std::pair<int64_t, int64_t>>;

Array random_array(DType dt, const Shape& s, std::mt19937& rng, bool real = false) {
  HostBuf b(dt, s.numel());
  std::uniform_int_distribution<int> small(-3, 3);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int64_t i = 0; i < s.numel(); ++i) {
    long double v = real && dt.is_floating() ? (long double)u(rng) : (long double)small(rng);
    if (dt.is_unsigned_int() && v < 0) v = -v;
    store_ld(dt, b.data(), i, dt.is_floating() ? round_to(dt, v) : v);
  }
  return b.to_array(s);
}

Ints strides_of(const Shape& s) {
  Ints st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// One convolution problem, in the canonical order (N, C, spatial), (O, I,
// spatial), permuted into the operands' layouts by the dimension numbers.
struct ConvCase {
  const char* what;
  int64_t n, c, o;  // batch, in features, out features
  Ints in, window;
  Ints strides;
  Pads pads;
  Ints lhs_dil, rhs_dil;
  int64_t fgc = 1, bgc = 1;
  std::vector<std::string> layout = {};  // empty: default (NC.., OI.., NC..)
};

lx::ConvDimensionNumbers dims_of(const ConvCase& c) {
  int64_t nd = int64_t(c.in.size()) + 2;
  if (c.layout.empty()) {
    Ints iota(static_cast<size_t>(nd));
    std::iota(iota.begin(), iota.end(), 0);
    return {iota, iota, iota};
  }
  return lx::conv_dimension_numbers(c.layout[0], c.layout[1], c.layout[2]);
}

// Operand shape from canonical sizes and a spec.
Shape layout_shape(const Ints& canon, const Ints& spec) {
  Ints s(canon.size());
  for (size_t k = 0; k < canon.size(); ++k) s[size_t(spec[k])] = canon[k];
  return Shape(s);
}

Shape lhs_shape(const ConvCase& c) {
  Ints canon{c.n, c.c};
  canon.insert(canon.end(), c.in.begin(), c.in.end());
  return layout_shape(canon, dims_of(c).lhs_spec);
}
Shape rhs_shape(const ConvCase& c) {
  Ints canon{c.o, c.c / c.fgc};
  canon.insert(canon.end(), c.window.begin(), c.window.end());
  return layout_shape(canon, dims_of(c).rhs_spec);
}

Array run(const ConvCase& c, const Array& l, const Array& r, std::optional<DType> pref = {}) {
  return lx::conv_general_dilated(l, r, c.strides, c.pads, c.lhs_dil, c.rhs_dil, dims_of(c), c.fgc, c.bgc, pref);
}

// XLA's convolution, directly from its definition.
std::vector<long double> reference(const ConvCase& c, const Array& l, const Array& r, Shape* out_shape) {
  auto dn = dims_of(c);
  const size_t ns = c.in.size();
  Ints ld = c.lhs_dil.empty() ? Ints(ns, 1) : c.lhs_dil, rd = c.rhs_dil.empty() ? Ints(ns, 1) : c.rhs_dil;
  Ints out{c.n / c.bgc, c.o};
  for (size_t d = 0; d < ns; ++d) {
    int64_t lin = c.in[d] == 0 ? 0 : (c.in[d] - 1) * ld[d] + 1;
    int64_t win = c.window[d] == 0 ? 0 : (c.window[d] - 1) * rd[d] + 1;
    int64_t padded = lin + c.pads[d].first + c.pads[d].second;
    out.push_back(padded < win ? 0 : (padded - win) / c.strides[d] + 1);
  }
  *out_shape = layout_shape(out, dn.out_spec);
  Ints ls = strides_of(l.shape()), rs = strides_of(r.shape()), os = strides_of(*out_shape);
  const int64_t groups = c.fgc * c.bgc, og = c.o / groups, i_count = c.c / c.fgc, n_out = c.n / c.bgc;
  int64_t total = out_shape->numel();
  std::vector<long double> res(size_t(total), 0);
  int64_t nwin = 1;
  for (int64_t w : c.window) nwin *= w;
  Ints idx(out.size());
  for (int64_t flat = 0; flat < total; ++flat) {
    for (int64_t r0 = flat, k = int64_t(out.size()) - 1; k >= 0; --k) {
      idx[size_t(k)] = r0 % out[size_t(k)];
      r0 /= out[size_t(k)];
    }
    const int64_t nb = idx[0], o = idx[1], grp = o / og;
    long double acc = 0;
    for (int64_t i = 0; i < i_count; ++i) {
      int64_t ch = c.fgc > 1 ? grp * i_count + i : i;
      int64_t n = c.bgc > 1 ? grp * n_out + nb : nb;
      for (int64_t w = 0; w < nwin; ++w) {
        int64_t loff = n * ls[size_t(dn.lhs_spec[0])] + ch * ls[size_t(dn.lhs_spec[1])];
        int64_t roff = o * rs[size_t(dn.rhs_spec[0])] + i * rs[size_t(dn.rhs_spec[1])];
        bool inside = true;
        for (int64_t d = int64_t(ns) - 1, wr = w; d >= 0; --d) {
          int64_t k = wr % c.window[size_t(d)];
          wr /= c.window[size_t(d)];
          int64_t q = idx[size_t(2 + d)] * c.strides[size_t(d)] + k * rd[size_t(d)] - c.pads[size_t(d)].first;
          if (q < 0 || q % ld[size_t(d)] != 0 || q / ld[size_t(d)] >= c.in[size_t(d)]) inside = false;
          loff += (q / std::max<int64_t>(ld[size_t(d)], 1)) * ls[size_t(dn.lhs_spec[size_t(2 + d)])];
          roff += k * rs[size_t(dn.rhs_spec[size_t(2 + d)])];
        }
        if (inside) acc += load_ld(l.dtype(), l.data(), loff) * load_ld(r.dtype(), r.data(), roff);
      }
    }
    int64_t off = 0;
    for (size_t k = 0; k < out.size(); ++k) off += idx[k] * os[size_t(dn.out_spec[k])];
    res[size_t(off)] = acc;
  }
  return res;
}

const std::vector<ConvCase>& conv_cases() {
  static const std::vector<ConvCase> cases = {
      {"1d stride 2 pad (1,2)", 2, 3, 4, {9}, {3}, {2}, {{1, 2}}, {}, {}},
      {"2d NCHW same", 2, 3, 4, {5, 6}, {3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {}, {}},
      {"2d NHWC/HWIO stride 2", 2, 3, 5, {7, 6}, {3, 2}, {2, 2}, {{1, 1}, {0, 1}}, {}, {}, 1, 1,
       {"NHWC", "HWIO", "NHWC"}},
      {"2d rhs dilation", 1, 2, 3, {8, 7}, {3, 2}, {1, 2}, {{2, 2}, {1, 0}}, {}, {2, 3}},
      {"2d lhs dilation", 2, 2, 3, {4, 3}, {3, 3}, {1, 1}, {{2, 2}, {1, 2}}, {2, 3}, {}},
      {"2d lhs and rhs dilation, stride", 1, 2, 2, {4, 5}, {2, 3}, {2, 1}, {{1, 0}, {0, 2}}, {3, 2}, {2, 1}},
      {"2d feature groups", 2, 4, 6, {5, 5}, {3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {}, {}, 2},
      {"2d depthwise NHWC", 1, 4, 8, {6, 5}, {3, 3}, {1, 2}, {{1, 1}, {1, 1}}, {}, {}, 4, 1,
       {"NHWC", "HWIO", "NHWC"}},
      {"2d batch groups", 4, 3, 6, {5, 4}, {2, 3}, {1, 1}, {{0, 1}, {1, 1}}, {}, {}, 1, 2},
      {"2d batch groups NHWC strided", 6, 2, 3, {6, 5}, {3, 2}, {2, 1}, {{1, 1}, {0, 0}}, {}, {}, 1, 3,
       {"NHWC", "HWIO", "NHWC"}},
      {"2d negative padding", 1, 2, 2, {7, 6}, {2, 2}, {1, 1}, {{-1, -2}, {0, -1}}, {}, {}},
      {"2d mixed layouts", 2, 3, 2, {5, 4}, {2, 3}, {1, 1}, {{1, 0}, {1, 1}}, {}, {}, 1, 1,
       {"HNCW", "WOHI", "CWNH"}},
      {"2d 1x1 window", 2, 5, 3, {4, 4}, {1, 1}, {1, 1}, {{0, 0}, {0, 0}}, {}, {}},
      {"3d NCDHW", 1, 2, 3, {4, 3, 5}, {2, 2, 3}, {1, 2, 1}, {{0, 1}, {1, 0}, {1, 1}}, {}, {}},
      {"3d NDHWC dilated", 2, 2, 2, {3, 4, 4}, {2, 2, 2}, {1, 1, 1}, {{0, 0}, {1, 1}, {0, 1}}, {}, {1, 2, 1}, 1, 1,
       {"NDHWC", "DHWIO", "NDHWC"}},
      {"empty batch", 0, 2, 3, {5, 5}, {3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {}, {}},
      {"empty output (window > input)", 1, 2, 3, {2, 5}, {3, 3}, {1, 1}, {{0, 0}, {0, 0}}, {}, {}},
      {"zero features", 2, 0, 3, {4, 4}, {2, 2}, {1, 1}, {{0, 0}, {0, 0}}, {}, {}},
      {"larger NHWC (oneDNN)", 2, 16, 24, {12, 11}, {3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {}, {}, 1, 1,
       {"NHWC", "HWIO", "NHWC"}},
  };
  return cases;
}

void expect_close(const Array& got, const std::vector<long double>& want, const std::string& what) {
  DType dt = got.dtype();
  ASSERT_EQ(got.size(), int64_t(want.size())) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    long double g = load_ld(dt, got.data(), int64_t(i));
    if (dt.is_integer()) {
      EXPECT_EQ(load_int(dt, got.data(), int64_t(i)), wrap_int(dt, I128(want[i]))) << what << " at " << i;
    } else {
      long double tol = dt == jx::bfloat16 ? std::fabs(want[i]) / 128 + 1e-6
                        : dt == jx::float16 ? std::fabs(want[i]) / 1024 + 1e-6
                        : dt == jx::float32 ? 1e-4 * (1 + std::fabs(want[i]))
                                            : 1e-12 * (1 + std::fabs(want[i]));
      EXPECT_LE(std::fabs(g - want[i]), tol) << what << " at " << i << " got " << double(g) << " want " << double(want[i]);
    }
  }
}

TEST(Conv, MatchesReference) {
  std::mt19937 rng(1);
  for (DType dt : {jx::float32, jx::float64, jx::bfloat16, jx::float16, jx::int32, jx::int8, jx::uint8}) {
    for (const ConvCase& c : conv_cases()) {
      std::string what = std::string(c.what) + " " + std::string(dt.name());
      Array l = random_array(dt, lhs_shape(c), rng, dt == jx::float32 || dt == jx::float64);
      Array r = random_array(dt, rhs_shape(c), rng, dt == jx::float32 || dt == jx::float64);
      Shape os;
      auto want = reference(c, l, r, &os);
      Array y = run(c, l, r);
      ASSERT_EQ(y.shape(), os) << what;
      ASSERT_EQ(y.dtype(), dt) << what;
      expect_close(y, want, what);
    }
  }
}

TEST(Conv, KernelPaths) {
  // float32 without lhs dilation / batch groups runs on oneDNN, the rest on im2col.
  auto path = [](const ConvCase& c, DType dt) {
    auto dn = dims_of(c);
    Shape ls = lhs_shape(c), rs = rhs_shape(c);
    Shape os;
    Array l = jx::np::zeros(ls, dt), r = jx::np::zeros(rs, dt);
    reference(c, l, r, &os);
    jx::cpu::ConvGeometry g;
    g.n = c.n; g.c = c.c; g.o = c.o; g.i = c.c / c.fgc;
    g.in = c.in; g.window = c.window;
    for (size_t d = 0; d < c.in.size(); ++d) g.out.push_back(os[size_t(dn.out_spec[2 + d])]);
    g.strides = c.strides;
    for (auto [lo, hi] : c.pads) { g.pad_lo.push_back(lo); g.pad_hi.push_back(hi); }
    g.lhs_dilation = c.lhs_dil.empty() ? Ints(c.in.size(), 1) : c.lhs_dil;
    g.rhs_dilation = c.rhs_dil.empty() ? Ints(c.in.size(), 1) : c.rhs_dil;
    g.feature_group_count = c.fgc; g.batch_group_count = c.bgc;
    auto st = [](const Shape& s, const Ints& spec) { Ints all = strides_of(s), r; for (int64_t d : spec) r.push_back(all[size_t(d)]); return r; };
    g.lhs_strides = st(ls, dn.lhs_spec); g.rhs_strides = st(rs, dn.rhs_spec); g.out_strides = st(os, dn.out_spec);
    return jx::cpu::conv_path(g, dt, dt);
  };
  const auto& cs = conv_cases();
  auto find = [&](std::string_view w) { return *std::find_if(cs.begin(), cs.end(), [&](const ConvCase& c) { return c.what == w; }); };
  EXPECT_EQ(path(find("larger NHWC (oneDNN)"), jx::float32).rfind("oneDNN", 0), 0u) << path(find("larger NHWC (oneDNN)"), jx::float32);
  EXPECT_EQ(path(find("2d feature groups"), jx::float32).rfind("oneDNN", 0), 0u);
  EXPECT_EQ(path(find("2d lhs dilation"), jx::float32), "im2col");
  EXPECT_EQ(path(find("2d batch groups"), jx::float32), "im2col");
  EXPECT_EQ(path(find("2d NCHW same"), jx::float64), "im2col");
}

TEST(Conv, PreferredElementType) {
  std::mt19937 rng(2);
  ConvCase c{"i8", 1, 2, 2, {4}, {3}, {1}, {{0, 0}}, {}, {}};
  Array l = jx::np::full(lhs_shape(c), 100, jx::int8), r = jx::np::full(rhs_shape(c), 100, jx::int8);
  Array y = run(c, l, r, jx::int32);
  EXPECT_EQ(y.dtype(), jx::int32);
  EXPECT_EQ(y.to_vector<int>()[0], 100 * 100 * 6);
  Array h = lx::convert_element_type(random_array(jx::float32, lhs_shape(c), rng, true), jx::bfloat16);
  Array hw = lx::convert_element_type(random_array(jx::float32, rhs_shape(c), rng, true), jx::bfloat16);
  EXPECT_EQ(run(c, h, hw, jx::float32).dtype(), jx::float32);
}

TEST(Conv, PaddingModesAndWrappers) {
  std::mt19937 rng(3);
  Array x = random_array(jx::float64, {1, 2, 7, 6}, rng, true), w = random_array(jx::float64, {3, 2, 3, 2}, rng, true);
  // SAME: out = ceil(in / stride); the odd padding goes at the end (SAME) or start (SAME_LOWER).
  Array same = lx::conv(x, w, {2, 1}, "SAME");
  EXPECT_EQ(same.shape(), (Shape{1, 3, 4, 6}));
  Array explicit_same = lx::conv(x, w, {2, 1}, {{1, 1}, {0, 1}});
  EXPECT_EQ(same.to_vector<double>(), explicit_same.to_vector<double>());
  Array lower = lx::conv_general_dilated(x, w, {2, 1}, "SAME_LOWER");
  EXPECT_EQ(lower.to_vector<double>(), lx::conv(x, w, {2, 1}, {{1, 1}, {1, 0}}).to_vector<double>());
  EXPECT_EQ(lx::conv(x, w, {1, 1}, "VALID").shape(), (Shape{1, 3, 5, 5}));
  // rhs dilation widens the window SAME pads for.
  EXPECT_EQ(lx::conv_general_dilated(x, w, {1, 1}, "SAME", {}, {2, 2}).shape(), (Shape{1, 3, 7, 6}));
  // Layout strings give the same numbers as the default layout, transposed.
  Array xh = lx::transpose(x, {0, 2, 3, 1}), wh = lx::transpose(w, {2, 3, 1, 0});
  Array yh = lx::conv_general_dilated(xh, wh, {2, 1}, "SAME", {}, {}, {"NHWC", "HWIO", "NHWC"});
  EXPECT_EQ(lx::transpose(yh, {0, 3, 1, 2}).to_vector<double>(), same.to_vector<double>());
  auto dn = lx::conv_dimension_numbers("NHWC", "HWIO", "NHWC");
  EXPECT_EQ(dn.lhs_spec, (Ints{0, 3, 1, 2}));
  EXPECT_EQ(dn.rhs_spec, (Ints{3, 2, 0, 1}));
  EXPECT_EQ(dn.out_spec, (Ints{0, 3, 1, 2}));
  // Spatial dims follow the rhs string's order.
  auto dn2 = lx::conv_dimension_numbers("NCHW", "OIWH", "NCWH");
  EXPECT_EQ(dn2.lhs_spec, (Ints{0, 1, 3, 2}));
  EXPECT_EQ(dn2.out_spec, (Ints{0, 1, 2, 3}));
}

TEST(Conv, Errors) {
  Array x = jx::np::zeros({1, 4, 5, 5}), w = jx::np::zeros({6, 2, 3, 3});
  auto has = [](const std::string& m, const std::string& s) {
    EXPECT_NE(m.find(s), std::string::npos) << m;
    EXPECT_NE(m.find("convolution_test.cpp"), std::string::npos) << m;
  };
  has(error_of([&] { lx::conv(x, w, {1, 1}, "SAME"); }),
      "[conv_general_dilated] lhs feature dimension size divided by feature_group_count must equal the rhs input feature dimension size, but 4 // 1 != 2");
  has(error_of([&] { lx::conv_general_dilated(x, w, {1, 1}, "SAME", {}, {}, {}, 3); }),
      "feature_group_count must divide the lhs feature dimension size, but 3 does not divide 4");
  has(error_of([&] { lx::conv_general_dilated(x, jx::np::zeros({5, 2, 3, 3}), {1, 1}, "SAME", {}, {}, {}, 2); }),
      "rhs output feature dimension size must be a multiple of feature_group_count, but 5 is not a multiple of 2");
  has(error_of([&] { lx::conv_general_dilated(x, jx::np::zeros({6, 4, 3, 3}), {1, 1}, "SAME", {}, {}, {}, 1, 4); }),
      "batch_group_count must divide the lhs batch dimension size, but 4 does not divide 1");
  has(error_of([&] { lx::conv_general_dilated(x, w, {1, 1}, "SAME", {}, {}, {}, 2, 2); }),
      "at most one of batch_group_count and feature_group_count may be > 1");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3}), {1, 1}, "SAME"); }), "lhs and rhs must have the same rank");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3, 3}), {1}, {{0, 0}, {0, 0}}); }),
      "window_strides must have one entry per spatial dimension (2), got 1");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3, 3}), {1, 0}, "VALID"); }), "window_strides must be positive");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3, 3}), {1, 1}, "FULL"); }),
      "padding must be \"SAME\", \"SAME_LOWER\", \"VALID\" or (low, high) pairs, got \"FULL\"");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3, 3}, jx::float64), {1, 1}, "SAME"); }),
      "operands must have equal dtypes, got float32 and float64");
  has(error_of([&] { lx::conv(x, jx::np::zeros({6, 4, 3, 3}), {1, 1}, {{-4, -4}, {0, 0}}); }),
      "negative padding is larger than the size of the corresponding dimension");
  has(error_of([&] { lx::conv_general_dilated(x, jx::np::zeros({6, 4, 3, 3}), {1, 1}, "SAME", {2, 2}); }),
      "string padding is not implemented for transposed convolution");
  // Dimension numbers.
  Array xh = jx::np::zeros({1, 5, 5, 4}), wh = jx::np::zeros({3, 3, 4, 6});
  auto dn = [&](const char* a, const char* b, const char* c) {
    return error_of([&] { lx::conv_general_dilated(xh, wh, {1, 1}, "SAME", {}, {}, {a, b, c}); });
  };
  has(dn("NHWX", "HWIO", "NHWC"), "dimension_numbers[0] must contain the characters 'N' and 'C' exactly once, got \"NHWX\"");
  has(dn("NHWC", "HWII", "NHWC"), "dimension_numbers[1] must contain the characters 'O' and 'I' exactly once");
  has(dn("NHHC", "HWIO", "NHWC"), "dimension_numbers[0] cannot have duplicate characters, got \"NHHC\"");
  has(dn("NHWC", "HDIO", "NHWC"), "must each have the same set of spatial characters");
  has(dn("NHC", "HWIO", "NHWC"), "dimension_numbers[0] \"NHC\" must have one character per dimension of the operands (rank 4)");
  has(error_of([&] {
        lx::conv_general_dilated(xh, wh, {1, 1}, {{1, 1}, {1, 1}}, {}, {},
                                 lx::ConvDimensionNumbers{{0, 3, 1, 1}, {3, 2, 0, 1}, {0, 3, 1, 2}});
      }),
      "dimension_numbers lhs_spec (0, 3, 1, 1) must be a permutation of the 4 dimensions of f32[1,5,5,4]");
}

// ---------------------------------------------------------------- derivatives
const std::vector<ConvCase>& grad_cases() {
  static const std::vector<ConvCase> cases = {
      {"1d stride 2 pad (1,2)", 1, 2, 2, {7}, {3}, {2}, {{1, 2}}, {}, {}},
      {"2d same", 1, 2, 2, {4, 4}, {3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {}, {}},
      {"2d NHWC strided dilated", 2, 2, 3, {5, 4}, {2, 2}, {2, 1}, {{1, 0}, {0, 1}}, {}, {2, 1}, 1, 1,
       {"NHWC", "HWIO", "NHWC"}},
      {"2d lhs dilation", 1, 2, 2, {3, 3}, {2, 2}, {1, 1}, {{1, 1}, {0, 1}}, {2, 2}, {}},
      {"2d feature groups", 1, 4, 4, {4, 3}, {2, 2}, {1, 1}, {{0, 1}, {1, 0}}, {}, {}, 2},
      {"2d batch groups", 4, 2, 4, {3, 4}, {2, 2}, {1, 1}, {{1, 0}, {0, 0}}, {}, {}, 1, 2},
      {"3d", 1, 1, 2, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {{0, 0}, {0, 1}, {1, 0}}, {}, {}},
  };
  return cases;
}

TEST(Conv, GradientsSecondOrder) {
  std::mt19937 rng(4);
  for (DType dt : {jx::float32, jx::float64}) {
    for (const ConvCase& c : grad_cases()) {
      SCOPED_TRACE(std::string(c.what) + " " + std::string(dt.name()));
      Arrays args{random_array(dt, lhs_shape(c), rng, true), random_array(dt, rhs_shape(c), rng, true)};
      ConvCase cc = c;
      jx::FlatFn f = [cc](std::span<const Array> in) { return Arrays{run(cc, in[0], in[1])}; };
      std::optional<double> eps;
      if (dt == jx::float32) eps = 1e-2;  // bilinear: finite differences are exact up to rounding
      try {
        jx::test::check_grads(f, args, 2, {"fwd", "rev"}, {}, {}, eps);
      } catch (const jx::Error& e) {
        ADD_FAILURE() << e.what();
      }
    }
  }
}

TEST(Conv, ConvTransposeIsGradientOfConv) {
  std::mt19937 rng(5);
  for (int64_t s : {1, 2, 3}) {
    for (int64_t k : {2, 3, 4}) {
      SCOPED_TRACE("stride " + std::to_string(s) + " kernel " + std::to_string(k));
      Array x = random_array(jx::float64, {2, 3 * s, 2 * s, 3}, rng, true);
      Array w = random_array(jx::float64, {k, k, 3, 4}, rng, true);
      jx::FlatFn f = [&](std::span<const Array> in) {
        return Arrays{lx::conv_general_dilated(in[0], w, {s, s}, "SAME", {}, {}, {"NHWC", "HWIO", "NHWC"})};
      };
      auto [ys, pullback] = jx::vjp_flat(f, Arrays{x});
      Array g = random_array(jx::float64, ys[0].shape(), rng, true);
      Array gx = pullback(Arrays{g})[0];
      Array t = lx::conv_transpose(g, w, {s, s}, "SAME", {}, {}, /*transpose_kernel=*/true);
      ASSERT_EQ(t.shape(), x.shape());
      auto a = t.to_vector<double>(), b = gx.to_vector<double>();
      for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12);
    }
  }
  // VALID: out = in * s + max(k - s, 0).
  Array g = jx::np::ones({1, 4, 5, 2}), w = jx::np::ones({3, 3, 2, 1});
  EXPECT_EQ(lx::conv_transpose(g, w, {2, 2}, "VALID").shape(), (Shape{1, 9, 11, 1}));
  EXPECT_EQ(lx::conv_transpose(g, w, {2, 2}, "SAME").shape(), (Shape{1, 8, 10, 1}));
}

// ---------------------------------------------------------------- vmap
Array take(const Array& x, int axis, int64_t i) {
  std::vector<int64_t> start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = i;
  limit[size_t(axis)] = i + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

TEST(Conv, VmapMatchesLoop) {
  std::mt19937 rng(6);
  for (const ConvCase& c : grad_cases()) {
    for (int trial = 0; trial < 4; ++trial) {
      const int64_t n = trial == 3 ? 0 : 1 + int64_t(rng() % 3);
      std::vector<std::optional<int>> in_axes;
      Arrays args;
      // trial 0: both mapped; 1: lhs only; 2: rhs only; 3: random with an empty batch.
      for (int k = 0; k < 2; ++k) {
        Shape s = k ? rhs_shape(c) : lhs_shape(c);
        bool mapped = trial == 0 || (trial == 1 && k == 0) || (trial == 2 && k == 1) || (trial == 3 && (k == 0 || rng() % 2));
        if (!mapped) {
          in_axes.push_back(std::nullopt);
          args.push_back(random_array(jx::float64, s, rng));
          continue;
        }
        int ax = int(rng() % (s.size() + 1));
        s.insert(size_t(ax), n);
        args.push_back(random_array(jx::float64, s, rng));
        in_axes.push_back(ax);
      }
      ConvCase cc = c;
      jx::FlatFn f = [cc](std::span<const Array> in) { return Arrays{run(cc, in[0], in[1])}; };
      SCOPED_TRACE(std::string(c.what) + " trial " + std::to_string(trial));
      Arrays got = jx::vmap_flat(f, args, in_axes, std::vector<std::optional<int>>{0});
      if (n == 0) {
        Shape os;
        Array l0 = jx::np::zeros(lhs_shape(c), jx::float64), r0 = jx::np::zeros(rhs_shape(c), jx::float64);
        reference(c, l0, r0, &os);
        os.insert(0, 0);
        EXPECT_EQ(got[0].shape(), os);
        continue;
      }
      Arrays parts;
      for (int64_t i = 0; i < n; ++i) {
        Arrays xs;
        for (int k = 0; k < 2; ++k) xs.push_back(in_axes[size_t(k)] ? take(args[size_t(k)], *in_axes[size_t(k)], i) : args[size_t(k)]);
        parts.push_back(f(xs)[0]);
      }
      Array want = jx::np::stack(parts, 0);
      ASSERT_EQ(got[0].shape(), want.shape());
      EXPECT_EQ(got[0].to_vector<double>(), want.to_vector<double>());
    }
  }
}

}  // namespace
}  // namespace jxt

namespace jxt {
namespace {

TEST(Conv, JaxprRoundTrip) {
  std::vector<jx::Aval> avals{{jx::float32, {2, 6, 5, 4}}, {jx::float32, {3, 2, 2, 6}}};
  auto j = jx::make_jaxpr_flat([](std::span<const Array> in) {
    return Arrays{lx::conv_general_dilated(in[0], in[1], {2, 1}, "SAME", {}, {1, 2}, {"NHWC", "HWIO", "NHWC"}, 2)};
  }, avals);
  std::string text = j.str();
  jx::Jaxpr back = jx::parse_jaxpr(text);
  jx::verify_jaxpr(back);
  EXPECT_EQ(back.str(), text);
  std::mt19937 rng(8);
  Arrays args{random_array(jx::float32, {2, 6, 5, 4}, rng), random_array(jx::float32, {3, 2, 2, 6}, rng)};
  EXPECT_EQ(jx::eval_jaxpr(back, {}, args)[0].to_vector<float>(),
            lx::conv_general_dilated(args[0], args[1], {2, 1}, "SAME", {}, {1, 2}, {"NHWC", "HWIO", "NHWC"}, 2)
                .to_vector<float>());
}

}  // namespace
}  // namespace jxt

namespace jxt {
namespace {

// Kernel gradients (the transpose rule's batch/feature-swapped convolution,
// whose window is larger than its output) run on oneDNN's backward_weights
// for float32: against the float64 gradient (im2col, exact path unchanged)
// for strides, padding, dilation, groups, one input channel and NHWC, with
// the same bits on 1 and 2 threads and across runs.
TEST(Conv, KernelGradientFastPath) {
  struct Case {
    const char* what;
    Shape x, w;
    Ints strides;
    Pads pads;
    Ints rhs_dil;
    int64_t fgc;
    const char* lhs;
    const char* rhs;
  };
  const Case cases[] = {
      {"CNN conv1 (1 input channel)", {64, 1, 28, 28}, {32, 1, 3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, 1, "NCHW", "OIHW"},
      {"CNN conv2", {40, 32, 14, 14}, {64, 32, 3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, 1, "NCHW", "OIHW"},
      {"stride 2, uneven padding", {37, 8, 15, 13}, {16, 8, 3, 3}, {2, 2}, {{1, 0}, {0, 1}}, {1, 1}, 1, "NCHW", "OIHW"},
      {"rhs dilation", {20, 6, 16, 12}, {10, 6, 3, 2}, {1, 1}, {{2, 2}, {1, 0}}, {2, 3}, 1, "NCHW", "OIHW"},
      {"feature groups", {24, 8, 12, 12}, {12, 4, 3, 3}, {1, 1}, {{1, 1}, {1, 1}}, {1, 1}, 2, "NCHW", "OIHW"},
      {"NHWC stride 2", {33, 11, 11, 16}, {3, 3, 16, 24}, {2, 2}, {{1, 1}, {1, 1}}, {1, 1}, 1, "NHWC", "HWIO"},
  };
  std::mt19937 rng(11);
  const int saved = jx::cpu::num_threads();
  for (const Case& c : cases) {
    Array x = random_array(jx::float32, c.x, rng, true), w = random_array(jx::float32, c.w, rng, true);
    auto f = [&](std::span<const Array> in) {
      return Arrays{lx::conv_general_dilated(in[0], in[1], c.strides, c.pads, {}, c.rhs_dil, {c.lhs, c.rhs, c.lhs},
                                             c.fgc)};
    };
    auto grad_w = [&](const Array& xv, const Array& wv, const Array& ct) {
      auto [ys, pullback] = jx::vjp_flat([&](std::span<const Array> in) { return f(Arrays{xv, in[0]}); }, Arrays{wv});
      return pullback(Arrays{ct})[0];
    };
    Array y = f(Arrays{x, w})[0];
    Array ct = random_array(jx::float32, y.shape(), rng, true);
    std::vector<Array> got;
    for (int threads : {1, 2, 2}) {
      jx::cpu::set_num_threads(threads);
      got.push_back(grad_w(x, w, ct));
    }
    jx::cpu::set_num_threads(saved);
    auto f64 = [](const Array& a) { return lx::convert_element_type(a, jx::float64); };
    std::vector<double> want = grad_w(f64(x), f64(w), f64(ct)).to_vector<double>();
    std::vector<double> g = got[0].to_vector<double>();
    ASSERT_EQ(g.size(), want.size()) << c.what;
    double scale = 0;
    for (double v : want) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], want[i], 1e-5 * scale + 1e-5) << c.what << " at " << i;
    for (size_t k = 1; k < got.size(); ++k)
      EXPECT_EQ(std::memcmp(got[0].data(), got[k].data(), size_t(got[0].nbytes())), 0) << c.what << " run " << k;
  }
  // The CNN's second layer's kernel gradient, as the rule emits it
  // (lhs_spec = rhs_spec = out_spec = (1, 0, 2, 3)), takes the new path.
  jx::cpu::ConvGeometry g;
  g.n = 32; g.c = 128; g.o = 64; g.i = 128;
  g.in = {14, 14}; g.window = {14, 14}; g.out = {3, 3};
  g.strides = {1, 1}; g.pad_lo = {1, 1}; g.pad_hi = {1, 1};
  g.lhs_dilation = {1, 1}; g.rhs_dilation = {1, 1};
  g.lhs_strides = {196, 32 * 196, 14, 1};
  g.rhs_strides = {196, 64 * 196, 14, 1};
  g.out_strides = {9, 32 * 9, 3, 1};
  EXPECT_EQ(jx::cpu::conv_path(g, jx::float32, jx::float32).rfind("oneDNN backward_weights", 0), 0u)
      << jx::cpu::conv_path(g, jx::float32, jx::float32);
  EXPECT_EQ(jx::cpu::conv_path(g, jx::float64, jx::float64), "im2col");
}

}  // namespace
}  // namespace jxt
