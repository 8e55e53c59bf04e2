// custom_jvp_call and custom_vjp_call: primitives carrying user functions.
//
// custom_jvp_call: evaluating it calls the function; its jvp rule calls the
// user's rule; vmap maps both the function and the rule into a new
// custom_jvp_call, so the rule survives batching.
// custom_vjp_call: its jvp rule runs fwd and emits custom_vjp_lin on the
// tangents, a linear primitive whose transpose is bwd. Forward mode therefore
// reaches custom_vjp_lin's evaluation, which is the "no forward mode" error.
#include "interp/traces.h"
#include "jx/custom_derivatives.h"
#include "jx/lax.h"

namespace jx {
namespace {

struct JvpFns {
  FlatFn fun;
  JvpFn jvp;
};
struct VjpFns {
  FlatFn fun;
  FwdFn fwd;
  BwdFn bwd;
};
struct LinFns {
  BwdFn bwd;
  std::vector<Aval> out_avals;
  std::string name;
};

std::vector<Aval> trace_out_avals(const FlatFn& fun, std::span<const Aval> in) {
  ClosedJaxpr j = make_jaxpr_flat(fun, in);
  return j.out_avals();
}

std::vector<Array> materialize(std::span<const Array> primals, std::span<const Array> tangents) {
  std::vector<Array> t;
  for (size_t i = 0; i < tangents.size(); ++i)
    t.push_back(tangents[i].defined() ? tangents[i] : interp::zeros_like_aval(primals[i].aval()));
  return t;
}

// Batching helpers: run a flat function under vmap with the given input axes;
// every output comes back batched along axis 0.
FlatFn vmapped(FlatFn f, std::vector<std::optional<int>> in_axes, int64_t size) {
  return [f, in_axes, size](std::span<const Array> in) {
    return vmap_flat(f, in, in_axes, {}, size);
  };
}

Primitive make_custom_jvp_call();
Primitive make_custom_vjp_call();
Primitive make_custom_vjp_lin();
Primitive custom_jvp_call_p = make_custom_jvp_call();
Primitive custom_vjp_call_p = make_custom_vjp_call();
Primitive custom_vjp_lin_p = make_custom_vjp_lin();
const Primitive& reg1 = register_primitive(custom_jvp_call_p);
const Primitive& reg2 = register_primitive(custom_vjp_call_p);
const Primitive& reg3 = register_primitive(custom_vjp_lin_p);

Primitive make_custom_jvp_call() {
  Primitive p;
  p.name = "custom_jvp_call";
  p.self_allocating = true;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    return trace_out_avals(params.get<OpaqueParam>("call").as<JvpFns>().fun, in);
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    std::vector<Array> r = params.get<OpaqueParam>("call").as<JvpFns>().fun(in);
    for (size_t i = 0; i < out.size(); ++i) out[i] = r[i];
  };
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const JvpFns& fns = params.get<OpaqueParam>("call").as<JvpFns>();
    std::vector<Array> t = materialize(primals, tangents);
    return fns.jvp(primals, t);
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    const auto& op = params.get<OpaqueParam>("call");
    const JvpFns& fns = op.as<JvpFns>();
    std::vector<std::optional<int>> axes;
    int64_t size = 1;
    for (size_t i = 0; i < vals.size(); ++i) {
      axes.push_back(dims[i] >= 0 ? std::optional<int>(dims[i]) : std::nullopt);
      if (dims[i] >= 0) size = vals[i].shape()[size_t(dims[i])];
    }
    auto batched = std::make_shared<JvpFns>();
    batched->fun = vmapped(fns.fun, axes, size);
    JvpFn rule = fns.jvp;
    batched->jvp = [rule, axes, size, n = vals.size()](std::span<const Array> p, std::span<const Array> t) {
      // Map the rule over the primals' and tangents' batch axes together.
      FlatFn both = [rule, n](std::span<const Array> pt) {
        auto [o, to] = rule(pt.subspan(0, n), pt.subspan(n));
        std::vector<Array> r = o;
        r.insert(r.end(), to.begin(), to.end());
        return r;
      };
      std::vector<Array> pt(p.begin(), p.end());
      pt.insert(pt.end(), t.begin(), t.end());
      std::vector<std::optional<int>> all = axes;
      for (size_t i = 0; i < n; ++i) all.push_back(axes[i] ? std::optional<int>(*axes[i]) : std::nullopt);
      std::vector<Array> r = vmap_flat(both, pt, all, {}, size);
      size_t k = r.size() / 2;
      return std::pair{std::vector<Array>(r.begin(), r.begin() + long(k)),
                       std::vector<Array>(r.begin() + long(k), r.end())};
    };
    Params np{{"call", OpaqueParam{op.name, batched}}};
    std::vector<Array> outs = jx::bind(custom_jvp_call_p, vals, np);
    return std::pair{outs, std::vector<int>(outs.size(), 0)};
  };
  return p;
}

