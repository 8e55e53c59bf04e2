// jx::np indexing against naive loops: np::index (x[...]) with integers,
// slices (negative steps), newaxis, ellipsis, integer arrays (negative
// entries, broadcasting, NumPy's placement of non-adjacent advanced indices)
// and bool masks; x.at(...) set / add / multiply / divide / min / max / get
// with duplicates, out-of-bounds modes and dtype promotion; take and
// take_along_axis in every mode; nonzero / argwhere / where / extract /
// unique with and without a static size, traced and concrete; errors;
// check_grads (order 2, fwd + rev) and vmap against a loop.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "jx/check_grads.h"
#include "jx/jit.h"
#include "jx/numpy_indexing.h"
#include "jx/transforms_flat.h"
#include "test_util.h"

namespace jxt {
namespace {

namespace np = jx::np;
namespace lx = jx::lax;
using jx::Array;
using jx::DType;
using jx::Shape;
using Arrays = std::vector<Array>;
using Ints = std::vector<int64_t>;
using Axes = std::vector<std::optional<int>>;

// x[i] = i as float32 with the given shape.
Array iota_array(const Shape& s, DType dt = jx::float32) {
  return lx::convert_element_type(lx::reshape(lx::iota(jx::int32, Shape{s.numel()}), s), dt);
}
Array ints(std::vector<int32_t> v, Shape s) { return array(v, s); }
Array ints(std::vector<int32_t> v) { return array(v); }

void expect_values(const Array& got, const Shape& shape, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.shape().str(), shape.str()) << what;
  std::vector<double> g = got.to_vector<double>();
  ASSERT_EQ(g.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(same_value(g[i], want[i])) << what << " element " << i << ": got " << g[i] << " want " << want[i]
                                           << "\n" << got;
}
void expect_identical(const Array& got, const Array& want, const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape().str(), want.shape().str()) << what;
  EXPECT_EQ(std::memcmp(got.data(), want.data(), size_t(got.nbytes())), 0) << what << "\n got  " << got
                                                                             << "\n want " << want;
}
void expect_has(const std::string& m, const std::string& part) {
  EXPECT_NE(m.find(part), std::string::npos) << m << "\n  expected: " << part;
}

// Flat position of (a, b, c) in (4, 5, 6); x = iota, so also the value.
double at3(int64_t a, int64_t b, int64_t c) { return double((a * 5 + b) * 6 + c); }

// ---------------------------------------------------------------- reads
TEST(Indexing, BasicItems) {
  Array x = iota_array({4, 5, 6});
  std::vector<double> w;
  for (int b = 0; b < 5; ++b)
    for (int c = 0; c < 6; ++c) w.push_back(at3(1, b, c));
  expect_values(np::index(x, 1), {5, 6}, w, "x[1]");
  expect_values(np::index(x, -3), {5, 6}, w, "x[-3]");
  w.clear();
  for (int b = 0; b < 3; ++b)
    for (int c = 0; c < 6; ++c) w.push_back(at3(1, b, c));
  expect_values(np::index(x, 1, np::slice(0, 3)), {3, 6}, w, "x[1, 0:3]");
  w.clear();
  for (int a = 3; a >= 0; --a)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 6; ++c) w.push_back(at3(a, b, c));
  expect_values(np::index(x, np::slice(np::none, np::none, -1)), {4, 5, 6}, w, "x[::-1]");
  w.clear();
  for (int a = 1; a < 4; a += 2)
    for (int b = 0; b < 5; ++b) w.push_back(at3(a, b, 5));
  expect_values(np::index(x, np::slice(1, np::none, 2), np::newaxis, np::ellipsis, -1), {2, 1, 5}, w,
                "x[1::2, None, ..., -1]");
  w.clear();
  for (int c = 5; c >= 0; c -= 2) w.push_back(at3(2, 4, c));
  expect_values(np::index(x, 2, -1, np::slice(np::none, np::none, -2)), {3}, w, "x[2, -1, ::-2]");
  expect_values(np::index(x, np::slice(2, 1)), {0, 5, 6}, {}, "x[2:1] (empty)");
  w.clear();
  for (int b = 4; b >= 1; --b) w.push_back(at3(0, b, 0));
  expect_values(np::index(x, 0, np::slice(-1, 0, -1), 0), {4}, w, "x[0, -1:0:-1, 0]");
  expect_identical(np::index(x, np::ellipsis), x, "x[...]");
  expect_identical(np::index(x, np::all, np::all), x, "x[:, :]");
  expect_values(np::index(x, 1, 2, 3), {}, {at3(1, 2, 3)}, "x[1, 2, 3]");
  expect_values(np::index(x, np::newaxis, 1, 2, 3, np::newaxis), {1, 1}, {at3(1, 2, 3)}, "x[None, 1, 2, 3, None]");
}

