// Strict reading of a YAML mapping: every key read is recorded, and finish() rejects the keys nobody asked
// for, naming them with their full path ("stages.trian") and the file, so a typo in a configuration is an
// error instead of a silently ignored setting. Values of the wrong type are errors naming the key.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "edgeq/core/error.hpp"

namespace edgeq::core {

class YamlFields {
 public:
  /// `origin`: the file (or "built-in NAME") for messages; `path`: dotted prefix of this mapping ("" at top).
  /// Throws Error(BadInput) if `node` is neither a mapping nor null.
  YamlFields(YAML::Node node, std::string origin, std::string path = "");

  bool has(const std::string& key) const;
  /// The value, or `fallback` when the key is absent or null.
  template <typename T>
  T get(const std::string& key, const T& fallback) {
    return optional<T>(key).value_or(fallback);
  }
  /// The value; Error(BadInput) naming the key when absent or null.
  template <typename T>
  T required(const std::string& key) {
    auto v = optional<T>(key);
    if (!v) throw_input("{}: missing key '{}'{}", origin_, full(key), unknown_note(key));
    return *v;
  }
  /// The value, or nullopt when the key is absent or null.
  template <typename T>
  std::optional<T> optional(const std::string& key) {
    const YAML::Node n = take(key);
    if (!n || n.IsNull()) return std::nullopt;
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      throw_input("{}: '{}' has the wrong type (value '{}')", origin_, full(key), YAML::Dump(n));
    }
  }
  /// A nested mapping (empty when absent); remember to call finish() on it too.
  YamlFields mapping(const std::string& key);
  /// The raw node (marks the key as used); an undefined node when absent.
  YAML::Node node(const std::string& key);
  /// Throws Error(BadInput) naming the first unknown key and the accepted ones.
  void finish() const;

  const std::string& origin() const { return origin_; }
  /// "path.key" (or "key" at the top level).
  std::string full(const std::string& key) const;

 private:
  YAML::Node take(const std::string& key);
  /// " (did you mean 'path.kee'?)" for an unread key within edit distance 2 of `missing`, or "".
  std::string unknown_note(const std::string& missing) const;
  YAML::Node node_;
  std::string origin_, path_;
  std::set<std::string> used_;
};

/// Parses YAML text; Error(BadInput) with the origin and yaml-cpp's line/column on a syntax error.
YAML::Node parse_yaml(const std::string& text, const std::string& origin);

}  // namespace edgeq::core
