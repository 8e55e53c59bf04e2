// Structural primitives against naive index loops: broadcast_in_dim, reshape,
// squeeze, expand_dims, transpose, rev, slice (with strides), pad (low, high,
// interior, negative), concatenate, iota, convert_element_type (all 13x13
// dtype pairs), bitcast_convert_type, select_n, clamp, copy, device_put,
// Array::operator[], item/to_vector, and size-0 operands through each op.
#include <gtest/gtest.h>

#include <functional>
#include <numeric>

#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;

// A reference n-d array of values held as long double.
struct Nd {
  jx::Shape shape;
  std::vector<long double> v;

  static Nd iota(const jx::Shape& s, jx::DType dt) {
    Nd a{s, std::vector<long double>(size_t(s.numel()))};
    for (size_t i = 0; i < a.v.size(); ++i)
      a.v[i] = dt.is_bool()           ? (long double)(i % 3 == 1)
               : dt.is_unsigned_int() ? (long double)(i % 97)
                                      : (long double)(int(i % 97) - 40);
    return a;
  }
  std::vector<int64_t> strides() const {
    std::vector<int64_t> st(shape.size(), 1);
    for (int i = int(shape.size()) - 2; i >= 0; --i)
      st[size_t(i)] = st[size_t(i) + 1] * shape[size_t(i) + 1];
    return st;
  }
  long double at(const std::vector<int64_t>& idx) const {
    auto st = strides();
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * st[d];
    return v[size_t(off)];
  }
  jx::Array to_array(jx::DType dt) const {
    HostBuf b(dt, shape.numel());
    for (size_t i = 0; i < v.size(); ++i) store_ld(dt, b.data(), int64_t(i), v[i]);
    return b.to_array(shape);
  }
};

// Builds the reference output of `shape` from a function of the output index.
Nd build(const jx::Shape& shape, const std::function<long double(const std::vector<int64_t>&)>& f) {
  Nd out{shape, std::vector<long double>(size_t(shape.numel()))};
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t flat = 0; flat < out.v.size(); ++flat) {
    out.v[flat] = f(idx);
    for (int d = int(shape.size()) - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < shape[size_t(d)]) break;
      idx[size_t(d)] = 0;
    }
  }
  return out;
}

void expect_equal(const jx::Array& got, const Nd& want, jx::DType dt, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape) << what;
  ASSERT_EQ(got.dtype(), dt) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    long double g = load_ld(dt, got.data(), i);
    ASSERT_TRUE(same_value(g, want.v[size_t(i)]))
        << what << ": element " << i << " is " << fstr(g) << ", want " << fstr(want.v[size_t(i)]);
  }
}

// Element sizes 1, 2, 4 and 8, and bool.
const jx::DType kMoveDtypes[] = {jx::bool_, jx::int8,    jx::float16, jx::bfloat16,
                                 jx::int32, jx::float32, jx::uint64,  jx::float64};

TEST(Structure, BroadcastInDim) {
  struct Case {
    jx::Shape in, out;
    std::vector<int64_t> dims;
  };
  const Case cases[] = {{{2, 1, 3}, {4, 2, 5, 3}, {1, 2, 3}},
                        {{}, {2, 3}, {}},
                        {{3}, {3, 4}, {0}},
                        {{1}, {2, 0}, {0}},
                        {{3, 1}, {3, 70000}, {0, 1}}};
  for (jx::DType dt : kMoveDtypes)
    for (const Case& c : cases) {
      Nd x = Nd::iota(c.in, dt);
      Nd want = build(c.out, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i;
        for (size_t k = 0; k < c.dims.size(); ++k)
          i.push_back(c.in[k] == 1 ? 0 : o[size_t(c.dims[k])]);
        return x.at(i);
      });
      expect_equal(lx::broadcast_in_dim(x.to_array(dt), c.out, c.dims), want, dt,
                   "broadcast_in_dim " + c.in.str() + " -> " + c.out.str());
    }
}

