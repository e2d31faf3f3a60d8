#include "edgeq/graph/ir.hpp"

#include <fmt/format.h>

#include <queue>

#include "edgeq/core/error.hpp"

namespace edgeq::graph {

std::int64_t Node::attr_int(const std::string& key, std::int64_t fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  throw_input("{}: attribute '{}' must be an integer", describe(), key);
}

float Node::attr_float(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<float>(*i);
  throw_input("{}: attribute '{}' must be a float", describe(), key);
}

std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  throw_input("{}: attribute '{}' must be a string", describe(), key);
}

std::vector<std::int64_t> Node::attr_ints(const std::string& key, std::vector<std::int64_t> fallback) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return fallback;
  if (auto* v = std::get_if<std::vector<std::int64_t>>(&it->second)) return *v;
  throw_input("{}: attribute '{}' must be a list of integers", describe(), key);
}

std::string Node::describe() const {
  return fmt::format("node '{}' ({})", name, op_type);
}

const ValueInfo& Graph::info(const std::string& v) const {
  auto it = values.find(v);
  if (it == values.end()) throw_input("value '{}' has no type information (run shape inference)", v);
  return it->second;
}

void Graph::topological_sort() {
  std::map<std::string, int> producer_of;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs) {
      if (o.empty()) continue;
      if (producer_of.count(o) || is_initializer(o))
        throw_input("value '{}' is produced twice ({})", o, nodes[i].describe());
      producer_of[o] = static_cast<int>(i);
    }
  std::set<std::string> available(inputs.begin(), inputs.end());
  for (const auto& [k, v] : initializers) available.insert(k);
  std::vector<int> pending(nodes.size(), 0);
  std::map<std::string, std::vector<int>> consumers;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const auto& in : nodes[i].inputs) {
      if (in.empty() || available.count(in)) continue;
      if (!producer_of.count(in))
        throw_input("{} reads '{}', which no node, input or initializer defines", nodes[i].describe(), in);
      ++pending[i];
      consumers[in].push_back(static_cast<int>(i));
    }
  std::queue<int> ready;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<Node> sorted;
  while (!ready.empty()) {
    const int i = ready.front();
    ready.pop();
    for (const auto& o : nodes[static_cast<std::size_t>(i)].outputs)
      for (int c : consumers[o])
        if (--pending[static_cast<std::size_t>(c)] == 0) ready.push(c);
    sorted.push_back(std::move(nodes[static_cast<std::size_t>(i)]));
  }
  if (sorted.size() != nodes.size()) throw_input("graph '{}' has a cycle", name);
  nodes = std::move(sorted);
  for (const auto& o : outputs)
    if (!producer_of.count(o) && !available.count(o))
      throw_input("graph output '{}' is not produced by any node", o);
}

std::int64_t Graph::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& [k, t] : initializers)
    if (!non_parameters.count(k) && t.dtype() == DType::F32) n += t.numel();
  return n;
}

std::int64_t Graph::parameter_bytes() const {
  std::int64_t n = 0;
  for (const auto& [k, t] : initializers) n += static_cast<std::int64_t>(t.bytes());
  return n;
}

std::string Graph::unique_name(const std::string& base) const {
  auto used = [&](const std::string& s) {
    if (values.count(s) || initializers.count(s)) return true;
    for (const auto& n : nodes)
      for (const auto& o : n.outputs)
        if (o == s) return true;
    return false;
  };
  if (!used(base)) return base;
  for (int i = 1;; ++i) {
    const std::string s = fmt::format("{}_{}", base, i);
    if (!used(s)) return s;
  }
}

int Graph::producer(const std::string& value) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const auto& o : nodes[i].outputs)
      if (o == value) return static_cast<int>(i);
  return -1;
}

int Graph::use_count(const std::string& value) const {
  int n = 0;
  for (const auto& node : nodes)
    for (const auto& in : node.inputs) n += in == value;
  for (const auto& o : outputs) n += o == value;
  return n;
}

void Graph::erase_nodes(const std::vector<bool>& remove) {
  std::vector<Node> kept;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (i >= remove.size() || !remove[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
}

}  // namespace edgeq::graph
