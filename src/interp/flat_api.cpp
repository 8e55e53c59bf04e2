// The type-erased transformations: jvp, linearize, vjp, vmap, make_jaxpr.
#include "interp/traces.h"
#include "jx/lax.h"
#include "jx/transforms_flat.h"

namespace jx {

using interp::BatchTrace;
using interp::JvpTrace;
using interp::StagingTrace;

namespace {

void check_tangent(size_t i, const Array& p, const Array& t) {
  if (!t.defined()) return;
  if (!(t.shape() == p.shape()) || !(t.dtype() == p.dtype()))
    throw_error("jvp", "tangent " + std::to_string(i) + " has aval " + t.aval().str() +
                           " but its primal has " + p.aval().str() +
                           " (tangents must match their primals' shapes and dtypes)");
}

}  // namespace

std::pair<std::vector<Array>, std::vector<Array>> jvp_flat(const FlatFn& f,
                                                           std::span<const Array> primals,
                                                           std::span<const Array> tangents,
                                                           std::source_location loc) {
  CallSite site(loc);
  if (primals.size() != tangents.size())
    throw_error("jvp", "got " + std::to_string(primals.size()) + " primals but " +
                           std::to_string(tangents.size()) + " tangents");
  JvpTrace trace(current_trace());
  std::vector<Array> in;
  for (size_t i = 0; i < primals.size(); ++i) {
    check_tangent(i, primals[i], tangents[i]);
    in.push_back(trace.make(primals[i], tangents[i]));
  }
  std::vector<Array> outs;
  {
    TraceScope scope(&trace);
    outs = f(in);
  }
  std::vector<Array> po, to;
  for (const Array& o : outs) {
    auto [p, t] = trace.unpack(o);
    po.push_back(p);
    to.push_back(t.defined() ? t : interp::zeros_like_aval(p.aval()));
  }
  return {po, to};
}

std::pair<std::vector<Array>, LinearFn> linearize_flat(const FlatFn& f,
                                                       std::span<const Array> primals,
                                                       std::source_location loc) {
  CallSite site(loc);
  StagingTrace pe(current_trace(), /*partial_eval=*/true, "linearize");
  JvpTrace jvp(&pe);
  std::vector<Array> in;
  LinearFn lin;
  for (const Array& p : primals) {
    lin.in_avals.push_back(p.aval());
    // Integer and bool inputs have no tangent space.
    Array t = p.dtype().is_floating() ? pe.new_arg(p.aval()) : Array();
    if (!t.defined()) {
      // Keep one invar per input so the linear jaxpr's signature is regular.
      pe.new_arg(p.aval());
    }
    in.push_back(jvp.make(p, t));
  }
  std::vector<Array> outs;
  {
    TraceScope scope(&jvp);
    outs = f(in);
  }
  std::vector<Array> po, to;
  for (const Array& o : outs) {
    auto [p, t] = jvp.unpack(o);
    if (p.is_tracer() && tracer_of<StagingTrace::VarTracer>(p, pe))
      throw_error("linearize", "internal: a primal output depends on tangents");
    po.push_back(p);
    lin.out_avals.push_back(p.aval());
    if (!t.defined()) {
      TraceScope scope(&pe);
      t = interp::zeros_like_aval(p.aval());
    }
    to.push_back(t);
  }
  lin.jaxpr = pe.finish(to);
  return {po, std::move(lin)};
}

std::vector<Array> LinearFn::operator()(std::span<const Array> tangents) const {
  if (tangents.size() != in_avals.size())
    throw_error("linearize", "the linear function takes " + std::to_string(in_avals.size()) +
                                 " tangents, got " + std::to_string(tangents.size()));
  std::vector<Array> args;
  for (size_t i = 0; i < tangents.size(); ++i) {
    Array t = tangents[i].defined() ? tangents[i] : interp::zeros_like_aval(in_avals[i]);
    args.push_back(t);
  }
  return eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, args);
}

std::vector<Array> LinearFn::transpose(std::span<const Array> cotangents) const {
  if (cotangents.size() != out_avals.size())
    throw_error("vjp", "the pullback takes " + std::to_string(out_avals.size()) +
                           " cotangents (one per output), got " + std::to_string(cotangents.size()));
  for (size_t i = 0; i < cotangents.size(); ++i) {
    const Array& c = cotangents[i];
    if (c.defined() && (!(c.shape() == out_avals[i].shape) || !(c.dtype() == out_avals[i].dtype)))
      throw_error("vjp", "cotangent " + std::to_string(i) + " has aval " + c.aval().str() +
                             " but the output has " + out_avals[i].str());
  }
  std::vector<Array> cts = interp::backward_pass(jaxpr.jaxpr, jaxpr.consts, cotangents);
  for (size_t i = 0; i < cts.size(); ++i)
    if (!cts[i].defined()) cts[i] = interp::zeros_like_aval(in_avals[i]);
  return cts;
}

std::pair<std::vector<Array>, std::function<std::vector<Array>(std::span<const Array>)>> vjp_flat(
    const FlatFn& f, std::span<const Array> primals, std::source_location loc) {
  auto [outs, lin] = linearize_flat(f, primals, loc);
  auto shared = std::make_shared<LinearFn>(std::move(lin));
  return {outs, [shared](std::span<const Array> cts) { return shared->transpose(cts); }};
}

