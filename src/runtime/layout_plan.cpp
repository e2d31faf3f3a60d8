#include "layout_plan.hpp"

#include <algorithm>
#include <map>

namespace edgeq::runtime {

std::set<std::string> plan_blocked_layout(const graph::Graph& g, const std::vector<BlockedLayout>& support,
                                          const std::vector<bool>& candidate, std::int64_t block) {
  std::map<std::string, std::vector<std::size_t>> readers;
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& v : g.nodes[i].inputs)
      if (!v.empty()) readers[v].push_back(i);
  std::set<std::string> cl;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    if (!candidate[i]) continue;
    for (const auto& out : g.nodes[i].outputs) {
      if (out.empty() || g.info(out).shape.size() != 4 || g.info(out).shape[1] % block != 0) continue;
      if (std::find(g.outputs.begin(), g.outputs.end(), out) != g.outputs.end()) continue;
      const auto& r = readers[out];
      if (!r.empty() && std::all_of(r.begin(), r.end(), [&](std::size_t j) { return candidate[j]; }))
        cl.insert(out);
    }
  }
  // A Uniform or BlockedOnly node needs one layout for all its activations: where they disagree, all become
  // NCHW.
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      if (!candidate[i] || support[i] == BlockedLayout::PerTensor) continue;
      std::vector<std::string> values;
      for (const auto& v : g.nodes[i].inputs)
        if (!v.empty() && !g.is_initializer(v)) values.push_back(v);
      for (const auto& v : g.nodes[i].outputs)
        if (!v.empty()) values.push_back(v);
      const auto n_cl =
          std::count_if(values.begin(), values.end(), [&](const auto& v) { return cl.count(v) > 0; });
      if (n_cl > 0 && n_cl < static_cast<long>(values.size())) {
        for (const auto& v : values) cl.erase(v);
        changed = true;
      }
    }
  }
  return cl;
}

}  // namespace edgeq::runtime