TEST(Structure, ReshapeSqueezeExpandDims) {
  for (jx::DType dt : kMoveDtypes) {
    Nd x = Nd::iota({2, 3, 4}, dt);
    jx::Array a = x.to_array(dt);
    for (const jx::Shape& s :
         {jx::Shape{24}, jx::Shape{4, 6}, jx::Shape{1, 24, 1}, jx::Shape{2, 2, 2, 3}})
      expect_equal(lx::reshape(a, s), Nd{s, x.v}, dt, "reshape to " + s.str());
    Nd one = Nd::iota({1, 3, 1}, dt);
    expect_equal(lx::squeeze(one.to_array(dt), {0, 2}), Nd{{3}, one.v}, dt, "squeeze {0,2}");
    expect_equal(lx::squeeze(one.to_array(dt), {-1}), Nd{{1, 3}, one.v}, dt, "squeeze {-1}");
    expect_equal(lx::squeeze(one.to_array(dt), {}), Nd{{1, 3, 1}, one.v}, dt, "squeeze {}");
    Nd three = Nd::iota({3}, dt);
    expect_equal(lx::expand_dims(three.to_array(dt), {0, 2}), Nd{{1, 3, 1}, three.v}, dt,
                 "expand_dims {0,2}");
    expect_equal(lx::expand_dims(three.to_array(dt), {-1}), Nd{{3, 1}, three.v}, dt,
                 "expand_dims {-1}");
    expect_equal(lx::reshape(lx::reshape(Nd::iota({1}, dt).to_array(dt), {}), {1, 1}),
                 Nd{{1, 1}, Nd::iota({1}, dt).v}, dt, "reshape through a scalar");
  }
}

TEST(Structure, TransposeEveryPermutation) {
  for (jx::DType dt : kMoveDtypes) {
    Nd x = Nd::iota({2, 3, 4}, dt);
    std::vector<int64_t> perm = {0, 1, 2};
    do {
      jx::Shape os{x.shape[size_t(perm[0])], x.shape[size_t(perm[1])], x.shape[size_t(perm[2])]};
      Nd want = build(os, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i(3);
        for (size_t k = 0; k < 3; ++k) i[size_t(perm[k])] = o[k];
        return x.at(i);
      });
      expect_equal(lx::transpose(x.to_array(dt), perm), want, dt,
                   "transpose " + jx::shape_str(perm));
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
  // A big 2-D transpose (the parallel path).
  Nd big = Nd::iota({300, 257}, jx::float32);
  Nd want = build({257, 300}, [&](const std::vector<int64_t>& o) { return big.at({o[1], o[0]}); });
  expect_equal(lx::transpose(big.to_array(jx::float32), {1, 0}), want, jx::float32,
               "transpose 300x257");
}

TEST(Structure, Rev) {
  for (jx::DType dt : kMoveDtypes) {
    Nd x = Nd::iota({2, 3, 4}, dt);
    for (const std::vector<int64_t>& dims :
         {std::vector<int64_t>{}, {0}, {1}, {2}, {0, 2}, {0, 1, 2}, {-1}}) {
      Nd want = build(x.shape, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i = o;
        for (int64_t d : dims) {
          size_t a = size_t(d < 0 ? d + 3 : d);
          i[a] = x.shape[a] - 1 - o[a];
        }
        return x.at(i);
      });
      expect_equal(lx::rev(x.to_array(dt), dims), want, dt, "rev " + jx::shape_str(dims));
    }
  }
}

