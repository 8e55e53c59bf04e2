// jx::Error and the caller-location machinery.
//
// Every misuse of the public API throws jx::Error whose message is shaped
// `[op] what is wrong: the shapes/dtypes/values at fault (at file.cpp:LINE)`.
// The location is the user's call site: public functions take a defaulted
// std::source_location and open a CallSite scope; the outermost scope wins, so
// an error raised deep inside np::mean still points at the user's line.
#pragma once

#include <source_location>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jx {

/// The one exception type jx throws for bad input. `what()` holds the full
/// message; `op()` the operation name; `where()` the caller's "file:line".
class Error : public std::runtime_error {
 public:
  Error(std::string op, std::string message, std::string where);
  const std::string& op() const noexcept { return op_; }
  const std::string& where() const noexcept { return where_; }

 private:
  std::string op_;
  std::string where_;
};

/// Marks the user's call site for the duration of a public API call. Nested
/// scopes (library functions calling library functions) keep the outermost.
class CallSite {
 public:
  explicit CallSite(const std::source_location& loc) noexcept;
  ~CallSite();
  CallSite(const CallSite&) = delete;
  CallSite& operator=(const CallSite&) = delete;

 private:
  bool owner_;
};

/// Throws jx::Error for `op` with `message`, located at the innermost user call
/// site recorded by CallSite (or nothing when called outside any public call).
[[noreturn]] void throw_error(std::string_view op, std::string message);

/// Throws jx::Error with an explicit location.
[[noreturn]] void throw_error_at(std::string_view op, std::string message,
                                 const std::source_location& loc);

/// "file.cpp:42" for the current outermost call site, or "" when none.
std::string current_call_site();

}  // namespace jx
