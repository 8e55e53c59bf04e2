// Execution plans: each equation becomes a step that calls its primitive's
// eager kernel directly (no trace dispatch); values are dropped right after
// their last use, and an elementwise step writes into a dying input's buffer
// when nothing else holds it (buffer reuse by liveness, and donation).
#include "compiler/executable.h"

#include <sstream>
#include <unordered_map>

#include "compiler/passes.h"

namespace jx::compiler {

std::shared_ptr<const Executable> Executable::compile(ClosedJaxpr traced, std::string name,
                                                      std::vector<bool> donated) {
  auto exe = std::shared_ptr<Executable>(new Executable());
  exe->traced_ = traced;
  exe->name_ = std::move(name);
  donated.resize(traced.jaxpr.invars.size(), false);
  exe->donated_ = donated;
  optimize(traced);
  exe->optimized_ = std::move(traced);
  const Jaxpr& j = exe->optimized_.jaxpr;
  // Last use of each var (outvars live to the end).
  std::unordered_map<int, size_t> last;
  for (size_t k = 0; k < j.eqns.size(); ++k)
    for (const Atom& a : j.eqns[k].inputs)
      if (!a.is_literal()) last[a.var] = k;
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) last[a.var] = j.eqns.size();
  for (size_t k = 0; k < j.eqns.size(); ++k) {
    const Eqn& e = j.eqns[k];
    Step s{e.prim, e.params, e.inputs, e.outputs, {}};
    for (const Atom& a : e.inputs)
      if (!a.is_literal() && last[a.var] == k &&
          std::find(s.free_after.begin(), s.free_after.end(), a.var) == s.free_after.end())
        s.free_after.push_back(a.var);
    for (const Atom& a : e.inputs) exe->cost_.bytes_accessed += double(j.aval_of(a).size() * j.aval_of(a).dtype.itemsize());
    for (int o : e.outputs) {
      const Aval& av = j.avals[size_t(o)];
      exe->cost_.bytes_accessed += double(av.size() * av.dtype.itemsize());
      if (e.prim->elementwise) exe->cost_.flops += double(av.size());
    }
    if (e.prim->name.rfind("reduce_", 0) == 0) exe->cost_.flops += double(j.aval_of(e.inputs[0]).size());
    exe->steps_.push_back(std::move(s));
  }
  return exe;
}

std::vector<Array> Executable::run(std::span<const Array> args) const {
  return run_owned(std::vector<Array>(args.begin(), args.end()));
}

std::vector<Array> Executable::run_owned(std::vector<Array>&& args) const {
  const Jaxpr& j = optimized_.jaxpr;
  if (args.size() != j.invars.size())
    throw_error(name_, "expected " + std::to_string(j.invars.size()) + " arguments, got " +
                           std::to_string(args.size()));
  std::vector<Array> env(j.avals.size());
  for (size_t i = 0; i < j.constvars.size(); ++i) env[size_t(j.constvars[i])] = optimized_.consts[i];
  for (size_t i = 0; i < args.size(); ++i) env[size_t(j.invars[i])] = std::move(args[i]);
  args.clear();
  std::vector<Array> in, outs;
  for (const Step& s : steps_) {
    in.clear();
    for (const Atom& a : s.inputs) in.push_back(a.is_literal() ? a.literal : env[size_t(a.var)]);
    // Reuse a dying input's buffer for an elementwise output of the same size
    // when no one else can see it (the env holds the only reference).
    Array reuse;
    if (s.prim->elementwise && s.outputs.size() == 1) {
      const Aval& oa = j.avals[size_t(s.outputs[0])];
      int64_t bytes = oa.size() * oa.dtype.itemsize();
      for (size_t i = 0; i < s.inputs.size() && !reuse.defined(); ++i) {
        const Atom& a = s.inputs[i];
        if (a.is_literal() || bytes < 4096) continue;
        if (std::find(s.free_after.begin(), s.free_after.end(), a.var) == s.free_after.end()) continue;
        const Array& x = env[size_t(a.var)];
        const auto& impl = x.impl_ptr();
        // env + `in` hold two references to the impl; nobody else may.
        if (impl.use_count() == 2 && impl->buffer && impl->buffer.use_count() == 1 &&
            x.nbytes() == bytes)
          reuse = make_view(oa, x.device(), impl->buffer);
      }
    }
    if (reuse.defined()) {
      outs.assign(1, reuse);
      s.prim->impl(in, outs, s.params);
      ++reused_buffers;
    } else {
      outs = eval_primitive(*s.prim, in, s.params);
    }
    for (size_t i = 0; i < s.outputs.size(); ++i) env[size_t(s.outputs[i])] = std::move(outs[i]);
    for (int v : s.free_after) env[size_t(v)] = Array();
  }
  std::vector<Array> result;
  for (const Atom& a : j.outvars) result.push_back(a.is_literal() ? a.literal : env[size_t(a.var)]);
  return result;
}

std::string Executable::as_text() const {
  std::ostringstream os;
  os << "# executable " << name_ << ": " << steps_.size() << " steps, " << cost_.flops
     << " flops, " << cost_.bytes_accessed << " bytes accessed\n";
  os << "# optimized jaxpr\n" << optimized_.str() << "\n# plan\n";
  for (size_t k = 0; k < steps_.size(); ++k) {
    const Step& s = steps_[k];
    os << k << ": " << s.prim->name << (s.prim->elementwise ? " (eager kernel, in-place capable)" : " (eager kernel)");
    if (!s.free_after.empty()) {
      os << "  frees";
      for (int v : s.free_after) os << " %" << v;
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace jx::compiler
