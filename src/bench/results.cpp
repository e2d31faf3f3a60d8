#include "edgeq/bench/results.hpp"

#include <fstream>

#include "edgeq/core/error.hpp"

namespace edgeq::bench {

namespace {
using json = nlohmann::json;

struct Checker {
  const std::string& origin;
  const json& at(const json& parent, const std::string& path, const std::string& key,
                 json::value_t type) const {
    if (!parent.contains(key)) throw_input("{}: missing {}/{}", origin, path, key);
    const json& v = parent[key];
    const bool ok = type == json::value_t::number_float
                        ? v.is_number()
                        : v.type() == type || (type == json::value_t::number_unsigned &&
                                               v.is_number_integer() && v.get<long long>() >= 0);
    if (!ok) throw_input("{}: {}/{} has the wrong type ({})", origin, path, key, v.type_name());
    return v;
  }
  const json& number_or_null(const json& parent, const std::string& path, const std::string& key) const {
    if (!parent.contains(key)) throw_input("{}: missing {}/{}", origin, path, key);
    const json& v = parent[key];
    if (!v.is_null() && !v.is_number()) throw_input("{}: {}/{} must be a number or null", origin, path, key);
    return v;
  }
};
}  // namespace

void validate_results(const json& r, const std::string& origin) {
  using vt = json::value_t;
  const Checker c{origin};
  if (!r.is_object()) throw_input("{}: not a JSON object", origin);
  if (c.at(r, "", "schema", vt::string) != kResultsSchema)
    throw_input("{}: /schema is not '{}'", origin, kResultsSchema);
  const auto version = c.at(r, "", "schema_version", vt::number_unsigned).get<int>();
  if (version > kResultsSchemaVersion)
    throw_input("{}: schema_version {} is newer than this edgeq reads ({})", origin, version,
                kResultsSchemaVersion);
  c.at(r, "", "created_utc", vt::string);
  c.at(r, "", "experiment", vt::object);
  c.at(r, "", "host", vt::object);
  const auto& ds = c.at(r, "", "dataset", vt::object);
  const auto& classes = c.at(ds, "/dataset", "class_names", vt::array);
  const auto& models = c.at(r, "", "models", vt::array);
  for (std::size_t m = 0; m < models.size(); ++m) {
    const std::string mp = "/models/" + std::to_string(m);
    const auto& model = models[m];
    if (!model.is_object()) throw_input("{}: {} is not an object", origin, mp);
    c.at(model, mp, "name", vt::string);
    if (model.contains("training")) {
      const auto& epochs = c.at(model["training"], mp + "/training", "epochs", vt::array);
      for (std::size_t e = 0; e < epochs.size(); ++e)
        for (const char* k : {"epoch", "train_loss", "val_loss", "val_accuracy"})
          c.at(epochs[e], mp + "/training/epochs/" + std::to_string(e), k, vt::number_float);
    }
    const auto& variants = c.at(model, mp, "variants", vt::array);
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const std::string vp = mp + "/variants/" + std::to_string(v);
      const auto& var = variants[v];
      c.at(var, vp, "scheme", vt::string);
      const auto& kind = c.at(var, vp, "kind", vt::string);
      if (kind != "float" && kind != "ptq" && kind != "qat")
        throw_input("{}: {}/kind must be float, ptq or qat", origin, vp);
      c.at(var, vp, "file", vt::string);
      c.at(var, vp, "size_mb", vt::number_float);
      const auto& acc = c.at(var, vp, "accuracy", vt::object);
      c.number_or_null(acc, vp + "/accuracy", "value");
      c.at(acc, vp + "/accuracy", "method", vt::string);
      if (var.contains("confusion")) {
        const auto& cm = c.at(var, vp, "confusion", vt::array);
        if (cm.size() != classes.size())
          throw_input("{}: {}/confusion has {} rows for {} classes", origin, vp, cm.size(), classes.size());
      }
      const auto& benches = c.at(var, vp, "benchmarks", vt::array);
      for (std::size_t b = 0; b < benches.size(); ++b) {
        const std::string bp = vp + "/benchmarks/" + std::to_string(b);
        c.at(benches[b], bp, "target", vt::string);
        const auto& method = c.at(benches[b], bp, "method", vt::string);
        if (method == "unavailable") {
          c.at(benches[b], bp, "reason", vt::string);
        } else if (method == "measured" || method == "modelled") {
          c.number_or_null(c.at(benches[b], bp, "latency_ms", vt::object), bp + "/latency_ms", "p50");
          c.at(benches[b], bp, "energy", vt::object);
        } else {
          throw_input("{}: {}/method must be measured, modelled or unavailable", origin, bp);
        }
      }
    }
  }
  if (r.contains("events"))
    for (std::size_t e = 0; e < r["events"].size(); ++e)
      for (const char* k : {"model", "image"})
        c.at(r["events"][e], "/events/" + std::to_string(e), k, vt::string);
}

nlohmann::json load_results(const std::filesystem::path& dir_or_file) {
  std::error_code ec;
  const auto file =
      std::filesystem::is_directory(dir_or_file, ec) ? dir_or_file / "results.json" : dir_or_file;
  std::ifstream in(file);
  if (!in) throw_input("cannot read results file {}", file.string());
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    throw_input("{}: not valid JSON ({})", file.string(), e.what());
  }
  validate_results(j, file.string());
  return j;
}

}  // namespace edgeq::bench
