// Execution plans: the optimized jaxpr is split by the fusion pass into fused
// kernels (compiled to native code by the LLVM backend) and equations that
// call their primitive's eager kernel directly (no trace dispatch). Values
// are dropped right after their last use, and an output is written into a
// dying input's buffer when nothing else holds it (buffer reuse by liveness,
// and donation).
//
// Environment switches (for debugging and comparisons):
//   JX_DISABLE_FUSION=1   every equation runs its eager kernel
//   JX_KERNEL_INTERPRET=1 fused kernels run in the kernel IR's interpreter
//   JX_MIN_FUSED_POINTS=N kernels over fewer points run eagerly (default 4096)
//   JX_PROFILE_STEPS=1    prints each step's wall time to stderr after a run
#include "compiler/executable.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <unordered_map>

#include "backend/cpu/llvm/codegen.h"
#include "compiler/passes.h"

namespace jx::compiler {
namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::string(v) != "0";
}

// Output param q may reuse input param p's buffer when every load of p reads
// the element that the (single) store of q writes at the same point, and the
// sizes match.
std::vector<int> reusable_inputs(const kir::Kernel& k) {
  int nin = k.num_inputs();
  std::vector<int> out(size_t(k.num_outputs()), -1);
  std::vector<bool> taken(size_t(nin), false);
  for (int q = 0; q < k.num_outputs(); ++q) {
    const kir::Store* store = nullptr;
    int nstores = 0;
    for (const kir::Store& s : k.stores)
      if (s.param == nin + q) store = &s, ++nstores;
    if (nstores != 1) continue;
    const kir::Param& qp = k.params[size_t(nin + q)];
    for (int p = 0; p < nin && out[size_t(q)] < 0; ++p) {
      const kir::Param& pp = k.params[size_t(p)];
      if (taken[size_t(p)] || pp.size != qp.size || pp.dtype.itemsize() != qp.dtype.itemsize())
        continue;
      bool same = true, loaded = false;
      for (const kir::Node& n : k.nodes) {
        if (n.kind != kir::NodeKind::Load || n.param != p) continue;
        loaded = true;
        same = same && n.offset == store->offset && n.strides == store->strides;
      }
      if (same && loaded) {
        out[size_t(q)] = p;
        taken[size_t(p)] = true;
      }
    }
  }
  return out;
}

}  // namespace

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

  FusionPlan plan;
  if (env_flag("JX_DISABLE_FUSION")) {
    for (size_t k = 0; k < j.eqns.size(); ++k) plan.order.push_back({false, k});
  } else {
    plan = plan_fusion(j);
    // Kernels over few points run as their eager equations: generated code
    // would not be faster there, and each kernel costs ~10-20 ms of LLVM
    // time to compile (half the kernels of a training step are this small:
    // losses over [batch, classes], bias updates).
    static const int64_t min_points = [] {
      const char* v = std::getenv("JX_MIN_FUSED_POINTS");
      return v && *v ? std::atoll(v) : int64_t(4096);
    }();
    FusionPlan kept;
    for (const FusionPlan::Item& it : plan.order) {
      if (!it.is_kernel) {
        kept.order.push_back(it);
        continue;
      }
      FusedKernel& fk = plan.kernels[it.index];
      if (fk.kernel.domain.numel() < min_points) {
        for (size_t e : fk.eqns) kept.order.push_back({false, e});  // ascending = topological
        continue;
      }
      kept.order.push_back({true, kept.kernels.size()});
      kept.kernels.push_back(std::move(fk));
    }
    plan = std::move(kept);
  }
  std::vector<kir::Kernel> kernels;
  for (const FusedKernel& fk : plan.kernels) kernels.push_back(fk.kernel);
  std::vector<std::shared_ptr<const cpu::llvm_backend::CompiledKernel>> code;
  if (!kernels.empty() && !env_flag("JX_KERNEL_INTERPRET"))
    code = cpu::llvm_backend::compile_kernels(kernels);
  for (size_t i = 0; i < plan.kernels.size(); ++i) {
    Kernel k;
    k.reusable_input = reusable_inputs(plan.kernels[i].kernel);
    k.fused = std::move(plan.kernels[i]);
    if (!code.empty()) k.code = code[i];
    exe->kernels_.push_back(std::move(k));
  }

  for (const FusionPlan::Item& it : plan.order) {
    Step s;
    if (it.is_kernel) {
      const Kernel& k = exe->kernels_[it.index];
      s.kernel = int(it.index);
      for (int v : k.fused.inputs) s.inputs.push_back(Atom::of_var(v));
      s.outputs = k.fused.outputs;
      for (const kir::Param& p : k.fused.kernel.params)
        exe->cost_.bytes_accessed += double(p.size * p.dtype.itemsize());
      for (size_t e : k.fused.eqns) {
        const Eqn& eq = j.eqns[e];
        if (eq.prim->elementwise) exe->cost_.flops += double(j.avals[size_t(eq.outputs[0])].size());
        if (eq.prim->name.rfind("reduce_", 0) == 0)
          exe->cost_.flops += double(j.aval_of(eq.inputs[0]).size());
      }
    } else {
      const Eqn& e = j.eqns[it.index];
      s.prim = e.prim;
      s.params = e.params;
      s.inputs = e.inputs;
      s.outputs = e.outputs;
      for (const Atom& a : e.inputs)
        exe->cost_.bytes_accessed += double(j.aval_of(a).size() * j.aval_of(a).dtype.itemsize());
      for (int o : e.outputs) {
        const Aval& av = j.avals[size_t(o)];
        exe->cost_.bytes_accessed += double(av.size() * av.dtype.itemsize());
        if (e.prim->elementwise) exe->cost_.flops += double(av.size());
      }
      if (e.prim->name.rfind("reduce_", 0) == 0)
        exe->cost_.flops += double(j.aval_of(e.inputs[0]).size());
    }
    exe->steps_.push_back(std::move(s));
  }
  // Last use of each var, in step order (outvars live to the end).
  std::unordered_map<int, size_t> last;
  for (size_t k = 0; k < exe->steps_.size(); ++k)
    for (const Atom& a : exe->steps_[k].inputs)
      if (!a.is_literal()) last[a.var] = k;
  for (const Atom& a : j.outvars)
    if (!a.is_literal()) last[a.var] = exe->steps_.size();
  for (size_t k = 0; k < exe->steps_.size(); ++k) {
    Step& s = exe->steps_[k];
    for (const Atom& a : s.inputs)
      if (!a.is_literal() && last[a.var] == k &&
          std::find(s.free_after.begin(), s.free_after.end(), a.var) == s.free_after.end())
        s.free_after.push_back(a.var);
  }
  return exe;
}

