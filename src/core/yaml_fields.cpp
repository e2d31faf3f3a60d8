#include "edgeq/core/yaml_fields.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

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