std::vector<Array> vmap_flat(const FlatFn& f, std::span<const Array> args,
                             std::span<const std::optional<int>> in_axes,
                             std::span<const std::optional<int>> out_axes,
                             std::optional<int64_t> axis_size, std::source_location loc) {
  CallSite site(loc);
  if (in_axes.size() != args.size())
    throw_error("vmap", "in_axes has " + std::to_string(in_axes.size()) + " entries for " +
                            std::to_string(args.size()) + " arguments");
  std::vector<int> dims;
  std::optional<int64_t> size = axis_size;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!in_axes[i]) {
      dims.push_back(-1);
      continue;
    }
    int nd = args[i].ndim();
    int a = *in_axes[i];
    if (a < -nd || a >= nd)
      throw_error("vmap", "in_axes " + std::to_string(a) + " is out of range for argument " +
                              std::to_string(i) + " of shape " + args[i].shape().str());
    if (a < 0) a += nd;
    int64_t n = args[i].shape()[size_t(a)];
    if (size && *size != n)
      throw_error("vmap", "mapped axes have different sizes: argument " + std::to_string(i) +
                              " has size " + std::to_string(n) + " along axis " +
                              std::to_string(a) + ", expected " + std::to_string(*size));
    size = n;
    dims.push_back(a);
  }
  if (!size)
    throw_error("vmap", "needs at least one mapped argument (in_axes not all None) or axis_size");
  BatchTrace trace(current_trace(), *size);
  std::vector<Array> in;
  for (size_t i = 0; i < args.size(); ++i) in.push_back(trace.make(args[i], dims[i]));
  std::vector<Array> outs;
  {
    TraceScope scope(&trace);
    outs = f(in);
  }
  if (!out_axes.empty() && out_axes.size() != outs.size())
    throw_error("vmap", "out_axes has " + std::to_string(out_axes.size()) + " entries for " +
                            std::to_string(outs.size()) + " outputs");
  std::vector<Array> result;
  for (size_t i = 0; i < outs.size(); ++i) {
    auto [v, d] = trace.unpack(outs[i]);
    std::optional<int> want = out_axes.empty() ? std::optional<int>(0) : out_axes[i];
    if (!want) {
      if (d >= 0)
        throw_error("vmap", "output " + std::to_string(i) +
                                " has out_axes None but depends on a mapped input");
      result.push_back(v);
      continue;
    }
    int nd = v.ndim() + (d >= 0 ? 0 : 1);
    int o = *want < 0 ? *want + nd : *want;
    if (o < 0 || o >= nd)
      throw_error("vmap", "out_axes " + std::to_string(*want) + " is out of range for output " +
                              std::to_string(i) + " of rank " + std::to_string(nd - 1));
    if (d < 0) {
      // Unbatched output: broadcast along the new axis.
      Shape s = v.shape();
      s.insert(size_t(o), *size);
      std::vector<int64_t> bd;
      for (int k = 0; k < nd; ++k)
        if (k != o) bd.push_back(k);
      result.push_back(lax::broadcast_in_dim(v, s, bd));
    } else if (d != o) {
      std::vector<int64_t> perm;
      for (int k = 0; k < nd; ++k)
        if (k != d) perm.push_back(k);
      perm.insert(perm.begin() + o, d);
      result.push_back(lax::transpose(v, perm));
    } else {
      result.push_back(v);
    }
  }
  return result;
}

ClosedJaxpr make_jaxpr_flat(const FlatFn& f, std::span<const Aval> in_avals,
                            std::source_location loc) {
  CallSite site(loc);
  StagingTrace trace(current_trace(), /*partial_eval=*/false, "make_jaxpr");
  std::vector<Array> in;
  for (const Aval& a : in_avals) in.push_back(trace.new_arg(a));
  std::vector<Array> outs;
  {
    TraceScope scope(&trace);
    outs = f(in);
  }
  return trace.finish(outs);
}

namespace {
// stop_gradient: the identity with a zero derivative. Its jvp rule returns a
// symbolic-zero tangent; vmap passes the batch dimension through.
Primitive make_stop_gradient() {
  Primitive p;
  p.name = "stop_gradient";
  p.abstract_eval = [](std::span<const Aval> in, const Params&) { return std::vector<Aval>{in[0]}; };
  p.self_allocating = true;
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params&) { out[0] = in[0]; };
  p.jvp = [](std::span<const Array> primals, std::span<const Array>, const Params&) {
    return std::pair{std::vector<Array>{primals[0]}, std::vector<Array>{Array()}};
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params&) {
    return std::pair{std::vector<Array>{vals[0]}, std::vector<int>{dims[0]}};
  };
  return p;
}
Primitive stop_gradient_p = make_stop_gradient();
const Primitive& stop_gradient_reg = register_primitive(stop_gradient_p);
}  // namespace

Array stop_gradient(const Array& x, std::source_location loc) {
  CallSite site(loc);
  // Outside any transformation it is the identity; skip the dispatch.
  if (!x.is_tracer()) return x;
  return bind1(stop_gradient_p, {x});
}

}  // namespace jx
