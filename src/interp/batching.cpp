// vmap: the batching interpreter.
#include "interp/traces.h"

namespace jx::interp {

Array BatchTrace::make(Array val, int bdim) {
  if (bdim < 0) return val;
  Aval aval = val.aval();
  aval.shape.erase(size_t(bdim));
  return make_tracer_array(std::move(aval), std::make_shared<BatchTracer>(*this, std::move(val), bdim));
}

std::pair<Array, int> BatchTrace::unpack(const Array& x) const {
  if (auto* t = tracer_of<BatchTracer>(x, *this)) return {t->val, t->bdim};
  return {x, -1};
}

std::vector<Array> BatchTrace::process_primitive(const Primitive& p, std::span<const Array> in,
                                                 const Params& params) {
  std::vector<Array> vals;
  std::vector<int> dims;
  bool any = false;
  for (const Array& x : in) {
    auto [v, d] = unpack(x);
    any = any || d >= 0;
    vals.push_back(std::move(v));
    dims.push_back(d);
  }
  TraceScope scope(parent());
  if (!any) return jx::bind(p, vals, params);
  if (!p.batch) throw_error(p.name, "vmap of " + p.name + " is not implemented");
  auto [outs, odims] = p.batch(vals, dims, params);
  if (odims.size() != outs.size())
    throw_error(p.name, "internal: the batching rule of " + p.name + " returned " +
                            std::to_string(outs.size()) + " outputs but " +
                            std::to_string(odims.size()) + " batch dimensions");
  for (size_t i = 0; i < outs.size(); ++i)
    if (odims[i] >= outs[i].ndim() || odims[i] < -1)
      throw_error(p.name, "internal: the batching rule of " + p.name + " put the batch dimension of output " +
                              std::to_string(i) + " at " + std::to_string(odims[i]) + ", outside its rank " +
                              std::to_string(outs[i].ndim()));
  std::vector<Array> result;
  for (size_t i = 0; i < outs.size(); ++i) result.push_back(make(std::move(outs[i]), odims[i]));
  return result;
}

}  // namespace jx::interp
