// The JIT: one process-wide ORC LLJIT for the host CPU. A kernel is
// rendered into its own module, optimized with the O3 pipeline (the target
// machine's cost model drives the vectorizers), compiled to an object file
// and added to a fresh JITDylib, so freshly compiled and disk-cached code
// load the same way and every object may use the same symbol names.
#include <dlfcn.h>
#include <link.h>
#include <llvm/Analysis/LoopAccessAnalysis.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <future>
#include <mutex>
#include <unordered_map>

#include "backend/cpu/llvm/codegen.h"
#include "backend/cpu/llvm/disk_cache.h"
#include "backend/cpu/llvm/render.h"
#include "backend/cpu/thread_pool.h"
#include "jx/error.h"

#ifndef JX_LLVM_VERSION
#define JX_LLVM_VERSION LLVM_VERSION_STRING
#endif
#ifndef JX_VERSION
#define JX_VERSION "unknown"
#endif

namespace jx::cpu::llvm_backend {
namespace kir = compiler::kir;
namespace orc = llvm::orc;

namespace {

constexpr const char* kSymbol = "jx_kernel";

[[noreturn]] void fail(const std::string& what) { throw_error("codegen", what); }

std::string take(llvm::Error e) {
  std::string s;
  llvm::handleAllErrors(std::move(e),
                        [&](const llvm::ErrorInfoBase& info) { s += info.message(); });
  return s;
}

struct Engine {
  std::unique_ptr<orc::LLJIT> jit;
  std::unique_ptr<orc::JITTargetMachineBuilder> jtmb;
  std::string cpu;  // "name +f1,-f2,..."
  std::mutex jit_mu;
  uint64_t next_dylib = 0;

  std::mutex mu;  // memo, stats, cache dir
  std::unordered_map<std::string, std::shared_future<std::shared_ptr<const CompiledKernel>>> memo;
  CodegenStats stats;
  std::string cache_dir;
};

std::string default_cache_dir() {
  const char* off = std::getenv("JX_DISABLE_DISK_CACHE");
  if (off && std::string(off) != "" && std::string(off) != "0") return "";
  if (const char* d = std::getenv("JX_CACHE_DIR")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/jx";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/jx";
  return "";
}

Engine& engine() {
  static Engine* e = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // Many loads and stores per loop: allow more run-time overlap checks
    // than LLVM's default 8 before giving up on vectorizing (buffers may
    // alias, so the vectorizer must check).
    llvm::VectorizerParams::RuntimeMemoryCheckThreshold = 64;
    // No vectorized epilogue loop: it doubles the code of every loop (and
    // the compile time) for a remainder of at most one vector.
    // (Set on the registered option itself: parsing an argv could exit the
    // process on a conflict with another LLVM user.)
    auto& opts = llvm::cl::getRegisteredOptions();
    if (auto it = opts.find("enable-epilogue-vectorization"); it != opts.end())
      it->second->addOccurrence(0, "enable-epilogue-vectorization", "false");
    auto* en = new Engine;  // never destroyed: compiled code lives for the process
    auto jtmb = orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) fail("cannot detect the host CPU: " + take(jtmb.takeError()));
    jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
    en->jtmb = std::make_unique<orc::JITTargetMachineBuilder>(*jtmb);
    auto jit = orc::LLJITBuilder().setJITTargetMachineBuilder(*jtmb).create();
    if (!jit) fail("cannot create the LLVM JIT: " + take(jit.takeError()));
    en->jit = std::move(*jit);
    en->cpu = jtmb->getCPU() + " " + jtmb->getFeatures().getString();
    en->cache_dir = default_cache_dir();
    return en;
  }();
  return *e;
}

// Identifies the jx binary that holds this code generator: its GNU build
// id, else its size and mtime. A rebuilt code generator (a changed
// polynomial, say) must not load objects compiled by an older one.
std::string jx_build_id() {
  struct Ctx {
    uintptr_t addr;
    std::string id;
  } ctx{reinterpret_cast<uintptr_t>(&jx_build_id), ""};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* c = static_cast<Ctx*>(data);
        bool mine = false;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
          mine = mine || (ph.p_type == PT_LOAD && c->addr >= lo && c->addr < lo + ph.p_memsz);
        }
        if (!mine) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          auto* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            auto* n = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const auto* desc =
                reinterpret_cast<const unsigned char*>(name + ((n->n_namesz + 3) & ~3u));
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && std::string(name, 3) == "GNU") {
              static const char* hex = "0123456789abcdef";
              for (unsigned j = 0; j < n->n_descsz; ++j) {
                c->id += hex[desc[j] >> 4];
                c->id += hex[desc[j] & 15];
              }
              return 1;
            }
            p = reinterpret_cast<const char*>(desc) + ((n->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &ctx);
  if (!ctx.id.empty()) return ctx.id;
  Dl_info info;
  struct stat st;
  if (dladdr(reinterpret_cast<void*>(&jx_build_id), &info) && info.dli_fname &&
      ::stat(info.dli_fname, &st) == 0)
    return std::to_string(st.st_size) + "@" + std::to_string(st.st_mtime);
  return "unknown";
}

