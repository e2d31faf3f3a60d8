// Error type used across edgeq. Every failure the user can cause (bad flag, bad file, bad config value)
// is an Error of kind BadInput; anything else is Internal. The CLI maps BadInput to exit code 2 and
// Internal to exit code 1, printing the message as one line.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace edgeq {

class Error : public std::runtime_error {
 public:
  enum class Kind { BadInput, Internal, Cancelled };
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }
  /// Process exit code the CLI uses for this error: 2 bad input, 1 internal, 130 cancelled (SIGINT).
  int exit_code() const noexcept;

 private:
  Kind kind_;
};

/// Throws Error(BadInput) with a fmt-formatted message. The message should name the file/flag/value at fault.
template <typename... Args>
[[noreturn]] void throw_input(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(Error::Kind::BadInput, fmt::format(f, std::forward<Args>(args)...));
}

/// Throws Error(Internal): a broken invariant or a failing system call that is not the user's fault.
template <typename... Args>
[[noreturn]] void throw_internal(fmt::format_string<Args...> f, Args&&... args) {
  throw Error(Error::Kind::Internal, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace edgeq
