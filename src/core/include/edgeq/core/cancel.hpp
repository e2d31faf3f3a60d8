// Cooperative cancellation: the CLI installs a SIGINT/SIGTERM handler that sets a flag; long loops call
// throw_if_cancelled() between work items so temporary files are cleaned up by their destructors.
#pragma once

namespace edgeq::core {

void install_cancel_handler();
bool cancel_requested();
void request_cancel();
/// Clears a cancellation request (tests, or a caller that handled it).
void reset_cancel();
/// Throws Error(Cancelled) if cancellation was requested.
void throw_if_cancelled();

}  // namespace edgeq::core
