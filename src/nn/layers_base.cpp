// Activation's built-in functions (composed from jx::np/lax so that grad, vmap
// and jit see ordinary primitives), Ints expansion, and Activation's pytree
// reading from a TreeDef.
#include "jx/nn/layers_base.h"

#include <atomic>
#include <cmath>
#include <map>

#include "jx/lax.h"
#include "jx/numpy.h"
#include "jx/transforms_flat.h"

namespace jx::nn {

namespace {
using Fn = std::function<Array(const Array&)>;

Array softmax_last(const Array& x) {
  Array shifted = x - jx::stop_gradient(np::max(x, -1, true));
  Array e = np::exp(shifted);
  return e / np::sum(e, -1, true);
}

const std::map<std::string, Fn>& builtins() {
  static const std::map<std::string, Fn> table = {
      {"identity", [](const Array& x) { return x; }},
      {"relu", [](const Array& x) { return np::maximum(x, 0); }},
      {"relu6", [](const Array& x) { return np::minimum(np::maximum(x, 0), 6); }},
      {"gelu",
       [](const Array& x) {
         const double c = std::sqrt(2.0 / M_PI);
         return x * 0.5 * (1 + np::tanh(c * (x + 0.044715 * (x * x * x))));
       }},
      {"gelu_exact", [](const Array& x) { return x * 0.5 * (1 + lax::erf(x * M_SQRT1_2)); }},
      {"tanh", [](const Array& x) { return np::tanh(x); }},
      {"sigmoid", [](const Array& x) { return lax::logistic(x); }},
      {"silu", [](const Array& x) { return x * lax::logistic(x); }},
      {"softplus",
       [](const Array& x) { return np::maximum(x, 0) + np::log1p(np::exp(-np::abs(x))); }},
      {"elu", [](const Array& x) { return np::where(x > 0, x, np::expm1(np::minimum(x, 0))); }},
      {"leaky_relu", [](const Array& x) { return np::where(x >= 0, x, x * 0.01); }},
      {"softmax", softmax_last},
      {"log_softmax",
       [](const Array& x) {
         Array shifted = x - jx::stop_gradient(np::max(x, -1, true));
         return shifted - np::log(np::sum(np::exp(shifted), -1, true));
       }},
  };
  return table;
}

std::string known_names() {
  std::string s;
  for (const auto& kv : builtins()) s += (s.empty() ? "" : ", ") + kv.first;
  return s;
}
}  // namespace

Activation::Activation() : Activation("identity") {}
Activation::Activation(const char* name) : Activation(std::string(name)) {}
Activation::Activation(const std::string& name) : name_(name) {
  auto it = builtins().find(name);
  if (it == builtins().end())
    throw_error("nn.Activation", "unknown activation '" + name + "' (known: " + known_names() +
                                     "; wrap other functions with a name)");
  fn_ = std::make_shared<const Fn>(it->second);
}
Activation::Activation(std::function<Array(const Array&)> fn, std::string name)
    : fn_(std::make_shared<const Fn>(std::move(fn))), name_(std::move(name)) {
  if (!*fn_) throw_error("nn.Activation", "empty function for activation '" + name_ + "'");
}
bool Activation::is_builtin(const std::string& name) { return builtins().count(name) > 0; }
std::string Activation::unique_name() {
  static std::atomic<int64_t> counter{0};
  return "custom#" + std::to_string(counter++);
}

std::vector<int64_t> Ints::expand(size_t n, const char* op, const char* what) const {
  if (v.size() == n) return v;
  if (v.size() == 1) return std::vector<int64_t>(n, v[0]);
  std::string got;
  for (int64_t x : v) got += (got.empty() ? "" : ", ") + std::to_string(x);
  throw_error(
      op, std::string(what) + " needs 1 or " + std::to_string(n) + " values, got (" + got + ")");
}

}  // namespace jx::nn

jx::nn::Activation jx::tree::Traits<jx::nn::Activation>::unflatten(detail::Reader& in) {
  size_t at = in.node;
  std::string name = Traits<std::string>::unflatten(in);
  if (!jx::nn::Activation::is_builtin(name))
    in.fail(at, "a built-in activation name (a custom function cannot be rebuilt from a TreeDef)");
  return jx::nn::Activation(name);
}
