// A progress bar on standard error for long work; silent when standard error is not a terminal,
// so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <string>

namespace compnn::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, long long total);
  ~ProgressBar();
  void Update(long long done);
  void SetLabel(std::string label) { label_ = std::move(label); }
  void Finish();
  // False when standard error is not a terminal: callers then print plain progress lines.
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  long long total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace compnn::cli
