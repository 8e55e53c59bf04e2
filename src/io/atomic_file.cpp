// Atomic file replacement (temporary file + fsync + rename + directory fsync)
// and whole-file reads. POSIX only.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "jx/error.h"

namespace jx::io::detail {
namespace {

std::atomic<int64_t> g_fail_after{-1};
std::atomic<uint64_t> g_counter{0};

std::string q(const std::string& path) { return "'" + path + "'"; }
std::string sys_error() { return std::strerror(errno); }

}  // namespace

void set_write_failure_for_testing(int64_t bytes) { g_fail_after = bytes; }

void write_atomic(std::string_view op, const std::string& path,
                  const std::function<void(const format::Sink&)>& body) {
  namespace fs = std::filesystem;
  fs::path target(path);
  std::string base = target.filename().string();
  if (base.empty() || base == "." || base == "..")
    throw_error(op, q(path) + " names a directory, not a file");
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";

  // A name no other writer uses: pid and a per-process counter, retried on a clash.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = (target.has_parent_path() ? dir + "/" : std::string()) + "." + base + ".tmp." +
          std::to_string(::getpid()) + "." + std::to_string(g_counter++);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt > 100))
      throw_error(op, "cannot create a temporary file in " + q(dir) + " to write " + q(path) +
                          ": " + sys_error());
  }
  try {
    int64_t fail_after = g_fail_after.load();
    uint64_t written = 0;
    format::Sink sink = [&](const void* data, size_t n) {
      const char* p = static_cast<const char*>(data);
      size_t limit = n;
      bool inject = fail_after >= 0 && written + n > uint64_t(fail_after);
      if (inject) limit = size_t(uint64_t(fail_after) - written);
      for (size_t done = 0; done < limit;) {
        ssize_t w = ::write(fd, p + done, limit - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw_error(op, "writing " + q(tmp) + " failed: " + sys_error());
        done += size_t(w);
      }
      written += limit;
      if (inject)
        throw_error(op, "writing " + q(path) + " failed: injected failure after " +
                            std::to_string(written) + " bytes (test hook)");
    };
    body(sink);
    if (::fsync(fd) != 0) throw_error(op, "fsync of " + q(tmp) + " failed: " + sys_error());
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw_error(op, "closing " + q(tmp) + " failed: " + sys_error());
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw_error(op, "cannot rename " + q(tmp) + " to " + q(path) + ": " + sys_error());
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  // Make the rename itself durable. Some filesystems cannot fsync a
  // directory; the file's data is already safe, so that is not an error.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::vector<uint8_t> read_file(std::string_view op, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_error(op, "cannot open " + q(path) + ": " + sys_error());
  std::vector<uint8_t> out;
  try {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_error(op, "cannot stat " + q(path) + ": " + sys_error());
    if (!S_ISREG(st.st_mode)) throw_error(op, q(path) + " is not a regular file");
    out.resize(size_t(st.st_size));
    size_t done = 0;
    while (true) {  // read to EOF, even if the file grew since fstat
      if (done == out.size()) out.resize(out.size() + 65536);
      ssize_t r = ::read(fd, out.data() + done, out.size() - done);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw_error(op, "reading " + q(path) + " failed: " + sys_error());
      if (r == 0) break;
      done += size_t(r);
    }
    out.resize(done);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return out;
}

}  // namespace jx::io::detail