TEST(Structure, SliceWithStrides) {
  struct Case {
    std::vector<int64_t> start, limit, strides;
  };
  const Case cases[] = {{{0, 0, 0}, {4, 5, 6}, {}},        {{1, 2, 3}, {3, 5, 6}, {}},
                        {{0, 1, 0}, {4, 5, 6}, {2, 3, 4}}, {{1, 0, 5}, {4, 5, 6}, {2, 1, 7}},
                        {{2, 2, 2}, {2, 4, 6}, {1, 1, 1}}, {{0, 4, 0}, {4, 5, 6}, {3, 3, 3}}};
  for (jx::DType dt : kMoveDtypes) {
    Nd x = Nd::iota({4, 5, 6}, dt);
    for (const Case& c : cases) {
      std::vector<int64_t> st = c.strides.empty() ? std::vector<int64_t>{1, 1, 1} : c.strides;
      jx::Shape os;
      for (size_t d = 0; d < 3; ++d) os.push_back((c.limit[d] - c.start[d] + st[d] - 1) / st[d]);
      Nd want = build(os, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i(3);
        for (size_t d = 0; d < 3; ++d) i[d] = c.start[d] + o[d] * st[d];
        return x.at(i);
      });
      expect_equal(lx::slice(x.to_array(dt), c.start, c.limit, c.strides), want, dt,
                   "slice " + jx::shape_str(c.start) + " " + jx::shape_str(c.limit) + " " +
                       jx::shape_str(st));
    }
  }
}

TEST(Structure, Pad) {
  using P = lx::PadConfig;
  const std::vector<std::vector<P>> configs = {{{0, 0, 0}, {0, 0, 0}},    {{1, 2, 0}, {0, 3, 0}},
                                               {{0, 0, 1}, {2, 1, 2}},    {{-1, 0, 0}, {0, -2, 0}},
                                               {{-2, -1, 1}, {1, -3, 2}}, {{3, -4, 0}, {-5, 2, 3}},
                                               {{-3, -3, 2}, {0, 0, 0}}};
  for (jx::DType dt : kMoveDtypes) {
    Nd x = Nd::iota({3, 4}, dt);
    long double pv = dt.is_bool() ? 1 : 77;
    for (const auto& cfg : configs) {
      jx::Shape os;
      for (size_t d = 0; d < 2; ++d)
        os.push_back(cfg[d].low + cfg[d].high + x.shape[d] + (x.shape[d] - 1) * cfg[d].interior);
      Nd want = build(os, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i(2);
        for (size_t d = 0; d < 2; ++d) {
          int64_t p = o[d] - cfg[d].low, step = cfg[d].interior + 1;
          if (p < 0 || p % step != 0 || p / step >= x.shape[d]) return pv;
          i[d] = p / step;
        }
        return x.at(i);
      });
      HostBuf pad_value(dt, 1);
      store_ld(dt, pad_value.data(), 0, pv);
      std::string what = "pad";
      for (const P& p : cfg)
        what += " (" + std::to_string(p.low) + "," + std::to_string(p.high) + "," +
                std::to_string(p.interior) + ")";
      expect_equal(lx::pad(x.to_array(dt), pad_value.to_array({}), cfg), want, dt, what);
    }
  }
}

TEST(Structure, Concatenate) {
  for (jx::DType dt : kMoveDtypes) {
    for (int64_t axis : {0, 1, 2, -1}) {
      size_t a = size_t(axis < 0 ? axis + 3 : axis);
      std::vector<Nd> parts;
      for (int64_t len : {2, 0, 3}) {
        jx::Shape s{2, 3, 4};
        s[a] = len;
        Nd p = Nd::iota(s, dt);
        for (long double& v : p.v)
          v = dt.is_bool() ? (long double)(len == 3) : v + (long double)(len);
        parts.push_back(p);
      }
      jx::Shape os{2, 3, 4};
      os[a] = 5;
      Nd want = build(os, [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> i = o;
        for (const Nd& p : parts) {
          if (i[a] < p.shape[a]) return p.at(i);
          i[a] -= p.shape[a];
        }
        return (long double)NAN;
      });
      std::vector<jx::Array> arrays;
      for (const Nd& p : parts) arrays.push_back(p.to_array(dt));
      expect_equal(lx::concatenate(arrays, axis), want, dt,
                   "concatenate axis " + std::to_string(axis));
    }
  }
}

TEST(Structure, Iota) {
  for (jx::DType dt : all_dtypes()) {
    if (dt.is_bool()) continue;
    for (int64_t dim : {0, 1, 2}) {
      jx::Shape s{3, 4, 5};
      Nd want =
          build(s, [&](const std::vector<int64_t>& o) { return (long double)o[size_t(dim)]; });
      expect_equal(lx::iota(dt, s, dim), want, dt,
                   "iota " + std::string(dt.name()) + " dim " + std::to_string(dim));
    }
  }
  // Values past what float16 holds exactly round like a conversion.
  auto big = lx::iota(jx::float16, {4000}).to_vector<float>();
  EXPECT_EQ(big[2049], 2048.0f);
  EXPECT_EQ(big[3999], 4000.0f);
}