TEST(Indexing, IntegerArrays) {
  Array x = iota_array({4, 5, 6});
  Array idx = ints({3, -1, 0, -4, 2, 2}, {2, 3});  // negative entries wrap
  auto wrap = [](int v, int n) { return v < 0 ? v + n : v; };
  std::vector<int> iv{3, -1, 0, -4, 2, 2};
  std::vector<double> w;
  for (int v : iv)
    for (int b = 0; b < 5; ++b)
      for (int c = 0; c < 6; ++c) w.push_back(at3(wrap(v, 4), b, c));
  expect_values(np::index(x, idx), {2, 3, 5, 6}, w, "x[idx]");
  // x[:, j]: the array in the middle keeps its place.
  Array j = ints({4, -5, 1});
  w.clear();
  for (int a = 0; a < 4; ++a)
    for (int v : {4, 0, 1})
      for (int c = 0; c < 6; ++c) w.push_back(at3(a, v, c));
  expect_values(np::index(x, np::all, j), {4, 3, 6}, w, "x[:, j]");
  // Adjacent advanced indices broadcast and stay in place: x[:, i, k].
  Array i = ints({0, 4}, {2, 1}), k = ints({1, 5, 2}, {1, 3});
  w.clear();
  for (int a = 0; a < 4; ++a)
    for (int p : {0, 4})
      for (int q : {1, 5, 2}) w.push_back(at3(a, p, q));
  expect_values(np::index(x, np::all, i, k), {4, 2, 3}, w, "x[:, i, k]");
  // Separated advanced indices go first: x[i0, :, k0] and x[0, :, k0].
  Array i0 = ints({1, 3}), k0 = ints({5, 0});
  w.clear();
  for (int p = 0; p < 2; ++p)
    for (int b = 0; b < 5; ++b) w.push_back(at3(p == 0 ? 1 : 3, b, p == 0 ? 5 : 0));
  expect_values(np::index(x, i0, np::all, k0), {2, 5}, w, "x[i0, :, k0]");
  w.clear();
  for (int p = 0; p < 2; ++p)
    for (int b = 0; b < 5; ++b) w.push_back(at3(0, b, p == 0 ? 5 : 0));
  expect_values(np::index(x, 0, np::all, k0), {2, 5}, w, "x[0, :, k0]");
  // With newaxis and a strided slice around an array.
  w.clear();
  for (int v : {4, 0, 1})
    for (int c = 4; c >= 0; c -= 2) w.push_back(at3(2, v, c));
  // 2 and j are separated by None: the broadcast advanced dims go first (NumPy).
  expect_values(np::index(x, 2, np::newaxis, j, np::slice(4, np::none, -2)), {3, 1, 3}, w, "x[2, None, j, 4::-2]");
  // Lists, empty arrays, other index dtypes.
  expect_values(np::index(x, Ints{1, 1}, 0, 0), {2}, {at3(1, 0, 0), at3(1, 0, 0)}, "x[[1, 1], 0, 0]");
  expect_values(np::index(x, array<int32_t>(std::vector<int32_t>{}, Shape{0})), {0, 5, 6}, {}, "x[[]]");
  expect_values(np::index(x, 0, 0, lx::convert_element_type(ints({5, -6}), jx::int8)), {2}, {at3(0, 0, 5), at3(0, 0, 0)},
                "int8 indices");
  expect_values(np::index(x, 0, 0, lx::convert_element_type(ints({5, 1}), jx::uint32)), {2}, {at3(0, 0, 5), at3(0, 0, 1)},
                "uint32 indices");
  // 0-d array index (a dynamic scalar).
  expect_values(np::index(x, scalar<int32_t>(-1), 4, 5), {}, {at3(3, 4, 5)}, "x[array(-1), 4, 5]");
}

