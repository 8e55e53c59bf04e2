// The indexing primitives against naive loops written from XLA's semantics:
// gather in every mode (out-of-bounds starts clamped, filled), with batching
// dims, interleaved offset dims, empty index arrays, empty index vectors and
// size-1 dims; the five scatters with duplicate indices (applied in index
// order, also on many threads), partial windows and dropped / clipped
// windows; dynamic_slice and dynamic_update_slice clamping; the error
// messages of bad dimension numbers; check_grads (order 2, fwd + rev) in f32
// and f64; and vmap against a loop over slices with random in_axes.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>
#include <random>

#include "backend/cpu/thread_pool.h"
#include "jx/check_grads.h"
#include "jx/lax_indexing.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;
using Ints = std::vector<int64_t>;
using Mode = lx::GatherScatterMode;
using Axes = std::vector<std::optional<int>>;

// ---------------------------------------------------------------- helpers

Array from_doubles(DType dt, const Shape& s, const std::vector<double>& v) {
  HostBuf b(dt, s.numel());
  for (size_t i = 0; i < v.size(); ++i) {
    if (dt.is_floating()) store_ld(dt, b.data(), int64_t(i), round_to(dt, v[i]));
    else store_int(dt, b.data(), int64_t(i), I128(v[i]));
  }
  return b.to_array(s);
}
Array random_ints(DType dt, const Shape& s, int64_t lo, int64_t hi, std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> u(lo, hi - 1);
  std::vector<double> v(size_t(s.numel()));
  for (double& e : v) e = double(u(rng));
  return from_doubles(dt, s, v);
}
// Small integers as floats: sums and products are exact in any order.
Array random_small(DType dt, const Shape& s, std::mt19937& rng) { return random_ints(dt, s, -4, 5, rng); }
Array random_real(DType dt, const Shape& s, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(size_t(s.numel()));
  for (double& e : v) e = u(rng);
  return from_doubles(dt, s, v);
}

Ints unravel(int64_t i, const Shape& s) {
  Ints m(s.size());
  for (size_t k = s.size(); k-- > 0;) {
    m[k] = s[k] ? i % s[k] : 0;
    i = s[k] ? i / s[k] : 0;
  }
  return m;
}
int64_t ravel(const Ints& m, const Shape& s) {
  int64_t i = 0;
  for (size_t k = 0; k < s.size(); ++k) i = i * s[k] + m[k];
  return i;
}
bool has(const Ints& v, int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

void expect_same(const Array& got, const Shape& shape, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.shape().str(), shape.str()) << what;
  std::vector<double> g = got.to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(same_value(g[i], want[i])) << what << " element " << i << ": got " << g[i] << " want " << want[i];
}

void expect_identical(const Array& got, const Array& want, const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape().str(), want.shape().str()) << what;
  EXPECT_EQ(std::memcmp(got.data(), want.data(), size_t(got.nbytes())), 0)
      << what << "\n got  " << got << "\n want " << want;
}

// ---------------------------------------------------------------- naive gather
struct GatherCase {
  const char* name;
  Shape operand, indices;
  lx::GatherDimensionNumbers dn;
  Ints slice_sizes;
};

// XLA Gather by definition: for each output element, find its batch
// position G and window offset, the (clamped) start, and read or fill.
std::pair<Shape, std::vector<double>> ref_gather(const Array& x, const Array& idx, const lx::GatherDimensionNumbers& d,
                                                 const Ints& ss, Mode mode, double fill) {
  std::vector<double> xv = x.to_vector<double>();
  std::vector<int64_t> iv = idx.to_vector<int64_t>();
  const Shape& os = x.shape();
  const Shape& is = idx.shape();
  int64_t nb = int64_t(is.size()) - 1, K = is.back();
  int64_t out_rank = nb + int64_t(d.offset_dims.size());
  Ints window;  // operand dims that are window dims
  for (int64_t i = 0; i < int64_t(os.size()); ++i)
    if (!has(d.collapsed_slice_dims, i) && !has(d.operand_batching_dims, i)) window.push_back(i);
  Shape out;
  for (int64_t i = 0, b = 0, w = 0; i < out_rank; ++i)
    out.push_back(has(d.offset_dims, i) ? ss[size_t(window[size_t(w++)])] : is[size_t(b++)]);
  std::vector<double> res(size_t(out.numel()));
  Shape bshape(std::span<const int64_t>(is.data(), size_t(nb)));
  for (int64_t e = 0; e < out.numel(); ++e) {
    Ints m = unravel(e, out), G, off;
    for (int64_t i = 0; i < out_rank; ++i) (has(d.offset_dims, i) ? off : G).push_back(m[size_t(i)]);
    int64_t g = ravel(G, bshape);
    Ints full(os.size(), 0);
    bool oob = false;
    for (int64_t k = 0; k < K; ++k) {
      int64_t dim = d.start_index_map[size_t(k)];
      int64_t s = iv[size_t(g * K + k)], hi = os[size_t(dim)] - ss[size_t(dim)];
      if (s < 0 || s > hi) oob = true;
      full[size_t(dim)] = std::clamp<int64_t>(s, 0, hi);
    }
    for (size_t i = 0; i < d.operand_batching_dims.size(); ++i)
      full[size_t(d.operand_batching_dims[i])] = G[size_t(d.start_indices_batching_dims[i])];
    for (size_t w = 0; w < window.size(); ++w) full[size_t(window[w])] += off[w];
    res[size_t(e)] = oob && mode == Mode::kFillOrDrop ? fill : xv[size_t(ravel(full, os))];
  }
  return {out, res};
}

