#include "trial_log.hpp"

#include <fmt/format.h>

#include <fstream>
#include <string>

#include "edgeq/core/error.hpp"

namespace edgeq::search {

TrialLog::TrialLog(std::filesystem::path path, const nlohmann::ordered_json& fingerprint)
    : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    std::ofstream out(path_);
    if (!out) throw_input("cannot write the trial log {}", path_.string());
    out << nlohmann::ordered_json{{"edgeq_search", fingerprint}}.dump() << '\n';
    out.flush();
    if (!out) throw_input("cannot write the trial log {}", path_.string());
    return;
  }
  std::ifstream in(path_);
  std::string line;
  if (!std::getline(in, line)) throw_input("{}: empty trial log", path_.string());
  const auto head = nlohmann::json::parse(line, nullptr, false);
  if (head.is_discarded() || !head.contains("edgeq_search"))
    throw_input("{}: not an edgeq search log", path_.string());
  if (head.at("edgeq_search") != nlohmann::json(fingerprint)) {
    std::string what;
    for (const auto& [k, v] : fingerprint.items())
      if (!head.at("edgeq_search").contains(k) || head.at("edgeq_search").at(k) != nlohmann::json(v))
        what += (what.empty() ? "" : ", ") + k;
    throw_input(
        "{}: this search log was made with other settings (different: {}): resume with the same space and "
        "options, or choose a new --out directory",
        path_.string(), what);
  }
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) break;  // torn last line
    try {
      auto r = TrialRecord::from_json(j);
      done_[r.id] = std::move(r);
    } catch (const nlohmann::json::exception& e) {
      throw_input("{}: malformed trial record ({})", path_.string(), e.what());
    }
  }
}

const TrialRecord* TrialLog::find(int id) const {
  auto it = done_.find(id);
  return it == done_.end() ? nullptr : &it->second;
}

void TrialLog::append(const TrialRecord& r) {
  std::ofstream out(path_, std::ios::app);
  out << r.to_json().dump() << '\n';
  out.flush();
  if (!out) throw_input("cannot append to the trial log {}", path_.string());
  done_[r.id] = r;
}

}  // namespace edgeq::search
