// The LLVM code generator against the kernel IR's reference interpreter:
// every supported op and dtype, conversions, multi-stage reductions
// (softmax, layernorm), strided/broadcast/transposed access, aliasing,
// thread splits, and random kernels with fixed seeds.
#include <algorithm>
#include <cstring>
#include <random>

#include "backend/cpu/thread_pool.h"
#include "backend/llvm_test_util.h"

namespace jxt::llvm_cg {
namespace {

using jx::cpu::BinaryOp;
using jx::cpu::ReduceOp;
using jx::cpu::UnaryOp;
namespace lb = jx::cpu::llvm_backend;

const DType kDTypes[] = {jx::float32, jx::float64, jx::int32, jx::int64,
                         jx::uint32,  jx::uint8,   jx::int8,  jx::bool_};

bool is_transcendental(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp:
    case UnaryOp::kExp2:
    case UnaryOp::kLog:
    case UnaryOp::kLog1p:
    case UnaryOp::kExpm1:
    case UnaryOp::kTanh:
    case UnaryOp::kLogistic:
    case UnaryOp::kSin:
    case UnaryOp::kCos:
    case UnaryOp::kErf:
      return true;
    default:
      return false;
  }
}

// y = op(x) over n elements.
kir::Kernel unary_kernel(UnaryOp op, DType dt, int64_t n) {
  kir::Kernel k;
  k.name = "unary";
  DType out = op == UnaryOp::kIsFinite ? jx::bool_ : dt;
  k.params = {{dt, n, false}, {out, n, true}};
  k.domain = {n};
  int x = kir::add_load(k, 0, dt, {1});
  k.stores.push_back({1, kir::add_unary(k, op, x), 0, {1}});
  return k;
}

TEST(LlvmCodegen, EveryUnaryOpAndDtype) {
  std::mt19937_64 rng(1);
  for (DType dt : kDTypes) {
    for (int o = 0; o <= int(UnaryOp::kClz); ++o) {
      auto op = UnaryOp(o);
      if (!kir::supports_unary(op, dt)) continue;
      kir::Kernel k = unary_kernel(op, dt, 3001);
      Buffers a = random_buffers(k, rng, true), b = a;
      run_interp(k, a);
      run_jit(k, b);
      // The interpreter runs the eager kernels (Highway / libm): agreement
      // within the documented bounds (docs/codegen.md) plus theirs.
      double ulps =
          is_transcendental(op) ? (op == UnaryOp::kTanh || op == UnaryOp::kLogistic ? 6 : 4) : 0;
      EXPECT_TRUE(same_outputs(k, a, b, ulps)) << "op " << o << " " << dt.name();
    }
  }
}

TEST(LlvmCodegen, EveryBinaryOpAndDtype) {
  std::mt19937_64 rng(2);
  for (DType dt : kDTypes) {
    for (int o = 0; o <= int(BinaryOp::kGe); ++o) {
      auto op = BinaryOp(o);
      if (!kir::supports_binary(op, dt)) continue;
      kir::Kernel k;
      k.name = "binary";
      DType out = jx::cpu::is_comparison(op) ? jx::bool_ : dt;
      k.params = {{dt, 40 * 30, false}, {dt, 30, false}, {out, 40 * 30, true}};
      k.domain = {40, 30};
      int x = kir::add_load(k, 0, dt, {30, 1});
      int y = kir::add_load(k, 1, dt, {0, 1});  // broadcast along rows
      k.stores.push_back({2, kir::add_binary(k, op, x, y), 0, {30, 1}});
      Buffers a = random_buffers(k, rng, true);
      // Equal operands matter for comparisons and max/min of +-0.
      std::memcpy(a.data[1].data(), a.data[0].data() + 5 * 30 * dt.itemsize(),
                  size_t(30 * dt.itemsize()));
      if (dt.is_floating()) {  // -0 vs +0 in the first few columns
        for (int j = 0; j < 4; ++j) {
          double v = j % 2 ? -0.0 : 0.0;
          if (dt == jx::float32) {
            float f = float(v), g = float(-v);
            std::memcpy(a.data[0].data() + 4 * j, &f, 4);
            std::memcpy(a.data[1].data() + 4 * j, &g, 4);
          } else {
            double g = -v;
            std::memcpy(a.data[0].data() + 8 * j, &v, 8);
            std::memcpy(a.data[1].data() + 8 * j, &g, 8);
          }
        }
      }
      Buffers b = a;
      run_interp(k, a);
      run_jit(k, b);
      EXPECT_TRUE(same_outputs(k, a, b)) << "op " << o << " " << dt.name();
    }
  }
}

TEST(LlvmCodegen, EveryConversion) {
  std::mt19937_64 rng(3);
  for (DType from : kDTypes) {
    for (DType to : kDTypes) {
      kir::Kernel k;
      k.name = "convert";
      k.params = {{from, 777, false}, {to, 777, true}};
      k.domain = {777};
      int x = kir::add_load(k, 0, from, {1});
      k.stores.push_back({1, kir::add_convert(k, to, x), 0, {1}});
      Buffers a = random_buffers(k, rng, true);
      if (from.is_floating()) {  // values that saturate every integer type, and fractions
        const double vals[] = {3e9,   -3e9, 1e19, -1e19, 300.5,        -200.7,
                               255.9, 2.5,  -2.5, 127.5, 4294967295.0, 2147483648.0};
        for (int i = 0; i < 12; ++i) {
          if (from == jx::float32) {
            float f = float(vals[i]);
            std::memcpy(a.data[0].data() + 4 * (20 + i), &f, 4);
          } else
            std::memcpy(a.data[0].data() + 8 * (20 + i), &vals[i], 8);
        }
      }
      Buffers b = a;
      run_interp(k, a);
      run_jit(k, b);
      EXPECT_TRUE(same_outputs(k, a, b)) << from.name() << " -> " << to.name();
    }
  }
}

TEST(LlvmCodegen, SelectAndConstants) {
  std::mt19937_64 rng(4);
  for (DType dt : kDTypes) {
    kir::Kernel k;
    k.name = "select";
    k.params = {{jx::bool_, 500, false}, {dt, 500, false}, {dt, 500, true}};
    k.domain = {500};
    int p = kir::add_load(k, 0, jx::bool_, {1});
    int x = kir::add_load(k, 1, dt, {1});
    int c = kir::add_constant(k, dt, dt == jx::bool_ ? 1.0 : 7.0);
    k.stores.push_back({2, kir::add_select(k, p, x, c), 0, {1}});
    Buffers a = random_buffers(k, rng), b = a;
    run_interp(k, a);
    run_jit(k, b);
    EXPECT_TRUE(same_outputs(k, a, b)) << dt.name();
  }
}

// softmax over the last dim of [rows, n]: max, exp-sum, divide in one kernel.
kir::Kernel softmax_kernel(DType dt, int64_t rows, int64_t n) {
  kir::Kernel k;
  k.name = "softmax";
  k.params = {{dt, rows * n, false}, {dt, rows * n, true}, {dt, rows, true}};
  k.domain = {rows, n};
  k.num_reduced = 1;
  int x = kir::add_load(k, 0, dt, {n, 1});
  int m = kir::add_reduce(k, ReduceOp::kMax, x);
  int e = kir::add_unary(k, UnaryOp::kExp, kir::add_binary(k, BinaryOp::kSub, x, m));
  int s = kir::add_reduce(k, ReduceOp::kSum, e);
  k.stores.push_back({1, kir::add_binary(k, BinaryOp::kDiv, e, s), 0, {n, 1}});
  k.stores.push_back({2, m, 0, {1, 0}});  // a second, row-level output
  return k;
}

TEST(LlvmCodegen, SoftmaxTwoOutputs) {
  std::mt19937_64 rng(5);
  for (DType dt : {jx::float32, jx::float64}) {
    for (int64_t n : {1, 7, 64, 1000}) {
      kir::Kernel k = softmax_kernel(dt, 37, n);
      Buffers a = random_buffers(k, rng), b = a;
      run_interp(k, a);
      run_jit(k, b);
      EXPECT_TRUE(same_outputs(k, a, b, 8, dt == jx::float32 ? 2e-6 : 1e-14)) << n;
    }
  }
}

// layernorm over (H, W) of [B, H, W], input transposed in memory as [H, W, B].
TEST(LlvmCodegen, LayernormTwoReducedDimsTransposed) {
  std::mt19937_64 rng(6);
  const int64_t B = 5, H = 6, W = 33;
  for (DType dt : {jx::float32, jx::float64}) {
    for (bool transposed : {false, true}) {
      kir::Kernel k;
      k.name = "layernorm";
      k.params = {{dt, B * H * W, false}, {dt, W, false}, {dt, B * H * W, true}};
      k.domain = {B, H, W};
      k.num_reduced = 2;
      std::vector<int64_t> st =
          transposed ? std::vector<int64_t>{1, W * B, B} : std::vector<int64_t>{H * W, W, 1};
      int x = kir::add_load(k, 0, dt, st);
      int g = kir::add_load(k, 1, dt, {0, 0, 1});
      int inv_n = kir::add_constant(k, dt, 1.0 / double(H * W));
      int mean = kir::add_binary(k, BinaryOp::kMul, kir::add_reduce(k, ReduceOp::kSum, x), inv_n);
      int d = kir::add_binary(k, BinaryOp::kSub, x, mean);
      int var = kir::add_binary(
          k, BinaryOp::kMul,
          kir::add_reduce(k, ReduceOp::kSum, kir::add_binary(k, BinaryOp::kMul, d, d)), inv_n);
      int eps = kir::add_constant(k, dt, 1e-5);
      int rs = kir::add_unary(k, UnaryOp::kRsqrt, kir::add_binary(k, BinaryOp::kAdd, var, eps));
      k.stores.push_back(
          {2,
           kir::add_binary(k, BinaryOp::kMul, kir::add_binary(k, BinaryOp::kMul, d, rs), g),
           0,
           {H * W, W, 1}});
      Buffers a = random_buffers(k, rng), b = a;
      run_interp(k, a);
      run_jit(k, b);
      EXPECT_TRUE(same_outputs(k, a, b, 16, dt == jx::float32 ? 1e-5 : 1e-13,
                               dt == jx::float32 ? 1e-5 : 1e-13))
          << transposed;
    }
  }
}

TEST(LlvmCodegen, IntegerAndBoolReductions) {
  std::mt19937_64 rng(7);
  for (DType dt : kDTypes) {
    for (ReduceOp op :
         {ReduceOp::kSum, ReduceOp::kMax, ReduceOp::kMin, ReduceOp::kAnd, ReduceOp::kOr}) {
      if (!kir::supports_reduce(op, dt)) continue;
      kir::Kernel k;
      k.name = "reduce";
      k.params = {{dt, 9 * 301, false}, {dt, 9, true}};
      k.domain = {9, 301};
      k.num_reduced = 1;
      int x = kir::add_load(k, 0, dt, {1, 9});  // transposed read
      k.stores.push_back({1, kir::add_reduce(k, op, x), 0, {1, 0}});
      Buffers a = random_buffers(k, rng, true), b = a;
      run_interp(k, a);
      run_jit(k, b);
      // max/min are exact; float sums differ only in order.
      double rel =
          dt.is_floating() && op == ReduceOp::kSum ? (dt == jx::float32 ? 1e-5 : 1e-13) : 0;
      EXPECT_TRUE(same_outputs(k, a, b, rel > 0 ? 64 : 0, rel)) << dt.name() << " op " << int(op);
    }
  }
}

TEST(LlvmCodegen, InPlaceAliasedOutput) {
  // The aliasing the contract allows (kernel_ir.h): an output stored over an
  // input that every load reads at the stored point. Elementwise (y = x*2 +
  // x over x) and a row reduction in place (softmax over x). The results
  // equal those of separate buffers, through the vector loops (the alias
  // scopes say the params do not overlap, so there is no scalar fallback).
  const int64_t n = 5000;
  kir::Kernel k;
  k.name = "alias";
  k.params = {{jx::float32, n, false}, {jx::float32, n, true}};
  k.domain = {n};
  int x = kir::add_load(k, 0, jx::float32, {1});
  int x2 = kir::add_load(k, 0, jx::float32, {1});
  int two = kir::add_constant(k, jx::float32, 2.0);
  k.stores.push_back(
      {1,
       kir::add_binary(k, BinaryOp::kAdd, kir::add_binary(k, BinaryOp::kMul, x, two), x2),
       0,
       {1}});
  for (const kir::Kernel& kk : {k, softmax_kernel(jx::float32, 40, 125)}) {
    int64_t size = kk.params[0].size;
    std::vector<float> a(static_cast<size_t>(size)), ref(static_cast<size_t>(size));
    for (int64_t i = 0; i < size; ++i) a[size_t(i)] = float(i % 97) / 16.0f - 2.5f;
    std::vector<float> in = a;
    // Params beyond the aliased pair get buffers of their own.
    std::vector<std::vector<float>> extra_ref, extra;
    for (size_t p = 2; p < kk.params.size(); ++p) {
      extra_ref.emplace_back(static_cast<size_t>(kk.params[p].size));
      extra.emplace_back(static_cast<size_t>(kk.params[p].size));
    }
    std::vector<char*> pr{reinterpret_cast<char*>(in.data()), reinterpret_cast<char*>(ref.data())};
    std::vector<char*> pa{reinterpret_cast<char*>(a.data()), reinterpret_cast<char*>(a.data())};
    for (size_t e = 0; e < extra.size(); ++e) {
      pr.push_back(reinterpret_cast<char*>(extra_ref[e].data()));
      pa.push_back(reinterpret_cast<char*>(extra[e].data()));
    }
    kir::interpret(kk, pr.data(), 0, kk.rows());
    auto ck = lb::compile_kernel(kk);
    ck->fn(pa.data(), 0, kk.rows());
    for (int64_t i = 0; i < size; ++i)
      ASSERT_NEAR(a[size_t(i)], ref[size_t(i)], 1e-6 * (1 + std::abs(ref[size_t(i)])))
          << kk.name << " " << i;
    for (size_t e = 0; e < extra.size(); ++e) EXPECT_EQ(extra[e], extra_ref[e]);
  }
}

TEST(LlvmCodegen, ThreadSplitIsDeterministic) {
  // Large enough for run_kernel to split rows (reductions) and points
  // (elementwise) across the pool; compare with one call on one thread.
  std::mt19937_64 rng(8);
  for (int elementwise = 0; elementwise < 2; ++elementwise) {
    kir::Kernel k = elementwise ? unary_kernel(UnaryOp::kTanh, jx::float32, 300007)
                                : softmax_kernel(jx::float32, 517, 1031);
    Buffers a = random_buffers(k, rng), b = a;
    auto ck = lb::compile_kernel(k);
    auto pa = a.ptrs(), pb = b.ptrs();
    ck->fn(pa.data(), 0, k.rows());
    int saved = jx::cpu::num_threads();
    jx::cpu::set_num_threads(4);
    lb::run_kernel(*ck, k, pb.data());
    jx::cpu::set_num_threads(saved);
    for (size_t p = 0; p < a.data.size(); ++p) EXPECT_EQ(a.data[p], b.data[p]) << "param " << p;
  }
}

TEST(LlvmCodegen, InnerLoopsAreVectorized) {
  kir::Kernel k;
  k.name = "add";
  k.params = {{jx::float32, 4096, false}, {jx::float32, 4096, false}, {jx::float32, 4096, true}};
  k.domain = {4096};
  k.stores.push_back({2,
                      kir::add_binary(k, BinaryOp::kAdd, kir::add_load(k, 0, jx::float32, {1}),
                                      kir::add_load(k, 1, jx::float32, {1})),
                      0,
                      {1}});
  auto ck = lb::compile_kernel(k);
  std::string ir = lb::llvm_ir_text(k);
  EXPECT_NE(ir.find("x float>"), std::string::npos) << ir;
  kir::Kernel s = softmax_kernel(jx::float32, 4, 4096);
  std::string sir = lb::llvm_ir_text(s);
  EXPECT_NE(sir.find("fadd reassoc <"), std::string::npos) << sir;
  EXPECT_EQ(sir.find("call float @exp"), std::string::npos);  // no libm
}

// ------------------------------------------------------------ random kernels

struct Gen {
  std::mt19937_64 rng;
  int pick(int n) { return int(rng() % uint64_t(n)); }