const std::vector<GatherCase>& gather_cases() {
  static const std::vector<GatherCase> cases = {
      {"rows", {5, 3}, {4, 1}, {{1}, {0}, {0}}, {1, 3}},
      {"points", {4, 5}, {3, 2}, {{}, {0, 1}, {0, 1}}, {1, 1}},
      {"interleaved offsets", {6, 7, 2}, {2, 3, 1}, {{0, 3}, {1}, {1}}, {2, 1, 2}},
      {"windows, reversed map", {5, 6}, {4, 2}, {{1, 2}, {}, {1, 0}}, {2, 3}},
      {"batching dims", {3, 5, 2}, {3, 4, 1}, {{2}, {1}, {1}, {0}, {0}}, {1, 1, 2}},
      {"batching dim 1 of indices", {3, 5}, {4, 3, 1}, {{}, {1}, {1}, {0}, {1}}, {1, 1}},
      {"empty indices", {5, 3}, {0, 1}, {{1}, {0}, {0}}, {1, 3}},
      {"size-1 dims", {1, 4, 1}, {2, 1}, {{1, 2}, {1}, {1}}, {1, 1, 1}},
      {"empty index vectors", {3, 2}, {2, 0}, {{1, 2}, {}, {}}, {3, 2}},
      {"scalar operand", {}, {3, 0}, {{}, {}, {}}, {}},
      {"zero-size window", {4, 3}, {2, 1}, {{1}, {0}, {0}}, {1, 0}},
  };
  return cases;
}

TEST(Gather, MatchesNaiveLoopsInEveryMode) {
  std::mt19937 rng(1);
  for (const GatherCase& c : gather_cases()) {
    for (DType idt : {jx::int32, jx::int8, jx::int64, jx::uint32}) {
      int64_t n = c.operand.empty() ? 1 : *std::max_element(c.operand.begin(), c.operand.end());
      int64_t lo = idt.is_unsigned_int() ? 0 : -3;
      Array idx = random_ints(idt, c.indices, lo, n + 3, rng);
      for (DType dt : {jx::float32, jx::int32, jx::float16}) {
        Array x = random_small(dt, c.operand, rng);
        for (Mode mode : {Mode::kClip, Mode::kFillOrDrop, Mode::kPromiseInBounds}) {
          std::string what = std::string(c.name) + " " + std::string(idt.name()) + " " + std::string(dt.name()) +
                             " " + std::string(lx::mode_name(mode));
          double fill = dt.is_floating() ? NAN : double(std::numeric_limits<int32_t>::min());
          Array got = lx::gather(x, idx, c.dn, c.slice_sizes, {.mode = mode});
          auto [shape, want] = ref_gather(x, idx, c.dn, c.slice_sizes, mode, fill);
          EXPECT_EQ(got.dtype(), dt) << what;
          expect_same(got, shape, want, what);
          if (mode == Mode::kFillOrDrop) {
            Array g7 = lx::gather(x, idx, c.dn, c.slice_sizes, {.mode = mode, .fill_value = 7});
            expect_same(g7, shape, ref_gather(x, idx, c.dn, c.slice_sizes, mode, 7).second, what + " fill 7");
          }
        }
      }
    }
  }
}