std::vector<Array> Executable::run(std::span<const Array> args) const {
  return run_owned(std::vector<Array>(args.begin(), args.end()));
}

namespace {

// The env holds the only reference to x's impl and buffer (plus `extra_refs`
// references to the impl held by the caller).
bool sole_owner(const Array& x, long extra_refs) {
  const auto& impl = x.impl_ptr();
  return impl.use_count() == 1 + extra_refs && impl->buffer && impl->buffer.use_count() == 1;
}

}  // namespace

void Executable::run_kernel_step(const Step& s, std::vector<Array>& env) const {
  const Jaxpr& j = optimized_.jaxpr;
  const Kernel& k = kernels_[size_t(s.kernel)];
  const kir::Kernel& K = k.fused.kernel;
  size_t nin = s.inputs.size();
  char* bufs_small[16];
  std::vector<char*> bufs_big;
  char** bufs = bufs_small;
  if (K.params.size() > 16) {
    bufs_big.resize(K.params.size());
    bufs = bufs_big.data();
  }
  Device dev = nin ? env[size_t(s.inputs[0].var)].device() : default_device();
  for (size_t i = 0; i < nin; ++i) {
    const Array& x = env[size_t(s.inputs[i].var)];
    bufs[i] = static_cast<char*>(x.impl().buffer->data());
  }
  Array outs_small[8];
  std::vector<Array> outs_big;
  Array* outs = outs_small;
  if (s.outputs.size() > 8) {
    outs_big.resize(s.outputs.size());
    outs = outs_big.data();
  }
  for (size_t q = 0; q < s.outputs.size(); ++q) {
    const Aval& oa = j.avals[size_t(s.outputs[q])];
    int p = k.reusable_input[q];
    if (p >= 0) {
      int v = s.inputs[size_t(p)].var;
      const Array& x = env[size_t(v)];
      bool dies = std::find(s.free_after.begin(), s.free_after.end(), v) != s.free_after.end();
      if (dies && x.nbytes() >= 4096 && sole_owner(x, 0)) {
        outs[q] = make_view(oa, x.device(), x.impl().buffer);
        ++reused_buffers;
      }
    }
    if (!outs[q].defined()) outs[q] = make_uninit(oa, dev);
    bufs[nin + q] = static_cast<char*>(outs[q].impl().buffer->data());
  }
  if (k.code)
    cpu::llvm_backend::run_kernel(*k.code, K, bufs);
  else
    kir::interpret(K, bufs, 0, K.rows());
  for (size_t q = 0; q < s.outputs.size(); ++q) env[size_t(s.outputs[q])] = std::move(outs[q]);
}

