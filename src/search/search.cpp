#include "edgeq/search/search.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "trial_log.hpp"

namespace edgeq::search {

Mode parse_mode(const std::string& text) {
  if (text == "random") return Mode::Random;
  if (text == "bayesian") return Mode::Bayesian;
  if (text == "hyperband") return Mode::Hyperband;
  throw_input("search mode '{}' is not one of random, bayesian, hyperband", text);
}

Goal parse_goal(const std::string& text) {
  if (text == "energy") return Goal::Energy;
  if (text == "bits") return Goal::Bits;
  throw_input("search goal '{}' is not one of energy, bits", text);
}

std::string to_string(Mode m) {
  return m == Mode::Random ? "random" : m == Mode::Bayesian ? "bayesian" : "hyperband";
}
std::string to_string(Goal g) {
  return g == Goal::Energy ? "energy" : "bits";
}

void SearchOptions::validate() const {
  if (trials < 1) throw_input("--trials must be >= 1");
  if (epochs < 1) throw_input("--epochs must be >= 1");
  if (parallel < 1) throw_input("--parallel must be >= 1");
  if (!(tpe_gamma > 0 && tpe_gamma < 1)) throw_input("TPE gamma must lie in (0, 1)");
  if (tpe_startup < 1 || tpe_candidates < 1) throw_input("TPE startup and candidates must be >= 1");
  if (hyperband_eta < 2) throw_input("hyperband eta must be >= 2");
  forgiving.validate();
}

nlohmann::ordered_json SearchOptions::fingerprint(const SearchSpace& space,
                                                  const std::string& reference) const {
  nlohmann::ordered_json slots = nlohmann::ordered_json::array();
  for (const auto& s : space.slots)
    slots.push_back(
        {{"layer", s.layer}, {"variable", s.variable}, {"choices", s.choices}, {"block", s.block}});
  return {{"mode", to_string(mode)},
          {"goal", to_string(goal)},
          {"epochs", epochs},
          {"parallel", parallel},
          {"seed", seed},
          {"forgiving",
           {{"delta_p", forgiving.delta_p}, {"delta_n", forgiving.delta_n}, {"rate", forgiving.rate}}},
          {"tpe", {{"gamma", tpe_gamma}, {"startup", tpe_startup}, {"candidates", tpe_candidates}}},
          {"hyperband_eta", hyperband_eta},
          {"reference", reference},
          {"slots", slots}};
}

namespace {

struct Pending {
  TrialRequest request;
  std::vector<int> candidate;
  int block = 0;
};

Pending pending(int id, int config_id, std::string config_yaml, std::size_t epochs, bool resume,
                std::vector<int> candidate, int block) {
  Pending p;
  p.request.id = id;
  p.request.config_id = config_id;
  p.request.config_yaml = std::move(config_yaml);
  p.request.epochs = epochs;
  p.request.resume = resume;
  p.candidate = std::move(candidate);
  p.block = block;
  return p;
}

class Driver {
 public:
  Driver(const SearchSpace& space, const SearchOptions& o, const CostFunction& cost,
         const TrialRunner& runner, TrialLog& log)
      : space_(space), o_(o), cost_(cost), runner_(runner), log_(log) {}

  double cost_of(const Costs& c) const { return o_.goal == Goal::Energy ? c.energy_pj : c.bits; }