TEST(Indexing, BoolMasks) {
  Array x = iota_array({3, 4});
  Array m = array<bool>({true, false, false, true, false, true, true, false, false, false, false, true}, Shape{3, 4});
  expect_values(np::index(x, m), {5}, {0, 3, 5, 6, 11}, "x[m]");
  Array row = array<bool>({false, true, true});
  expect_values(np::index(x, row, 1), {2}, {5, 9}, "x[row_mask, 1]");
  expect_values(np::index(x, np::all, array<bool>({false, false, false, false})), {3, 0}, {}, "x[:, none]");
  // Under a transformation the mask's values are unknown.
  std::string msg = error_of([&] {
    jx::vmap_flat([&](std::span<const Array> a) { return Arrays{np::index(x, a[0])}; }, Arrays{lx::broadcast_in_dim(m, {2, 3, 4}, {1, 2})},
                  Axes{0}, Axes{0});
  });
  expect_has(msg, "[index] a boolean index array bool[3,4] needs concrete values");
}

TEST(Indexing, Errors) {
  Array x = iota_array({3, 4});
  expect_has(error_of([&] { np::index(x, 3); }), "[index] index 3 is out of bounds for axis 0 with size 3");
  expect_has(error_of([&] { np::index(x, 0, -5); }), "index -5 is out of bounds for axis 1 with size 4");
  expect_has(error_of([&] { np::index(x, 0, 0, 0); }),
             "[index] too many indices for array: array is 2-dimensional (shape (3, 4)), but 3 were indexed");
  expect_has(error_of([&] { np::index(x, np::ellipsis, 0, np::ellipsis); }), "a single ellipsis");
  expect_has(error_of([&] { np::index(x, np::slice(0, 3, 0)); }), "slice step cannot be zero");
  expect_has(error_of([&] { np::index(x, lx::convert_element_type(ints({1}), jx::float32)); }),
             "index arrays must have an integer or bool dtype, got f32[1]");
  expect_has(error_of([&] { np::index(x, ints({0, 1}), ints({0, 1, 2})); }), "cannot broadcast");
  expect_has(error_of([&] { np::index(x, np::any); }), "only np::all stands for ':'");
  expect_has(error_of([&] { np::index(x, 3); }), "indexing_test.cpp:");
  expect_has(error_of([&] { x.at(0).set(ints({1, 2})); }),
             "[at.set] values of shape (2,) cannot be broadcast to the indexed shape (4,)");
  expect_has(error_of([&] { x.at(0).get({.mode = "nearest"}); }), "unknown mode 'nearest'");
}

