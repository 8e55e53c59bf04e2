// The on-disk kernel cache: a compile writes an entry, a forgotten memo
// reloads it (same results), corrupt entries are detected and rebuilt, a
// second process reuses the cache, and concurrent compiles are safe.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "backend/cpu/llvm/disk_cache.h"
#include "backend/llvm_test_util.h"

namespace jxt::llvm_cg {
namespace {

namespace fs = std::filesystem;
namespace lb = jx::cpu::llvm_backend;
using jx::cpu::BinaryOp;
using jx::cpu::UnaryOp;

// A kernel unique to `tag` (so no other test or run has it in memory).
kir::Kernel tagged_kernel(double tag, int64_t n = 1000) {
  kir::Kernel k;
  k.name = "cache";
  k.params = {{jx::float32, n, false}, {jx::float32, n, true}};
  k.domain = {n};
  int x = kir::add_load(k, 0, jx::float32, {1});
  int c = kir::add_constant(k, jx::float32, tag);
  k.stores.push_back(
      {1, kir::add_unary(k, UnaryOp::kExp, kir::add_binary(k, BinaryOp::kMul, x, c)), 0, {1}});
  return k;
}

struct TempCacheDir {
  std::string dir, saved;
  TempCacheDir() {
    saved = lb::disk_cache_dir();
    dir = (fs::temp_directory_path() /
           ("jx_cache_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++)))
              .string();
    fs::remove_all(dir);
    lb::set_disk_cache_dir(dir);
  }
  ~TempCacheDir() {
    lb::set_disk_cache_dir(saved);
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static std::atomic<int>& counter() {
    static std::atomic<int> c{0};
    return c;
  }
  size_t entries() const {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".jxk";
    return n;
  }
};

double unique_tag() {
  static std::atomic<int> n{0};
  return 1.0 + double(::getpid() % 100000) * 1e-6 + double(n++) * 1e-9;
}

std::vector<float> run(const kir::Kernel& k, const lb::CompiledKernel& ck) {
  std::vector<float> x(size_t(k.params[0].size)), y(x.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i) * 0.01f - 3.0f;
  char* p[2] = {reinterpret_cast<char*>(x.data()), reinterpret_cast<char*>(y.data())};
  lb::run_kernel(ck, k, p);
  return y;
}

TEST(LlvmDiskCache, ReloadAfterForgettingTheMemo) {
  TempCacheDir tmp;
  kir::Kernel k = tagged_kernel(unique_tag());
  auto s0 = lb::codegen_stats();
  auto a = lb::compile_kernel(k);
  EXPECT_FALSE(a->from_disk_cache);
  EXPECT_EQ(tmp.entries(), 1u);
  auto s1 = lb::codegen_stats();
  EXPECT_EQ(s1.compiled, s0.compiled + 1);
  EXPECT_EQ(s1.disk_writes, s0.disk_writes + 1);
  EXPECT_EQ(lb::compile_kernel(k).get(), a.get());  // memo
  EXPECT_EQ(lb::codegen_stats().memory_hits, s1.memory_hits + 1);

  lb::clear_memory_cache_for_testing();
  auto b = lb::compile_kernel(k);
  auto s2 = lb::codegen_stats();
  EXPECT_TRUE(b->from_disk_cache);
  EXPECT_EQ(s2.disk_hits, s1.disk_hits + 1);
  EXPECT_EQ(s2.compiled, s1.compiled);
  EXPECT_NE(b->fn, a->fn);  // loaded again, at another address
  EXPECT_EQ(run(k, *a), run(k, *b));
}

TEST(LlvmDiskCache, CorruptEntriesAreRebuilt) {
  TempCacheDir tmp;
  kir::Kernel k = tagged_kernel(unique_tag());
  auto good = run(k, *lb::compile_kernel(k));
  fs::path file = *fs::directory_iterator(tmp.dir);
  std::string bytes;
  {
    std::ifstream f(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  auto damage = [&](const std::string& content) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
    lb::clear_memory_cache_for_testing();
    auto s0 = lb::codegen_stats();
    auto ck = lb::compile_kernel(k);
    auto s1 = lb::codegen_stats();
    EXPECT_FALSE(ck->from_disk_cache);
    EXPECT_EQ(s1.disk_corrupt, s0.disk_corrupt + 1);
    EXPECT_EQ(s1.compiled, s0.compiled + 1);
    EXPECT_EQ(s1.disk_writes, s0.disk_writes + 1);  // rewritten
    EXPECT_EQ(run(k, *ck), good);
  };
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;  // payload bit flip: checksum
  damage(flipped);
  damage(bytes.substr(0, bytes.size() - 100));  // truncated
  std::string magic = bytes;
  magic[0] = 'X';
  damage(magic);
  damage("");
  // After the last rebuild the entry is good again.
  lb::clear_memory_cache_for_testing();
  EXPECT_TRUE(lb::compile_kernel(k)->from_disk_cache);
}

TEST(LlvmDiskCache, EntryFormatRoundTripsAndChecksKey) {
  TempCacheDir tmp;
  lb::CacheEntry e{"object bytes \0 with nul", "ir text"};
  ASSERT_TRUE(lb::disk_cache_store(tmp.dir, "key one", e));
  lb::CacheEntry r;
  ASSERT_EQ(lb::disk_cache_load(tmp.dir, "key one", r), lb::CacheLoad::kHit);
  EXPECT_EQ(r.object, e.object);
  EXPECT_EQ(r.llvm_ir, e.llvm_ir);
  EXPECT_EQ(lb::disk_cache_load(tmp.dir, "key two", r), lb::CacheLoad::kMiss);
  // A file holding another key under this key's name (a hash collision).
  fs::copy_file(lb::disk_cache_path(tmp.dir, "key one"), lb::disk_cache_path(tmp.dir, "key two"));
  EXPECT_EQ(lb::disk_cache_load(tmp.dir, "key two", r), lb::CacheLoad::kCorrupt);
}

// The child half of SecondProcessReusesTheCache: compiles the kernel named by
// the environment and exits 0 only if it came from the disk cache.
TEST(LlvmDiskCache, ChildProcess) {
  const char* dir = std::getenv("JX_TEST_CHILD_CACHE_DIR");
  if (!dir) GTEST_SKIP() << "runs only as the child of SecondProcessReusesTheCache";
  lb::set_disk_cache_dir(dir);
  kir::Kernel k = tagged_kernel(std::atof(std::getenv("JX_TEST_CHILD_TAG")));
  auto ck = lb::compile_kernel(k);
  EXPECT_TRUE(ck->from_disk_cache);
  EXPECT_EQ(lb::codegen_stats().compiled, 0u);
  EXPECT_EQ(lb::codegen_stats().disk_hits, 1u);
}

TEST(LlvmDiskCache, SecondProcessReusesTheCache) {
  TempCacheDir tmp;
  double tag = unique_tag();
  lb::compile_kernel(tagged_kernel(tag));
  ASSERT_EQ(tmp.entries(), 1u);
  char tag_text[64];
  std::snprintf(tag_text, sizeof tag_text, "%.17g", tag);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setenv("JX_TEST_CHILD_CACHE_DIR", tmp.dir.c_str(), 1);
    ::setenv("JX_TEST_CHILD_TAG", tag_text, 1);
    ::execl(exe.c_str(), exe.c_str(), "--gtest_filter=LlvmDiskCache.ChildProcess",
            "--gtest_brief=1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child did not load the kernel from the disk cache";
}

TEST(LlvmDiskCache, ConcurrentCompiles) {
  TempCacheDir tmp;
  // Eight threads compile four kernels (two threads per kernel) at once.
  std::vector<kir::Kernel> ks;
  for (int i = 0; i < 4; ++i) ks.push_back(tagged_kernel(unique_tag(), 1000 + i));
  auto s0 = lb::codegen_stats();
  std::vector<std::shared_ptr<const lb::CompiledKernel>> got(8);
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&, t] { got[size_t(t)] = lb::compile_kernel(ks[size_t(t % 4)]); });
  for (auto& t : ts) t.join();
  auto s1 = lb::codegen_stats();
  EXPECT_EQ(s1.compiled, s0.compiled + 4);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(got[size_t(t)].get(), got[size_t(t) + 4].get());
  EXPECT_EQ(tmp.entries(), 4u);
  // The batch API returns the memoized ones.
  auto batch = lb::compile_kernels(ks);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(batch[size_t(t)].get(), got[size_t(t)].get());
  // Concurrent loads from disk after forgetting the memo.
  lb::clear_memory_cache_for_testing();
  ts.clear();
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&, t] { got[size_t(t)] = lb::compile_kernel(ks[size_t(t % 4)]); });
  for (auto& t : ts) t.join();
  auto s2 = lb::codegen_stats();
  EXPECT_EQ(s2.disk_hits, s1.disk_hits + 4);
  EXPECT_EQ(s2.compiled, s1.compiled);
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(run(ks[size_t(t)], *got[size_t(t)]), run(ks[size_t(t)], *got[size_t(t) + 4]));
}

TEST(LlvmDiskCache, DisabledWritesNothing) {
  std::string saved = lb::disk_cache_dir();
  lb::set_disk_cache_dir("");
  auto s0 = lb::codegen_stats();
  lb::compile_kernel(tagged_kernel(unique_tag()));
  auto s1 = lb::codegen_stats();
  lb::set_disk_cache_dir(saved);
  EXPECT_EQ(s1.disk_writes, s0.disk_writes);
  EXPECT_EQ(s1.compiled, s0.compiled + 1);
}

}  // namespace
}  // namespace jxt::llvm_cg
