// Transformations of C++ functions of pytrees: grad, value_and_grad, vjp,
// jvp, linearize, vmap, jacfwd, jacrev, hessian, make_jaxpr.
//
// Each template flattens its arguments into Array leaves (jx/tree.h), calls
// the type-erased core in jx/transforms_flat.h, and rebuilds the C++ result
// types. Non-array leaves (ints, doubles, strings...) are static: they pass
// through unchanged. Reverse mode is linearize + transpose, so every nesting
// (grad of grad, vmap of grad, grad of vmap, jvp of vjp ...) works.
//
//   auto df = jx::grad(f);                  // d f / d arg0
//   auto [v, g] = jx::value_and_grad<0, 1>(f)(x, y);   // g is a std::tuple
//   auto [g, aux] = jx::grad(f, jx::has_aux)(x);       // f returns {loss, aux}
//   auto ys = jx::vmap(f, {0, std::nullopt})(xs, w);   // map x over axis 0
#pragma once

#include <optional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "jx/ir.h"
#include "jx/lax.h"
#include "jx/transforms_flat.h"
#include "jx/tree.h"

namespace jx {

/// Tag: the function returns std::pair{scalar output, auxiliary pytree}.
struct HasAux {};
inline constexpr HasAux has_aux{};

namespace detail {

template <class T>
using Decay = std::remove_cvref_t<T>;

// Flattens the arguments at positions I... into one leaf list, remembering
// how many leaves each contributed.
template <size_t... I, class Tuple>
std::vector<Array> leaves_at(const Tuple& args, std::vector<size_t>& counts) {
  std::vector<Array> out;
  (
      [&] {
        auto l = tree::leaves(std::get<I>(args));
        counts.push_back(l.size());
        out.insert(out.end(), l.begin(), l.end());
      }(),
      ...);
  return out;
}

// A copy of `args` with the arguments at positions I... rebuilt from leaves.
template <size_t... I, class Tuple>
Tuple replace_at(const Tuple& args, std::span<const Array> leaves) {
  Tuple out = args;
  size_t off = 0;
  (
      [&] {
        auto& slot = std::get<I>(out);
        size_t n = tree::leaves(slot).size();
        slot = tree::unflatten_like(slot, leaves.subspan(off, n));
        off += n;
      }(),
      ...);
  return out;
}

// Rebuilds a tuple of the arguments at I... from flat leaves.
template <size_t... I, class Tuple>
auto pick_rebuilt(const Tuple& args, std::span<const Array> leaves) {
  Tuple rebuilt = replace_at<I...>(args, leaves);
  return std::make_tuple(std::get<I>(rebuilt)...);
}

// f as a function of the leaves of `args`: rebuilds the arguments (structure
// and static values from `args`), calls f, records the result in `proto` (for
// its structure) and returns the result's leaves.
template <class F, class Tuple, class R>
FlatFn flat_fn(const F& f, const Tuple& args, std::shared_ptr<std::optional<R>> proto) {
  return [&f, &args, proto](std::span<const Array> leaves) {
    R r = std::apply(f, tree::unflatten_like(args, leaves));
    proto->emplace(r);
    return tree::leaves(r);
  };
}

inline void check_float_leaves(std::string_view op, std::span<const Array> leaves) {
  for (const Array& x : leaves)
    if (!x.dtype().is_floating())
      throw_error(op, std::string(op) +
                          " requires floating-point inputs, but an argument leaf has dtype " +
                          std::string(x.dtype().name()) + " (" + x.aval().str() +
                          "); integer inputs have no gradient");
}

inline void check_scalar_output(std::string_view op, const Array& out) {
  if (out.ndim() != 0 || !out.dtype().is_floating())
    throw_error(op, std::string(op) +
                        " needs a function returning a scalar (0-d) floating-point array, got " +
                        out.aval().str() + " (use vjp or jacrev for non-scalar outputs)");
}

template <bool Aux, size_t... I, class F, class... Args>
auto value_and_grad_impl(const F& f, std::source_location loc, const Args&... args) {
  CallSite site(loc);
  auto tup = std::make_tuple(args...);
  using Tuple = decltype(tup);
  std::vector<size_t> counts;
  std::vector<Array> primals = leaves_at<I...>(tup, counts);
  check_float_leaves(Aux ? "grad" : "grad", primals);
  using R = Decay<decltype(std::apply(f, tup))>;
  std::optional<R> result_proto;
  FlatFn flat = [&](std::span<const Array> leaves) {
    Tuple call = replace_at<I...>(tup, leaves);
    R r = std::apply(f, call);
    std::vector<Array> outs;
    if constexpr (Aux) {
      outs.push_back(r.first);
      auto aux = tree::leaves(r.second);
      outs.insert(outs.end(), aux.begin(), aux.end());
    } else {
      outs.push_back(r);
    }
    result_proto.emplace(r);
    return outs;
  };
  auto [outs, pullback] = vjp_flat(flat, primals, loc);
  check_scalar_output("grad", outs[0]);
  std::vector<Array> cts(outs.size());
  cts[0] = scalar_array(1.0, outs[0].dtype());
  std::vector<Array> g = pullback(cts);
  auto grads = pick_rebuilt<I...>(tup, g);
  auto grad_value = [&] {
    if constexpr (sizeof...(I) == 1)
      return std::get<0>(grads);
    else
      return grads;
  }();
  if constexpr (Aux) {
    auto aux = tree::unflatten_like(result_proto->second, std::span<const Array>(outs).subspan(1));
    return std::make_tuple(outs[0], grad_value, aux);
  } else {
    return std::make_pair(outs[0], grad_value);
  }
}

}  // namespace detail

/// value_and_grad: returns a callable giving {f(args...), df/d(args at I...)}.
/// With several indices the gradient is a std::tuple. f must return a scalar
/// floating-point Array.
template <size_t... I, class F>
auto value_and_grad(F f, std::source_location loc = std::source_location::current()) {
  return [f, loc](const auto&... args) {
    if constexpr (sizeof...(I) == 0)
      return detail::value_and_grad_impl<false, 0>(f, loc, args...);
    else
      return detail::value_and_grad_impl<false, I...>(f, loc, args...);
  };
}
/// value_and_grad with has_aux: f returns std::pair{loss, aux}; the callable
/// returns std::tuple{loss, grads, aux}.
template <size_t... I, class F>
auto value_and_grad(F f, HasAux, std::source_location loc = std::source_location::current()) {
  return [f, loc](const auto&... args) {
    if constexpr (sizeof...(I) == 0)
      return detail::value_and_grad_impl<true, 0>(f, loc, args...);
    else
      return detail::value_and_grad_impl<true, I...>(f, loc, args...);
  };
}

/// grad: the gradient of a scalar function with respect to the arguments at
/// I... (default: the first).
template <size_t... I, class F>
auto grad(F f, std::source_location loc = std::source_location::current()) {
  return [f, loc](const auto&... args) { return value_and_grad<I...>(f, loc)(args...).second; };
}
/// grad with has_aux: returns std::pair{grads, aux}.
template <size_t... I, class F>
auto grad(F f, HasAux, std::source_location loc = std::source_location::current()) {
  return [f, loc](const auto&... args) {
    auto [v, g, aux] = value_and_grad<I...>(f, has_aux, loc)(args...);
    return std::make_pair(g, aux);
  };
}

/// jvp: f evaluated at primals (a std::tuple of arguments) and its directional
/// derivative along tangents (a std::tuple of the same structure).
template <class F, class... P, class... T>
auto jvp(F f, const std::tuple<P...>& primals, const std::tuple<T...>& tangents,
         std::source_location loc = std::source_location::current()) {
  CallSite site(loc);
  std::vector<Array> pl, tl;
  std::apply(
      [&](const auto&... p) {
        (([&] {
           auto l = tree::leaves(p);
           pl.insert(pl.end(), l.begin(), l.end());
         }()),
         ...);
      },
      primals);
  std::apply(
      [&](const auto&... t) {
        (([&] {
           auto l = tree::leaves(t);
           tl.insert(tl.end(), l.begin(), l.end());
         }()),
         ...);
      },
      tangents);
  if (!tree::all_equal_structure(primals, tangents))
    throw_error("jvp", "primals and tangents have different tree structures: " +
                           tree::structure(primals).str() + " vs " +
                           tree::structure(tangents).str());
  using R = detail::Decay<decltype(std::apply(f, primals))>;
  std::optional<R> proto;
  FlatFn flat = [&](std::span<const Array> leaves) {
    auto args = tree::unflatten_like(primals, leaves);
    R r = std::apply(f, args);
    proto.emplace(r);
    return tree::leaves(r);
  };
  auto [outs, touts] = jvp_flat(flat, pl, tl, loc);
  return std::make_pair(tree::unflatten_like(*proto, outs), tree::unflatten_like(*proto, touts));
}

/// vjp: returns {f(args...), pullback} where pullback(cotangent of the output)
/// returns a std::tuple of cotangents, one per argument.
template <class F, class... Args>
auto vjp(F f, const Args&... args) {
  auto tup = std::make_tuple(args...);
  std::vector<Array> primals = tree::leaves(tup);
  using R = detail::Decay<decltype(std::apply(f, tup))>;
  auto proto = std::make_shared<std::optional<R>>();
  FlatFn flat = detail::flat_fn(f, tup, proto);
  auto [outs, pullback] = vjp_flat(flat, primals);
  R out = tree::unflatten_like(**proto, outs);
  auto fn = [pullback, tup](const R& ct) {
    std::vector<Array> g = pullback(tree::leaves(ct));
    return tree::unflatten_like(tup, g);
  };
  return std::make_pair(out, fn);
}

/// linearize: {f(args...), f_jvp} where f_jvp(tangents...) evaluates the
/// linearization without re-running f.
template <class F, class... Args>
auto linearize(F f, const Args&... args) {
  auto tup = std::make_tuple(args...);
  std::vector<Array> primals = tree::leaves(tup);
  using R = detail::Decay<decltype(std::apply(f, tup))>;
  auto proto = std::make_shared<std::optional<R>>();
  FlatFn flat = detail::flat_fn(f, tup, proto);
  auto [outs, lin] = linearize_flat(flat, primals);
  R out = tree::unflatten_like(**proto, outs);
  auto shared = std::make_shared<LinearFn>(std::move(lin));
  auto fn = [shared, proto](const auto&... tangents) {
    std::vector<Array> t = tree::leaves(std::make_tuple(tangents...));
    return tree::unflatten_like(**proto, (*shared)(t));
  };
  return std::make_pair(out, fn);
}

/// The mapped axis of one argument of vmap: an int (negative counts from the
/// end), std::nullopt (not mapped), or one entry per leaf of the argument.
class InAxis {
 public:
  InAxis(int axis) : per_leaf_{axis}, broadcast_(true) {}                // NOLINT
  InAxis(std::nullopt_t) : per_leaf_{std::nullopt}, broadcast_(true) {}  // NOLINT
  InAxis(std::initializer_list<std::optional<int>> per_leaf) : per_leaf_(per_leaf) {}
  /// The axis of leaf i of an argument with n leaves.
  std::optional<int> leaf(size_t i, size_t n, std::string_view op = "vmap") const {
    if (broadcast_) return per_leaf_[0];
    if (per_leaf_.size() != n)
      throw_error(op, "in_axes lists " + std::to_string(per_leaf_.size()) +
                          " axes for an argument with " + std::to_string(n) + " leaves");
    return per_leaf_[i];
  }

