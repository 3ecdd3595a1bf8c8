// Runs the compnn binary as a user would and captures what it prints.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace compnn::testing {

struct ProcessResult {
  int status = -1;
  std::string output;  // standard output and standard error together
};

// Runs a shell command line and captures what it prints.
inline ProcessResult RunShellCommand(const std::string& command) {
  ProcessResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) result.output += buffer;
  const int raw = ::pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

// A run that hangs is killed after 10 minutes (status 124 from timeout), so a hang fails the test
// instead of holding the suite until ctest's own limit.
inline ProcessResult RunCompnn(const std::string& args) {
  return RunShellCommand("timeout --kill-after=10 600 " + std::string(COMPNN_BINARY) + " " + args);
}

}  // namespace compnn::testing