TEST(Gather, DefaultFillValues) {
  Array idx = array<int32_t>({5}, Shape{1, 1});
  lx::GatherDimensionNumbers dn{{}, {0}, {0}};
  auto fill_of = [&](DType dt) {
    return lx::gather(lx::convert_element_type(array<int32_t>({1, 2}), dt), idx, dn, {1}, {.mode = Mode::kFillOrDrop});
  };
  EXPECT_TRUE(std::isnan(fill_of(jx::float32).item<double>()));
  EXPECT_EQ(fill_of(jx::int8).item<int64_t>(), -128);
  EXPECT_EQ(fill_of(jx::int64).item<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(fill_of(jx::uint16).item<int64_t>(), 65535);
  EXPECT_EQ(fill_of(jx::uint64).item<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(fill_of(jx::bool_).item<bool>(), true);
}

TEST(Gather, IndexVectorDimAnywhere) {
  std::mt19937 rng(2);
  Array x = random_small(jx::float32, {5, 6}, rng);
  Array idx = random_ints(jx::int32, {3, 2}, 0, 5, rng);  // (batch, vector)
  lx::GatherDimensionNumbers last{{}, {0, 1}, {0, 1}};
  Array want = lx::gather(x, idx, last, {1, 1});
  lx::GatherDimensionNumbers first = last;
  first.index_vector_dim = 0;
  expect_identical(lx::gather(x, lx::transpose(idx, {1, 0}), first, {1, 1}), want, "index_vector_dim 0");
  // index_vector_dim == rank: an implicit trailing 1.
  Array rows = random_ints(jx::int32, {4}, 0, 5, rng);
  lx::GatherDimensionNumbers implicit{{1}, {0}, {0}, {}, {}, 1};
  expect_identical(lx::gather(x, rows, implicit, {1, 6}),
                   lx::gather(x, lx::reshape(rows, {4, 1}), {{1}, {0}, {0}}, {1, 6}), "implicit trailing");
}

// ---------------------------------------------------------------- naive scatter
enum class Op { kSet, kAdd, kMul, kMin, kMax };
const char* op_name(Op op) {
  static const char* names[] = {"scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max"};
  return names[int(op)];
}
Array call_scatter(Op op, const Array& x, const Array& i, const Array& u, const lx::ScatterDimensionNumbers& d,
                   const lx::ScatterOptions& o = {}) {
  switch (op) {
    case Op::kSet: return lx::scatter(x, i, u, d, o);
    case Op::kAdd: return lx::scatter_add(x, i, u, d, o);
    case Op::kMul: return lx::scatter_mul(x, i, u, d, o);
    case Op::kMin: return lx::scatter_min(x, i, u, d, o);
    case Op::kMax: break;
  }
  return lx::scatter_max(x, i, u, d, o);
}

// XLA Scatter by definition, the positions taken in row-major order.
std::vector<double> ref_scatter(Op op, const Array& x, const Array& idx, const Array& upd,
                                const lx::ScatterDimensionNumbers& d, Mode mode) {
  std::vector<double> out = x.to_vector<double>(), uv = upd.to_vector<double>();
  std::vector<int64_t> iv = idx.to_vector<int64_t>();
  const Shape &os = x.shape(), &is = idx.shape(), &us = upd.shape();
  int64_t nb = int64_t(is.size()) - 1, K = is.back();
  Ints wdims;  // operand window dims
  for (int64_t i = 0; i < int64_t(os.size()); ++i)
    if (!has(d.inserted_window_dims, i) && !has(d.operand_batching_dims, i)) wdims.push_back(i);
  Ints wsize(os.size(), 1);
  for (size_t w = 0; w < wdims.size(); ++w) wsize[size_t(wdims[w])] = us[size_t(d.update_window_dims[w])];
  for (int64_t e = 0; e < us.numel(); ++e) {  // updates in row-major order = positions in order
    Ints m = unravel(e, us), G, off;
    for (int64_t i = 0; i < int64_t(us.size()); ++i) (has(d.update_window_dims, i) ? off : G).push_back(m[size_t(i)]);
    int64_t g = ravel(G, Shape(std::span<const int64_t>(is.data(), size_t(nb))));
    Ints full(os.size(), 0);
    bool skip = false;
    for (int64_t k = 0; k < K; ++k) {
      int64_t dim = d.scatter_dims_to_operand_dims[size_t(k)];
      int64_t s = iv[size_t(g * K + k)], hi = os[size_t(dim)] - wsize[size_t(dim)];
      if ((s < 0 || s > hi) && mode != Mode::kClip) skip = true;
      full[size_t(dim)] = std::clamp<int64_t>(s, 0, hi);
    }
    if (skip) continue;
    for (size_t i = 0; i < d.operand_batching_dims.size(); ++i)
      full[size_t(d.operand_batching_dims[i])] = G[size_t(d.scatter_indices_batching_dims[i])];
    for (size_t w = 0; w < wdims.size(); ++w) full[size_t(wdims[w])] += off[w];
    double& o = out[size_t(ravel(full, os))];
    double u = uv[size_t(e)];
    switch (op) {
      case Op::kSet: o = u; break;
      case Op::kAdd: o += u; break;
      case Op::kMul: o *= u; break;
      case Op::kMin: o = std::min(o, u); break;
      case Op::kMax: o = std::max(o, u); break;
    }
  }
  return out;
}

struct ScatterCase {
  const char* name;
  Shape operand, indices, updates;
  lx::ScatterDimensionNumbers dn;
};
const std::vector<ScatterCase>& scatter_cases() {
  static const std::vector<ScatterCase> cases = {
      {"rows", {5, 3}, {6, 1}, {6, 3}, {{1}, {0}, {0}}},
      {"points", {4, 5}, {7, 2}, {7}, {{}, {0, 1}, {0, 1}}},
      {"partial windows", {6, 5}, {4, 1}, {4, 2, 5}, {{1, 2}, {}, {0}}},
      {"window dim first", {6, 5}, {2, 3, 1}, {4, 2, 3}, {{0}, {1}, {1}}},
      {"batching dims", {3, 5, 2}, {3, 4, 1}, {3, 4, 2}, {{2}, {1}, {1}, {0}, {0}}},
      {"batching dim 1 of indices", {3, 5}, {4, 3, 1}, {4, 3}, {{}, {1}, {1}, {0}, {1}}},
      {"empty indices", {5, 3}, {0, 1}, {0, 3}, {{1}, {0}, {0}}},
      {"empty index vectors", {5, 3}, {2, 0}, {2, 5, 3}, {{1, 2}, {}, {}}},
      {"size-1 dims", {1, 4, 1}, {3, 1}, {3, 1, 1}, {{1, 2}, {1}, {1}}},
  };
  return cases;
}

TEST(Scatter, MatchesNaiveLoopsWithDuplicatesInEveryMode) {
  std::mt19937 rng(3);
  for (const ScatterCase& c : scatter_cases()) {
    int64_t n = *std::max_element(c.operand.begin(), c.operand.end());
    for (DType idt : {jx::int32, jx::int8, jx::uint16}) {
      Array idx = random_ints(idt, c.indices, idt.is_unsigned_int() ? 0 : -2, n + 2, rng);
      for (DType dt : {jx::float32, jx::int32, jx::float64}) {
        Array x = random_small(dt, c.operand, rng), u = random_small(dt, c.updates, rng);
        for (Op op : {Op::kSet, Op::kAdd, Op::kMul, Op::kMin, Op::kMax}) {
          for (Mode mode : {Mode::kClip, Mode::kFillOrDrop, Mode::kPromiseInBounds}) {
            std::string what = std::string(op_name(op)) + " " + c.name + " " + std::string(idt.name()) + " " +
                               std::string(dt.name()) + " " + std::string(lx::mode_name(mode));
            Array got = call_scatter(op, x, idx, u, c.dn, {.mode = mode});
            EXPECT_EQ(got.dtype(), dt);
            std::vector<double> want = ref_scatter(op, x, idx, u, c.dn, mode);
            if (!dt.is_floating())
              for (double& w : want) w += 0.0;  // integers have no -0
            expect_same(got, c.operand, want, what);
          }
        }
      }
    }
  }
}

TEST(Scatter, DuplicatesAreDeterministicOnAnyThreadCount) {
  std::mt19937 rng(4);
  Shape os{1000, 8};
  Array x = random_real(jx::float32, os, rng);
  Array idx = random_ints(jx::int32, {20000, 1}, -5, 1005, rng);
  Array u = random_real(jx::float32, {20000, 8}, rng);
  lx::ScatterDimensionNumbers dn{{1}, {0}, {0}};
  // The reference accumulates in float, in index order, as the kernel must.
  std::vector<float> want = x.to_vector<float>(), uv = u.to_vector<float>();
  std::vector<int64_t> iv = idx.to_vector<int64_t>();
  std::vector<float> last = want;
  for (size_t g = 0; g < iv.size(); ++g) {
    if (iv[g] < 0 || iv[g] >= 1000) continue;
    for (int k = 0; k < 8; ++k) {
      want[size_t(iv[g] * 8 + k)] += uv[g * 8 + k];
      last[size_t(iv[g] * 8 + k)] = uv[g * 8 + k];
    }
  }
  for (int threads : {1, 2, 4, 7}) {
    jx::cpu::set_num_threads(threads);
    Array add = lx::scatter_add(x, idx, u, dn);
    Array set = lx::scatter(x, idx, u, dn);
    jx::cpu::set_num_threads(0);
    std::vector<float> a = add.to_vector<float>(), s = set.to_vector<float>();
    ASSERT_EQ(std::memcmp(a.data(), want.data(), want.size() * 4), 0) << "scatter_add, threads " << threads;
    ASSERT_EQ(std::memcmp(s.data(), last.data(), last.size() * 4), 0) << "scatter (last wins), threads " << threads;
  }
  // Windows of 3 rows straddle the threads' row ranges; some start out of bounds (clipped or dropped).
  Array xw = random_small(jx::float32, {500, 8}, rng);
  Array iw = random_ints(jx::int32, {6000, 1}, -3, 502, rng);
  Array uw = random_small(jx::float32, {6000, 3, 8}, rng);
  lx::ScatterDimensionNumbers wdn{{1, 2}, {}, {0}};
  for (Op op : {Op::kAdd, Op::kSet, Op::kMax}) {
    for (Mode mode : {Mode::kClip, Mode::kFillOrDrop}) {
      std::vector<double> want = ref_scatter(op, xw, iw, uw, wdn, mode);
      for (int threads : {1, 4, 7}) {
        jx::cpu::set_num_threads(threads);
        Array got = call_scatter(op, xw, iw, uw, wdn, {.mode = mode});
        jx::cpu::set_num_threads(0);
        expect_same(got, {500, 8}, want,
                    std::string(op_name(op)) + " 3-row windows, threads " + std::to_string(threads));
      }
    }
  }
}

TEST(Scatter, NanPropagatesThroughMinMax) {
  Array x = array<float>({1, 2, 3});
  Array idx = array<int32_t>({0, 2}, Shape{2, 1});
  Array u = array<float>({NAN, 5});
  lx::ScatterDimensionNumbers dn{{}, {0}, {0}};
  auto mx = lx::scatter_max(x, idx, u, dn).to_vector<float>();
  auto mn = lx::scatter_min(x, idx, u, dn).to_vector<float>();
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mn[0]));
  EXPECT_EQ(mx[2], 5);
  EXPECT_EQ(mn[2], 3);
}

