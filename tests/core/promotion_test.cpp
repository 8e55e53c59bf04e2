// jx::promote_types against JAX's promotion table
// (tests/fixtures/promotion_table.txt, generated with jax_enable_x64=True).
//
// Rows are `lhs rhs result weak`; lhs/rhs are dtype names or `int`/`float`
// for weakly typed Python scalars.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_util.h"

namespace jxt {
namespace {

struct Operand {
  jx::DType dtype;
  bool weak;
};

// A weak Python scalar enters jx as a weak value of jx's default type: `int`
// is (int32, weak) and `float` is (float32, weak).
Operand operand(const std::string& name) {
  if (name == "int") return {jx::int32, true};
  if (name == "float") return {jx::float32, true};
  return {jx::dtype_from_name(name), false};
}

// jx's ONE documented difference from JAX with x64: a weak result that comes
// only from bools, weak values and integers of at most 32 bits materialises
// with the x64-off defaults, float32 / int32, where JAX-x64 says float64 /
// int64. A strong 64-bit operand still asks for the 64-bit type (int64 +
// float -> float64, int8 + uint64 -> float64), as in JAX.
jx::DType jx_expected(jx::DType jax_result, bool jax_weak, Operand a, Operand b) {
  if (!jax_weak) return jax_result;
  auto strong64 = [](Operand o) { return !o.weak && o.dtype.bits() == 64; };
  if (strong64(a) || strong64(b)) return jax_result;
  if (jax_result == jx::float64) return jx::float32;
  if (jax_result == jx::int64) return jx::int32;
  return jax_result;
}

TEST(Promotion, MatchesJaxTable) {
  std::ifstream in(JX_FIXTURES_DIR "/promotion_table.txt");
  ASSERT_TRUE(in.good());
  std::string line;
  int rows = 0, adjusted = 0;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    std::string lhs, rhs, result;
    int weak = -1;
    is >> lhs >> rhs >> result >> weak;
    ASSERT_TRUE(weak == 0 || weak == 1) << "promotion_table.txt:" << lineno << ": " << line;
    Operand a = operand(lhs), b = operand(rhs);
    jx::DType jax_result = jx::dtype_from_name(result);
    jx::DType want = jx_expected(jax_result, weak == 1, a, b);
    if (!(want == jax_result)) ++adjusted;
    bool got_weak = false;
    jx::DType got = jx::promote_types(a.dtype, b.dtype, a.weak, b.weak, &got_weak);
    EXPECT_EQ(got.name(), want.name()) << "promotion_table.txt:" << lineno << ": " << line;
    EXPECT_EQ(got_weak, weak == 1) << "promotion_table.txt:" << lineno << ": " << line;
    // Without the out-parameter the result is the same.
    EXPECT_EQ(jx::promote_types(a.dtype, b.dtype, a.weak, b.weak).name(), want.name());
    ++rows;
  }
  EXPECT_EQ(rows,
            13 * 13 + 2 * 2 * 13 + 4);  // strong pairs, scalar x dtype both ways, scalar pairs
  EXPECT_GT(adjusted, 0);
}

// The lattice is symmetric and idempotent for every pair of strong dtypes.
TEST(Promotion, SymmetricAndIdempotent) {
  for (jx::DType a : all_dtypes()) {
    EXPECT_EQ(jx::promote_types(a, a), a);
    for (jx::DType b : all_dtypes())
      EXPECT_EQ(jx::promote_types(a, b), jx::promote_types(b, a)) << a.name() << " " << b.name();
  }
}

TEST(Promotion, DTypeNames) {
  for (jx::DType d : all_dtypes()) {
    EXPECT_EQ(jx::dtype_from_name(d.name()), d);
    EXPECT_EQ(jx::dtype_from_name(d.short_name()), d);
  }
  EXPECT_NE(error_of([] { jx::dtype_from_name("float128"); }).find("[dtype]"), std::string::npos);
}

}  // namespace
}  // namespace jxt
