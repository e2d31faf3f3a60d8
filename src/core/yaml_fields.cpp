#include "edgeq/core/yaml_fields.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace edgeq::core {

YamlFields::YamlFields(YAML::Node node, std::string origin, std::string path)
    : node_(std::move(node)), origin_(std::move(origin)), path_(std::move(path)) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    throw_input("{}: '{}' must be a mapping of keys to values", origin_,
                path_.empty() ? "(top level)" : path_);
}

std::string YamlFields::full(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool YamlFields::has(const std::string& key) const {
  return node_ && node_.IsMap() && node_[key];
}

YAML::Node YamlFields::take(const std::string& key) {
  used_.insert(key);
  if (!node_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node_[key];
}

YamlFields YamlFields::mapping(const std::string& key) {
  return YamlFields(take(key), origin_, full(key));
}

YAML::Node YamlFields::node(const std::string& key) {
  return take(key);
}

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string YamlFields::unknown_note(const std::string& missing) const {
  if (node_ && node_.IsMap())
    for (const auto& kv : node_) {
      const auto key = kv.first.as<std::string>();
      if (!used_.count(key) && edit_distance(key, missing) <= 2)
        return fmt::format(" (did you mean '{}'?)", full(key));
    }
  return "";
}

void YamlFields::finish() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    const auto key = kv.first.as<std::string>();
    if (!used_.count(key))
      throw_input("{}: unknown key '{}' (known here: {})", origin_, full(key), fmt::join(used_, ", "));
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw_input("{}: not valid YAML: {}", origin, e.what());
  }
}

}  // namespace edgeq::core