// ---------------------------------------------------------------- dynamic slices
TEST(DynamicSlice, ClampsStartsAsXla) {
  std::mt19937 rng(5);
  Array x = random_small(jx::float32, {5, 6}, rng);
  std::vector<double> xv = x.to_vector<double>();
  struct Case {
    int64_t s0, s1;
  };
  for (DType idt : {jx::int32, jx::int8, jx::int64}) {
    for (Case c : {Case{1, 2}, Case{4, -1}, Case{-10, 100}, Case{-2, -3}, Case{3, 3}}) {
      Array i0 = from_doubles(idt, {}, {double(c.s0)}), i1 = from_doubles(idt, {}, {double(c.s1)});
      Array got = lx::dynamic_slice(x, {i0, i1}, {2, 3});
      // Negative starts count from the end, then clamp to [0, dim - size].
      int64_t a = std::clamp<int64_t>(c.s0 < 0 ? c.s0 + 5 : c.s0, 0, 3);
      int64_t b = std::clamp<int64_t>(c.s1 < 0 ? c.s1 + 6 : c.s1, 0, 3);
      std::vector<double> want;
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t k = 0; k < 3; ++k) want.push_back(xv[size_t((a + r) * 6 + b + k)]);
      expect_same(got, {2, 3}, want, "dynamic_slice " + std::to_string(c.s0) + "," + std::to_string(c.s1));
      Array u = random_small(jx::float32, {2, 3}, rng);
      std::vector<double> uv = u.to_vector<double>(), w2 = xv;
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t k = 0; k < 3; ++k) w2[size_t((a + r) * 6 + b + k)] = uv[size_t(r * 3 + k)];
      expect_same(lx::dynamic_update_slice(x, u, {i0, i1}), {5, 6}, w2, "dynamic_update_slice");
    }
  }
  // Unsigned and static starts; zero-size and full-size slices.
  Array u8 = from_doubles(jx::uint8, {}, {200});
  expect_same(lx::dynamic_slice(x, {u8, u8}, {1, 1}), {1, 1}, {xv[4 * 6 + 5]}, "uint8 starts");
  expect_same(lx::dynamic_slice(x, std::vector<int64_t>{2, 1}, {0, 6}), {0, 6}, {}, "zero-size");
  expect_identical(lx::dynamic_slice(x, std::vector<int64_t>{2, 1}, {5, 6}), x, "full-size");
}