Primitive make_custom_vjp_call() {
  Primitive p;
  p.name = "custom_vjp_call";
  p.self_allocating = true;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    return trace_out_avals(params.get<OpaqueParam>("call").as<VjpFns>().fun, in);
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    std::vector<Array> r = params.get<OpaqueParam>("call").as<VjpFns>().fun(in);
    for (size_t i = 0; i < out.size(); ++i) out[i] = r[i];
  };
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const auto& op = params.get<OpaqueParam>("call");
    const VjpFns& fns = op.as<VjpFns>();
    auto [outs, res] = fns.fwd(primals);
    auto lin = std::make_shared<LinFns>();
    lin->bwd = fns.bwd;
    lin->name = op.name;
    for (const Array& o : outs) lin->out_avals.push_back(o.aval());
    std::vector<Array> in = res;
    std::vector<Array> t = materialize(primals, tangents);
    in.insert(in.end(), t.begin(), t.end());
    Params lp{{"lin", OpaqueParam{op.name, lin}}, {"num_res", int64_t(res.size())}};
    std::vector<Array> touts = jx::bind(custom_vjp_lin_p, in, lp);
    return std::pair{outs, touts};
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    const auto& op = params.get<OpaqueParam>("call");
    const VjpFns& fns = op.as<VjpFns>();
    std::vector<std::optional<int>> axes;
    int64_t size = 1;
    for (size_t i = 0; i < vals.size(); ++i) {
      axes.push_back(dims[i] >= 0 ? std::optional<int>(dims[i]) : std::nullopt);
      if (dims[i] >= 0) size = vals[i].shape()[size_t(dims[i])];
    }
    auto batched = std::make_shared<VjpFns>();
    batched->fun = vmapped(fns.fun, axes, size);
    FwdFn fwd = fns.fwd;
    BwdFn bwd = fns.bwd;
    auto nouts = std::make_shared<size_t>(0);
    batched->fwd = [fwd, axes, size, nouts](std::span<const Array> p) {
      FlatFn both = [fwd, nouts](std::span<const Array> in) {
        auto [o, r] = fwd(in);
        *nouts = o.size();
        std::vector<Array> all = o;
        all.insert(all.end(), r.begin(), r.end());
        return all;
      };
      std::vector<Array> r = vmap_flat(both, p, axes, {}, size);
      return std::pair{std::vector<Array>(r.begin(), r.begin() + long(*nouts)),
                       std::vector<Array>(r.begin() + long(*nouts), r.end())};
    };
    batched->bwd = [bwd, size](std::span<const Array> res, std::span<const Array> ct) {
      size_t nres = res.size();
      FlatFn both = [bwd, nres](std::span<const Array> in) {
        return bwd(in.subspan(0, nres), in.subspan(nres));
      };
      std::vector<Array> in(res.begin(), res.end());
      in.insert(in.end(), ct.begin(), ct.end());
      std::vector<std::optional<int>> all(in.size(), 0);
      return vmap_flat(both, in, all, {}, size);
    };
    Params np{{"call", OpaqueParam{op.name, batched}}};
    std::vector<Array> outs = jx::bind(custom_vjp_call_p, vals, np);
    return std::pair{outs, std::vector<int>(outs.size(), 0)};
  };
  return p;
}

Primitive make_custom_vjp_lin() {
  Primitive p;
  p.name = "custom_vjp_lin";
  p.abstract_eval = [](std::span<const Aval>, const Params& params) {
    return params.get<OpaqueParam>("lin").as<LinFns>().out_avals;
  };
  p.impl = [](std::span<const Array>, std::span<Array>, const Params& params) {
    throw_error(params.get<OpaqueParam>("lin").as<LinFns>().name,
                "forward-mode differentiation (jvp, jacfwd, linearize evaluated forward) of a "
                "custom_vjp function is not supported: it only defines a reverse-mode rule; use "
                "custom_jvp for forward mode");
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> inputs, const Params& params) {
    const LinFns& lin = params.get<OpaqueParam>("lin").as<LinFns>();
    int64_t nres = params.get_int("num_res");
    std::vector<Array> res(inputs.begin(), inputs.begin() + nres);
    std::vector<Array> c;
    for (size_t i = 0; i < cts.size(); ++i)
      c.push_back(cts[i].defined() ? cts[i] : interp::zeros_like_aval(lin.out_avals[i]));
    std::vector<Array> in_cts = lin.bwd(res, c);
    std::vector<Array> out(static_cast<size_t>(nres));
    out.insert(out.end(), in_cts.begin(), in_cts.end());
    return out;
  };
  return p;
}

}  // namespace

FlatFn custom_jvp_flat(FlatFn fun, JvpFn jvp, std::string name) {
  auto fns = std::make_shared<JvpFns>(JvpFns{std::move(fun), std::move(jvp)});
  Params params{{"call", OpaqueParam{std::move(name), fns}}};
  return [params](std::span<const Array> in) { return jx::bind(custom_jvp_call_p, in, params); };
}

FlatFn custom_vjp_flat(FlatFn fun, FwdFn fwd, BwdFn bwd, std::string name) {
  auto fns = std::make_shared<VjpFns>(VjpFns{std::move(fun), std::move(fwd), std::move(bwd)});
  Params params{{"call", OpaqueParam{std::move(name), fns}}};
  return [params](std::span<const Array> in) { return jx::bind(custom_vjp_call_p, in, params); };
}

}  // namespace jx