// ---------------------------------------------------------------- conversion

// The value x of dtype `from` converted to `to` as XLA/JAX do: float->int
// truncates and saturates, NaN -> 0; int->int wraps; anything -> bool is
// "!= 0" (NaN -> true); ->float rounds to nearest.
long double convert_ref(long double x, jx::DType from, jx::DType to) {
  if (to.is_bool()) return x != 0 || std::isnan(x);
  if (to.is_floating()) return round_to(to, x);
  if (from.is_floating()) {
    if (std::isnan(x)) return 0;
    long double t = std::trunc(x);
    long double lo = (long double)int_min(to), hi = (long double)int_max(to);
    return (t < lo ? lo : t > hi ? hi : t) + 0;  // +0: integers have no -0
  }
  return (long double)wrap_int(to, I128(x));
}

TEST(Structure, ConvertElementTypeAllPairs) {
  const long double inf = std::numeric_limits<long double>::infinity();
  const long double values[] = {0,
                                -0.0L,
                                1,
                                -1,
                                2.5L,
                                -2.5L,
                                0.75L,
                                -0.999L,
                                100,
                                127,
                                128,
                                -128,
                                -129,
                                255,
                                256,
                                300,
                                -300,
                                32767,
                                32768,
                                65504,
                                65519,
                                65520,
                                70000,
                                -70000,
                                16777217,
                                2147483647.0L,
                                2147483648.0L,
                                -2147483649.0L,
                                4294967295.0L,
                                4294967296.0L,
                                3e9L,
                                1e10L,
                                -1e10L,
                                9223372036854775807.0L,
                                -9223372036854775808.0L,
                                1.5e19L,
                                1e20L,
                                -1e20L,
                                3.5e38L,
                                inf,
                                -inf,
                                std::numeric_limits<long double>::quiet_NaN()};
  for (jx::DType from : all_dtypes()) {
    // The test values `from` can hold exactly (floats: rounded into it).
    std::vector<long double> xs;
    for (long double v : values) {
      if (from.is_floating())
        xs.push_back(round_to(from, v));
      else if (from.is_bool()) {
        if (v == 0 || v == 1) xs.push_back(v + 0);
      }  // +0: no -0 in ints
      else if (std::isfinite(v) && std::trunc(v) == v && v >= (long double)int_min(from) &&
               v <= (long double)int_max(from))
        xs.push_back(v + 0);
    }
    HostBuf b(from, int64_t(xs.size()));
    for (size_t i = 0; i < xs.size(); ++i) {
      if (from.is_floating())
        store_ld(from, b.data(), int64_t(i), xs[i]);
      else
        store_int(from, b.data(), int64_t(i), I128(xs[i]));
    }
    jx::Array x = b.to_array({int64_t(xs.size())});
    for (jx::DType to : all_dtypes()) {
      jx::Array y = lx::convert_element_type(x, to);
      ASSERT_EQ(y.dtype(), to);
      ASSERT_EQ(y.shape(), x.shape());
      for (size_t i = 0; i < xs.size(); ++i) {
        long double want = convert_ref(xs[i], from, to);
        long double got = to.is_floating() ? load_ld(to, y.data(), int64_t(i))
                                           : (long double)load_int(to, y.data(), int64_t(i));
        EXPECT_TRUE(same_value(got, want))
            << "convert " << fstr(xs[i]) << " " << from.name() << " -> " << to.name() << ": got "
            << fstr(got) << ", want " << fstr(want);
      }
    }
  }
}

TEST(Structure, ConvertElementTypeIsNotWeak) {
  float one = 1;
  auto weak = jx::make_from_host(&one, jx::Aval{jx::float32, {}, true}, jx::default_device());
  EXPECT_FALSE(lx::convert_element_type(weak, jx::float32).weak_type());
}

