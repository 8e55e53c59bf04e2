// The jit cache and dispatch behind jx::jit (include/jx/jit.h).
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <unordered_map>

#include "compiler/executable.h"
#include "compiler/jit_call.h"
#include "jx/jit.h"

namespace jx {
namespace {

std::atomic<int> g_log{-1};

bool log_compiles() {
  int v = g_log.load();
  if (v < 0) {
    const char* e = std::getenv("JX_LOG_COMPILES");
    v = (e && *e && std::string(e) != "0") ? 1 : 0;
    g_log.store(v);
  }
  return v == 1;
}

struct Key {
  size_t tree_hash;
  tree::TreeDef def;
  std::vector<Aval> avals;
  std::vector<int> devices;
  bool operator==(const Key& o) const {
    return tree_hash == o.tree_hash && avals == o.avals && devices == o.devices && def == o.def;
  }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = k.tree_hash;
    for (const Aval& a : k.avals) {
      h = h * 1000003 ^ size_t(a.dtype.index()) ^ (size_t(a.weak_type) << 8);
      for (int64_t d : a.shape) h = h * 31 + size_t(d);
    }
    return h;
  }
};

std::string avals_list(const std::vector<Aval>& avals) {
  std::string s = "(";
  for (size_t i = 0; i < avals.size(); ++i) s += (i ? ", " : "") + avals[i].str() + (avals[i].weak_type ? "{weak}" : "");
  return s + ")";
}

// Why `k` missed, compared with the closest earlier key.
std::string miss_reason(const Key& k, const std::vector<Key>& seen) {
  if (seen.empty()) return "first call";
  for (const Key& o : seen) {
    if (!(o.def == k.def)) continue;
    for (size_t i = 0; i < k.avals.size() && i < o.avals.size(); ++i) {
      const Aval &a = k.avals[i], &b = o.avals[i];
      if (!(a.shape == b.shape)) return "new shape for leaf " + std::to_string(i) + ": " + a.str() + " (compiled for " + b.str() + ")";
      if (!(a.dtype == b.dtype)) return "new dtype for leaf " + std::to_string(i) + ": " + a.str() + " (compiled for " + b.str() + ")";
      if (a.weak_type != b.weak_type) return "new weak type for leaf " + std::to_string(i);
    }
    if (k.devices != o.devices) return "arguments on other devices";
  }
  return "new tree structure or static value: " + k.def.str() + " (compiled for " + seen.back().def.str() + ")";
}

}  // namespace

void set_log_compiles(bool on) { g_log.store(on ? 1 : 0); }

namespace detail {

class JitCore {
 public:
  JitCore(std::string name, std::vector<int> donate) : name(std::move(name)), donate(std::move(donate)) {}
  std::string name;
  std::vector<int> donate;
  std::mutex mu;
  std::unordered_map<Key, std::unique_ptr<JitEntry>, KeyHash> cache;
  std::vector<Key> seen;
  size_t compiles = 0;
};

std::shared_ptr<JitCore> make_jit_core(std::string name, std::vector<int> donate_argnums) {
  return std::make_shared<JitCore>(std::move(name), std::move(donate_argnums));
}

const JitEntry& jit_lookup(JitCore& core, const tree::TreeDef& def, std::span<const Array> leaves,
                           const std::function<std::pair<ClosedJaxpr, std::any>(std::span<const Aval>)>& trace) {
  Key key{def.hash(), def, {}, {}};
  key.avals.reserve(leaves.size());
  for (const Array& x : leaves) {
    key.avals.push_back(x.aval());
    key.devices.push_back(x.device().id());
  }
  {
    std::lock_guard<std::mutex> g(core.mu);
    auto it = core.cache.find(key);
    if (it != core.cache.end()) return *it->second;
  }
  // Trace and compile outside the lock; a racing thread may compile the same
  // key too, and the first to insert wins.
  auto [jaxpr, proto] = trace(key.avals);
  std::vector<bool> donated(leaves.size(), false);
  auto exe = compiler::Executable::compile(std::move(jaxpr), core.name, donated);
  std::lock_guard<std::mutex> g(core.mu);
  auto it = core.cache.find(key);
  if (it != core.cache.end()) return *it->second;
  if (log_compiles())
    std::cerr << "[jx] compiling " << core.name << " for " << avals_list(key.avals) << ": "
              << miss_reason(key, core.seen) << "\n";
  ++core.compiles;
  core.seen.push_back(key);
  auto e = std::make_unique<JitEntry>();
  e->exe = exe;
  e->out_proto = std::move(proto);
  const JitEntry& ref = *e;
  core.cache.emplace(std::move(key), std::move(e));
  return ref;
}

std::vector<Array> jit_run(JitCore& core, const JitEntry& e, std::span<const Array> leaves,
                           std::span<const size_t> leaf_arg) {
  auto exe = std::static_pointer_cast<const compiler::Executable>(e.exe);
  bool traced = false;
  for (const Array& x : leaves) traced = traced || x.is_tracer();
  if (traced || current_trace()->parent() != nullptr) {
    // Under a transformation: bind jit_call so its rules apply.
    return jx::bind(compiler::jit_call_primitive(), leaves, compiler::jit_call_params(exe));
  }
  if (core.donate.empty()) return exe->run(leaves);
  // Donation: hand the executable sole ownership of donated buffers and mark
  // the caller's arrays as donated (any later use is an error).
  std::vector<Array> args(leaves.begin(), leaves.end());
  for (size_t i = 0; i < args.size(); ++i) {
    bool donated = std::find(core.donate.begin(), core.donate.end(), int(leaf_arg[i])) != core.donate.end();
    if (!donated) continue;
    // A donated buffer must reach the program once: as JAX, refuse aliases.
    for (size_t k = 0; k < leaves.size(); ++k)
      if (k != i && leaves[k].impl().buffer && leaves[k].impl().buffer == leaves[i].impl().buffer)
        throw_error(core.name, "leaf " + std::to_string(i) + " (argument " + std::to_string(leaf_arg[i]) +
                                   ") is donated but its buffer is also passed as leaf " + std::to_string(k) +
                                   " (argument " + std::to_string(leaf_arg[k]) +
                                   "); a donated buffer can be passed only once (copy it first)");
    const Array& x = leaves[i];
    Array fresh = make_view(x.aval(), x.device(), x.impl().buffer);
    x.mark_donated();
    args[i] = fresh;
  }
  return exe->run_owned(std::move(args));
}

size_t jit_cache_size(const JitCore& core) { return core.cache.size(); }
size_t jit_num_compiles(const JitCore& core) { return core.compiles; }

std::string exe_as_text(const void* exe) { return static_cast<const compiler::Executable*>(exe)->as_text(); }
const ClosedJaxpr& exe_optimized(const void* exe) {
  return static_cast<const compiler::Executable*>(exe)->optimized();
}
CostAnalysis exe_cost(const void* exe) {
  auto c = static_cast<const compiler::Executable*>(exe)->cost_analysis();
  return CostAnalysis{c.flops, c.bytes_accessed};
}
std::vector<Array> exe_run(const void* exe, std::span<const Array> args) {
  return static_cast<const compiler::Executable*>(exe)->run(args);
}

}  // namespace detail
}  // namespace jx