  /// Runs the trials of one round (reusing logged ones), at most `parallel` at a time.
  std::vector<TrialRecord> run_round(const std::vector<Pending>& round) {
    std::vector<TrialRecord> out(round.size());
    std::vector<char> ok(round.size(), 0);
    std::vector<std::thread> threads;
    std::exception_ptr failure;
    std::mutex m;
    for (std::size_t i = 0; i < round.size(); ++i) {
      const auto& p = round[i];
      TrialRecord& r = out[i];
      r.id = p.request.id;
      r.config_id = p.request.config_id;
      r.block = p.block;
      r.candidate = p.candidate;
      r.config_yaml = p.request.config_yaml;
      r.description = p.candidate.empty() ? "reference" : space_.describe(p.candidate);
      r.epochs = p.request.epochs;
      const Costs c = cost_(p.request.config_yaml);
      r.energy_pj = c.energy_pj;
      r.bits = c.bits;
      if (const auto* logged = log_.find(r.id)) {
        if (logged->config_yaml != r.config_yaml || logged->epochs != r.epochs ||
            logged->config_id != r.config_id)
          throw_input(
              "{}: trial {} in the log is not the trial this search proposes (a different space, seed "
              "or option): use a new --out directory",
              log_.path().string(), r.id);
        r.accuracy = logged->accuracy;
        r.seconds = logged->seconds;
        r.reused = true;
        ok[i] = 1;
        continue;
      }
      threads.emplace_back([&, i] {
        try {
          const auto outcome = runner_(round[i].request);
          std::lock_guard lock(m);
          out[i].accuracy = outcome.accuracy;
          out[i].seconds = outcome.seconds;
          ok[i] = 1;
        } catch (...) {
          std::lock_guard lock(m);
          if (!failure) failure = std::current_exception();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < out.size(); ++i) {
      auto& r = out[i];
      r.score = r.candidate.empty()
                    ? r.accuracy
                    : o_.forgiving.score(r.accuracy, reference_cost, cost_of({r.energy_pj, r.bits}));
      if (ok[i] && !r.reused) log_.append(r);
    }
    if (failure) std::rethrow_exception(failure);
    return out;
  }

  double reference_cost = 1;

 private:
  const SearchSpace& space_;
  const SearchOptions& o_;
  const CostFunction& cost_;
  const TrialRunner& runner_;
  TrialLog& log_;
};

/// Categorical TPE proposal over the free slots (others fixed in `base`).
std::vector<int> propose_tpe(const SearchSpace& space, const SearchOptions& o, const std::vector<int>& base,
                             const std::vector<bool>& free, const std::vector<const TrialRecord*>& history,
                             const std::set<std::vector<int>>& tried, core::CounterRng& rng) {
  std::vector<const TrialRecord*> sorted = history;
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->score > b->score; });
  const auto n_good = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(o.tpe_gamma * static_cast<double>(sorted.size()))));
  std::vector<std::vector<double>> good(space.slots.size()), bad(space.slots.size());
  for (std::size_t s = 0; s < space.slots.size(); ++s) {
    const auto k = space.slots[s].choices.size();
    good[s].assign(k, 1.0);  // Laplace prior
    bad[s].assign(k, 1.0);
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const int c = sorted[i]->candidate.at(s);
      if (c >= 0) (i < n_good ? good : bad)[s][static_cast<std::size_t>(c)] += 1.0;
    }
    for (auto* d : {&good[s], &bad[s]}) {
      double sum = 0;
      for (double v : *d) sum += v;
      for (double& v : *d) v /= sum;
    }
  }
  std::vector<int> best;
  double best_ratio = -1e300;
  for (int draw = 0; draw < o.tpe_candidates; ++draw) {
    std::vector<int> c = base;
    double ratio = 0;
    for (std::size_t s = 0; s < space.slots.size(); ++s) {
      if (!free[s]) continue;
      double u = rng.uniform(), acc = 0;
      std::size_t pick = good[s].size() - 1;
      for (std::size_t k = 0; k < good[s].size(); ++k)
        if ((acc += good[s][k]) >= u) {
          pick = k;
          break;
        }
      c[s] = static_cast<int>(pick);
      ratio += std::log(good[s][pick]) - std::log(bad[s][pick]);
    }
    if (!tried.count(c) && ratio > best_ratio) {
      best_ratio = ratio;
      best = c;
    }
  }
  return best;  // empty when every draw was tried already
}

std::vector<int> propose_random(const SearchSpace& space, const std::vector<int>& base,
                                const std::vector<bool>& free, core::CounterRng& rng) {
  std::vector<int> c = base;
  for (std::size_t s = 0; s < space.slots.size(); ++s)
    if (free[s])
      c[s] = static_cast<int>(
          std::min<double>(rng.uniform() * static_cast<double>(space.slots[s].choices.size()),
                           static_cast<double>(space.slots[s].choices.size() - 1)));
  return c;
}

}  // namespace

