// The pooling allocator behind every buffer. Freed blocks are cached by size
// class and handed out again, so steady-state eager code and benchmarks do not
// pay for page faults. A spin lock guards the pool: the critical sections are a
// few loads and stores.
#include <atomic>
#include <bit>
#include <mutex>
#include <cstdlib>
#include <map>
#include <new>
#include <vector>

#include "jx/device.h"

namespace jx {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCached = size_t(4) << 30;  // keep at most 4 GiB of freed blocks

class SpinLock {
 public:
  void lock() {
    while (flag_.test_and_set(std::memory_order_acquire))
      while (flag_.test(std::memory_order_relaxed)) {
      }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

 private:
  std::atomic_flag flag_;
};

// Size classes: multiples of 64 bytes up to 1 KiB, then powers of two up to
// 1 MiB, then multiples of 64 KiB (large blocks are reused by exact class).
size_t size_class(size_t n) {
  if (n == 0) n = 1;
  if (n <= 1024) return (n + 63) & ~size_t(63);
  if (n <= (size_t(1) << 20)) return std::bit_ceil(n);
  return (n + 65535) & ~size_t(65535);
}

struct Pool {
  SpinLock lock;
  std::map<size_t, std::vector<void*>> free_lists;
  MemoryStats stats;

  void* get(size_t cls) {
    {
      std::lock_guard<SpinLock> g(lock);
      ++stats.num_allocs;
      stats.bytes_in_use += cls;
      if (stats.bytes_in_use > stats.peak_bytes_in_use) stats.peak_bytes_in_use = stats.bytes_in_use;
      auto it = free_lists.find(cls);
      if (it != free_lists.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats.bytes_cached -= cls;
        ++stats.num_reused;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlign, cls);
    if (!p) throw std::bad_alloc();
    return p;
  }

  void put(void* p, size_t cls) {
    {
      std::lock_guard<SpinLock> g(lock);
      stats.bytes_in_use -= cls;
      if (stats.bytes_cached + cls <= kMaxCached) {
        free_lists[cls].push_back(p);
        stats.bytes_cached += cls;
        return;
      }
    }
    std::free(p);
  }

  void clear() {
    std::map<size_t, std::vector<void*>> lists;
    {
      std::lock_guard<SpinLock> g(lock);
      lists.swap(free_lists);
      stats.bytes_cached = 0;
    }
    for (auto& [cls, v] : lists)
      for (void* p : v) std::free(p);
  }
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: buffers may outlive statics
  return *p;
}

}  // namespace

Buffer::~Buffer() { pool().put(data_, size_class(nbytes_)); }

std::shared_ptr<Buffer> allocate_buffer(size_t nbytes, Device device) {
  void* p = pool().get(size_class(nbytes));
  return std::make_shared<Buffer>(p, nbytes, device);
}

MemoryStats memory_stats() {
  Pool& p = pool();
  std::lock_guard<SpinLock> g(p.lock);
  return p.stats;
}

void clear_memory_cache() { pool().clear(); }

}  // namespace jx