std::string cache_key(const std::string& text) {
  Engine& en = engine();
  static const std::string build = jx_build_id();
  return text + "\ncpu " + en.cpu + "\nllvm " + JX_LLVM_VERSION + "\njx " + JX_VERSION + " build " +
         build + "\n";
}

// Render + O3 for one kernel, into `mod` (whose context the caller owns).
void optimized_module(const kir::Kernel& k, llvm::TargetMachine& tm, llvm::Module& mod) {
  mod.setDataLayout(tm.createDataLayout());
  mod.setTargetTriple(tm.getTargetTriple().str());
  render_kernel(k, mod, kSymbol);
  for (llvm::Function& f : mod) {
    if (f.isDeclaration()) continue;
    f.addFnAttr("target-cpu", tm.getTargetCPU());
    f.addFnAttr("target-features", tm.getTargetFeatureString());
    // Full-width vectors on AVX-512 hosts: LLVM defaults some of them to
    // 256 bits, which halves the throughput of the polynomial math.
    if (tm.getTargetFeatureString().contains("+avx512f")) f.addFnAttr("prefer-vector-width", "512");
  }
  std::string verr;
  llvm::raw_string_ostream vos(verr);
  if (llvm::verifyModule(mod, &vos)) fail("invalid LLVM IR for kernel " + k.name + ": " + verr);

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = true;
  pto.SLPVectorization = true;
  pto.LoopUnrolling = true;
  llvm::PassBuilder pb(&tm, pto);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(mod, mam);
}

std::unique_ptr<llvm::TargetMachine> target_machine() {
  auto tm = engine().jtmb->createTargetMachine();
  if (!tm) fail("cannot create a target machine: " + take(tm.takeError()));
  return std::move(*tm);
}

// Render + O3 + object emission for one kernel. The IR text is not printed
// here (it costs as much as a third of a compile); llvm_ir_text() makes it
// on demand.
CacheEntry compile_object(const kir::Kernel& k) {
  auto tm = target_machine();
  llvm::LLVMContext ctx;
  llvm::Module mod("jx_kernel", ctx);
  optimized_module(k, *tm, mod);
  CacheEntry out;
  llvm::SmallVector<char, 0> obj;
  llvm::raw_svector_ostream os(obj);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
    fail("the target cannot emit object files");
  pm.run(mod);
  out.object.assign(obj.begin(), obj.end());
  return out;
}

// Loads an object into its own JITDylib and looks up the entry points.
std::shared_ptr<CompiledKernel> load_object(const kir::Kernel& k, const CacheEntry& e) {
  Engine& en = engine();
  std::lock_guard lock(en.jit_mu);
  auto jd = en.jit->createJITDylib("jx_kernel_" + std::to_string(en.next_dylib++));
  if (!jd) fail("cannot create a JITDylib: " + take(jd.takeError()));
  auto buf = llvm::MemoryBuffer::getMemBufferCopy(e.object, "jx_kernel.o");
  if (auto err = en.jit->addObjectFile(*jd, std::move(buf)))
    fail("cannot load kernel code: " + take(std::move(err)));
  auto ck = std::make_shared<CompiledKernel>();
  auto sym = en.jit->lookup(*jd, kSymbol);
  if (!sym) fail("kernel symbol missing: " + take(sym.takeError()));
  ck->fn = sym->toPtr<KernelFn>();
  if (k.num_reduced == 0) {
    auto pts = en.jit->lookup(*jd, std::string(kSymbol) + "_points");
    if (!pts) fail("kernel symbol missing: " + take(pts.takeError()));
    ck->points_fn = pts->toPtr<KernelFn>();
  }
  return ck;
}

