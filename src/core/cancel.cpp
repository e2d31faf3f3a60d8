#include "edgeq/core/cancel.hpp"

#include <csignal>

#include "edgeq/core/error.hpp"

namespace edgeq::core {

namespace {
volatile std::sig_atomic_t g_cancel = 0;
extern "C" void on_signal(int) {
  g_cancel = 1;
}
}  // namespace

void install_cancel_handler() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
bool cancel_requested() {
  return g_cancel != 0;
}
void request_cancel() {
  g_cancel = 1;
}
void reset_cancel() {
  g_cancel = 0;
}
void throw_if_cancelled() {
  if (g_cancel) throw Error(Error::Kind::Cancelled, "interrupted");
}

}  // namespace edgeq::core