TEST(Structure, BitcastConvertType) {
  const std::vector<float> f = {1.0f,    -2.5f, 0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                                3.14159f};
  jx::Array x = array(f, jx::Shape{2, 3});
  // Same width: the bits, reinterpreted.
  jx::Array i = lx::bitcast_convert_type(x, jx::int32);
  ASSERT_EQ(i.shape(), jx::Shape({2, 3}));
  ASSERT_EQ(i.dtype(), jx::int32);
  for (size_t k = 0; k < f.size(); ++k)
    EXPECT_EQ(i.to_vector<int32_t>()[k], std::bit_cast<int32_t>(f[k]));
  EXPECT_EQ(lx::bitcast_convert_type(i, jx::float32).to_vector<float>(), f);
  // Narrower: a trailing dimension of 4 bytes, little-endian as in memory.
  jx::Array u = lx::bitcast_convert_type(x, jx::uint8);
  ASSERT_EQ(u.shape(), jx::Shape({2, 3, 4}));
  auto bytes = u.to_vector<uint8_t>();
  for (size_t k = 0; k < f.size(); ++k) {
    uint32_t bits = std::bit_cast<uint32_t>(f[k]);
    for (size_t j = 0; j < 4; ++j) EXPECT_EQ(bytes[4 * k + j], (bits >> (8 * j)) & 0xff);
  }
  // Wider: consumes a last dimension of 4.
  jx::Array back = lx::bitcast_convert_type(u, jx::float32);
  ASSERT_EQ(back.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(back.to_vector<float>(), f);
  // Two halves from one float, one double from two floats.
  EXPECT_EQ(lx::bitcast_convert_type(x, jx::bfloat16).shape(), jx::Shape({2, 3, 2}));
  EXPECT_EQ(lx::bitcast_convert_type(array(f, jx::Shape{3, 2}), jx::float64).shape(),
            jx::Shape({3}));
  EXPECT_NE(
      error_of([&] { lx::bitcast_convert_type(x, jx::float64); }).find("[bitcast_convert_type]"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              lx::bitcast_convert_type(scalar<uint8_t>(1), jx::int16);
            }).find("last dimension of 2"),
            std::string::npos);
}

// ---------------------------------------------------------------- selection

TEST(Structure, SelectN) {
  for (jx::DType dt : kMoveDtypes) {
    Nd a = Nd::iota({70001}, dt), b = a, c = a;
    for (size_t i = 0; i < b.v.size(); ++i) {
      b.v[i] = dt.is_bool() ? 1 - a.v[i] : a.v[i] + 1;
      c.v[i] = dt.is_bool() ? 1 : 5;
    }
    std::vector<bool> pb(a.v.size());
    std::vector<int32_t> pi(a.v.size());
    for (size_t i = 0; i < pb.size(); ++i) {
      pb[i] = i % 3 == 0;
      pi[i] = int32_t(i % 5 % 3);
    }
    Nd want_b = build(a.shape, [&](const std::vector<int64_t>& o) {
      return pb[size_t(o[0])] ? b.v[size_t(o[0])] : a.v[size_t(o[0])];
    });
    Nd want_i = build(a.shape, [&](const std::vector<int64_t>& o) {
      int32_t w = pi[size_t(o[0])];
      return (w == 0 ? a : w == 1 ? b : c).v[size_t(o[0])];
    });
    jx::Array A = a.to_array(dt), B = b.to_array(dt), C = c.to_array(dt);
    expect_equal(lx::select_n(array(pb), {A, B}), want_b, dt, "select_n bool");
    expect_equal(lx::select_n(array(pi), {A, B, C}), want_i, dt, "select_n int32");
    // A scalar predicate picks a whole case.
    expect_equal(lx::select_n(scalar(true), {A, B}), b, dt, "select_n scalar true");
    expect_equal(lx::select_n(scalar(false), {A, B}), a, dt, "select_n scalar false");
    expect_equal(lx::select_n(scalar<int32_t>(2), {A, B, C}), c, dt, "select_n scalar 2");
    // One case: the predicate is ignored.
    expect_equal(lx::select_n(array(pi), {A}), a, dt, "select_n one case");
  }
  // Out-of-range int32 predicates pick the nearest case, as JAX's lowering to
  // nested selects (which < mid ? ... : ...) does.
  auto w = array<int32_t>({-3, 0, 1, 2, 7});
  auto r = lx::select_n(w, {array<float>({0, 0, 0, 0, 0}), array<float>({1, 1, 1, 1, 1}),
                            array<float>({2, 2, 2, 2, 2})});
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{0, 0, 1, 2, 2}));
}

