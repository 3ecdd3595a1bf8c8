// compnn-bench-startup: how long does `compnn` take to start? Times `compnn --help`, `compnn match`
// on small arrays and `compnn verify` on a small store, each alternated with a C "hello" program
// (the cost of starting any process here), and reports medians, the time above hello, and the
// ratio. The arrays and the store are made in a temporary folder first.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "compnn/store/npy.h"
#include "interleaved_timing.h"
#include "search_bench_common.h"

extern char** environ;

namespace compnn::bench {
namespace {

namespace fs = std::filesystem;

// Runs a program to its end with standard output (and, unless `show_errors`, standard error)
// discarded; throws unless it exits 0.
void RunQuietly(const std::vector<std::string>& command, bool show_errors = false) {
  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  if (!show_errors) posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + command[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const std::string& word : command) line += word + " ";
    throw std::runtime_error("failed (" +
                             (WIFEXITED(status)
                                  ? "exit status " + std::to_string(WEXITSTATUS(status))
                                  : "signal " + std::to_string(WTERMSIG(status))) +
                             "): " + line);
  }
}

// A fresh folder under the system's temporary one, removed with everything in it on destruction.
struct TemporaryFolder {
  explicit TemporaryFolder(const std::string& prefix)
      : path(fs::temp_directory_path() / (prefix + "-" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TemporaryFolder() { fs::remove_all(path); }
  fs::path path;
};

// Random float32 arrays of the given shape.
void WriteRandomArray(const fs::path& path, const std::vector<std::int64_t>& shape,
                      std::mt19937& rng) {
  std::size_t count = 1;
  for (std::int64_t side : shape) count *= side;
  std::vector<float> values(count);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& v : values) v = uniform(rng);
  WriteNpy(path.string(), DType::kFloat32, shape, values.data());
}

int Main(int argc, char** argv) {
  const fs::path here = fs::read_symlink("/proc/self/exe").parent_path();
  std::string compnn = (here / "compnn").string(), hello = (here / "compnn-bench-hello").string();
  int rounds = 21;
  std::string json_path;
  CLI::App app{
      "How long compnn takes to start: --help, match on small arrays and verify on a small store, "
      "each alternated with a C hello program."};
  app.add_option("--compnn", compnn, "the compnn binary")->capture_default_str();
  app.add_option("--hello", hello, "the C hello binary")->capture_default_str();
  app.add_option("--rounds", rounds, "alternating rounds per command (the median is reported)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--json", json_path, "also write the results to this JSON file");
  CLI11_PARSE(app, argc, argv);

  const TemporaryFolder temporary("compnn-bench-startup");
  const fs::path& dir = temporary.path;
  fs::create_directories(dir / "acts");
  std::ofstream(dir / "acts" / "names.txt") << "a\nb\nc\nd\n";
  std::mt19937 rng(1);
  WriteRandomArray(dir / "query.npy", {8, 8, 16}, rng);
  WriteRandomArray(dir / "database.npy", {3, 8, 8, 16}, rng);
  WriteRandomArray(dir / "acts" / "layer.npy", {4, 8, 8, 16}, rng);
  RunQuietly(
      {compnn, "index", "--import", (dir / "acts").string(), "--out", (dir / "store").string()},
      /*show_errors=*/true);

  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"compnn --help", {compnn, "--help"}},
      {"compnn match --method exact (8x8x16, 3 maps)",
       {compnn, "match", "--query", (dir / "query.npy").string(), "--database",
        (dir / "database.npy").string(), "--method", "exact", "--out", (dir / "exact").string()}},
      {"compnn match --method hpm (8x8x16, 3 maps)",
       {compnn, "match", "--query", (dir / "query.npy").string(), "--database",
        (dir / "database.npy").string(), "--method", "hpm", "--out", (dir / "hpm").string()}},
      {"compnn verify (4 maps of 8x8x16)", {compnn, "verify", (dir / "store").string()}},
  };
  nlohmann::json report;
  std::printf("%-46s %12s %12s %14s %10s\n", "command", "median (ms)", "hello (ms)", "above hello",
              "ratio");
  for (const auto& [label, command] : commands) {
    RunQuietly(command);  // warm: files in the page cache
    const InterleavedTiming t =
        TimeInterleaved([&] { RunQuietly(command); }, [&] { RunQuietly({hello}); }, rounds);
    std::printf("%-46s %12.1f %12.2f %12.1f ms %10.1f\n", label.c_str(), 1e3 * t.subject_median,
                1e3 * t.baseline_median, 1e3 * (t.subject_median - t.baseline_median),
                t.ratio_median);
    nlohmann::json row = t.ToJson();
    row["command"] = label;
    report["commands"].push_back(row);
  }
  WriteReportIfAsked(json_path, report);
  return 0;
}

}  // namespace
}  // namespace compnn::bench

int main(int argc, char** argv) {
  return compnn::bench::RunBenchmark("compnn-bench-startup", compnn::bench::Main, argc, argv);
}
