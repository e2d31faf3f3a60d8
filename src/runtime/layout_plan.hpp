// Blocked-layout planning (internal to the executor): which activations are stored in oneDNN's native blocked
// layout (nChw8c / nChw16c) so that chains of oneDNN ops run without layout reorders between them.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"
#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime {

/// Values to store blocked: 4-D outputs with a multiple of `block` channels (no padding, so the buffer size
/// is the NCHW one) of candidate nodes that only candidate nodes read (never graph inputs or outputs), such
/// that every Uniform or BlockedOnly node sees one layout on all its activations. candidate[i]: node i has a
/// fast kernel that supports the blocked layout (support[i] != No).
std::set<std::string> plan_blocked_layout(const graph::Graph& graph,
                                          const std::vector<BlockedLayout>& support,
                                          const std::vector<bool>& candidate, std::int64_t block);

}  // namespace edgeq::runtime
