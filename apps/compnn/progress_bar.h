// A progress bar on standard error for long work; silent when standard error is not a terminal,
// so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
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

// A progress bar made on the first report, for work whose total the library tells with its
// progress (a callback of (done, total)).
class LazyProgressBar {
 public:
  explicit LazyProgressBar(std::string label) : label_(std::move(label)) {}
  void Update(long long done, long long total);
  void Finish();
  // Whether a bar is drawn (once the first report made one, on a terminal).
  bool enabled() const { return bar_ && bar_->enabled(); }
  // A library progress callback that reports to this bar, which must outlive it.
  std::function<void(int, int)> Callback() {
    return [this](int done, int total) { Update(done, total); };
  }

 private:
  std::string label_;
  std::unique_ptr<ProgressBar> bar_;
};

}  // namespace compnn::cli