// Disk cache lookup, else compile (and store); counts in stats.
std::shared_ptr<const CompiledKernel> build(const kir::Kernel& k, const std::string& text) {
  Engine& en = engine();
  std::string dir;
  {
    std::lock_guard lock(en.mu);
    dir = en.cache_dir;
  }
  std::string key = cache_key(text);
  if (!dir.empty()) {
    CacheEntry e;
    CacheLoad r = disk_cache_load(dir, key, e);
    if (r == CacheLoad::kHit) {
      try {
        auto ck = load_object(k, e);
        ck->from_disk_cache = true;
        std::lock_guard lock(en.mu);
        ++en.stats.disk_hits;
        return ck;
      } catch (const Error&) {
        r = CacheLoad::kCorrupt;  // a well-formed file whose object does not load
      }
    }
    if (r == CacheLoad::kCorrupt) {
      std::lock_guard lock(en.mu);
      ++en.stats.disk_corrupt;
    }
  }
  CacheEntry e = compile_object(k);
  auto ck = load_object(k, e);
  bool wrote = !dir.empty() && disk_cache_store(dir, key, e);
  std::lock_guard lock(en.mu);
  ++en.stats.compiled;
  if (wrote) ++en.stats.disk_writes;
  return ck;
}

}  // namespace

std::string llvm_ir_text(const kir::Kernel& k) {
  k.verify();
  auto tm = target_machine();
  llvm::LLVMContext ctx;
  llvm::Module mod("jx_kernel", ctx);
  optimized_module(k, *tm, mod);
  std::string text;
  llvm::raw_string_ostream os(text);
  mod.print(os, nullptr);
  return text;
}

std::shared_ptr<const CompiledKernel> compile_kernel(const kir::Kernel& k) {
  k.verify();
  for (const kir::Param& p : k.params)
    if (!kir::supports_dtype(p.dtype))
      fail("kernel " + k.name + ": unsupported dtype " + std::string(p.dtype.name()));
  Engine& en = engine();
  std::string text = k.str();
  std::promise<std::shared_ptr<const CompiledKernel>> promise;
  std::unique_lock lock(en.mu);
  if (auto it = en.memo.find(text); it != en.memo.end()) {
    ++en.stats.memory_hits;
    auto fut = it->second;
    lock.unlock();
    return fut.get();  // may wait for another thread's compile
  }
  en.memo.emplace(text, promise.get_future().share());
  lock.unlock();
  try {
    auto ck = build(k, text);
    promise.set_value(ck);
    return ck;
  } catch (...) {
    promise.set_exception(std::current_exception());
    lock.lock();
    en.memo.erase(text);  // a later call retries
    throw;
  }
}

std::vector<std::shared_ptr<const CompiledKernel>> compile_kernels(
    std::span<const kir::Kernel> ks) {
  std::vector<std::shared_ptr<const CompiledKernel>> out(ks.size());
  std::vector<std::exception_ptr> errs(ks.size());
  // Kernels compile independently (own module and context), so they run in
  // parallel on the pool; identical kernels still compile once.
  cpu::parallel_for(int64_t(ks.size()), [&](int64_t i) {
    try {
      out[size_t(i)] = compile_kernel(ks[size_t(i)]);
    } catch (...) {
      errs[size_t(i)] = std::current_exception();
    }
  });
  for (auto& e : errs)
    if (e) std::rethrow_exception(e);
  return out;
}

void run_kernel(const CompiledKernel& ck, const kir::Kernel& k, char** buffers) {
  constexpr int64_t kParallelPoints = 1 << 16;
  int64_t rows = k.rows(), n = k.row_size();
  if (rows * n < kParallelPoints || cpu::num_threads() <= 1) {
    ck.fn(buffers, 0, rows);
    return;
  }
  if (ck.points_fn) {
    cpu::parallel_chunks(rows * n, kParallelPoints,
                         [&](int64_t lo, int64_t hi) { ck.points_fn(buffers, lo, hi); });
    return;
  }
  int64_t grain = std::max<int64_t>(1, kParallelPoints / n);
  cpu::parallel_chunks(rows, grain, [&](int64_t lo, int64_t hi) { ck.fn(buffers, lo, hi); });
}

CodegenStats codegen_stats() {
  Engine& en = engine();
  std::lock_guard lock(en.mu);
  return en.stats;
}

void set_disk_cache_dir(std::string dir) {
  Engine& en = engine();
  std::lock_guard lock(en.mu);
  en.cache_dir = std::move(dir);
}

std::string disk_cache_dir() {
  Engine& en = engine();
  std::lock_guard lock(en.mu);
  return en.cache_dir;
}

std::string host_cpu_description() { return engine().cpu; }

void clear_memory_cache_for_testing() {
  Engine& en = engine();
  std::lock_guard lock(en.mu);
  en.memo.clear();
}

}  // namespace jx::cpu::llvm_backend
