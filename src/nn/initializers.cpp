// jax.nn.initializers in jx: each initializer repeats JAX's steps (same draw,
// same key, the scale factors rounded to the target dtype at the same points)
// so that a key gives JAX's values.
#include "jx/nn/initializers.h"

#include <cmath>
#include <string_view>

#include "jx/error.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace jx::nn::initializers {
namespace {

// A 0-d array holding `v` rounded to dt (jnp.array(v, dtype)).
Array scalar_of(double v, DType dt) { return np::full(Shape{}, v, dt); }

void check_floating(std::string_view op, DType dt) {
  if (!dt.is_floating())
    throw_error(op, "the dtype must be floating (float16, bfloat16, float32, float64), got " +
                        std::string(dt.name()));
}

int normalize_axis(std::string_view op, std::string_view what, int axis, const Shape& shape) {
  int r = int(shape.size());
  if (axis < -r || axis >= r)
    throw_error(op, std::string(what) + " " + std::to_string(axis) + " is out of range for shape " +
                        shape_str(shape));
  return axis < 0 ? axis + r : axis;
}

std::pair<double, double> fans(std::string_view op, const Shape& shape, int in_axis, int out_axis,
                               const std::vector<int>& batch_axis) {
  if (in_axis == -2 && shape.size() <= 1)
    throw_error(op, "cannot compute the input and output sizes of a " +
                        std::to_string(shape.size()) +
                        "-dimensional weights tensor with the default in_axis (shape " +
                        shape_str(shape) + "); it must be at least 2-D or in_axis given");
  double in_size = double(shape[size_t(normalize_axis(op, "in_axis", in_axis, shape))]);
  double out_size = double(shape[size_t(normalize_axis(op, "out_axis", out_axis, shape))]);
  double batch_size = 1;
  for (int b : batch_axis)
    batch_size *= double(shape[size_t(normalize_axis(op, "batch_axis", b, shape))]);
  if (in_size == 0 || out_size == 0 || batch_size == 0)
    throw_error(op, "zero-sized in, out or batch axis in shape " + shape_str(shape) +
                        ": the fans are undefined");
  // Python's true divisions, in JAX's order.
  double receptive = double(shape.numel()) / in_size / out_size / batch_size;
  return {in_size * receptive, out_size * receptive};
}

std::string op_name(std::string_view name) { return "nn.initializers." + std::string(name); }

// variance_scaling with a display name for errors (glorot_uniform, ...).
Initializer make_variance_scaling(std::string name, double scale, std::string mode,
                                  std::string distribution, int in_axis, int out_axis,
                                  std::vector<int> batch_axis) {
  std::string op = op_name(name);
  if (mode != "fan_in" && mode != "fan_out" && mode != "fan_avg" && mode != "fan_geo_avg")
    throw_error(op, "invalid mode '" + mode +
                        "' for variance scaling (fan_in, fan_out, fan_avg or fan_geo_avg)");
  if (distribution != "truncated_normal" && distribution != "normal" && distribution != "uniform")
    throw_error(op, "invalid distribution '" + distribution +
                        "' for variance scaling (truncated_normal, normal or uniform)");
  return [=](const Array& key, const Shape& shape, DType dt) -> Array {
    check_floating(op, dt);
    auto [fan_in, fan_out] = fans(op, shape, in_axis, out_axis, batch_axis);
    double denominator = mode == "fan_in"    ? fan_in
                         : mode == "fan_out" ? fan_out
                         : mode == "fan_avg" ? (fan_in + fan_out) / 2
                                             : std::pow(fan_in * fan_out, 0.5);
    Array variance = scalar_of(scale / denominator, dt);
    if (distribution == "truncated_normal") {
      // .8796... is the standard deviation of a standard normal truncated to (-2, 2).
      Array stddev = np::sqrt(variance) / scalar_of(.87962566103423978, dt);
      return random::truncated_normal(key, -2, 2, shape, dt) * stddev;
    }
    if (distribution == "normal") return random::normal(key, shape, dt) * np::sqrt(variance);
    return random::uniform(key, shape, dt, -1) * np::sqrt(variance * 3);
  };
}

}  // namespace

