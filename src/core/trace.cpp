#include <atomic>
#include <map>
#include <mutex>

#include "jx/primitive.h"

namespace jx {
namespace {

std::atomic<uint64_t> g_next_tag{1};

EvalTrace& eval_trace() {
  thread_local EvalTrace t;
  return t;
}
thread_local Trace* t_current = nullptr;

struct Registry {
  std::mutex mu;
  std::map<std::string, Primitive*, std::less<>> by_name;
};
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

}  // namespace

Trace::Trace(Trace* parent)
    : parent_(parent), tag_(g_next_tag.fetch_add(1)), alive_(std::make_shared<bool>(true)) {}
Trace::~Trace() { *alive_ = false; }
Tracer::~Tracer() = default;

Array make_tracer_array(Aval aval, std::shared_ptr<Tracer> tracer) {
  auto impl = std::make_shared<ArrayImpl>();
  impl->aval = std::move(aval);
  impl->device = default_device();
  impl->tracer = std::move(tracer);
  return Array(std::move(impl));
}

Array undefined_primal(const Aval& aval) {
  auto impl = std::make_shared<ArrayImpl>();
  impl->aval = aval;
  impl->device = default_device();
  return Array(std::move(impl));
}

bool is_undefined_primal(const Array& x) {
  return x.defined() && !x.impl().buffer && !x.impl().tracer;
}

Trace* current_trace() { return t_current ? t_current : &eval_trace(); }

TraceScope::TraceScope(Trace* t) : saved_(t_current) { t_current = t; }
TraceScope::~TraceScope() { t_current = saved_; }

Primitive& register_primitive(Primitive& p) {
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  r.by_name[p.name] = &p;
  return p;
}

const Primitive* find_primitive(std::string_view name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  auto it = r.by_name.find(name);
  return it == r.by_name.end() ? nullptr : it->second;
}

std::vector<const Primitive*> all_primitives() {
  Registry& r = registry();
  std::lock_guard<std::mutex> g(r.mu);
  std::vector<const Primitive*> out;
  for (auto& [k, p] : r.by_name) out.push_back(p);
  return out;
}

std::vector<Array> eval_primitive(const Primitive& p, std::span<const Array> in,
                                  const Params& params) {
  // Input avals on the stack for the common small arities.
  Aval small[4];
  std::vector<Aval> big;
  Aval* avals = small;
  if (in.size() > 4) {
    big.resize(in.size());
    avals = big.data();
  }
  // Device placement as in JAX: arrays placed with device_put are committed
  // to their device and must agree; uncommitted ones (created without a
  // device, C++ scalars) follow them. Virtual CPU devices share host memory,
  // so following needs no copy (a GPU backend will transfer here).
  Device device = default_device();
  bool committed = false;
  for (size_t i = 0; i < in.size(); ++i) {
    const ArrayImpl& a = in[i].impl();
    if (a.tracer)
      throw_error(p.name,
                  "an input is a tracer whose transformation has already ended (a leaked "
                  "tracer): values computed inside grad/vmap/jit must be returned, not stored");
    if (a.committed) {
      if (committed && !(a.device == device))
        throw_error(p.name, "inputs are committed to different devices: " + device.str() +
                                " and " + a.device.str() + " (move them with jx::device_put)");
      device = a.device;
      committed = true;
    } else if (!committed && i == 0) {
      device = a.device;
    }
    avals[i] = a.aval;
  }
  std::vector<Aval> out_avals = p.abstract_eval(std::span<const Aval>(avals, in.size()), params);
  if (p.placement) {
    device = p.placement(in, params);
    committed = p.name == "device_put";
  }
  std::vector<Array> outs(out_avals.size());
  if (!p.self_allocating)
    for (size_t i = 0; i < outs.size(); ++i) outs[i] = make_uninit(out_avals[i], device);
  else
    for (size_t i = 0; i < outs.size(); ++i) {
      auto impl = std::make_shared<ArrayImpl>();
      impl->aval = std::move(out_avals[i]);
      impl->device = device;
      outs[i] = Array(std::move(impl));
    }
  p.impl(in, outs, params);
  if (committed)
    for (Array& o : outs) o.impl_ptr()->committed = true;
  return outs;
}

std::vector<Array> EvalTrace::process_primitive(const Primitive& p, std::span<const Array> in,
                                                const Params& params) {
  return eval_primitive(p, in, params);
}

std::vector<Array> bind(const Primitive& p, std::span<const Array> in, const Params& params) {
  for (const Array& x : in) {
    const ArrayImpl& a = x.impl();
    if (a.tracer && !a.tracer->alive())
      throw_error(p.name, "an input (" + a.aval.str() +
                              ") is a leaked tracer: it belongs to a transformation (grad, vmap, "
                              "jit, make_jaxpr...) that has already returned; values computed "
                              "inside a transformed function must be returned from it, not stored");
    if (!a.tracer && !a.buffer) {
      if (a.donated)
        throw_error(p.name, "an input (" + a.aval.str() +
                                ") was donated to a jitted function (donate_argnums) and its "
                                "buffer reused; a donated array cannot be used again");
      throw_error(p.name, "an input (" + a.aval.str() + ") has no value (an undefined primal)");
    }
  }
  return current_trace()->process_primitive(p, in, params);
}

Array bind1(const Primitive& p, std::span<const Array> in, const Params& params) {
  std::vector<Array> outs = bind(p, in, params);
  return std::move(outs[0]);
}

}  // namespace jx
