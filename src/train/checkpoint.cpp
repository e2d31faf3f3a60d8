#include "checkpoint.hpp"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::train {

namespace {
constexpr int kCheckpointVersion = 1;

void write_tensors(torch::serialize::OutputArchive& a, const std::string& prefix,
                   const std::map<std::string, at::Tensor>& tensors, nlohmann::ordered_json& names) {
  std::size_t i = 0;
  names = nlohmann::ordered_json::array();
  for (const auto& [name, t] : tensors) {
    a.write(prefix + std::to_string(i++), t.detach(), /*is_buffer=*/true);
    names.push_back(name);
  }
}

std::map<std::string, at::Tensor> read_tensors(torch::serialize::InputArchive& a, const std::string& prefix,
                                               const nlohmann::ordered_json& names,
                                               const at::Device& device) {
  std::map<std::string, at::Tensor> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    at::Tensor t;
    a.read(prefix + std::to_string(i), t, /*is_buffer=*/true);
    out[names[i].get<std::string>()] = t.to(device);
  }
  return out;
}
}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Checkpoint& c,
                     const torch::optim::Optimizer& optimizer) {
  torch::serialize::OutputArchive archive;
  nlohmann::ordered_json meta = c.meta;
  meta["checkpoint_version"] = kCheckpointVersion;
  write_tensors(archive, "model_", c.model, meta["model_tensors"]);
  write_tensors(archive, "best_", c.best, meta["best_tensors"]);
  archive.write("rng_state", c.rng_state, true);
  torch::serialize::OutputArchive opt;
  optimizer.save(opt);
  archive.write("optimizer", opt);
  archive.write("meta", c10::IValue(meta.dump()));
  std::ostringstream bytes;
  archive.save_to(bytes);
  core::write_file_atomic(path, bytes.str());
}

Checkpoint load_checkpoint(const std::filesystem::path& path, torch::optim::Optimizer& optimizer,
                           const at::Device& device) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw_input("no checkpoint '{}' to resume from", path.string());
  Checkpoint c;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), device);
    c10::IValue meta;
    archive.read("meta", meta);
    c.meta = nlohmann::ordered_json::parse(meta.toStringRef());
    if (c.meta.value("checkpoint_version", 0) != kCheckpointVersion)
      throw_input("checkpoint '{}' has an unsupported version", path.string());
    c.model = read_tensors(archive, "model_", c.meta.at("model_tensors"), device);
    c.best = read_tensors(archive, "best_", c.meta.at("best_tensors"), device);
    archive.read("rng_state", c.rng_state, true);
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    optimizer.load(opt);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    throw_input("cannot read checkpoint '{}': {}", path.string(), msg.substr(0, msg.find('\n')));
  }
  return c;
}

}  // namespace edgeq::train