  kir::Kernel make(bool allow_transcendental) {
    kir::Kernel k;
    k.name = "random";
    int rank = 1 + pick(3);
    for (int d = 0; d < rank; ++d) k.domain.push_back(1 + pick(d == rank - 1 ? 70 : 9));
    k.num_reduced = pick(rank + 1);
    if (k.num_reduced == rank && rank > 1 && pick(2)) k.num_reduced = rank - 1;
    DType dt = pick(3) == 0 ? kDTypes[pick(8)] : (pick(2) ? jx::float32 : jx::float64);
    if (dt == jx::bool_) dt = jx::int32;
    int n_inputs = 1 + pick(3);
    int64_t total = 1;
    for (int64_t e : k.domain) total *= e;
    for (int i = 0; i < n_inputs; ++i) k.params.push_back({dt, total, false});
    std::vector<int> vals;
    auto strides_of = [&](bool broadcast) {
      // Contiguous strides over a random permutation of the dims; some dims broadcast.
      std::vector<int> perm(static_cast<size_t>(rank), 0);
      for (int d = 0; d < rank; ++d) perm[size_t(d)] = d;
      if (pick(2)) std::shuffle(perm.begin(), perm.end(), rng);
      std::vector<int64_t> st(static_cast<size_t>(rank), 0);
      int64_t s = 1;
      for (int j = rank - 1; j >= 0; --j) {
        int d = perm[size_t(j)];
        st[size_t(d)] = broadcast && pick(3) == 0 ? 0 : s;
        s *= k.domain[size_t(d)];
      }
      return st;
    };
    for (int i = 0; i < n_inputs; ++i) vals.push_back(kir::add_load(k, i, dt, strides_of(true)));
    int steps = 2 + pick(8);
    int reduces = 0;
    for (int s = 0; s < steps; ++s) {
      int a = vals[size_t(pick(int(vals.size())))], b = vals[size_t(pick(int(vals.size())))];
      DType adt = k.nodes[size_t(a)].dtype;
      if (k.nodes[size_t(b)].dtype != adt) b = a;
      int r = pick(10);
      if (r < 3) {
        auto op = UnaryOp(pick(int(UnaryOp::kClz) + 1));
        if (!kir::supports_unary(op, adt) || op == UnaryOp::kIsFinite) continue;
        if (!allow_transcendental && is_transcendental(op)) continue;
        vals.push_back(kir::add_unary(k, op, a));
      } else if (r < 7) {
        auto op = BinaryOp(pick(int(BinaryOp::kGe) + 1));
        if (!kir::supports_binary(op, adt)) continue;
        int v = kir::add_binary(k, op, a, b);
        if (jx::cpu::is_comparison(op)) {
          int c = kir::add_constant(k, adt, 3.0);
          v = kir::add_select(k, v, a, c);
        }
        vals.push_back(v);
      } else if (r < 8) {
        DType to = kDTypes[pick(8)];
        if (to == jx::bool_) continue;
        int c = kir::add_convert(k, to, a);
        vals.push_back(kir::add_convert(k, adt, c));  // back, to keep one working dtype
      } else if (k.num_reduced > 0 && reduces < 3) {
        auto op = ReduceOp(pick(3));  // sum, prod (skipped), max
        if (op == ReduceOp::kProd) op = ReduceOp::kMin;
        if (!kir::supports_reduce(op, adt)) continue;
        vals.push_back(kir::add_reduce(k, op, a));
        ++reduces;
      }
    }
    // Outputs: the last value (inner or row level) and one random value.
    std::vector<bool> inner = k.inner_level();
    auto add_output = [&](int v) {
      DType odt = k.nodes[size_t(v)].dtype;
      bool row_level = !inner[size_t(v)] && pick(2);
      std::vector<int64_t> st(size_t(rank), 0);
      int64_t s = 1, size = 1;
      int first_inner = rank - k.num_inner();
      for (int d = rank - 1; d >= 0; --d) {
        if (row_level && d >= first_inner) continue;
        st[size_t(d)] = s;
        s *= k.domain[size_t(d)];
        size *= k.domain[size_t(d)];
      }
      if (!row_level && k.num_reduced > 0 && !inner[size_t(v)] && pick(2)) {
        // broadcast a row-level value over the inner dims
      }
      k.params.push_back({odt, size, true});
      k.stores.push_back({int(k.params.size()) - 1, v, 0, st});
    };
    add_output(vals.back());
    if (pick(2)) add_output(vals[size_t(pick(int(vals.size())))]);
    return k;
  }
};

void check_random(uint64_t seed, int count, bool transcendental) {
  Gen g{std::mt19937_64(seed)};
  std::mt19937_64 rng(seed + 1);
  for (int i = 0; i < count; ++i) {
    kir::Kernel k = g.make(transcendental);
    k.verify();
    Buffers a = random_buffers(k, rng), b = a;
    run_interp(k, a);
    run_jit(k, b);
    bool any_reduce = false;
    for (const kir::Node& n : k.nodes) any_reduce = any_reduce || n.kind == kir::NodeKind::Reduce;
    bool f32 = false;
    for (const kir::Param& p : k.params) f32 = f32 || p.dtype == jx::float32;
    double rel = transcendental || any_reduce ? (f32 ? 1e-4 : 1e-10) : 0;
    ASSERT_TRUE(same_outputs(k, a, b, rel > 0 ? 64 : 0, rel)) << "kernel " << i << " seed " << seed;
  }
}

TEST(LlvmCodegen, RandomKernelsExact) { check_random(100, 120, false); }
TEST(LlvmCodegen, RandomKernelsWithTranscendentals) { check_random(200, 80, true); }

}  // namespace
}  // namespace jxt::llvm_cg
