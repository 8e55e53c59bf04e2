// custom_jvp and custom_vjp: user-defined derivative rules, as in JAX.
//
//   auto f = jx::custom_jvp(
//       [](const Array& x) { return np::log1p(np::exp(x)); },             // primal
//       [](const std::vector<Array>& p, const std::vector<Array>& t) {    // (primals, tangents)
//         Array y = np::log1p(np::exp(p[0]));
//         return std::pair{y, t[0] * jx::lax::logistic(p[0])};            // (out, tangent out)
//       });
//
//   auto g = jx::custom_vjp(
//       [](const Array& x) { return np::sin(x); },                                   // primal
//       [](const std::vector<Array>& p) { return std::pair{np::sin(p[0]),            // fwd:
//                                                         std::vector<Array>{p[0]}}; }, // (out,
//                                                         residuals)
//       [](const std::vector<Array>& res, const Array& ct) {                          // bwd
//         return std::vector<Array>{ct * np::cos(res[0])}; });                         // one per
//         input
//
// The rules compose with every transformation: vmap maps them, grad uses
// them, and they appear in jaxprs as custom_jvp_call / custom_vjp_call.
// Forward mode (jvp, jacfwd) through a custom_vjp function is an error, as in
// JAX: only its reverse-mode rule exists.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "jx/transforms_flat.h"

namespace jx {

using JvpFn = std::function<std::pair<std::vector<Array>, std::vector<Array>>(
    std::span<const Array> primals, std::span<const Array> tangents)>;
/// fwd: primals -> (outputs, residuals).
using FwdFn =
    std::function<std::pair<std::vector<Array>, std::vector<Array>>(std::span<const Array>)>;
/// bwd: (residuals, output cotangents) -> input cotangents.
using BwdFn = std::function<std::vector<Array>(std::span<const Array> residuals,
                                               std::span<const Array> cotangents)>;

namespace detail {
template <size_t... I>
auto to_tuple_impl(std::span<const Array> in, std::index_sequence<I...>) {
  return std::make_tuple(in[I]...);
}
}  // namespace detail
template <size_t N>
auto to_tuple(std::span<const Array> in) {
  return detail::to_tuple_impl(in, std::make_index_sequence<N>{});
}

/// A function of flat arrays whose derivative is given by `jvp`.
FlatFn custom_jvp_flat(FlatFn fun, JvpFn jvp, std::string name = "custom_jvp");
/// A function of flat arrays whose reverse-mode derivative is fwd/bwd.
FlatFn custom_vjp_flat(FlatFn fun, FwdFn fwd, BwdFn bwd, std::string name = "custom_vjp");

/// custom_jvp for functions of Arrays returning one Array; jvp receives
/// (primals, tangents) as vectors and returns {output, output tangent}.
template <class F, class J>
auto custom_jvp(F f, J jvp) {
  return [f, jvp](const auto&... args) -> Array {
    FlatFn fun = [f](std::span<const Array> in) {
      return std::apply([&](const auto&... a) { return std::vector<Array>{f(a...)}; },
                        to_tuple<sizeof...(args)>(in));
    };
    JvpFn rule = [jvp](std::span<const Array> p, std::span<const Array> t) {
      auto [o, to] =
          jvp(std::vector<Array>(p.begin(), p.end()), std::vector<Array>(t.begin(), t.end()));
      return std::pair{std::vector<Array>{o}, std::vector<Array>{to}};
    };
    std::vector<Array> in{Array(args)...};
    return custom_jvp_flat(fun, rule)(in)[0];
  };
}

/// custom_vjp for functions of Arrays returning one Array. fwd(primals) returns
/// {output, residuals}; bwd(residuals, cotangent) returns one cotangent per input.
template <class F, class Fwd, class Bwd>
auto custom_vjp(F f, Fwd fwd, Bwd bwd) {
  return [f, fwd, bwd](const auto&... args) -> Array {
    FlatFn fun = [f](std::span<const Array> in) {
      return std::apply([&](const auto&... a) { return std::vector<Array>{f(a...)}; },
                        to_tuple<sizeof...(args)>(in));
    };
    FwdFn fw = [fwd](std::span<const Array> p) {
      auto [o, res] = fwd(std::vector<Array>(p.begin(), p.end()));
      return std::pair{std::vector<Array>{o}, std::vector<Array>(res)};
    };
    BwdFn bw = [bwd](std::span<const Array> res, std::span<const Array> ct) {
      return std::vector<Array>(bwd(std::vector<Array>(res.begin(), res.end()), ct[0]));
    };
    std::vector<Array> in{Array(args)...};
    return custom_vjp_flat(fun, fw, bw)(in)[0];
  };
}

}  // namespace jx
