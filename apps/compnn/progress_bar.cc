#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace compnn::cli {

ProgressBar::ProgressBar(std::string label, long long total,
                         std::chrono::milliseconds plain_interval)
    : label_(std::move(label)),
      total_(std::max(1LL, total)),
      enabled_(::isatty(STDERR_FILENO) != 0),
      plain_interval_(plain_interval),
      start_(std::chrono::steady_clock::now()),
      last_draw_(enabled_ ? start_ - std::chrono::seconds(1) : start_) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(long long done) {
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!enabled_) {
    // A line once the interval has passed, never for the last step (the caller's own line
    // follows the work).
    if (done < total_ && now - last_draw_ >= plain_interval_) PrintLine(done, now);
    return;
  }
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  DrawBar(done, now);
}

void ProgressBar::PrintLine(long long done, std::chrono::steady_clock::time_point now) {
  last_draw_ = now;
  const double fraction = std::clamp(static_cast<double>(done) / total_, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
  std::fprintf(stderr, "%s%s%lld/%lld (%.1f%%), %.0fs elapsed, %.0fs left\n", label_.c_str(),
               label_.empty() ? "" : ": ", done, total_, 100 * fraction, elapsed, remaining);
  std::fflush(stderr);
}

void ProgressBar::DrawBar(long long done, std::chrono::steady_clock::time_point now) {
  last_draw_ = now;
  const double fraction = std::clamp(static_cast<double>(done) / total_, 0.0, 1.0);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double remaining = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(stderr, "\r%s [%s%s] %5.1f%%  %.1fs elapsed, %.1fs left  ", label_.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
               100 * fraction, elapsed, remaining);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  DrawBar(total_, std::chrono::steady_clock::now());
  std::fputc('\n', stderr);
}

void LazyProgressBar::Update(long long done, long long total) {
  if (!bar_) bar_ = std::make_unique<ProgressBar>(label_, total);
  bar_->Update(done);
}

void LazyProgressBar::Finish() {
  if (bar_) bar_->Finish();
}

}  // namespace compnn::cli