// ---------------------------------------------------------------- errors
TEST(Gather, BadDimensionNumbersAreClearErrors) {
  Array x = array<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Array i = array<int32_t>({0, 1}, Shape{2, 1});
  auto err = [&](lx::GatherDimensionNumbers dn, Ints ss, const Array& idx) {
    return error_of([&] { lx::gather(x, idx, dn, ss); });
  };
  auto expect_has = [](const std::string& m, const std::string& part) {
    EXPECT_NE(m.find(part), std::string::npos) << m << "\n  expected: " << part;
  };
  expect_has(err({{1}, {0}, {0}}, {1, 3}, lx::convert_element_type(i, jx::float32)),
             "[gather] indices must have an integer dtype, got f32[2,1]");
  expect_has(err({{1, 0}, {}, {0}}, {1, 3}, i), "[gather] offset_dims must be sorted; got (1, 0)");
  expect_has(err({{1}, {0}, {0, 1}}, {1, 3}, i), "start_index_map (0, 1) has 2 elements but the index vectors");
  expect_has(err({{1}, {0}, {0}}, {2, 3}, i), "can only collapse slice dims with slice size 1");
  expect_has(err({{1}, {0}, {0}}, {1, 4}, i), "slice size 4 at index 1 is out of range [0, 3]");
  expect_has(err({{1}, {0}, {0}}, {1}, i), "slice_sizes (1,) must have one entry per dimension of operand f32[2,3]");
  expect_has(err({{1, 2}, {0}, {0}}, {1, 3}, i), "every operand dimension must be an offset dimension");
  expect_has(err({{1}, {0}, {2}}, {1, 3}, i), "invalid start_index_map (2,); valid range is [0, 2)");
  expect_has(err({{}, {1}, {1}, {0}, {0}}, {1, 1}, array<int32_t>({0, 1, 2}, Shape{3, 1})),
             "operand batching dimensions and indices batching dimensions must have the same extents");
  expect_has(err({{}, {0, 0}, {0}}, {1, 1}, i), "collapsed_slice_dims must not repeat");
  expect_has(err({{1}, {0}, {0}, {}, {}, 5}, {1, 3}, i), "[gather] index_vector_dim 5 must be in [0, 2]");
  // The caller's line is in the message.
  expect_has(err({{1, 0}, {}, {0}}, {1, 3}, i), "indexing_test.cpp:");
}

