#include "edgeq/fpga/tools.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edgeq/core/error.hpp"

extern char** environ;

namespace edgeq::fpga {

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string tail(const std::string& path, std::size_t max_chars = 2000) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  const std::string t = s.str();
  return t.size() > max_chars ? "..." + t.substr(t.size() - max_chars) : t;
}

void add_cell(Resources& r, const std::string& type, std::int64_t n) {
  r.cells[type] += n;
  if (type.rfind("LUT", 0) == 0)
    r.lut += n;
  else if (type.rfind("FD", 0) == 0)
    r.ff += n;
  else if (type.rfind("DSP48", 0) == 0)
    r.dsp += n;
  else if (type.rfind("CARRY", 0) == 0)
    r.carry += n;
  else if (type.rfind("RAMB18", 0) == 0)
    r.bram36 += 0.5 * static_cast<double>(n);
  else if (type.rfind("RAMB36", 0) == 0)
    r.bram36 += static_cast<double>(n);
  else if (type.rfind("RAM", 0) == 0 || type.rfind("SRL", 0) == 0)
    r.lutram += n;
  else if (type.rfind("MUXF", 0) == 0)
    r.mux += n;
}

}  // namespace

std::string tool_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  std::string d;
  while (std::getline(dirs, d, ':')) {
    if (d.empty()) continue;
    const fs::path p = fs::path(d) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

int run_logged(const std::vector<std::string>& argv, const std::string& log_path, const std::string& cwd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> args = argv;
  if (!cwd.empty()) {  // posix_spawn has no portable chdir action: run through `sh -c 'cd DIR && exec ...'`
    std::string cmd = "cd \"$0\" && exec \"$@\"";
    args.insert(args.begin(), {"/bin/sh", "-c", cmd, cwd});
  }
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, cargv[0], &actions, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return 127;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return 127;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SimulationResult simulate_verilator(const std::string& dir, const std::vector<std::string>& rtl_files,
                                    const std::string& testbench, const std::string& inputs_hex,
                                    const FixedNetwork& net, int jobs) {
  SimulationResult r;
  const std::string log = (fs::path(dir) / "verilator.log").string();
  fs::remove(log);
  std::vector<std::string> argv = {"verilator",    "--binary",
                                   "--timing",     "-Wno-fatal",
                                   "-Wno-lint",    "-Wno-style",
                                   "--top-module", "tb",
                                   "-Mdir",        (fs::path(dir) / "obj").string(),
                                   "-j",           std::to_string(std::max(1, jobs)),
                                   "-o",           "tb_sim",
                                   testbench};
  argv.insert(argv.end(), rtl_files.begin(), rtl_files.end());
  auto t0 = std::chrono::steady_clock::now();
  if (run_logged(argv, log) != 0)
    throw_internal("verilator failed to build the testbench (log {}):\n{}", log, tail(log));
  r.build_seconds = seconds_since(t0);
  const std::string outputs = (fs::path(dir) / "outputs.hex").string();
  t0 = std::chrono::steady_clock::now();
  const int rc = run_logged(
      {(fs::path(dir) / "obj" / "tb_sim").string(), "+inputs=" + inputs_hex, "+outputs=" + outputs}, log);
  r.run_seconds = seconds_since(t0);
  const std::string text = tail(log, 4000);
  const auto pos = text.find("EDGEQ_TB latency=");
  if (rc != 0 || pos == std::string::npos || text.find("EDGEQ_TB error") != std::string::npos)
    throw_internal("the Verilator simulation failed (log {}):\n{}", log, text);
  r.latency = std::atoi(text.c_str() + pos + std::string("EDGEQ_TB latency=").size());
  std::ifstream in(outputs);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) r.outputs.push_back(unpack_hex(line, net.n_out(), net.output_t()));
  return r;
}

SynthesisResult synthesise_yosys(const std::string& dir, const std::vector<std::string>& rtl_files,
                                 const std::string& top, const std::string& family) {
  SynthesisResult r;
  const fs::path d(dir);
  const std::string script = (d / "synth.ys").string(), log = (d / "yosys.log").string(),
                    stat = (d / "stat.json").string();
  {
    std::ofstream s(script);
    for (const auto& f : rtl_files) s << "read_verilog -sv " << f << "\n";
    s << "synth_xilinx -family " << family << " -top " << top << " -noiopad\n";
    s << "tee -q -o " << stat << " stat -json\n";
  }
  fs::remove(log);
  const auto t0 = std::chrono::steady_clock::now();
  if (run_logged({"yosys", "-q", "-s", script}, log) != 0)
    throw_internal("yosys synth_xilinx failed (log {}):\n{}", log, tail(log));
  r.seconds = seconds_since(t0);
  std::ifstream in(stat);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw_internal("cannot read the Yosys statistics {}: {}", stat, e.what());
  }
  if (j.contains("modules"))
    for (const auto& [name, m] : j.at("modules").items()) {
      Resources res;
      const auto cells = m.value("num_cells_by_type", nlohmann::json::object());
      for (const auto& [type, n] : cells.items()) add_cell(res, type, n.get<std::int64_t>());
      r.per_module[name.size() > 0 && name[0] == '\\' ? name.substr(1) : name] = res;
    }
  if (j.contains("design")) {
    const auto cells = j.at("design").value("num_cells_by_type", nlohmann::json::object());
    for (const auto& [type, n] : cells.items()) add_cell(r.total, type, n.get<std::int64_t>());
  }
  return r;
}

}  // namespace edgeq::fpga
