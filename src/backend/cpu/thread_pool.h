// A persistent thread pool for the eager kernels. parallel_for splits work
// into chunks whose boundaries depend only on the problem size, never on the
// number of threads, so results are bit-identical for any thread count.
#pragma once

#include <cstdint>
#include <functional>

namespace jx::cpu {

/// Threads used by kernels: JX_NUM_THREADS, else the hardware concurrency.
int num_threads();
/// Changes the thread count (1 = run everything on the caller; 0 = default).
void set_num_threads(int n);

/// Runs fn(i) for i in [0, n) across the pool; the caller takes part. Each
/// index runs exactly once; fn must not throw.
void parallel_for(int64_t n, const std::function<void(int64_t)>& fn);

/// Runs fn(begin, end) over [0, n) in chunks of `grain` elements, in parallel
/// when n is large enough to pay for it.
void parallel_chunks(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace jx::cpu
