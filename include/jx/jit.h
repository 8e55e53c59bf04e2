// jx::jit: staging a function to the IR, optimizing it and running the
// compiled program, with a cache keyed by the abstract signature.
//
//   auto step = jx::jit([](const Params& p, const Array& x) { ... });
//   auto out = step(p, x);                 // first call: trace + compile; then cached
//   std::cout << step.lower(p, x).as_text();           // the optimized IR
//   std::cout << step.lower(p, x).compile().as_text(); // the compiled program
//   auto f = jx::jit(g, {.donate_argnums = {0}});       // outputs may reuse arg 0's buffers
//
// The cache key is the arguments' tree structure (static leaves' values
// included: changing an int argument recompiles, like static_argnums), and
// each array leaf's dtype, shape, weak type and device. JX_LOG_COMPILES=1 (or
// jx::set_log_compiles(true)) logs each compilation with why the cache missed.
// jit composes with grad, vmap and itself: a jitted function called under a
// transformation binds the jit_call primitive, whose rules transform the
// program (as pjit in JAX).
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <tuple>
#include <vector>

#include "jx/ir.h"
#include "jx/transforms_flat.h"
#include "jx/tree.h"

namespace jx {

struct JitOptions {
  std::vector<int> donate_argnums;  ///< arguments whose buffers outputs may reuse
  std::string name;                 ///< shown in logs and as_text (default "jit")
};

/// What the compiled program costs per call (estimates from the IR).
struct CostAnalysis {
  double flops = 0;
  double bytes_accessed = 0;
};

/// Turns compile logging on or off (also JX_LOG_COMPILES=1).
void set_log_compiles(bool on);

namespace detail {
class JitCore;
struct JitEntry {
  std::shared_ptr<const void> exe;  // compiler::Executable
  std::any out_proto;               // a value of the result type (structure only)
};
std::shared_ptr<JitCore> make_jit_core(std::string name, std::vector<int> donate_argnums);
/// Finds or compiles the entry for these arguments; `trace` stages the
/// function on the leaves' avals when the cache misses.
const JitEntry& jit_lookup(
    JitCore& core, const tree::TreeDef& def, std::span<const Array> leaves,
    const std::function<std::pair<ClosedJaxpr, std::any>(std::span<const Aval>)>& trace);
/// Runs the entry (or binds jit_call under a transformation).
std::vector<Array> jit_run(JitCore& core, const JitEntry& e, std::span<const Array> leaves,
                           std::span<const size_t> leaf_arg);
size_t jit_cache_size(const JitCore& core);
size_t jit_num_compiles(const JitCore& core);
std::string exe_as_text(const void* exe);
const ClosedJaxpr& exe_optimized(const void* exe);
CostAnalysis exe_cost(const void* exe);
std::vector<Array> exe_run(const void* exe, std::span<const Array> args);
}  // namespace detail

/// A compiled program (jax.stages.Compiled).
class Compiled {
 public:
  explicit Compiled(std::shared_ptr<const void> exe) : exe_(std::move(exe)) {}
  /// The program: the optimized IR and its execution plan.
  std::string as_text() const { return detail::exe_as_text(exe_.get()); }
  CostAnalysis cost_analysis() const { return detail::exe_cost(exe_.get()); }
  /// Runs on flat arguments (the leaves of the original arguments, in order).
  std::vector<Array> call_flat(std::span<const Array> leaves) const {
    return detail::exe_run(exe_.get(), leaves);
  }

 private:
  std::shared_ptr<const void> exe_;
};

/// A function staged for given argument types (jax.stages.Lowered).
class Lowered {
 public:
  explicit Lowered(std::shared_ptr<const void> exe) : exe_(std::move(exe)) {}
  /// The optimized IR.
  const ClosedJaxpr& jaxpr() const { return detail::exe_optimized(exe_.get()); }
  std::string as_text() const { return jaxpr().str(); }
  Compiled compile() const { return Compiled(exe_); }

 private:
  std::shared_ptr<const void> exe_;
};

template <class F>
class Jitted {
 public:
  Jitted(F f, JitOptions opts)
      : f_(std::move(f)),
        core_(detail::make_jit_core(opts.name.empty() ? "jit" : opts.name, opts.donate_argnums)) {}

  template <class... Args>
  auto operator()(const Args&... args) const {
    using R = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    auto [def, leaves, leaf_arg] = flatten(args...);
    const detail::JitEntry& e = entry<Args...>(def, leaves, args...);
    std::vector<Array> outs = detail::jit_run(*core_, e, leaves, leaf_arg);
    return tree::unflatten_like(std::any_cast<const R&>(e.out_proto), outs);
  }

  /// Traces and optimizes for these arguments (compiling on a cache miss).
  template <class... Args>
  Lowered lower(const Args&... args) const {
    auto [def, leaves, leaf_arg] = flatten(args...);
    return Lowered(entry<Args...>(def, leaves, args...).exe);
  }

  /// Distinct signatures compiled so far.
  size_t cache_size() const { return detail::jit_cache_size(*core_); }
  size_t num_compiles() const { return detail::jit_num_compiles(*core_); }

 private:
  template <class... Args>
  static auto flatten(const Args&... args) {
    std::vector<Array> leaves;
    std::vector<size_t> leaf_arg;
    size_t i = 0;
    (([&] {
       auto l = tree::leaves(args);
       leaves.insert(leaves.end(), l.begin(), l.end());
       leaf_arg.insert(leaf_arg.end(), l.size(), i++);
     }()),
     ...);
    tree::TreeDef def = tree::structure(std::forward_as_tuple(args...));
    return std::tuple{std::move(def), std::move(leaves), std::move(leaf_arg)};
  }

  template <class... Args>
  const detail::JitEntry& entry(const tree::TreeDef& def, std::span<const Array> leaves,
                                const Args&... args) const {
    using R = std::remove_cvref_t<std::invoke_result_t<const F&, const Args&...>>;
    auto proto = std::make_tuple(args...);
    return detail::jit_lookup(*core_, def, leaves, [&](std::span<const Aval> avals) {
      std::optional<R> out;
      FlatFn flat = [&](std::span<const Array> in) {
        auto call = tree::unflatten_like(proto, in);
        R r = std::apply(f_, call);
        out.emplace(r);
        return tree::leaves(r);
      };
      ClosedJaxpr j = make_jaxpr_flat(flat, avals);
      return std::pair{std::move(j), std::any(*out)};
    });
  }

  F f_;
  std::shared_ptr<detail::JitCore> core_;
};

/// jit: stage, optimize and compile f; cached per abstract signature.
template <class F>
Jitted<F> jit(F f, JitOptions opts = {}) {
  return Jitted<F>(std::move(f), std::move(opts));
}

}  // namespace jx
