// The search's trial log: JSON lines, the first holding the search's fingerprint, then one finished trial per
// line. Appended and flushed after every trial; a torn last line (a crash while writing) is ignored on load.
#pragma once
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "edgeq/search/search.hpp"

namespace edgeq::search {

class TrialLog {
 public:
  /// Opens (creating it if absent) the log; throws Error(BadInput) when an existing log has another
  /// fingerprint.
  TrialLog(std::filesystem::path path, const nlohmann::ordered_json& fingerprint);
  const TrialRecord* find(int id) const;
  void append(const TrialRecord& r);
  const std::filesystem::path& path() const { return path_; }
  std::size_t size() const { return done_.size(); }

 private:
  std::filesystem::path path_;
  std::map<int, TrialRecord> done_;
};

}  // namespace edgeq::search