nlohmann::ordered_json TrialRecord::to_json() const {
  return {{"id", id},
          {"config_id", config_id},
          {"block", block},
          {"candidate", candidate},
          {"epochs", epochs},
          {"accuracy", accuracy},
          {"energy_pj", energy_pj},
          {"bits", bits},
          {"score", score},
          {"seconds", seconds},
          {"description", description},
          {"config", config_yaml}};
}

TrialRecord TrialRecord::from_json(const nlohmann::json& j) {
  TrialRecord r;
  r.id = j.at("id").get<int>();
  r.config_id = j.at("config_id").get<int>();
  r.block = j.at("block").get<int>();
  r.candidate = j.at("candidate").get<std::vector<int>>();
  r.epochs = j.at("epochs").get<std::size_t>();
  r.accuracy = j.at("accuracy").get<double>();
  r.energy_pj = j.at("energy_pj").get<double>();
  r.bits = j.at("bits").get<double>();
  r.score = j.at("score").get<double>();
  r.seconds = j.at("seconds").get<double>();
  r.description = j.at("description").get<std::string>();
  r.config_yaml = j.at("config").get<std::string>();
  return r;
}

SearchResult run_search(const SearchSpace& space, const SearchOptions& o, const std::string& reference_config,
                        const CostFunction& cost, const TrialRunner& runner,
                        const std::filesystem::path& log_file) {
  o.validate();
  const auto start = std::chrono::steady_clock::now();
  TrialLog log(log_file, o.fingerprint(space, reference_config));
  Driver d(space, o, cost, runner, log);
  SearchResult result;

  // trial 0: the reference configuration
  result.reference = d.run_round({pending(0, 0, reference_config, o.epochs, false, {}, 0)}).at(0);
  result.reused += result.reference.reused ? 1 : 0;
  d.reference_cost = d.cost_of({result.reference.energy_pj, result.reference.bits});
  if (!(d.reference_cost > 0)) throw_input("the reference configuration has no cost to compare with");
  spdlog::info("reference: accuracy {:.4f}, energy {:.4g} pJ, {:.0f} bits", result.reference.accuracy,
               result.reference.energy_pj, result.reference.bits);

  int next_id = 1, next_config = 1;
  std::set<std::vector<int>> tried;
  std::map<int, std::size_t> last_of_config;  // config_id -> index in result.trials
  const auto record = [&](std::vector<TrialRecord> rs) {
    for (auto& r : rs) {
      result.reused += r.reused ? 1 : 0;
      spdlog::info(
          "trial {:>3} ({} epochs): accuracy {:.4f}, energy {:.4g} pJ, {:.0f} bits, score {:.4f}{}  {}", r.id,
          r.epochs, r.accuracy, r.energy_pj, r.bits, r.score, r.reused ? " (logged)" : "", r.description);
      last_of_config[r.config_id] = result.trials.size();
      result.trials.push_back(std::move(r));
    }
  };
  const auto best_final = [&](int block_limit) -> const TrialRecord* {
    const TrialRecord* best = nullptr;
    for (const auto& [cfg, idx] : last_of_config) {
      const auto& r = result.trials[idx];
      if (r.block <= block_limit && (!best || r.score > best->score)) best = &r;
    }
    return best;
  };

  const int blocks = std::max<int>(1, static_cast<int>(space.blocks.size()));
  std::vector<int> best_so_far = space.highest();
  for (int b = 0; b < blocks; ++b) {
    const int budget = o.trials / blocks + (b < o.trials % blocks ? 1 : 0);
    std::vector<bool> free(space.slots.size());
    std::vector<int> base(space.slots.size());
    for (std::size_t s = 0; s < space.slots.size(); ++s) {
      free[s] = space.slots[s].block == b;
      base[s] = space.slots[s].block < b ? best_so_far[s] : space.slots[s].block > b ? -1 : 0;
    }
    const auto make = [&](const std::vector<int>& c, std::size_t epochs, int config_id, bool resume) {
      return pending(next_id++, config_id, space.to_config_yaml(c), epochs, resume, c, b);
    };
    int proposed = 0;
    if (o.mode != Mode::Hyperband) {
      while (proposed < budget) {
        const int n = std::min(o.parallel, budget - proposed);
        std::vector<Pending> round;
        std::vector<const TrialRecord*> history;
        for (const auto& r : result.trials)
          if (r.block == b) history.push_back(&r);
        for (int k = 0; k < n; ++k) {
          core::CounterRng rng(o.seed, 7, static_cast<std::uint64_t>(next_id) << 20);
          std::vector<int> c;
          if (o.mode == Mode::Bayesian && static_cast<int>(history.size()) >= o.tpe_startup)
            c = propose_tpe(space, o, base, free, history, tried, rng);
          for (int attempt = 0; c.empty() || (tried.count(c) && attempt < 100); ++attempt)
            c = propose_random(space, base, free, rng);
          tried.insert(c);
          round.push_back(make(c, o.epochs, next_config++, false));
        }
        record(d.run_round(round));
        proposed += n;
      }
    } else {
      const int eta = o.hyperband_eta;
      int s_max = 0;
      while (std::pow(eta, s_max + 1) <= static_cast<double>(o.epochs)) ++s_max;
      for (int s = s_max; proposed < budget; s = s == 0 ? s_max : s - 1) {
        int n = static_cast<int>(std::ceil((s_max + 1.0) / (s + 1.0) * std::pow(eta, s)));
        n = std::min(n, budget - proposed);
        std::vector<Pending> rung;
        for (int k = 0; k < n; ++k) {
          core::CounterRng rng(o.seed, 7, static_cast<std::uint64_t>(next_id) << 20);
          std::vector<int> c = propose_random(space, base, free, rng);
          for (int attempt = 0; tried.count(c) && attempt < 100; ++attempt)
            c = propose_random(space, base, free, rng);
          tried.insert(c);
          const auto r0 = std::max<std::size_t>(
              1, static_cast<std::size_t>(std::floor(static_cast<double>(o.epochs) / std::pow(eta, s))));
          rung.push_back(make(c, r0, next_config++, false));
        }
        proposed += n;
        for (int i = 0; !rung.empty(); ++i) {
          std::vector<TrialRecord> done;
          for (std::size_t k = 0; k < rung.size(); k += static_cast<std::size_t>(o.parallel)) {
            std::vector<Pending> part(
                rung.begin() + static_cast<std::ptrdiff_t>(k),
                rung.begin() + static_cast<std::ptrdiff_t>(
                                   std::min(rung.size(), k + static_cast<std::size_t>(o.parallel))));
            auto rs = d.run_round(part);
            done.insert(done.end(), rs.begin(), rs.end());
          }
          std::vector<TrialRecord> ranked = done;
          record(std::move(done));
          if (i >= s) break;
          std::sort(ranked.begin(), ranked.end(),
                    [](const auto& a, const auto& c) { return a.score > c.score; });
          const auto keep = static_cast<std::size_t>(std::floor(static_cast<double>(ranked.size()) / eta));
          const auto epochs = std::min<std::size_t>(
              o.epochs,
              static_cast<std::size_t>(std::floor(static_cast<double>(o.epochs) / std::pow(eta, s - i - 1))));
          rung.clear();
          for (std::size_t k = 0; k < keep; ++k) {
            rung.push_back(pending(next_id++, ranked[k].config_id, ranked[k].config_yaml, epochs, true,
                                   ranked[k].candidate, b));
          }
        }
      }
    }
    if (const auto* best = best_final(b)) best_so_far = best->candidate;
  }

  for (const auto& [cfg, idx] : last_of_config) result.final_trials.push_back(idx);
  std::sort(result.final_trials.begin(), result.final_trials.end());
  std::vector<double> acc, energy, bits;
  for (auto i : result.final_trials) {
    acc.push_back(result.trials[i].accuracy);
    energy.push_back(result.trials[i].energy_pj);
    bits.push_back(result.trials[i].bits);
  }
  for (auto k : pareto_front(acc, energy)) result.front_energy.push_back(result.final_trials[k]);
  for (auto k : pareto_front(acc, bits)) result.front_bits.push_back(result.final_trials[k]);
  result.best = result.final_trials.front();
  for (auto i : result.final_trials)
    if (result.trials[i].score > result.trials[result.best].score) result.best = i;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace edgeq::search
