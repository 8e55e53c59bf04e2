#include "jx/device.h"

#include <cstdlib>
#include <string>

#include "jx/error.h"

namespace jx {

std::string Device::platform() const { return kind_ == DeviceKind::kCpu ? "cpu" : "gpu"; }

std::string Device::str() const {
  return std::string(kind_ == DeviceKind::kCpu ? "CpuDevice" : "CudaDevice") +
         "(id=" + std::to_string(id_) + ")";
}

namespace {
std::vector<Device> make_devices() {
  int n = 1;
  if (const char* env = std::getenv("JX_NUM_CPU_DEVICES")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || v < 1 || v > 4096)
      throw_error("devices", "JX_NUM_CPU_DEVICES must be an integer in [1, 4096], got '" +
                                 std::string(env) + "'");
    n = int(v);
  }
  std::vector<Device> out;
  for (int i = 0; i < n; ++i) out.emplace_back(DeviceKind::kCpu, i);
  return out;
}
}  // namespace

std::vector<Device> devices() {
  static const std::vector<Device> all = make_devices();
  return all;
}

Device default_device() { return Device(DeviceKind::kCpu, 0); }

}  // namespace jx