// ---------------------------------------------------------------- updates
TEST(At, UpdatesWithDuplicatesAndNegativeIndices) {
  Array x = array<float>({10, 20, 30, 40, 50});
  Array idx = ints({1, -1, 1, 3, 1});
  Array v = array<float>({1, 2, 3, 4, 5});
  expect_values(x.at(idx).add(v), {5}, {10, 29, 30, 44, 52}, "add accumulates");
  expect_values(x.at(idx).set(v), {5}, {10, 5, 30, 4, 2}, "set: the last update wins");
  expect_values(x.at(idx).multiply(v), {5}, {10, 20 * 1 * 3 * 5, 30, 160, 100}, "multiply");
  expect_values(x.at(idx).min(v), {5}, {10, 1, 30, 4, 2}, "min");
  expect_values(x.at(idx).max(array<float>({25, 60, 21, 1, 22})), {5}, {10, 25, 30, 40, 60}, "max");
  expect_values(x.at(idx).subtract(v), {5}, {10, 11, 30, 36, 48}, "subtract");
  expect_values(x.at(2).divide(4), {5}, {10, 20, 7.5, 40, 50}, "divide");
  expect_values(x.at(np::slice(1, 4)).set(0), {5}, {10, 0, 0, 0, 50}, "slice set, scalar broadcast");
  expect_values(x.at(np::slice(np::none, np::none, -2)).add(array<float>({1, 2, 3})), {5}, {13, 20, 32, 40, 51},
                "x.at[::-2].add");
  expect_values(x.at(array<int32_t>(std::vector<int32_t>{}, Shape{0})).set(7), {5}, {10, 20, 30, 40, 50}, "empty index");
  expect_values(x.at(np::ellipsis).set(1), {5}, {1, 1, 1, 1, 1}, "x.at[...].set");
}

TEST(At, OutOfBoundsModes) {
  Array x = array<float>({1, 2, 3});
  Array idx = ints({5, -7, 0});
  Array v = array<float>({10, 20, 30});
  expect_values(x.at(idx).set(v), {3}, {30, 2, 3}, "default drops");
  expect_values(x.at(idx).add(v, {.mode = "clip"}), {3}, {1 + 20 + 30, 2, 3 + 10}, "clip clamps");
  expect_values(x.at(7).set(9), {3}, {1, 2, 3}, "static out-of-bounds update is dropped");
  expect_values(x.at(idx).get(), {3}, {3, 1, 1}, "get clamps by default");
  expect_values(x.at(idx).get({.mode = "fill"}), {3}, {NAN, NAN, 1}, "get fill NaN");
  expect_values(x.at(idx).get({.mode = "fill", .fill_value = -1}), {3}, {-1, -1, 1}, "get fill -1");
  expect_values(x.at(4).get({.mode = "fill", .fill_value = 0}), {}, {0}, "static int, fill");
  expect_values(array<int32_t>({1, 2}).at(ints({2})).get({.mode = "fill"}), {1}, {double(INT32_MIN)}, "int fill");
}

TEST(At, MultiDimAndPromotion) {
  Array x = iota_array({3, 4}, jx::int32);
  // x.at[1:, None, ::2].set(v): v broadcasts to the indexed shape (2, 1, 2).
  expect_values(x.at(np::slice(1, np::none), np::newaxis, np::slice(np::none, np::none, 2)).set(ints({-1, -2}, {1, 2})),
                {3, 4}, {0, 1, 2, 3, -1, 5, -2, 7, -1, 9, -2, 11}, "slices and newaxis");
  // int32 + 1.5: promoted to float, converted back (truncated), dtype kept.
  Array y = x.at(0).add(1.5);
  EXPECT_EQ(y.dtype(), jx::int32);
  expect_values(y, {3, 4}, {1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11}, "int + 1.5");
  Array d = x.at(0, 1).divide(2);
  EXPECT_EQ(d.dtype(), jx::float32);  // true division, as JAX
  EXPECT_EQ(d.to_vector<double>()[1], 0.5);
  // Two advanced indices with duplicates: x.at[rows, cols].add(1).
  expect_values(x.at(ints({0, 2, 0}), ints({1, 3, 1})).add(1), {3, 4}, {0, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12},
                "pairs");
  // A bool mask: concrete (nonzero route) and traced (a select).
  Array m = lx::gt(x, lx::broadcast_in_dim(scalar<int32_t>(8), {3, 4}, {}));
  expect_values(x.at(m).set(0), {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0}, "concrete mask");
  Array xs = lx::broadcast_in_dim(x, {2, 3, 4}, {1, 2});
  Array got = jx::vmap_flat([](std::span<const Array> a) {
                Array mk = lx::gt(a[0], lx::broadcast_in_dim(scalar<int32_t>(8), {3, 4}, {}));
                return Arrays{a[0].at(mk).add(100)};
              }, Arrays{xs}, Axes{0}, Axes{0})[0];
  expect_values(np::index(got, 1), {3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 109, 110, 111}, "traced mask");
}

