// The mixed-precision search loop (edgeq search): proposes candidates of a SearchSpace, has each trained by a
// TrialRunner (a short quantisation-aware fine-tune from the float weights), scores it with the forgiving
// factor and logs it, so that an interrupted search resumes where it stopped.
//
// Modes:
//   random     uniform candidates.
//   bayesian   tree-structured Parzen estimator (Bergstra et al., NeurIPS 2011): after `startup` random
//              trials, finished trials are split at the gamma-quantile of the score into good and bad; per
//              slot a categorical density with a Laplace prior is fitted to each; of `tpe_candidates` draws
//              from the good densities the one with the largest l(x) / g(x) is tried. TPE suits this space:
//              every variable is categorical, trials are few and expensive, and it needs no kernel over bit
//              widths.
//   hyperband  Li et al., JMLR 2018: brackets of successive halving over training epochs (eta = 3, at most
//              `epochs` per candidate); survivors continue their training from the checkpoint.
// Block-wise scheduling (space.blocks): the trial budget is split over the blocks in order; while block b is
// searched, earlier blocks keep the best candidate found so far and later blocks stay float.
// Determinism: candidates are proposed in rounds of `parallel`, each round from the results of the earlier
// rounds and a counter-based RNG, so a resumed search proposes the same candidates as an uninterrupted one.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edgeq/search/objective.hpp"
#include "edgeq/search/space.hpp"

namespace edgeq::search {

enum class Mode { Random, Bayesian, Hyperband };
enum class Goal { Energy, Bits };
Mode parse_mode(const std::string& text);  ///< random, bayesian, hyperband; Error(BadInput)
Goal parse_goal(const std::string& text);  ///< energy, bits
std::string to_string(Mode m);
std::string to_string(Goal g);

struct SearchOptions {
  Mode mode = Mode::Bayesian;
  Goal goal = Goal::Energy;
  int trials = 16;         ///< candidates to train (the reference trial not counted)
  std::size_t epochs = 1;  ///< fine-tune epochs per candidate (hyperband: the most any candidate gets)
  int parallel = 1;        ///< trials run at the same time
  std::uint64_t seed = 1;
  ForgivingFactor forgiving;
  double tpe_gamma = 0.25;
  int tpe_startup = 4;
  int tpe_candidates = 64;
  int hyperband_eta = 3;

  void validate() const;  ///< Error(BadInput) for out-of-range values
  /// The settings a resumed search must share with the logged one.
  nlohmann::ordered_json fingerprint(const SearchSpace& space, const std::string& reference_config) const;
};

struct Costs {
  double energy_pj = 0, bits = 0;
};

struct TrialRequest {
  int id = 0;         ///< trial number (0 = the reference configuration)
  int config_id = 0;  ///< candidate number; hyperband continues a candidate's run under the same config_id
  std::string config_yaml;
  std::size_t epochs = 1;  ///< total epochs the candidate's run must have reached
  bool resume = false;     ///< continue the candidate's earlier run
};
struct TrialOutcome {
  double accuracy = 0;  ///< validation accuracy, fraction
  double seconds = 0;
};
/// Trains one trial; throws Error on failure (the search stops; finished trials stay logged).
using TrialRunner = std::function<TrialOutcome(const TrialRequest&)>;
/// Energy and bits of a configuration (YAML text).
using CostFunction = std::function<Costs(const std::string& config_yaml)>;

struct TrialRecord {
  int id = 0, config_id = 0, block = 0;
  std::vector<int> candidate;  ///< empty for the reference trial
  std::string config_yaml, description;
  std::size_t epochs = 0;
  double accuracy = 0, energy_pj = 0, bits = 0, score = 0, seconds = 0;
  bool reused = false;  ///< read back from the log on resume
  nlohmann::ordered_json to_json() const;
  static TrialRecord from_json(const nlohmann::json& j);
};

struct SearchResult {
  TrialRecord reference;
  std::vector<TrialRecord> trials;        ///< in trial order
  std::vector<std::size_t> final_trials;  ///< each candidate's last trial (indices into trials)
  std::size_t best = 0;                   ///< index into trials: highest score among final_trials
  std::vector<std::size_t> front_energy,
      front_bits;      ///< Pareto fronts over final_trials (indices into trials)
  double seconds = 0;  ///< wall time of this invocation
  int reused = 0;      ///< trials (reference included) read back from the log
};

/// Runs (or resumes, if log_file exists) a search. `reference_config` (YAML) is trained first as trial 0 with
/// `epochs` epochs: its cost is the forgiving factor's reference and its accuracy the baseline. Every
/// finished trial is appended to log_file (JSON lines, first line the fingerprint) before the next round
/// starts. Throws Error(BadInput) when the log comes from a different search.
SearchResult run_search(const SearchSpace& space, const SearchOptions& options,
                        const std::string& reference_config, const CostFunction& cost,
                        const TrialRunner& runner, const std::filesystem::path& log_file);

}  // namespace edgeq::search