TEST(Scatter, BadDimensionNumbersAreClearErrors) {
  Array x = array<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Array i = array<int32_t>({0, 1}, Shape{2, 1});
  Array u = array<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  auto expect_has = [](const std::string& m, const std::string& part) {
    EXPECT_NE(m.find(part), std::string::npos) << m << "\n  expected: " << part;
  };
  lx::ScatterDimensionNumbers ok{{1}, {0}, {0}};
  expect_has(error_of([&] { lx::scatter_add(x, i, lx::reshape(u, {6}), ok); }),
             "[scatter_add] updates must have rank 2");
  expect_has(error_of([&] { lx::scatter(x, i, lx::convert_element_type(u, jx::float64), ok); }),
             "[scatter] updates must have the operand's dtype");
  Array b = lx::ne(x, x);
  expect_has(error_of([&] { lx::scatter_add(b, i, lx::ne(u, u), ok); }),
             "[scatter_add] operand must have a numeric dtype, got bool[2,3]");
  expect_has(error_of([&] { lx::scatter_mul(x, i, u, {{1}, {}, {0}}); }), "must account for the 2 dimensions");
  expect_has(error_of([&] { lx::scatter_max(x, i, array<float>({1, 2, 3, 4, 5, 6, 7, 8}, Shape{2, 4}), ok); }),
             "window dimension 1 of updates f32[2,4] exceeds operand dimension 1 of f32[2,3]");
  expect_has(error_of([&] { lx::scatter_min(x, i, array<float>({1, 2, 3}, Shape{1, 3}), ok); }),
             "scatter dimension 0 of updates f32[1,3] must match dimension 0 of indices i32[2,1]");
  expect_has(error_of([&] { lx::scatter(x, i, array<float>({1, 2}), {{}, {0}, {1}, {0}, {0}}); }),
             "[scatter] inserted_window_dims and operand_batching_dims must be disjoint; got (0,) and (0,)");
}

TEST(DynamicSlice, BadArgumentsAreClearErrors) {
  Array x = array<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Array i = scalar<int32_t>(0);
  auto expect_has = [](const std::string& m, const std::string& part) {
    EXPECT_NE(m.find(part), std::string::npos) << m << "\n  expected: " << part;
  };
  expect_has(error_of([&] { lx::dynamic_slice(x, {i}, {1, 1}); }),
             "[dynamic_slice] needs one start index per dimension of operand f32[2,3], got 1");
  expect_has(error_of([&] { lx::dynamic_slice(x, {i, i}, {1, 4}); }), "must be within [0, operand dim]");
  expect_has(error_of([&] { lx::dynamic_slice(x, {i, scalar<int64_t>(0)}, {1, 1}); }),
             "start indices must be 0-d integer arrays of one dtype");
  expect_has(error_of([&] { lx::dynamic_update_slice(x, lx::reshape(x, {3, 2}), {i, i}); }),
             "[dynamic_update_slice] update f32[3,2] must not be larger than operand f32[2,3]");
}

// ---------------------------------------------------------------- gradients
using FlatFn = jx::FlatFn;

void grads(const FlatFn& f, const Arrays& args, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_NO_THROW(jx::test::check_grads(f, args, 2, {"fwd", "rev"})) << what;
}

TEST(Gather, GradsSecondOrder) {
  std::mt19937 rng(6);
  for (DType dt : {jx::float32, jx::float64}) {
    Array x = random_real(dt, {5, 3}, rng);
    Array dup = array<int32_t>({4, 0, 4, -2, 9}, Shape{5, 1});  // duplicates and out-of-bounds (clipped)
    grads([&](std::span<const Array> a) {
            return Arrays{lx::sin(lx::gather(a[0], dup, {{1}, {0}, {0}}, {1, 3}, {.mode = Mode::kClip}))};
          },
          {x}, "gather rows clip " + std::string(dt.name()));
    grads([&](std::span<const Array> a) {
            return Arrays{lx::gather(a[0], dup, {{1}, {0}, {0}}, {1, 2}, {.mode = Mode::kFillOrDrop, .fill_value = 0})};
          },
          {x}, "gather fill " + std::string(dt.name()));
    Array xb = random_real(dt, {3, 5, 2}, rng);
    Array ib = random_ints(jx::int32, {3, 4, 1}, 0, 5, rng);
    grads([&](std::span<const Array> a) {
            Array g = lx::gather(a[0], ib, {{2}, {1}, {1}, {0}, {0}}, {1, 1, 2});
            return Arrays{lx::mul(g, g)};
          },
          {xb}, "gather batching dims " + std::string(dt.name()));
  }
}

