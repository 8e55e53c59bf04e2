// Kernel IR: the verifier's checks, canonical text, and the reference
// interpreter on hand-built kernels (softmax rows, a broadcast + transpose).
#include "compiler/kernel_ir.h"

#include <gtest/gtest.h>

#include <cmath>

#include "jx/error.h"

namespace jx::compiler::kir {
namespace {

// softmax over the rows of x[R, C]: out = exp(x - max) / sum(exp(x - max)).
Kernel softmax_kernel(int64_t R, int64_t C) {
  Kernel k;
  k.name = "softmax";
  k.params = {{float32, R * C, false}, {float32, R * C, true}};
  k.domain = Shape({R, C});
  k.num_reduced = 1;
  int x = add_load(k, 0, float32, {C, 1});
  int m = add_reduce(k, ReduceOp::kMax, x);
  int e = add_unary(k, UnaryOp::kExp, add_binary(k, BinaryOp::kSub, x, m));
  int s = add_reduce(k, ReduceOp::kSum, e);
  int y = add_binary(k, BinaryOp::kDiv, e, s);
  k.stores.push_back({1, y, 0, {C, 1}});
  return k;
}

TEST(KernelIr, SoftmaxInterpreted) {
  Kernel k = softmax_kernel(3, 5);
  k.verify();
  std::vector<float> x(15), y(15, -1);
  for (int i = 0; i < 15; ++i) x[size_t(i)] = std::sin(float(i)) * 3;
  char* bufs[] = {reinterpret_cast<char*>(x.data()), reinterpret_cast<char*>(y.data())};
  interpret(k, bufs, 0, k.rows());
  EXPECT_EQ(k.rows(), 3);
  EXPECT_EQ(k.row_size(), 5);
  for (int r = 0; r < 3; ++r) {
    double m = -1e30, s = 0;
    for (int c = 0; c < 5; ++c) m = std::max(m, double(x[size_t(r * 5 + c)]));
    for (int c = 0; c < 5; ++c) s += std::exp(double(x[size_t(r * 5 + c)]) - m);
    for (int c = 0; c < 5; ++c)
      EXPECT_NEAR(y[size_t(r * 5 + c)], std::exp(double(x[size_t(r * 5 + c)]) - m) / s, 1e-6);
  }
}

TEST(KernelIr, BroadcastTransposeAndRowStore) {
  // out[i, j] = a[j, i] * b[j]; rowsum[i] = sum_j out[i, j]   (a: [3, 2], b: [3])
  Kernel k;
  k.params = {{float32, 6, false}, {float32, 3, false}, {float32, 6, true}, {float32, 2, true}};
  k.domain = Shape({2, 3});
  k.num_reduced = 1;
  int a = add_load(k, 0, float32, {1, 2});
  int b = add_load(k, 1, float32, {0, 1});
  int p = add_binary(k, BinaryOp::kMul, a, b);
  int s = add_reduce(k, ReduceOp::kSum, p);
  k.stores.push_back({2, p, 0, {3, 1}});
  k.stores.push_back({3, s, 0, {1, 0}});
  k.verify();
  float av[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {10, 100, 1000}, out[6], rs[2];
  char* bufs[] = {reinterpret_cast<char*>(av), reinterpret_cast<char*>(bv),
                  reinterpret_cast<char*>(out), reinterpret_cast<char*>(rs)};
  interpret(k, bufs, 0, k.rows());
  float want[6] = {10, 300, 5000, 20, 400, 6000};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(out[i], want[i]);
  EXPECT_EQ(rs[0], 5310);
  EXPECT_EQ(rs[1], 6420);
  EXPECT_NE(k.str().find("reduce.0"), std::string::npos);
}

TEST(KernelIr, VerifierRejectsBadKernels) {
  Kernel k = softmax_kernel(2, 4);
  k.nodes[0].strides = {4, 1, 0};
  EXPECT_THROW(k.verify(), Error);
  k = softmax_kernel(2, 4);
  k.nodes[0].strides = {5, 1};  // reads past the end
  EXPECT_THROW(k.verify(), Error);
  k = softmax_kernel(2, 4);
  k.stores[0].strides = {4, 0};  // row-level store of an inner value
  EXPECT_THROW(k.verify(), Error);
  k = softmax_kernel(2, 4);
  k.nodes[2].args = {5};  // forward reference
  EXPECT_THROW(k.verify(), Error);
}

TEST(KernelIr, CanonicalTextIgnoresTheName) {
  Kernel a = softmax_kernel(2, 4), b = softmax_kernel(2, 4), c = softmax_kernel(2, 8);
  b.name = "other";
  EXPECT_EQ(a.str(), b.str());
  EXPECT_NE(a.str(), c.str());
}

}  // namespace
}  // namespace jx::compiler::kir