TEST(Structure, Clamp) {
  auto x = array<float>({-5, -1, 0, 0.5f, 3, 10, NAN});
  EXPECT_EQ(lx::clamp(scalar<float>(-1), x, scalar<float>(2)).to_vector<float>()[4], 2.0f);
  auto y = lx::clamp(scalar<float>(-1), x, scalar<float>(2)).to_vector<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end() - 1),
            (std::vector<float>{-1, -1, 0, 0.5f, 2, 2}));
  EXPECT_TRUE(std::isnan(y.back()));
  auto lo = array<float>({0, 0, 0, 0, 0, 0, 0}), hi = array<float>({1, 1, 1, 1, 1, 20, 1});
  auto z = lx::clamp(lo, x, hi).to_vector<float>();
  EXPECT_EQ(z[5], 10.0f);
  EXPECT_EQ(z[0], 0.0f);
  auto ints = lx::clamp(scalar<int32_t>(-2), array<int32_t>({-10, -2, 0, 7}), scalar<int32_t>(3));
  EXPECT_EQ(ints.to_vector<int32_t>(), (std::vector<int32_t>{-2, -2, 0, 3}));
  EXPECT_NE(error_of([&] { lx::clamp(scalar<double>(0), x, scalar<float>(1)); }).find("[clamp]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lx::clamp(array<float>({0, 1}), x, scalar<float>(1));
            }).find("[clamp]"),
            std::string::npos);
}

// ---------------------------------------------------------------- arrays, devices

TEST(Structure, CopyIsANewBuffer) {
  auto x = array<double>({1, 2, 3});
  auto y = lx::copy(x);
  EXPECT_EQ(y.to_vector<double>(), x.to_vector<double>());
  EXPECT_NE(y.data(), x.data());
  EXPECT_EQ(y.aval(), x.aval());
}

TEST(Structure, DevicePut) {
  auto x = array<int32_t>({1, 2, 3});
  EXPECT_EQ(x.device(), jx::default_device());
  auto same = jx::device_put(x, jx::default_device());
  EXPECT_EQ(same.to_vector<int32_t>(), x.to_vector<int32_t>());
  int n = int(jx::devices().size());
  if (n > 1) {  // JX_NUM_CPU_DEVICES is set
    auto moved = jx::device_put(x, jx::devices()[1]);
    EXPECT_EQ(moved.device(), jx::devices()[1]);
    EXPECT_EQ(moved.to_vector<int32_t>(), x.to_vector<int32_t>());
  }
  std::string msg = error_of([&] { jx::device_put(x, jx::Device(jx::DeviceKind::kCpu, n + 3)); });
  EXPECT_NE(msg.find("[device_put] no device with id " + std::to_string(n + 3)), std::string::npos)
      << msg;
}