TEST(Scatter, GradsSecondOrder) {
  std::mt19937 rng(7);
  lx::ScatterDimensionNumbers rows{{1}, {0}, {0}};
  Array dup = array<int32_t>({4, 0, 4, 1}, Shape{4, 1});
  Array uniq = array<int32_t>({4, 0, 2, 1}, Shape{4, 1});
  for (DType dt : {jx::float32, jx::float64}) {
    std::string t = std::string(dt.name());
    Array x = random_real(dt, {5, 3}, rng), u = random_real(dt, {4, 3}, rng);
    grads([&](std::span<const Array> a) { return Arrays{lx::sin(lx::scatter_add(a[0], dup, a[1], rows))}; },
          {x, u}, "scatter_add " + t);
    grads([&](std::span<const Array> a) { return Arrays{lx::sin(lx::scatter(a[0], dup, a[1], rows))}; }, {x, u},
          "scatter duplicates " + t);
    grads([&](std::span<const Array> a) {
            return Arrays{lx::sin(lx::scatter(a[0], uniq, a[1], rows, {.unique_indices = true}))};
          },
          {x, u}, "scatter unique " + t);
    grads([&](std::span<const Array> a) {
            return Arrays{lx::scatter_mul(a[0], uniq, a[1], rows, {.unique_indices = true})};
          },
          {x, u}, "scatter_mul unique " + t);
    grads([&](std::span<const Array> a) { return Arrays{lx::scatter_mul(a[0], dup, u, rows)}; }, {x},
          "scatter_mul (operand only) " + t);
    // Distinct values, far apart: no ties within the finite-difference step.
    std::vector<double> xv, uv;
    for (int k = 0; k < 15; ++k) xv.push_back(0.1 * ((k * 7) % 15) - 0.7);
    for (int k = 0; k < 12; ++k) uv.push_back(0.1 * ((k * 5) % 12) - 0.55);
    Array xd = from_doubles(dt, {5, 3}, xv), ud = from_doubles(dt, {4, 3}, uv);
    grads([&](std::span<const Array> a) { return Arrays{lx::scatter_max(a[0], dup, a[1], rows)}; }, {xd, ud},
          "scatter_max " + t);
    grads([&](std::span<const Array> a) { return Arrays{lx::scatter_min(a[0], dup, a[1], rows)}; }, {xd, ud},
          "scatter_min " + t);
  }
  Array x = random_real(jx::float32, {5, 3}, rng), u = random_real(jx::float32, {4, 3}, rng);
  std::string m = error_of([&] {
    jx::jvp_flat([&](std::span<const Array> a) { return Arrays{lx::scatter_mul(x, dup, a[0], rows)}; }, Arrays{u},
                 Arrays{u});
  });
  EXPECT_NE(m.find("[scatter_mul] differentiation with respect to the updates is only implemented for "
                   "unique_indices=True"),
            std::string::npos)
      << m;
}

TEST(Scatter, MaxTiesAverageTangents) {
  // Two updates tie with the operand at element 0: each gets a third.
  Array x = array<double>({1, 0});
  Array idx = array<int32_t>({0, 0}, Shape{2, 1});
  Array u = array<double>({1, 1});
  lx::ScatterDimensionNumbers dn{{}, {0}, {0}};
  auto [outs, tans] = jx::jvp_flat(
      [&](std::span<const Array> a) { return Arrays{lx::scatter_max(a[0], idx, a[1], dn)}; }, Arrays{x, u},
      Arrays{array<double>({3, 0}), array<double>({6, 9})});
  EXPECT_NEAR(tans[0].to_vector<double>()[0], (3 + 6 + 9) / 3.0, 1e-12);
}

TEST(DynamicSlice, GradsSecondOrder) {
  std::mt19937 rng(8);
  for (DType dt : {jx::float32, jx::float64}) {
    std::string t = std::string(dt.name());
    Array x = random_real(dt, {5, 6}, rng), u = random_real(dt, {2, 3}, rng);
    Array i0 = scalar<int32_t>(4), i1 = scalar<int32_t>(-2);  // clamped / negative
    grads([&](std::span<const Array> a) { return Arrays{lx::sin(lx::dynamic_slice(a[0], {i0, i1}, {2, 3}))}; }, {x},
          "dynamic_slice " + t);
    grads([&](std::span<const Array> a) { return Arrays{lx::sin(lx::dynamic_update_slice(a[0], a[1], {i0, i1}))}; },
          {x, u}, "dynamic_update_slice " + t);
  }
}

// ---------------------------------------------------------------- vmap
struct Arg {
  DType dtype;
  Shape shape;
  int64_t lo = 0, hi = 0;  // integer range (hi > lo); floats otherwise
};

Array make_arg(const Arg& a, const Shape& s, std::mt19937& rng) {
  return a.hi > a.lo ? random_ints(a.dtype, s, a.lo, a.hi, rng) : random_small(a.dtype, s, rng);
}
Array slice_at(const Array& x, int axis, int64_t k) {
  Ints start(size_t(x.ndim()), 0), limit = x.shape().to_vector();
  start[size_t(axis)] = k;
  limit[size_t(axis)] = k + 1;
  return lx::squeeze(lx::slice(x, start, limit), {axis});
}

