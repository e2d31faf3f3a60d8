#include "edgeq/cli/stage_book.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::cli {

std::string stable_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", h);
}

StageBook::StageBook(std::filesystem::path out_dir, std::size_t total, bool verbose_progress)
    : out_(std::move(out_dir)), total_(total), print_(verbose_progress) {
  std::filesystem::create_directories(out_ / "stages");
}

std::filesystem::path StageBook::stamp_path(const std::string& id) const {
  std::string file = id;
  for (auto& ch : file)
    if (ch == '/') ch = '.';
  return out_ / "stages" / (file + ".json");
}

nlohmann::json StageBook::run(const std::string& id, const std::string& key,
                              const std::vector<std::filesystem::path>& outputs,
                              const std::function<nlohmann::json()>& work) {
  ++index_;
  const auto stamp = stamp_path(id);
  std::error_code ec;
  if (std::ifstream in(stamp); in) {
    nlohmann::json j;
    try {
      in >> j;
    } catch (const nlohmann::json::exception&) {
      j = nullptr;  // a stamp is written atomically; an unreadable one is redone
    }
    bool fresh = j.is_object() && j.value("key", "") == key && j.contains("result");
    for (const auto& o : outputs) fresh = fresh && std::filesystem::exists(o, ec);
    if (fresh) {
      ++skipped_;
      if (print_) fmt::print(stderr, "[{:>2}/{}] {:<34} up to date\n", index_, total_, id);
      return j["result"];
    }
  }
  if (print_) fmt::print(stderr, "[{:>2}/{}] {:<34} running\n", index_, total_, id);
  std::fflush(stderr);
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json result = work();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& o : outputs)
    if (!std::filesystem::exists(o, ec)) throw_internal("stage {} did not write {}", id, o.string());
  core::write_file_atomic(
      stamp, nlohmann::json{{"stage", id}, {"key", key}, {"seconds", seconds}, {"result", result}}.dump(1));
  ++ran_;
  if (print_) fmt::print(stderr, "[{:>2}/{}] {:<34} done in {:.1f} s\n", index_, total_, id, seconds);
  return result;
}

}  // namespace edgeq::cli
