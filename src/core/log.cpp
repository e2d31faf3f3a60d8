#include "edgeq/core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>

namespace edgeq::core {

namespace {
std::atomic<Verbosity> g_verbosity{Verbosity::Normal};
}

void init_logging(Verbosity v) {
  g_verbosity = v;
  auto logger = spdlog::stderr_color_mt("edgeq");
  logger->set_pattern("[edgeq] %^%l%$: %v");
  switch (v) {
    case Verbosity::Quiet:
      logger->set_level(spdlog::level::warn);
      break;
    case Verbosity::Normal:
      logger->set_level(spdlog::level::info);
      break;
    case Verbosity::Verbose:
      logger->set_level(spdlog::level::debug);
      break;
  }
  spdlog::set_default_logger(logger);
}

Verbosity verbosity() {
  return g_verbosity;
}

bool stderr_is_tty() {
  return isatty(STDERR_FILENO) == 1;
}

}  // namespace edgeq::core