// ---------------------------------------------------------------- take
TEST(Take, AxesAndModes) {
  Array x = iota_array({3, 4});
  Array idx = ints({3, -1, 0, 4});
  expect_values(np::take(x, idx), {4}, {3, 11, 0, 4}, "flattened");
  expect_values(np::take(x, ints({2, -3, 3}), 0), {3, 4}, {8, 9, 10, 11, 0, 1, 2, 3, NAN, NAN, NAN, NAN},
                "axis 0, fill");
  expect_values(np::take(x, ints({2, -3, 3}), 0, "clip"), {3, 4}, {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11},
                "axis 0, clip");
  expect_values(np::take(x, ints({5, -1}), -1, "wrap"), {3, 2}, {1, 3, 5, 7, 9, 11}, "axis -1, wrap");
  expect_values(np::take(x, ints({1, 4}), 1, {}, 99.0), {3, 2}, {1, 99, 5, 99, 9, 99}, "fill_value");
  expect_values(np::take(x, ints({0, 1, 1, 0}, {2, 2}), 1), {3, 2, 2}, {0, 1, 1, 0, 4, 5, 5, 4, 8, 9, 9, 8},
                "2-d indices");
  expect_values(np::take(x, 2, 1), {3}, {2, 6, 10}, "scalar index");
  expect_values(np::take(x, array<int32_t>(std::vector<int32_t>{}, Shape{0}), 0), {0, 4}, {}, "empty indices");
  expect_values(np::take(array<int32_t>({1, 2}), 9), {}, {double(INT32_MIN)}, "int fill");
  expect_has(error_of([&] { np::take(x, ints({1}), 0, "raise"); }), "[take] mode 'raise' is not supported");
  expect_has(error_of([&] { np::take(x, array<float>({1})); }), "[take] indices must have an integer dtype");
  expect_has(error_of([&] { np::take(x, ints({1}), 2); }), "[take] axis 2 is out of bounds");
}

TEST(Take, AlongAxis) {
  std::mt19937 rng(1);
  Array a = iota_array({3, 4, 5});
  std::uniform_int_distribution<int> u(-4, 3);
  std::vector<int32_t> iv(3 * 2 * 5);
  for (auto& e : iv) e = u(rng);
  Array idx = ints(iv, {3, 2, 5});
  std::vector<double> w;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 5; ++k) {
        int v = iv[size_t((i * 2 + j) * 5 + k)];
        w.push_back(double((i * 4 + (v < 0 ? v + 4 : v)) * 5 + k));
      }
  expect_values(np::take_along_axis(a, idx, 1), {3, 2, 5}, w, "axis 1");
  // Indices broadcast where they have size 1.
  Array idx1 = ints({3, 0, 1, 1, 2, -1}, {3, 2, 1});
  w.clear();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 5; ++k) {
        int v = std::vector<int>{3, 0, 1, 1, 2, -1}[size_t(i * 2 + j)];
        w.push_back(double((i * 4 + (v < 0 ? v + 4 : v)) * 5 + k));
      }
  expect_values(np::take_along_axis(a, idx1, 1), {3, 2, 5}, w, "broadcast indices");
  // Array dims of size 1 broadcast against the indices.
  Array col = iota_array({3, 1});
  expect_values(np::take_along_axis(col, ints({0, 0, 0, 0, 0, 0}, {3, 2}), 0), {3, 2}, {0, 0, 0, 0, 0, 0},
                "size-1 array dim");
  expect_values(np::take_along_axis(a, ints({7, 0}), std::nullopt), {2}, {7, 0}, "axis none");
  expect_values(np::take_along_axis(a, ints({9, 9, 9}, {3, 1, 1}), 1, "fill", -5.0), {3, 1, 5},
                std::vector<double>(15, -5), "fill");
  expect_has(error_of([&] { np::take_along_axis(a, ints({1}), 1); }),
             "[take_along_axis] indices and arr must have the same number of dimensions; 1 vs. 3");
}

