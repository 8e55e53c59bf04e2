// The on-disk cache of compiled kernels (internal): one file per key,
// <dir>/<xxh3-128 of key>.jxk, holding a header (magic, format version,
// section sizes, xxh3-64 checksum of everything after the header), the full
// key (checked on load, so a hash collision is a miss), the object file and
// the optimized LLVM IR text. Writes go to a temporary file in the same
// directory and are renamed into place, so readers in other processes see
// either no file or a complete one.
#pragma once

#include <string>

namespace jx::cpu::llvm_backend {

struct CacheEntry {
  std::string object;   ///< relocatable object file bytes
  std::string llvm_ir;  ///< optimized LLVM IR text
};

enum class CacheLoad { kMiss, kHit, kCorrupt };

/// The file that holds `key` in `dir`.
std::string disk_cache_path(const std::string& dir, const std::string& key);
/// Reads the entry for `key`: kMiss when absent, kCorrupt when the file is
/// truncated, has a bad magic/version/checksum or another key.
CacheLoad disk_cache_load(const std::string& dir, const std::string& key, CacheEntry& out);
/// Writes the entry atomically; false (and nothing left behind) on failure.
bool disk_cache_store(const std::string& dir, const std::string& key, const CacheEntry& e);

}  // namespace jx::cpu::llvm_backend