 private:
  std::vector<std::optional<int>> per_leaf_;
  bool broadcast_ = false;
};

struct VmapOptions {
  std::vector<InAxis> in_axes;               ///< one per argument; empty: all 0
  std::vector<std::optional<int>> out_axes;  ///< one per output leaf; empty: all 0
  std::optional<int64_t> axis_size;          ///< needed when no argument is mapped
};

/// vmap: maps f over an axis of its arguments.
template <class F>
auto vmap(F f, VmapOptions opts = {}, std::source_location loc = std::source_location::current()) {
  return [f, opts, loc](const auto&... args) {
    auto tup = std::make_tuple(args...);
    std::vector<Array> leaves;
    std::vector<std::optional<int>> axes;
    size_t argi = 0;
    std::apply(
        [&](const auto&... a) {
          (([&] {
             auto l = tree::leaves(a);
             for (size_t k = 0; k < l.size(); ++k) {
               leaves.push_back(l[k]);
               if (opts.in_axes.empty())
                 axes.push_back(0);
               else if (argi < opts.in_axes.size())
                 axes.push_back(opts.in_axes[argi].leaf(k, l.size()));
               else {
                 CallSite site(loc);
                 throw_error("vmap", "in_axes has " + std::to_string(opts.in_axes.size()) +
                                         " entries but the function got " +
                                         std::to_string(sizeof...(args)) + " arguments");
               }
             }
             ++argi;
           }()),
           ...);
        },
        tup);
    using R = detail::Decay<decltype(std::apply(f, tup))>;
    std::optional<R> proto;
    FlatFn flat = [&](std::span<const Array> in) {
      auto call = tree::unflatten_like(tup, in);
      R r = std::apply(f, call);
      proto.emplace(r);
      return tree::leaves(r);
    };
    std::vector<Array> outs = vmap_flat(flat, leaves, axes, opts.out_axes, opts.axis_size, loc);
    // Rebuild with the batched shapes (the prototype only gives structure).
    return tree::unflatten_like(*proto, outs);
  };
}
/// vmap with in_axes given directly: jx::vmap(f, {0, std::nullopt}).
template <class F>
auto vmap(F f, std::vector<InAxis> in_axes,
          std::source_location loc = std::source_location::current()) {
  return vmap(f, VmapOptions{std::move(in_axes), {}, std::nullopt}, loc);
}

/// make_jaxpr: returns a callable that traces f on the arguments' avals and
/// returns the ClosedJaxpr (print it with <<).
template <class F>
auto make_jaxpr(F f, std::source_location loc = std::source_location::current()) {
  return [f, loc](const auto&... args) {
    auto tup = std::make_tuple(args...);
    std::vector<Aval> avals;
    for (const Array& x : tree::leaves(tup)) avals.push_back(x.aval());
    FlatFn flat = [&](std::span<const Array> in) {
      auto call = tree::unflatten_like(tup, in);
      return tree::leaves(std::apply(f, call));
    };
    return make_jaxpr_flat(flat, avals, loc);
  };
}

/// jacfwd: the Jacobian of f: Array -> Array by forward mode, shaped
/// out.shape + in.shape.
Array jacfwd_flat(const std::function<Array(const Array&)>& f, const Array& x,
                  std::source_location loc = std::source_location::current());
/// jacrev: the same Jacobian by reverse mode (vmap of vjp over output basis).
Array jacrev_flat(const std::function<Array(const Array&)>& f, const Array& x,
                  std::source_location loc = std::source_location::current());

template <class F>
auto jacfwd(F f) {
  return
      [f](const Array& x) { return jacfwd_flat([f](const Array& a) { return Array(f(a)); }, x); };
}
template <class F>
auto jacrev(F f) {
  return
      [f](const Array& x) { return jacrev_flat([f](const Array& a) { return Array(f(a)); }, x); };
}
/// hessian = jacfwd(jacrev(f)), for f: Array -> scalar Array.
template <class F>
auto hessian(F f) {
  return jacfwd(jacrev(f));
}

}  // namespace jx