std::pair<double, double> compute_fans(const Shape& shape, int in_axis, int out_axis,
                                       const std::vector<int>& batch_axis, Loc loc) {
  CallSite site(loc);
  return fans("nn.initializers.compute_fans", shape, in_axis, out_axis, batch_axis);
}

Initializer zeros() {
  return [](const Array&, const Shape& shape, DType dt) { return np::zeros(shape, dt); };
}

Initializer ones() {
  return [](const Array&, const Shape& shape, DType dt) { return np::ones(shape, dt); };
}

Initializer constant(double value) {
  return [value](const Array&, const Shape& shape, DType dt) { return np::full(shape, value, dt); };
}

Initializer uniform(double scale) {
  return [scale](const Array& key, const Shape& shape, DType dt) {
    check_floating("nn.initializers.uniform", dt);
    return random::uniform(key, shape, dt) * scalar_of(scale, dt);
  };
}

Initializer normal(double stddev) {
  return [stddev](const Array& key, const Shape& shape, DType dt) {
    check_floating("nn.initializers.normal", dt);
    return random::normal(key, shape, dt) * scalar_of(stddev, dt);
  };
}

Initializer truncated_normal(double stddev, double lower, double upper) {
  return [=](const Array& key, const Shape& shape, DType dt) {
    check_floating("nn.initializers.truncated_normal", dt);
    return random::truncated_normal(key, lower, upper, shape, dt) * scalar_of(stddev, dt);
  };
}

Initializer variance_scaling(double scale, std::string mode, std::string distribution, int in_axis,
                             int out_axis, std::vector<int> batch_axis, Loc loc) {
  CallSite site(loc);
  return make_variance_scaling("variance_scaling", scale, std::move(mode), std::move(distribution),
                               in_axis, out_axis, std::move(batch_axis));
}

#define JX_NN_VS_INIT(NAME, SCALE, MODE, DIST)                                \
  Initializer NAME(int in_axis, int out_axis, std::vector<int> batch_axis) {  \
    return make_variance_scaling(#NAME, SCALE, MODE, DIST, in_axis, out_axis, \
                                 std::move(batch_axis));                      \
  }
JX_NN_VS_INIT(glorot_uniform, 1.0, "fan_avg", "uniform")
JX_NN_VS_INIT(glorot_normal, 1.0, "fan_avg", "truncated_normal")
JX_NN_VS_INIT(xavier_uniform, 1.0, "fan_avg", "uniform")
JX_NN_VS_INIT(xavier_normal, 1.0, "fan_avg", "truncated_normal")
JX_NN_VS_INIT(he_uniform, 2.0, "fan_in", "uniform")
JX_NN_VS_INIT(he_normal, 2.0, "fan_in", "truncated_normal")
JX_NN_VS_INIT(kaiming_uniform, 2.0, "fan_in", "uniform")
JX_NN_VS_INIT(kaiming_normal, 2.0, "fan_in", "truncated_normal")
JX_NN_VS_INIT(lecun_uniform, 1.0, "fan_in", "uniform")
JX_NN_VS_INIT(lecun_normal, 1.0, "fan_in", "truncated_normal")
#undef JX_NN_VS_INIT

Initializer orthogonal(double scale, int column_axis) {
  return [=](const Array& key, const Shape& shape, DType dt) -> Array {
    constexpr std::string_view op = "nn.initializers.orthogonal";
    check_floating(op, dt);
    if (shape.size() < 2)
      throw_error(op, "needs a shape of rank at least 2, got " + shape_str(shape));
    int col = normalize_axis(op, "column_axis", column_axis, shape);
    for (int64_t d : shape)
      if (d == 0) return np::zeros(shape, dt);
    int64_t n_cols = shape[size_t(col)];
    int64_t n_rows = shape.numel() / n_cols;
    Array q = random::orthogonal(key, n_rows, Shape{}, dt, n_cols);
    Shape rest = shape;
    rest.erase(size_t(col));
    rest.push_back(n_cols);
    q = np::moveaxis(np::reshape(q, rest), -1, col);
    return scalar_of(scale, dt) * q;
  };
}

}  // namespace jx::nn::initializers