// ---------------------------------------------------------------- value-dependent sizes

TEST(Indexing, NonzeroArgwhereWhereExtract) {
  Array x = array<float>({0, 3, 0, -1, 0, 0, 2, 0, 5, 0, 0, 0}, Shape{3, 4});
  auto nz = np::nonzero(x);
  ASSERT_EQ(nz.size(), 2u);
  EXPECT_EQ(nz[0].dtype(), jx::int32);
  expect_values(nz[0], {4}, {0, 0, 1, 2}, "rows");
  expect_values(nz[1], {4}, {1, 3, 2, 0}, "cols");
  auto padded = np::nonzero(x, {.size = 6});
  expect_values(padded[0], {6}, {0, 0, 1, 2, 0, 0}, "padded rows (default 0)");
  auto filled = np::nonzero(x, {.size = 6, .fill_value = -1});
  expect_values(filled[1], {6}, {1, 3, 2, 0, -1, -1}, "fill -1");
  expect_values(np::nonzero(x, {.size = 2})[1], {2}, {1, 3}, "truncated");
  expect_values(np::flatnonzero(x), {4}, {1, 3, 6, 8}, "flatnonzero");
  expect_values(np::argwhere(x), {4, 2}, {0, 1, 0, 3, 1, 2, 2, 0}, "argwhere");
  expect_values(np::argwhere(scalar<float>(2)), {1, 0}, {}, "argwhere of a 0-d");
  expect_values(np::where(lx::gt(x, lx::broadcast_in_dim(scalar<float>(0), {3, 4}, {})))[1], {3}, {1, 2, 0},
                "where(x > 0)");
  expect_values(np::extract(x, iota_array({3, 4})), {4}, {1, 3, 6, 8}, "extract");
  expect_values(np::extract(x, iota_array({3, 4}), {.size = 5, .fill_value = -2}), {5}, {1, 3, 6, 8, -2},
                "extract padded");
  expect_values(np::nonzero(array<float>(std::vector<float>{}, Shape{0}))[0], {0}, {}, "empty");
  expect_values(np::nonzero(array<float>({0, 0}), {.size = 3})[0], {3}, {0, 0, 0}, "all zero, padded");
  expect_has(error_of([&] { np::nonzero(scalar<float>(1)); }), "[nonzero] calling nonzero on 0-d arrays");
  // Traced: with a size it matches the loop; without one it is an error saying why.
  Array xs = array<int32_t>({0, 1, 1, 0, 2, 0, 0, 0, 3, 3, 3, 3}, Shape{3, 4});
  Array got = jx::vmap_flat([](std::span<const Array> a) { return Arrays{np::nonzero(a[0], {.size = 3, .fill_value = 9})[0]}; },
                            Arrays{xs}, Axes{0}, Axes{0})[0];
  expect_values(got, {3, 3}, {1, 2, 9, 0, 9, 9, 0, 1, 2}, "vmap nonzero");
  std::string m = error_of([&] {
    jx::vmap_flat([](std::span<const Array> a) { return Arrays{np::nonzero(a[0])[0]}; }, Arrays{xs}, Axes{0}, Axes{0});
  });
  expect_has(m, "[nonzero] the shape of the result depends on the values of the input i32[4]");
  expect_has(m, "pass a static size: np::nonzero(..., {.size = n})");
  m = error_of([&] {
    jx::make_jaxpr_flat([](std::span<const Array> a) { return Arrays{np::extract(a[0], a[0])}; },
                        std::vector<jx::Aval>{jx::Aval{jx::float32, {3}}});
  });
  expect_has(m, "[extract] the shape of the result depends on the values");
}

