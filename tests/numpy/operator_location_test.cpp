// Operators and x[i] cannot take a defaulted source_location; their operands
// carry it instead. These tests check that errors still name the user's line.
#include <gtest/gtest.h>

#include <string>

#include "jx/jx.h"

namespace np = jx::np;

namespace {
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const jx::Error& e) {
    return e.what();
  }
  return "<no error>";
}
std::string at(int line) { return "(at operator_location_test.cpp:" + std::to_string(line) + ")"; }
}  // namespace

TEST(ErrorLocation, BinaryOperatorArrayArray) {
  auto a = np::zeros({3, 4});
  auto b = np::zeros({5});
  int line = __LINE__ + 1;
  std::string m = message_of([&] { auto c = a + b; });
  EXPECT_NE(m.find("[add]"), std::string::npos) << m;
  EXPECT_NE(m.find(at(line)), std::string::npos) << m;
}

TEST(ErrorLocation, BinaryOperatorScalarOnEitherSide) {
  auto a = np::zeros({3}, jx::int8);
  int line = __LINE__ + 1;
  std::string m = message_of([&] { auto c = a * 1000; });
  EXPECT_NE(m.find(at(line)), std::string::npos) << m;
  line = __LINE__ + 1;
  m = message_of([&] { auto c = 1000 - a; });
  EXPECT_NE(m.find(at(line)), std::string::npos) << m;
}

TEST(ErrorLocation, UnaryOperator) {
  auto a = np::zeros({3}, jx::bool_);
  int line = __LINE__ + 1;
  std::string m = message_of([&] { auto c = -a; });
  EXPECT_NE(m.find(at(line)), std::string::npos) << m;
}

TEST(ErrorLocation, Subscript) {
  auto a = np::zeros({3});
  int line = __LINE__ + 1;
  std::string m = message_of([&] { auto c = a[7]; });
  EXPECT_NE(m.find("[getitem] index 7 is out of bounds"), std::string::npos) << m;
  EXPECT_NE(m.find(at(line)), std::string::npos) << m;
}

TEST(ErrorLocation, OperatorsStillComputeAndKeepWeakTypes) {
  auto a = np::array({1, 2, 3});
  auto b = np::array({1.5f, 2.5f, 3.5f});
  EXPECT_EQ((a + a).to_vector<int>(), (std::vector<int>{2, 4, 6}));
  EXPECT_EQ((2 * a - 1).to_vector<int>(), (std::vector<int>{1, 3, 5}));
  EXPECT_EQ((a * 2).dtype(), jx::int32);
  EXPECT_EQ((b * 2.0).dtype(), jx::float32);
  EXPECT_EQ((-b).to_vector<float>(), (std::vector<float>{-1.5f, -2.5f, -3.5f}));
  EXPECT_EQ((a == 2).to_vector<bool>(), (std::vector<bool>{false, true, false}));
}
