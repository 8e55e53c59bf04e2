// Whole-file reads and atomic writes for jx::io, with a fault-injection hook
// so tests can fail a write part-way through.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "io/format_common.h"

namespace jx::io::detail {

/// Writes `path` atomically: `body` emits the bytes to a sink that writes a
/// new temporary file in the same directory; then fsync, rename over `path`
/// and fsync of the directory. If anything throws, the temporary file is
/// removed, `path` is untouched and the exception propagates. I/O failures are
/// jx::Error for `op`.
void write_atomic(std::string_view op, const std::string& path,
                  const std::function<void(const format::Sink&)>& body);

/// The whole content of `path`; jx::Error for `op` when it cannot be read.
std::vector<uint8_t> read_file(std::string_view op, const std::string& path);

/// Test hook: every write_atomic from now on fails with a jx::Error once
/// `bytes` bytes have reached the temporary file (the first `bytes` are
/// written). A negative value turns the hook off.
void set_write_failure_for_testing(int64_t bytes);

}  // namespace jx::io::detail
