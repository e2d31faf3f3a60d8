// results.json: the machine-readable outcome of an experiment (edgeq run), versioned; the report is rendered
// from it. The JSON Schema is docs/results.schema.json; the layout in short:
//   schema "edgeq-results", schema_version 1, created_utc, experiment {name, config, seed}, host {...},
//   dataset {image_shape, class_names, splits {train|val|test: {file, events}}},
//   models [{name, parameters, training {best_epoch, seconds, epochs [{epoch, lr, train_loss,
//            train_accuracy, val_loss, val_accuracy, seconds}]},
//            variants [{scheme, kind (float|ptq|qat), file, size_mb,
//                       accuracy {value, events, split, method}, confusion [[...]],
//                       benchmarks [harness.hpp to_json]}]}],
//   events [{model, scheme, index, label, predicted, image}]
// Units are in the key names (_mb, _ms, _w_ms, _mj, _mib); every benchmark carries its method.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace edgeq::bench {

inline constexpr const char* kResultsSchema = "edgeq-results";
inline constexpr int kResultsSchemaVersion = 1;

/// Checks the structure report writers rely on; Error(BadInput) naming `origin` and the JSON path
/// (e.g. "/models/0/variants/2/size_mb") of the first problem, or a newer schema version.
void validate_results(const nlohmann::json& results, const std::string& origin);

/// Reads and validates DIR/results.json (or the file itself); Error(BadInput) for a missing, unreadable or
/// malformed file.
nlohmann::json load_results(const std::filesystem::path& dir_or_file);

}  // namespace edgeq::bench
