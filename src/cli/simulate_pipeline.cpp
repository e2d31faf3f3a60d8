#include "edgeq/cli/simulate_pipeline.hpp"

#include <array>
#include <chrono>
#include <cmath>

#include "edgeq/core/cancel.hpp"
#include "edgeq/core/progress.hpp"
#include "edgeq/core/thread_pool.hpp"
#include "edgeq/data/event_file.hpp"
#include "edgeq/sim/simulator.hpp"

namespace edgeq::cli {

namespace {

/// Per-event truth columns (HDF5 /truth/*), filled by the worker that simulated the event.
struct EventTruthRow {
  float nu_energy_gev, q2_gev2, w_gev, lepton_energy_gev, lepton_cos_theta, visible_energy_mev;
  std::array<float, 3> vertex_cm;
  std::int32_t nu_pdg, ccnc, mode, target_pdg, lepton_pdg;
  std::int32_t n_protons, n_protons_visible, n_neutrons, n_charged_pions, n_pi0, n_photons, n_muons,
      n_electrons;
  struct ParticleRow {
    std::int32_t pdg, from_fsi;
    float kinetic_mev;
    std::array<float, 3> direction;
  };
  std::vector<ParticleRow> particles;
};

/// Protons above this kinetic energy leave a visible track (reference: visible above 30-40 MeV).
constexpr double kVisibleProtonMev = 40.0;

EventTruthRow summarize(const sim::SimulatedEvent& ev) {
  const auto& t = ev.truth;
  EventTruthRow r{};
  r.nu_energy_gev = static_cast<float>(t.nu_energy_mev * 1e-3);
  r.q2_gev2 = static_cast<float>(t.q2_gev2);
  r.w_gev = static_cast<float>(t.w_gev);
  r.lepton_energy_gev = static_cast<float>(t.lepton_energy_mev * 1e-3);
  r.lepton_cos_theta = static_cast<float>(t.lepton_cos_theta);
  r.visible_energy_mev = static_cast<float>(ev.deposited_mev);
  r.vertex_cm = {static_cast<float>(t.vertex.x), static_cast<float>(t.vertex.y),
                 static_cast<float>(t.vertex.z)};
  r.nu_pdg = t.nu_pdg;
  r.ccnc = t.mode == sim::Mode::Gun ? -1 : (t.cc ? 0 : 1);
  r.mode = static_cast<std::int32_t>(t.mode);
  r.target_pdg = t.target_pdg;
  r.lepton_pdg = t.lepton_pdg;
  for (std::size_t i = 0; i < t.final_state.size(); ++i) {
    const auto& p = t.final_state[i];
    switch (std::abs(p.pdg)) {
      case sim::pdg::kProton:
        ++r.n_protons;
        if (p.kinetic_mev > kVisibleProtonMev) ++r.n_protons_visible;
        break;
      case sim::pdg::kNeutron:
        ++r.n_neutrons;
        break;
      case sim::pdg::kPiPlus:
        ++r.n_charged_pions;
        break;
      case sim::pdg::kPi0:
        ++r.n_pi0;
        break;
      case sim::pdg::kGamma:
        ++r.n_photons;
        break;
      case sim::pdg::kMuMinus:
        ++r.n_muons;
        break;
      case sim::pdg::kElectron:
        ++r.n_electrons;
        break;
      default:
        break;
    }
    r.particles.push_back(
        {p.pdg,
         t.from_fsi.empty() ? 0 : t.from_fsi[i],
         static_cast<float>(p.kinetic_mev),
         {static_cast<float>(p.dir.x), static_cast<float>(p.dir.y), static_cast<float>(p.dir.z)}});
  }
  return r;
}

template <typename T, typename F>
std::vector<T> column(const std::vector<EventTruthRow>& rows, F f) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) f(r, out);
  return out;
}

void write_truth(data::EventFileWriter& w, const std::vector<EventTruthRow>& rows) {
#define EDGEQ_F32(name) \
  w.write_truth(#name, column<float>(rows, [](const auto& r, auto& o) { o.push_back(r.name); }))
#define EDGEQ_I32(name) \
  w.write_truth(#name, column<std::int32_t>(rows, [](const auto& r, auto& o) { o.push_back(r.name); }))
  EDGEQ_F32(nu_energy_gev);
  EDGEQ_F32(q2_gev2);
  EDGEQ_F32(w_gev);
  EDGEQ_F32(lepton_energy_gev);
  EDGEQ_F32(lepton_cos_theta);
  EDGEQ_F32(visible_energy_mev);
  EDGEQ_I32(nu_pdg);
  EDGEQ_I32(ccnc);
  EDGEQ_I32(mode);
  EDGEQ_I32(target_pdg);
  EDGEQ_I32(lepton_pdg);
  EDGEQ_I32(n_protons);
  EDGEQ_I32(n_protons_visible);
  EDGEQ_I32(n_neutrons);
  EDGEQ_I32(n_charged_pions);
  EDGEQ_I32(n_pi0);
  EDGEQ_I32(n_photons);
  EDGEQ_I32(n_muons);
  EDGEQ_I32(n_electrons);
#undef EDGEQ_F32
#undef EDGEQ_I32
  w.write_truth(
      "vertex_cm",
      column<float>(
          rows, [](const auto& r, auto& o) { o.insert(o.end(), r.vertex_cm.begin(), r.vertex_cm.end()); }),
      3);
  std::vector<std::int32_t> event, pdg, fsi, offsets{0};
  std::vector<float> kinetic, direction;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const auto& p : rows[i].particles) {
      event.push_back(static_cast<std::int32_t>(i));
      pdg.push_back(p.pdg);
      fsi.push_back(p.from_fsi);
      kinetic.push_back(p.kinetic_mev);
      direction.insert(direction.end(), p.direction.begin(), p.direction.end());
    }
    offsets.push_back(static_cast<std::int32_t>(event.size()));
  }
  w.write_truth("particles/event", event);
  w.write_truth("particles/pdg", pdg);
  w.write_truth("particles/from_fsi", fsi);
  w.write_truth("particles/kinetic_energy_mev", kinetic);
  w.write_truth("particles/direction", direction, 3);
  w.write_truth("particles/offsets", offsets);
}

}  // namespace

