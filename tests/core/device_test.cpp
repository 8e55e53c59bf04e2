// Virtual CPU devices (JX_NUM_CPU_DEVICES), device_put, mixed-device errors,
// and the allocator's statistics.
#include <gtest/gtest.h>

#include <cstdlib>

#include "jx/jx.h"

namespace np = jx::np;

namespace {
// Runs before main(): the device list is read once, on first use.
const int kForceDevices = (setenv("JX_NUM_CPU_DEVICES", "3", /*overwrite=*/0), 0);
}  // namespace

TEST(Devices, VirtualCpuDevicesAndDevicePut) {
  auto devs = jx::devices();
  const char* env = std::getenv("JX_NUM_CPU_DEVICES");
  ASSERT_EQ(devs.size(), size_t(std::atoi(env)));
  if (devs.size() < 2) GTEST_SKIP() << "JX_NUM_CPU_DEVICES was set to 1 outside the test";
  EXPECT_EQ(devs[1].str(), "CpuDevice(id=1)");
  EXPECT_EQ(devs[1].platform(), "cpu");
  jx::Array x = np::array({1.f, 2.f, 3.f});
  EXPECT_EQ(x.device(), jx::default_device());
  jx::Array y = jx::device_put(x, devs[1]);
  EXPECT_EQ(y.device(), devs[1]);
  EXPECT_EQ(y.to_vector<float>(), x.to_vector<float>());
  // Computation follows committed inputs; uncommitted ones (x, C++ scalars) follow along.
  EXPECT_EQ((y * 2.f).device(), devs[1]);
  EXPECT_EQ((x + y).device(), devs[1]);
  if (devs.size() < 3) return;
  jx::Array w = jx::device_put(x, devs[2]);
  try {
    auto z = w + y;
    FAIL() << "expected an error";
  } catch (const jx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("committed to different devices"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CpuDevice(id=2)"), std::string::npos) << e.what();
  }
}

TEST(Memory, AllocatorReusesFreedBlocksAndCountsPeak) {
  jx::clear_memory_cache();
  auto before = jx::memory_stats();
  {
    jx::Array a = np::zeros({1 << 16});
    jx::Array b = a + 1.f;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u);  // 64-byte aligned
  }
  auto mid = jx::memory_stats();
  EXPECT_GE(mid.peak_bytes_in_use, before.bytes_in_use + 2 * (size_t(1) << 18));
  EXPECT_EQ(mid.bytes_in_use, before.bytes_in_use);
  { jx::Array c = np::zeros({1 << 16}); }
  auto after = jx::memory_stats();
  EXPECT_GT(after.num_reused, mid.num_reused);  // the freed block came back
}