// vmap_flat(f) with random in_axes (some unmapped) against a loop over slices.
void check_vmap(const std::string& name, const FlatFn& f, const std::vector<Arg>& specs, std::mt19937& rng,
                int trials = 8) {
  for (int t = 0; t < trials; ++t) {
    int64_t n = 1 + int64_t(rng() % 3);
    Axes in_axes;
    Arrays args;
    bool any = false;
    for (size_t i = 0; i < specs.size(); ++i) {
      bool mapped = rng() % 3 != 0 || (i + 1 == specs.size() && !any);
      if (!mapped) {
        in_axes.push_back(std::nullopt);
        args.push_back(make_arg(specs[i], specs[i].shape, rng));
        continue;
      }
      any = true;
      int ax = int(rng() % unsigned(specs[i].shape.size() + 1));
      Shape s = specs[i].shape;
      s.insert(size_t(ax), n);
      args.push_back(make_arg(specs[i], s, rng));
      in_axes.push_back(ax);
    }
    std::string what = name + " trial " + std::to_string(t);
    Axes out_axes{0};
    Arrays got;
    ASSERT_NO_THROW(got = jx::vmap_flat(f, args, in_axes, out_axes)) << what;
    Arrays per;
    for (int64_t k = 0; k < n; ++k) {
      Arrays sl;
      for (size_t i = 0; i < args.size(); ++i) sl.push_back(in_axes[i] ? slice_at(args[i], *in_axes[i], k) : args[i]);
      per.push_back(f(sl)[0]);
    }
    expect_identical(got[0], jx::np::stack(per, 0), what);
  }
}

TEST(Gather, VmapMatchesLoop) {
  std::mt19937 rng(9);
  for (const GatherCase& c : gather_cases()) {
    int64_t n = c.operand.empty() ? 1 : *std::max_element(c.operand.begin(), c.operand.end());
    for (Mode mode : {Mode::kClip, Mode::kFillOrDrop}) {
      FlatFn f = [&c, mode](std::span<const Array> a) {
        return Arrays{lx::gather(a[0], a[1], c.dn, c.slice_sizes, {.mode = mode})};
      };
      check_vmap(std::string("gather ") + c.name, f,
                 {{jx::float32, c.operand}, {jx::int32, c.indices, -1, n + 1}}, rng, 4);
    }
  }
}

TEST(Scatter, VmapMatchesLoop) {
  std::mt19937 rng(10);
  for (const ScatterCase& c : scatter_cases()) {
    int64_t n = *std::max_element(c.operand.begin(), c.operand.end());
    for (Op op : {Op::kAdd, Op::kSet, Op::kMax}) {
      FlatFn f = [&c, op](std::span<const Array> a) { return Arrays{call_scatter(op, a[0], a[1], a[2], c.dn)}; };
      check_vmap(std::string(op_name(op)) + " " + c.name, f,
                 {{jx::float32, c.operand}, {jx::int32, c.indices, -1, n + 1}, {jx::float32, c.updates}}, rng, 4);
    }
  }
}

TEST(DynamicSlice, VmapMatchesLoop) {
  std::mt19937 rng(11);
  FlatFn ds = [](std::span<const Array> a) { return Arrays{lx::dynamic_slice(a[0], {a[1], a[2]}, {2, 3})}; };
  check_vmap("dynamic_slice", ds, {{jx::float32, {5, 6}}, {jx::int32, {}, -7, 7}, {jx::int32, {}, -7, 7}}, rng, 12);
  FlatFn dus = [](std::span<const Array> a) {
    return Arrays{lx::dynamic_update_slice(a[0], a[1], {a[2], a[3]})};
  };
  check_vmap("dynamic_update_slice", dus,
             {{jx::float32, {5, 6}}, {jx::float32, {2, 3}}, {jx::int32, {}, -7, 7}, {jx::int32, {}, -7, 7}}, rng, 12);
}

TEST(Gather, VmapOfGradAndGradOfVmap) {
  std::mt19937 rng(12);
  Array xs = random_real(jx::float32, {3, 5, 2}, rng);
  Array is = random_ints(jx::int32, {3, 4, 1}, 0, 5, rng);
  auto loss = [](std::span<const Array> a) {
    Array g = lx::gather(a[0], a[1], {{1}, {0}, {0}}, {1, 2});
    return Arrays{lx::reduce_sum(lx::mul(g, g), {0, 1})};
  };
  FlatFn grad_f = [&](std::span<const Array> a) {
    auto [outs, pull] = jx::vjp_flat(loss, a);
    Arrays ct{array<float>({1}, Shape{})};
    return Arrays{pull(ct)[0]};
  };
  Array got = jx::vmap_flat(grad_f, Arrays{xs, is}, Axes{0, 0}, Axes{0})[0];
  Arrays per;
  for (int k = 0; k < 3; ++k) per.push_back(grad_f(Arrays{slice_at(xs, 0, k), slice_at(is, 0, k)})[0]);
  Array want = jx::np::stack(per, 0);
  EXPECT_TRUE(jx::np::allclose(got, want)) << got << "\n" << want;
}

}  // namespace
}  // namespace jxt
