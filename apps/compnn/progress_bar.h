// A progress bar on standard error for long work. Off a terminal (a log under nohup, a pipe) it
// prints a plain line now and then instead, so that a log shows long work moving without filling
// with redrawn bars.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace compnn::cli {

class ProgressBar {
 public:
  // Off a terminal, a plain line every this long (none for work that ends sooner).
  static constexpr std::chrono::seconds kPlainLineInterval{30};

  ProgressBar(std::string label, long long total,
              std::chrono::milliseconds plain_interval = kPlainLineInterval);
  ~ProgressBar();
  void Update(long long done);
  void SetLabel(std::string label) { label_ = std::move(label); }
  void Finish();
  // False when standard error is not a terminal: callers then print plain progress lines.
  bool enabled() const { return enabled_; }

 private:
  void DrawBar(long long done, std::chrono::steady_clock::time_point now);
  void PrintLine(long long done, std::chrono::steady_clock::time_point now);

  std::string label_;
  long long total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::milliseconds plain_interval_;
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
