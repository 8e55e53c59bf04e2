// On-disk kernel cache: see disk_cache.h for the format.
#include "backend/cpu/llvm/disk_cache.h"

#include <llvm/Support/xxhash.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace jx::cpu::llvm_backend {
namespace {

constexpr char kMagic[8] = {'J', 'X', 'K', 'C', 'A', 'C', 'H', 'E'};
constexpr uint32_t kFormat = 1;

struct Header {
  char magic[8];
  uint32_t format;
  uint32_t reserved;
  uint64_t key_len, obj_len, ir_len;
  uint64_t checksum;  // xxh3-64 of key + object + ir
};
static_assert(sizeof(Header) == 48);

uint64_t checksum(const std::string& body) {
  return llvm::xxh3_64bits(llvm::StringRef(body.data(), body.size()));
}

}  // namespace

std::string disk_cache_path(const std::string& dir, const std::string& key) {
  llvm::XXH128_hash_t h = llvm::xxh3_128bits(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  char name[40];
  std::snprintf(name, sizeof name, "%016llx%016llx", (unsigned long long)h.high64,
                (unsigned long long)h.low64);
  return (std::filesystem::path(dir) / (std::string(name) + ".jxk")).string();
}

CacheLoad disk_cache_load(const std::string& dir, const std::string& key, CacheEntry& out) {
  std::ifstream f(disk_cache_path(dir, key), std::ios::binary);
  if (!f) return CacheLoad::kMiss;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string data = ss.str();
  Header h;
  if (data.size() < sizeof h) return CacheLoad::kCorrupt;
  std::memcpy(&h, data.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, 8) != 0 || h.format != kFormat) return CacheLoad::kCorrupt;
  std::string body = data.substr(sizeof h);
  if (h.key_len > body.size() || h.obj_len > body.size() || h.ir_len > body.size() ||
      h.key_len + h.obj_len + h.ir_len != body.size())
    return CacheLoad::kCorrupt;
  if (checksum(body) != h.checksum) return CacheLoad::kCorrupt;
  if (body.compare(0, h.key_len, key) != 0) return CacheLoad::kCorrupt;  // another key
  out.object = body.substr(h.key_len, h.obj_len);
  out.llvm_ir = body.substr(h.key_len + h.obj_len, h.ir_len);
  return CacheLoad::kHit;
}

bool disk_cache_store(const std::string& dir, const std::string& key, const CacheEntry& e) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return false;
  std::string body = key + e.object + e.llvm_ir;
  Header h{};
  std::memcpy(h.magic, kMagic, 8);
  h.format = kFormat;
  h.key_len = key.size();
  h.obj_len = e.object.size();
  h.ir_len = e.llvm_ir.size();
  h.checksum = checksum(body);
  std::string path = disk_cache_path(dir, key);
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f.write(body.data(), std::streamsize(body.size()));
    f.flush();
    if (!f) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, path, ec);  // atomic replace within one directory
  if (ec) {
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace jx::cpu::llvm_backend
