// Programs that must fail: each row calls jx with bad input and names the op
// the error must start with, a substring of its message, and the line of the
// call. Every jx::Error reads `[op] what went wrong ... (at error_test.cpp:LINE)`
// where LINE is the user's line, so each row keeps its __LINE__ on the line
// of its call (the table is excluded from clang-format for that reason).
#include <gtest/gtest.h>

#include <functional>

#include "test_util.h"

namespace jxt {
namespace {

namespace lx = jx::lax;

jx::Array zeros(jx::DType dt, const jx::Shape& s) { return HostBuf(dt, s.numel()).to_array(s); }
jx::Array F(const jx::Shape& s) { return zeros(jx::float32, s); }
jx::Array I(const jx::Shape& s) { return zeros(jx::int32, s); }
jx::Array B(const jx::Shape& s) { return zeros(jx::bool_, s); }

struct BadProgram {
  const char* name;
  const char* op;       // the message starts with "[op]"
  const char* message;  // ... and contains this
  int line;             // ... and ends with "(at error_test.cpp:line)"
  std::function<void()> run;
};

// clang-format off
const BadProgram kBadPrograms[] = {
    {"ReduceAxisOutOfRange", "reduce_sum", "axis 2 is out of bounds for an array of rank 2", __LINE__, [] { lx::reduce_sum(F({2, 3}), {2}); }},
    {"ReduceRepeatedAxes", "reduce_max", "repeated axis -2 in (0, -2)", __LINE__, [] { lx::reduce_max(F({2, 3}), {0, -2}); }},
    {"ReduceBoolSum", "reduce_sum", "got bool", __LINE__, [] { lx::reduce_sum(B({2}), {0}); }},
    {"AddShapeMismatch", "add", "equal shapes, got (3,) and (4,)", __LINE__, [] { lx::add(F({3}), F({4})); }},
    {"MulDtypeMismatch", "mul", "equal dtypes, got float32 and int32", __LINE__, [] { lx::mul(F({3}), I({3})); }},
    {"ExpOfBool", "exp", "expected a floating dtype, got bool", __LINE__, [] { lx::exp(B({3})); }},
    {"ExpOfInt", "exp", "got int32 (operand i32[3])", __LINE__, [] { lx::exp(I({3})); }},
    {"ShiftOfFloat", "shift_left", "expected an integer dtype, got float32", __LINE__, [] { lx::shift_left(F({2}), F({2})); }},
    {"NegativeIntegerPowOfInt", "integer_pow", "negative exponent -2 needs a floating operand", __LINE__, [] { lx::integer_pow(I({2}), -2); }},
    {"TransposeRepeated", "transpose", "permutation (0, 0) is not a permutation of the 2 axes of f32[2,3]", __LINE__, [] { lx::transpose(F({2, 3}), {0, 0}); }},
    {"TransposeWrongRank", "transpose", "is not a permutation", __LINE__, [] { lx::transpose(F({2, 3}), {1, 0, 2}); }},
    {"SliceOutOfRange", "slice", "must satisfy 0 <= start <= limit <= shape (4, 5)", __LINE__, [] { lx::slice(F({4, 5}), {0, 2}, {4, 6}); }},
    {"SliceStartAfterLimit", "slice", "0 <= start <= limit", __LINE__, [] { lx::slice(F({4}), {3}, {2}); }},
    {"SliceZeroStride", "slice", "strides (1, 0) must be positive", __LINE__, [] { lx::slice(F({4, 5}), {0, 0}, {4, 5}, {1, 0}); }},
    {"SliceWrongRank", "slice", "one entry per dimension of f32[4,5]", __LINE__, [] { lx::slice(F({4, 5}), {0}, {4}); }},
    {"PadConfigLength", "pad", "one (low, high, interior) triple per dimension of f32[2,3]", __LINE__, [] { lx::pad(F({2, 3}), F({}), {{1, 1, 0}}); }},
    {"PadNegativeInterior", "pad", "interior padding must be >= 0, got -1", __LINE__, [] { lx::pad(F({2}), F({}), {{0, 0, -1}}); }},
    {"PadRemovesTooMuch", "pad", "removes more than dimension 0", __LINE__, [] { lx::pad(F({2}), F({}), {{-2, -1, 0}}); }},
    {"PadValueNotScalar", "pad", "padding_value must be a scalar", __LINE__, [] { lx::pad(F({2}), F({1}), {{0, 0, 0}}); }},
    {"PadValueDtype", "pad", "padding_value dtype int32 must match the operand's float32", __LINE__, [] { lx::pad(F({2}), I({}), {{0, 0, 0}}); }},
    {"ConcatenateShapes", "concatenate", "equal shapes except in dimension 0, got f32[2,3], f32[2,4]", __LINE__, [] { lx::concatenate({F({2, 3}), F({2, 4})}, 0); }},
    {"ConcatenateDtypes", "concatenate", "equal dtypes", __LINE__, [] { lx::concatenate({F({2}), I({2})}, 0); }},
    {"ConcatenateAxis", "concatenate", "axis 1 is out of bounds for an array of rank 1", __LINE__, [] { lx::concatenate({F({2}), F({2})}, 1); }},
    {"ReshapeSize", "reshape", "cannot reshape f32[2,3] (6 elements) to (4,) (4 elements)", __LINE__, [] { lx::reshape(F({2, 3}), {4}); }},
    {"SqueezeNonUnit", "squeeze", "cannot squeeze dimension 1 of size 3", __LINE__, [] { lx::squeeze(F({1, 3}), {1}); }},
    {"ExpandDimsRepeated", "expand_dims", "repeated axis", __LINE__, [] { lx::expand_dims(F({3}), {0, 0}); }},
    {"RevAxisOutOfRange", "rev", "axis 3 is out of bounds", __LINE__, [] { lx::rev(F({2, 3}), {3}); }},
    {"BroadcastBadDims", "broadcast_in_dim", "cannot be broadcast to (4, 5)", __LINE__, [] { lx::broadcast_in_dim(F({3}), {4, 5}, {0}); }},
    {"BroadcastDimsCount", "broadcast_in_dim", "must have one entry per operand dimension", __LINE__, [] { lx::broadcast_in_dim(F({3}), {3, 5}, {}); }},
    {"ArgmaxEmptyAxis", "argmax", "cannot take the argmax of an empty axis (operand f32[2,0])", __LINE__, [] { lx::argmax(F({2, 0}), 1); }},
    {"ArgminIndexDtype", "argmin", "index_dtype must be int32 or int64, got float32", __LINE__, [] { lx::argmin(F({2}), 0, jx::float32); }},
    {"ItemOfNonScalar", "item", "can only convert an array of size 1 to a scalar, got shape (2, 3)", __LINE__, [] { F({2, 3}).item<float>(); }},
    {"IndexOutOfBounds", "getitem", "index 5 is out of bounds for axis 0 with size 3", __LINE__, [] { F({3, 2})[5]; }},
    {"SelectNPredicateDtype", "select_n", "the predicate must be bool or int32, got f32[3]", __LINE__, [] { lx::select_n(F({3}), {F({3}), F({3})}); }},
    {"SelectNPredicateShape", "select_n", "the predicate's shape (2,) must be () or the cases' shape (3,)", __LINE__, [] { lx::select_n(B({2}), {F({3}), F({3})}); }},
    {"SelectNBoolThreeCases", "select_n", "a bool predicate selects between at most 2 cases, got 3", __LINE__, [] { lx::select_n(B({3}), {F({3}), F({3}), F({3})}); }},
    {"SelectNCaseMismatch", "select_n", "equal dtypes", __LINE__, [] { lx::select_n(B({3}), {F({3}), I({3})}); }},
    {"ClampBoundDtype", "clamp", "bounds must have the operand's dtype float32, got i32[]", __LINE__, [] { lx::clamp(I({}), F({3}), F({})); }},
    {"IotaBadDimension", "iota", "dimension 2 is out of bounds for shape (3, 4)", __LINE__, [] { lx::iota(jx::int32, {3, 4}, 2); }},
    {"IotaBool", "iota", "dtype must be numeric, got bool", __LINE__, [] { lx::iota(jx::bool_, {3}); }},
    {"BitcastLastDim", "bitcast_convert_type", "needs a last dimension of 4, got operand u8[2,3]", __LINE__, [] { lx::bitcast_convert_type(zeros(jx::uint8, {2, 3}), jx::float32); }},
    {"DevicePutBadId", "device_put", "no device with id 4096", __LINE__, [] { jx::device_put(F({2}), jx::Device(jx::DeviceKind::kCpu, 4096)); }},
    {"EmptyArrayHandle", "Array", "use of an empty (default-constructed) Array", __LINE__, [] { lx::neg(jx::Array()); }},
};
// clang-format on

class Fails : public ::testing::TestWithParam<const BadProgram*> {};

TEST_P(Fails, WithOpMessageAndCallerLine) {
  const BadProgram& p = *GetParam();
  std::string msg;
  std::string op;
  try {
    p.run();
    FAIL() << p.name << ": expected a jx::Error, nothing was thrown";
  } catch (const jx::Error& e) {
    msg = e.what();
    op = e.op();
  }
  std::string head = "[" + std::string(p.op) + "] ";
  EXPECT_EQ(msg.substr(0, head.size()), head) << msg;
  EXPECT_EQ(op, p.op);
  EXPECT_NE(msg.find(p.message), std::string::npos)
      << "message: " << msg << "\nwant: " << p.message;
  std::string tail = "(at error_test.cpp:" + std::to_string(p.line) + ")";
  EXPECT_TRUE(msg.size() >= tail.size() &&
              msg.compare(msg.size() - tail.size(), tail.size(), tail) == 0)
      << "message: " << msg << "\nshould end with: " << tail;
}

std::vector<const BadProgram*> all_programs() {
  std::vector<const BadProgram*> v;
  for (const BadProgram& p : kBadPrograms) v.push_back(&p);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Error, Fails, ::testing::ValuesIn(all_programs()),
                         [](const ::testing::TestParamInfo<const BadProgram*>& info) {
                           return std::string(info.param->name);
                         });

// After an error no call site is left behind: the next error has its own
// line (CallSite scopes unwind with the exception).
TEST(Error, CallSiteDoesNotLeakAcrossErrors) {
  int line1 = __LINE__ + 1;
  std::string msg1 = error_of([&] { lx::exp(I({1})); });
  int line2 = __LINE__ + 1;
  std::string msg2 = error_of([&] { lx::log(I({1})); });
  EXPECT_NE(msg1.find("(at error_test.cpp:" + std::to_string(line1) + ")"), std::string::npos)
      << msg1;
  EXPECT_NE(msg2.find("(at error_test.cpp:" + std::to_string(line2) + ")"), std::string::npos)
      << msg2;
}

TEST(Error, ErrorAccessors) {
  try {
    lx::exp(B({1}));
    FAIL();
  } catch (const jx::Error& e) {
    EXPECT_EQ(e.op(), "exp");
    EXPECT_EQ(e.where().substr(0, 14), "error_test.cpp");
  }
}

}  // namespace
}  // namespace jxt