SimulateStats simulate_to_file(const sim::SimConfig& config, const std::filesystem::path& path, std::size_t n,
                               std::uint64_t seed, std::uint32_t stream, std::size_t threads,
                               const std::string& progress_label) {
  const auto start = std::chrono::steady_clock::now();
  const sim::EventSimulator simulator(config);
  const auto labels = sim::class_sequence(config, n, seed, stream);
  const bool u16 = config.image.dtype == "uint16";
  data::ImageLayout layout{n,
                           3,
                           config.image.time_pixels,
                           config.image.wires,
                           u16 ? data::ImageDtype::UInt16 : data::ImageDtype::UInt8,
                           config.image.compression_level};
  data::EventFileWriter writer(path, layout);
  core::ThreadPool pool(threads);
  std::vector<sim::SimulatedEvent> workspace(pool.size());
  std::vector<std::vector<unsigned char>> raw(pool.size(), std::vector<unsigned char>(layout.event_bytes()));
  std::vector<EventTruthRow> truth(n);
  core::Progress progress(progress_label, n);

  const std::size_t batch = 32 * pool.size();
  std::vector<std::vector<unsigned char>> chunks(batch);
  for (std::size_t b0 = 0; b0 < n; b0 += batch) {
    const std::size_t b1 = std::min(n, b0 + batch);
    pool.parallel_for(b0, b1, [&](std::size_t i, std::size_t worker) {
      core::throw_if_cancelled();
      auto& ev = workspace[worker];
      simulator.simulate(seed, stream, i, labels[i], ev);
      auto& buf = raw[worker];
      if (u16)
        simulator.detector().digitize(
            ev.images, std::span(reinterpret_cast<std::uint16_t*>(buf.data()), buf.size() / 2));
      else
        simulator.detector().digitize(ev.images, std::span(buf.data(), buf.size()));
      chunks[i - b0] = data::compress_chunk(buf, layout.deflate_level);
      truth[i] = summarize(ev);
      progress.advance();
    });
    for (std::size_t i = b0; i < b1; ++i) writer.write_image_chunk(i, chunks[i - b0]);
  }
  core::throw_if_cancelled();

  std::vector<std::int32_t> label_column(labels.begin(), labels.end());
  writer.write_labels(label_column);
  write_truth(writer, truth);
  writer.set_attribute("format_version", std::int64_t{data::kFormatVersion});
  writer.set_attribute("generator", std::string("edgeq simulate"));
  writer.set_attribute("generator_config", sim::to_json(config));
  writer.set_attribute("seed", static_cast<std::int64_t>(seed));
  writer.set_attribute("stream", static_cast<std::int64_t>(stream));
  writer.set_attribute(
      "class_names", std::vector<std::string>{sim::kClassNames[0], sim::kClassNames[1], sim::kClassNames[2]});
  writer.set_attribute("plane_names", std::vector<std::string>{"U", "V", "Y"});
  writer.set_attribute("image_axes", std::string("event, plane, time, wire"));
  writer.set_attribute("adc_scale_e", config.image.adc_scale_e);
  writer.set_attribute("wire_pitch_mm", config.detector.wire_pitch_mm);
  writer.set_attribute("pixel_time_us", config.detector.tick_us * config.detector.ticks_per_pixel);
  writer.set_attribute("ticks_per_pixel", static_cast<std::int64_t>(config.detector.ticks_per_pixel));
  writer.set_attribute("mode_names", std::vector<std::string>{"QE", "MEC", "RES", "DIS", "NC elastic"});
  writer.commit();
  progress.finish();

  SimulateStats stats;
  stats.events = n;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.events_per_s = stats.seconds > 0 ? static_cast<double>(n) / stats.seconds : 0.0;
  stats.bytes = std::filesystem::file_size(path);
  for (auto l : labels)
    if (l >= 0) ++stats.class_counts[l];
  return stats;
}

}  // namespace edgeq::cli
