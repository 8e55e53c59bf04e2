#include "compiler/jit_call.h"

#include "interp/traces.h"
#include "jx/transforms_flat.h"

namespace jx::compiler {
namespace {

const std::shared_ptr<const Executable>& exe_of(const Params& p) {
  return *static_cast<const std::shared_ptr<const Executable>*>(
      p.get<OpaqueParam>("jaxpr").object.get());
}

std::vector<Aval> avals_of(std::span<const Array> xs) {
  std::vector<Aval> a;
  for (const Array& x : xs) a.push_back(x.aval());
  return a;
}

// Traces `f` on `avals` and binds a jit_call of the compiled result.
std::vector<Array> call_traced(const FlatFn& f, std::span<const Array> args, const std::string& name) {
  ClosedJaxpr j = make_jaxpr_flat(f, avals_of(args));
  auto exe = Executable::compile(std::move(j), name);
  return jx::bind(jit_call_primitive(), args, jit_call_params(exe));
}

FlatFn body_fn(const Executable& exe) {
  const ClosedJaxpr* body = &exe.traced();
  return [body](std::span<const Array> in) { return eval_jaxpr(body->jaxpr, body->consts, in); };
}

Primitive make_jit_call() {
  Primitive p;
  p.name = "jit_call";
  p.self_allocating = true;
  p.abstract_eval = [](std::span<const Aval> in, const Params& params) {
    const Executable& exe = jit_call_executable(params);
    std::vector<Aval> want = exe.traced().in_avals();
    if (want.size() != in.size())
      throw_error(exe.name(), "expected " + std::to_string(want.size()) + " arguments, got " +
                                  std::to_string(in.size()));
    for (size_t i = 0; i < in.size(); ++i)
      if (!(in[i].shape == want[i].shape) || !(in[i].dtype == want[i].dtype))
        throw_error(exe.name(), "argument " + std::to_string(i) + " has aval " + in[i].str() +
                                    " but the program was compiled for " + want[i].str());
    return exe.traced().out_avals();
  };
  p.impl = [](std::span<const Array> in, std::span<Array> out, const Params& params) {
    std::vector<Array> r = jit_call_executable(params).run(in);
    for (size_t i = 0; i < out.size(); ++i) out[i] = std::move(r[i]);
  };
  p.jvp = [](std::span<const Array> primals, std::span<const Array> tangents, const Params& params) {
    const Executable& exe = jit_call_executable(params);
    std::vector<Array> outs = jx::bind(jit_call_primitive(), primals, params);
    size_t n = primals.size();
    FlatFn body = body_fn(exe);
    FlatFn tangent_fn = [body, n](std::span<const Array> pt) {
      return jvp_flat(body, pt.subspan(0, n), pt.subspan(n)).second;
    };
    std::vector<Array> args(primals.begin(), primals.end());
    for (size_t i = 0; i < n; ++i)
      args.push_back(tangents[i].defined() ? tangents[i] : interp::zeros_like_aval(primals[i].aval()));
    std::vector<Array> touts = call_traced(tangent_fn, args, "jvp(" + exe.name() + ")");
    return std::pair{outs, touts};
  };
  p.batch = [](std::span<const Array> vals, std::span<const int> dims, const Params& params) {
    const Executable& exe = jit_call_executable(params);
    FlatFn body = body_fn(exe);
    std::vector<std::optional<int>> axes;
    int64_t size = 1;
    for (size_t i = 0; i < vals.size(); ++i) {
      axes.push_back(dims[i] >= 0 ? std::optional<int>(dims[i]) : std::nullopt);
      if (dims[i] >= 0) size = vals[i].shape()[size_t(dims[i])];
    }
    FlatFn batched = [body, axes, size](std::span<const Array> in) {
      return vmap_flat(body, in, axes, {}, size);
    };
    std::vector<Array> outs = call_traced(batched, vals, "vmap(" + exe.name() + ")");
    return std::pair{outs, std::vector<int>(outs.size(), 0)};
  };
  p.transpose = [](std::span<const Array> cts, std::span<const Array> inputs, const Params& params) {
    const Executable& exe = jit_call_executable(params);
    const ClosedJaxpr& body = exe.traced();
    std::vector<Array> c;
    std::vector<Aval> outs = body.out_avals();
    for (size_t i = 0; i < cts.size(); ++i)
      c.push_back(cts[i].defined() ? cts[i] : interp::zeros_like_aval(outs[i]));
    return interp::backward_pass_with_args(body.jaxpr, body.consts, inputs, c);
  };
  return p;
}

Primitive jit_call_p = make_jit_call();
const Primitive& jit_call_reg = register_primitive(jit_call_p);

}  // namespace

const Primitive& jit_call_primitive() { return jit_call_p; }

Params jit_call_params(std::shared_ptr<const Executable> exe) {
  std::string name = exe->name();
  auto holder = std::make_shared<std::shared_ptr<const Executable>>(std::move(exe));
  return Params{{"jaxpr", OpaqueParam{name, holder}}};
}

const Executable& jit_call_executable(const Params& p) { return *exe_of(p); }

ClosedJaxpr jit_call_body(const Params& p) { return exe_of(p)->traced(); }

}  // namespace jx::compiler
