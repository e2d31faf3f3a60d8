#include "edgeq/search/sensitivity.hpp"

#include <spdlog/spdlog.h>

namespace edgeq::search {

nlohmann::ordered_json prune_by_sensitivity(SearchSpace& space, double float_accuracy, double max_drop,
                                            const std::function<double(const std::string&)>& accuracy_of) {
  nlohmann::ordered_json out{
      {"float_accuracy", float_accuracy}, {"max_drop", max_drop}, {"slots", nlohmann::ordered_json::array()}};
  for (std::size_t s = 0; s < space.slots.size(); ++s) {
    auto& slot = space.slots[s];
    nlohmann::ordered_json probes = nlohmann::ordered_json::array();
    std::size_t first_ok = slot.choices.size() - 1;
    for (std::size_t k = 0; k + 1 < slot.choices.size(); ++k) {
      std::vector<int> alone(space.slots.size(), -1);
      alone[s] = static_cast<int>(k);
      const double acc = accuracy_of(space.to_config_yaml(alone));
      probes.push_back({{"choice", slot.choices[k]}, {"bits", slot.bits[k]}, {"accuracy", acc}});
      if (float_accuracy - acc <= max_drop) {
        first_ok = k;
        break;
      }
    }
    if (first_ok > 0) {
      spdlog::info("sensitivity: {}.{} keeps {} bits and up ({} lower choice(s) dropped)", slot.layer,
                   slot.variable, slot.bits[first_ok], first_ok);
      slot.choices.erase(slot.choices.begin(), slot.choices.begin() + static_cast<std::ptrdiff_t>(first_ok));
      slot.bits.erase(slot.bits.begin(), slot.bits.begin() + static_cast<std::ptrdiff_t>(first_ok));
    }
    out["slots"].push_back(
        {{"layer", slot.layer}, {"variable", slot.variable}, {"probes", probes}, {"kept", slot.choices}});
  }
  return out;
}

}  // namespace edgeq::search