TEST(Indexing, Unique) {
  Array x = array<float>({3, 1, NAN, 3, 2, 1, NAN, 1}, Shape{2, 4});
  np::UniqueAll u = np::unique_all(x);
  expect_values(u.values, {4}, {1, 2, 3, NAN}, "values (NaNs equal, last)");
  expect_values(u.indices, {4}, {1, 4, 0, 2}, "first indices");
  expect_values(u.inverse_indices, {2, 4}, {2, 0, 3, 2, 1, 0, 3, 0}, "inverse");
  expect_values(u.counts, {4}, {3, 1, 2, 2}, "counts");
  expect_values(np::unique(x, {.size = 6}), {6}, {1, 2, 3, NAN, 1, 1}, "padded with the smallest");
  expect_values(np::unique(x, {.size = 5, .fill_value = 0}), {5}, {1, 2, 3, NAN, 0}, "fill");
  expect_values(np::unique(x, {.size = 2}), {2}, {1, 2}, "truncated");
  expect_values(np::unique(array<int32_t>({5, -2, 5, 7})), {3}, {-2, 5, 7}, "ints");
  expect_values(np::unique(array<float>(std::vector<float>{}, Shape{0})), {0}, {}, "empty");
  expect_has(error_of([&] { np::unique(array<float>(std::vector<float>{}, Shape{0}), {.size = 2}); }),
             "fill_value must be given");
  // The traced composition (vmap) agrees with the host sort, padding included.
  std::mt19937 rng(2);
  std::uniform_int_distribution<int> d(-3, 3);
  std::vector<float> xv(4 * 9);
  for (auto& e : xv) e = d(rng) == 3 ? NAN : float(d(rng));
  Array xs = array(xv, Shape{4, 9});
  for (int64_t size : {3, 7, 12}) {
    for (std::optional<double> fill : {std::optional<double>(), std::optional<double>(-9)}) {
      auto f = [&](std::span<const Array> a) {
        np::UniqueAll r = np::unique_all(a[0], {.size = size, .fill_value = fill});
        return Arrays{r.values, r.indices, r.inverse_indices, r.counts};
      };
      Arrays got = jx::vmap_flat(f, Arrays{xs}, Axes{0}, Axes{0, 0, 0, 0});
      for (int64_t k = 0; k < 4; ++k) {
        Arrays want = f(Arrays{np::index(xs, k)});
        for (size_t o = 0; o < 4; ++o)
          expect_identical(np::index(got[o], k), want[o], "unique_all output " + std::to_string(o) + " row " +
                                                            std::to_string(k) + " size " + std::to_string(size));
      }
    }
  }
  std::string m = error_of([&] {
    jx::vmap_flat([](std::span<const Array> a) { return Arrays{np::unique(a[0])}; }, Arrays{xs}, Axes{0}, Axes{0});
  });
  expect_has(m, "[unique] the shape of the result depends on the values");
}

// ---------------------------------------------------------------- gradients
void grads(const jx::FlatFn& f, const Arrays& args, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_NO_THROW(jx::test::check_grads(f, args, 2, {"fwd", "rev"})) << what;
}

Array random_real(DType dt, const Shape& s, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(size_t(s.numel()));
  for (double& e : v) e = u(rng);
  return lx::convert_element_type(array(v, s), dt);
}

TEST(Take, GradsSecondOrder) {
  std::mt19937 rng(3);
  for (DType dt : {jx::float32, jx::float64}) {
    std::string t(dt.name());
    Array x = random_real(dt, {4, 3}, rng);
    grads([](std::span<const Array> a) { return Arrays{np::sin(np::take(a[0], ints({2, -1, 2, 0}), 0))}; }, {x},
          "take axis 0 " + t);
    grads([](std::span<const Array> a) { return Arrays{np::square(np::take(a[0], ints({5, 1, 5}), 1, "clip"))}; },
          {x}, "take clip " + t);
    grads([](std::span<const Array> a) {
            return Arrays{np::sin(np::take_along_axis(a[0], ints({2, 0, 0, 1, 1, 1}, {2, 3}), 0))};
          },
          {x}, "take_along_axis " + t);
  }
}

