// Logging: spdlog to stderr. Library code logs through spdlog's default logger; the CLI configures it once.
#pragma once

#include <string_view>

namespace edgeq::core {

enum class Verbosity { Quiet, Normal, Verbose };

/// Configures the default logger (stderr, "[edgeq] level: message"). Quiet shows warnings and errors only.
void init_logging(Verbosity verbosity);
Verbosity verbosity();

/// True when stderr is an interactive terminal (progress bars are drawn only then).
bool stderr_is_tty();

}  // namespace edgeq::core
