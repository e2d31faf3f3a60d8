// Sensitivity-guided start (beyond AutoQKeras): before any training, each slot's choices are tried alone on
// the float model (every other layer float) from the lowest bit width up, until the validation accuracy is
// within `max_drop` of the float model's; the lower choices are removed from the space, so the search spends
// no trials on widths a layer cannot take. Post-training quantisation of one layer is a pessimistic probe
// (fine-tuning recovers part of the loss), hence the generous default drop.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>

#include "edgeq/search/space.hpp"

namespace edgeq::search {

/// accuracy_of(config_yaml): validation accuracy of the float model with that configuration's quantisers.
/// Returns {"float_accuracy", "max_drop", "slots": [{layer, variable, probes: [{choice, bits, accuracy}],
/// kept}]}.
nlohmann::ordered_json prune_by_sensitivity(SearchSpace& space, double float_accuracy, double max_drop,
                                            const std::function<double(const std::string&)>& accuracy_of);

}  // namespace edgeq::search