TEST(Structure, IndexingItemAndToVector) {
  Nd x = Nd::iota({4, 3}, jx::int32);
  jx::Array a = x.to_array(jx::int32);
  for (int64_t i = -4; i < 4; ++i) {
    int64_t r = i < 0 ? i + 4 : i;
    expect_equal(a[i],
                 Nd{{3}, {x.v[size_t(3 * r)], x.v[size_t(3 * r + 1)], x.v[size_t(3 * r + 2)]}},
                 jx::int32, "a[" + std::to_string(i) + "]");
    EXPECT_EQ(a[i][-1].item<int>(), int(x.v[size_t(3 * r + 2)]));
  }
  EXPECT_NE(error_of([&] { a[4]; }).find("out of bounds"), std::string::npos);
  EXPECT_NE(error_of([&] { a[-5]; }).find("out of bounds"), std::string::npos);
  EXPECT_NE(error_of([&] { a[0][0][0]; }).find("0-d"), std::string::npos);
  // item converts, to_vector converts every element.
  EXPECT_EQ(scalar<float>(2.75f).item<int>(), 2);
  EXPECT_EQ(scalar<float>(2.75f).item<double>(), 2.75);
  EXPECT_TRUE(scalar<float>(0.5f).item<bool>());
  EXPECT_EQ(scalar<bool>(true).item<float>(), 1.0f);
  EXPECT_EQ(array<uint8_t>({1, 255}).to_vector<int>(), (std::vector<int>{1, 255}));
  EXPECT_EQ(array<float>({0, -1.5f}).to_vector<bool>(), (std::vector<bool>{false, true}));
  EXPECT_EQ(lx::convert_element_type(array<float>({1.5f, -2}), jx::bfloat16).to_vector<float>(),
            (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(lx::reshape(array<int64_t>({7}), {1, 1}).item<int64_t>(), 7);
  EXPECT_NE(error_of([&] { a.item<int>(); }).find("size 1"), std::string::npos);
}

// Every structural op accepts size-0 operands and produces the right shape.
TEST(Structure, ZeroSizeOperands) {
  jx::Array z = array(std::vector<float>{}, jx::Shape{0, 3});
  EXPECT_EQ(lx::broadcast_in_dim(z, {2, 0, 3}, {1, 2}).shape(), jx::Shape({2, 0, 3}));
  EXPECT_EQ(lx::reshape(z, {3, 0, 5}).shape(), jx::Shape({3, 0, 5}));
  EXPECT_EQ(lx::expand_dims(z, {0}).shape(), jx::Shape({1, 0, 3}));
  EXPECT_EQ(lx::squeeze(lx::expand_dims(z, {0}), {0}).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::transpose(z, {1, 0}).shape(), jx::Shape({3, 0}));
  EXPECT_EQ(lx::rev(z, {0, 1}).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::slice(z, {0, 1}, {0, 3}).shape(), jx::Shape({0, 2}));
  auto padded = lx::pad(z, scalar<float>(4), {{1, 1, 0}, {0, 0, 0}});
  EXPECT_EQ(padded.shape(), jx::Shape({2, 3}));
  EXPECT_EQ(padded.to_vector<float>(), std::vector<float>(6, 4.0f));
  EXPECT_EQ(lx::pad(z, scalar<float>(4), {{0, 0, 5}, {0, 0, 0}}).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::concatenate({z, z}, 0).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(
      lx::concatenate({z, array(std::vector<float>(6, 1), jx::Shape{2, 3})}, 0).to_vector<float>(),
      std::vector<float>(6, 1));
  EXPECT_EQ(lx::iota(jx::int32, {0, 4}, 1).shape(), jx::Shape({0, 4}));
  EXPECT_EQ(lx::convert_element_type(z, jx::int8).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::bitcast_convert_type(z, jx::uint8).shape(), jx::Shape({0, 3, 4}));
  EXPECT_EQ(lx::select_n(array(std::vector<bool>{}, jx::Shape{0, 3}), {z, z}).shape(),
            jx::Shape({0, 3}));
  EXPECT_EQ(lx::clamp(scalar<float>(0), z, scalar<float>(1)).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::copy(z).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::add(z, z).shape(), jx::Shape({0, 3}));
  EXPECT_EQ(lx::reduce_sum(z, {0}).to_vector<float>(), std::vector<float>(3, 0.0f));
  EXPECT_EQ(lx::reduce_max(z, {1}).shape(), jx::Shape({0}));
  EXPECT_EQ(lx::argmax(z, 1).shape(), jx::Shape({0}));
  EXPECT_EQ(jx::device_put(z, jx::default_device()).shape(), jx::Shape({0, 3}));
  EXPECT_TRUE(z.to_vector<float>().empty());
}

}  // namespace
}  // namespace jxt