TEST(At, GradsSecondOrder) {
  std::mt19937 rng(4);
  for (DType dt : {jx::float32, jx::float64}) {
    std::string t(dt.name());
    Array x = random_real(dt, {4, 3}, rng), v = random_real(dt, {3, 3}, rng), w = random_real(dt, {4, 2}, rng);
    Array dup = ints({1, -1, 1});
    grads([&](std::span<const Array> a) { return Arrays{np::sin(a[0].at(dup).add(a[1]))}; }, {x, v},
          "at.add duplicates " + t);
    grads([&](std::span<const Array> a) { return Arrays{np::sin(a[0].at(dup).set(a[1]))}; }, {x, v},
          "at.set duplicates " + t);
    grads([&](std::span<const Array> a) {
            return Arrays{np::sin(a[0].at(np::all, np::slice(np::none, np::none, -2)).set(a[1]))};
          },
          {x, w}, "at.set strided slice " + t);
    grads([&](std::span<const Array> a) { return Arrays{np::square(a[0].at(np::slice(1, 3), 0).get())}; }, {x},
          "at.get " + t);
  }
}

// ---------------------------------------------------------------- vmap
TEST(At, VmapMatchesLoop) {
  std::mt19937 rng(5);
  Array xs = random_real(jx::float32, {3, 5, 2}, rng);
  Array is = array<int32_t>({0, 4, 0, -1, 2, 2, 3, 3, 1}, Shape{3, 3});
  Array vs = random_real(jx::float32, {3, 3, 2}, rng);
  jx::FlatFn f = [](std::span<const Array> a) {
    return Arrays{a[0].at(a[1]).add(a[2]), a[0].at(a[1], 1).set(np::index(a[2], np::all, 0)), np::take(a[0], a[1], 0)};
  };
  for (Axes in_axes : {Axes{0, 0, 0}, Axes{std::nullopt, 0, 0}, Axes{0, std::nullopt, 0}, Axes{0, 0, std::nullopt}}) {
    Arrays args{in_axes[0] ? xs : np::index(xs, 0), in_axes[1] ? is : np::index(is, 0),
                in_axes[2] ? vs : np::index(vs, 0)};
    Arrays got = jx::vmap_flat(f, args, in_axes, Axes{0, 0, 0});
    for (int64_t k = 0; k < 3; ++k) {
      Arrays sl;
      for (size_t i = 0; i < 3; ++i) sl.push_back(in_axes[i] ? np::index(args[i], k) : args[i]);
      Arrays want = f(sl);
      for (size_t o = 0; o < 3; ++o) expect_identical(np::index(got[o], k), want[o], "output " + std::to_string(o));
    }
  }
}

TEST(At, UnderJitMatchesEager) {
  std::mt19937 rng(6);
  Array x = random_real(jx::float32, {5, 2}, rng);
  Array i = ints({0, 4, -1, 2});
  Array v = random_real(jx::float32, {4, 2}, rng);
  auto f = [](const Array& x, const Array& i, const Array& v) {
    return std::tuple{x.at(i).add(v), np::take(x, i, 0), np::index(x, i, np::slice(np::none, np::none, -1)),
                      np::nonzero(x, {.size = 3})[0]};
  };
  auto got = jx::jit(f)(x, i, v);
  auto want = f(x, i, v);
  expect_identical(std::get<0>(got), std::get<0>(want), "at.add");
  expect_identical(std::get<1>(got), std::get<1>(want), "take");
  expect_identical(std::get<2>(got), std::get<2>(want), "index");
  expect_identical(std::get<3>(got), std::get<3>(want), "nonzero");
  expect_has(error_of([&] { jx::jit([](const Array& x) { return np::nonzero(x)[0]; })(x); }),
             "[nonzero] the shape of the result depends on the values");
}

}  // namespace
}  // namespace jxt