std::vector<Array> Executable::run_owned(std::vector<Array>&& args) const {
  const Jaxpr& j = optimized_.jaxpr;
  if (args.size() != j.invars.size())
    throw_error(name_, "expected " + std::to_string(j.invars.size()) + " arguments, got " +
                           std::to_string(args.size()));
  std::vector<Array> env(j.avals.size());
  for (size_t i = 0; i < j.constvars.size(); ++i)
    env[size_t(j.constvars[i])] = optimized_.consts[i];
  for (size_t i = 0; i < args.size(); ++i) env[size_t(j.invars[i])] = std::move(args[i]);
  args.clear();
  std::vector<Array> in, outs;
  static const bool profile = env_flag("JX_PROFILE_STEPS");
  std::vector<double> times;
  std::chrono::steady_clock::time_point t_last;
  if (profile) t_last = std::chrono::steady_clock::now();
  auto tick = [&] {
    if (!profile) return;
    auto t = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t - t_last).count());
    t_last = t;
  };
  for (const Step& s : steps_) {
    if (s.kernel >= 0) {
      run_kernel_step(s, env);
      for (int v : s.free_after) env[size_t(v)] = Array();
      tick();
      continue;
    }
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
        if (std::find(s.free_after.begin(), s.free_after.end(), a.var) == s.free_after.end())
          continue;
        const Array& x = env[size_t(a.var)];
        // env + `in` hold two references to the impl; nobody else may.
        if (sole_owner(x, 1) && x.nbytes() == bytes)
          reuse = make_view(oa, x.device(), x.impl().buffer);
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
    tick();
  }
  if (profile) {
    std::ostringstream os;
    os << "[jx] profile " << name_ << ":";
    for (size_t k = 0; k < steps_.size(); ++k) {
      const Step& s = steps_[k];
      os << "\n  " << k << " "
         << (s.kernel >= 0 ? kernels_[size_t(s.kernel)].fused.kernel.name : s.prim->name);
      if (s.prim && s.prim->name == "dot_general")
        for (const Atom& a : s.inputs) os << " " << j.aval_of(a).str();
      os << ": " << times[k] << " ms";
    }
    std::cerr << os.str() << "\n";
  }
  std::vector<Array> result;
  for (const Atom& a : j.outvars) result.push_back(a.is_literal() ? a.literal : env[size_t(a.var)]);
  return result;
}

std::string Executable::as_text() const {
  std::ostringstream os;
  os << "# executable " << name_ << ": " << steps_.size() << " steps (" << kernels_.size()
     << " fused kernels), " << cost_.flops << " flops, " << cost_.bytes_accessed
     << " bytes accessed\n";
  os << "# optimized jaxpr\n" << optimized_.str() << "\n# plan\n";
  for (size_t k = 0; k < steps_.size(); ++k) {
    const Step& s = steps_[k];
    os << k << ": ";
    if (s.kernel >= 0) {
      const Kernel& kn = kernels_[size_t(s.kernel)];
      os << kn.fused.kernel.name << " (fused kernel:";
      for (size_t e : kn.fused.eqns) os << " " << optimized_.jaxpr.eqns[e].prim->name;
      os << ")";
    } else {
      os << s.prim->name
         << (s.prim->elementwise ? " (eager kernel, in-place capable)" : " (eager kernel)");
    }
    if (!s.free_after.empty()) {
      os << "  frees";
      for (int v : s.free_after) os << " %" << v;
    }
    os << "\n";
  }
  for (const Kernel& kn : kernels_) {
    os << "\n# " << kn.fused.kernel.name << ": kernel IR\n" << kn.fused.kernel.str();
    if (kn.code)
      os << "# " << kn.fused.kernel.name << ": LLVM IR\n"
         << cpu::llvm_backend::llvm_ir_text(kn.fused.kernel);
  }
  return os.str();
}

}  // namespace jx::compiler
