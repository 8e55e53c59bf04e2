#include "jx/error.h"

#include <cstring>

namespace jx {
namespace {

struct SiteState {
  const char* file = nullptr;
  unsigned line = 0;
};
thread_local SiteState t_site;

std::string basename_of(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

std::string format(const std::string& op, const std::string& message,
                   const std::string& where) {
  std::string s = "[" + op + "] " + message;
  if (!where.empty()) s += " (at " + where + ")";
  return s;
}

}  // namespace

Error::Error(std::string op, std::string message, std::string where)
    : std::runtime_error(format(op, message, where)),
      op_(std::move(op)),
      where_(std::move(where)) {}

CallSite::CallSite(const std::source_location& loc) noexcept
    : owner_(t_site.file == nullptr) {
  if (owner_) {
    t_site.file = loc.file_name();
    t_site.line = loc.line();
  }
}

CallSite::~CallSite() {
  if (owner_) t_site = SiteState{};
}

std::string current_call_site() {
  if (!t_site.file) return {};
  return basename_of(t_site.file) + ":" + std::to_string(t_site.line);
}

void throw_error(std::string_view op, std::string message) {
  throw Error(std::string(op), std::move(message), current_call_site());
}

void throw_error_at(std::string_view op, std::string message,
                    const std::source_location& loc) {
  throw Error(std::string(op), std::move(message),
              basename_of(loc.file_name()) + ":" + std::to_string(loc.line()));
}

}  // namespace jx
