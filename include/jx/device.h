// Devices and buffers.
//
// CPU devices are real: by default one; JX_NUM_CPU_DEVICES=N makes N virtual
// CPU devices (as XLA's --xla_force_host_platform_device_count) so sharded
// programs can be tested on one machine. Buffers are 64-byte aligned and come
// from a pooling allocator whose statistics memory_stats() reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace jx {

enum class DeviceKind : uint8_t { kCpu, kCuda };

/// A device handle: a kind plus an id unique among all devices.
class Device {
 public:
  constexpr Device() = default;
  constexpr Device(DeviceKind kind, int id) : kind_(kind), id_(id) {}
  DeviceKind kind() const { return kind_; }
  int id() const { return id_; }
  /// "cpu", as jax.Device.platform.
  std::string platform() const;
  /// "CpuDevice(id=0)", as JAX prints devices.
  std::string str() const;
  bool operator==(const Device&) const = default;

 private:
  DeviceKind kind_ = DeviceKind::kCpu;
  int id_ = 0;
};

/// All devices, in id order (jax.devices()).
std::vector<Device> devices();
/// The device new arrays go to: devices()[0].
Device default_device();

/// A block of device memory, returned to the pool when the last handle drops.
class Buffer {
 public:
  Buffer(void* data, size_t nbytes, Device device)
      : data_(data), nbytes_(nbytes), device_(device) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
};

/// A new uninitialised buffer of `nbytes` (64-byte aligned) on `device`.
std::shared_ptr<Buffer> allocate_buffer(size_t nbytes, Device device);

/// Allocator statistics, summed over CPU devices (as jax Device.memory_stats()).
struct MemoryStats {
  size_t bytes_in_use = 0;       ///< bytes held by live buffers
  size_t peak_bytes_in_use = 0;  ///< high-water mark of bytes_in_use
  size_t bytes_cached = 0;       ///< freed bytes kept for reuse
  size_t num_allocs = 0;         ///< buffers handed out since start
  size_t num_reused = 0;         ///< of those, served from the cache
};
MemoryStats memory_stats();
/// Returns cached blocks to the system.
void clear_memory_cache();

}  // namespace jx
