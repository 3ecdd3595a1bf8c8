#include "progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace compnn::cli {

ProgressBar::ProgressBar(std::string label, long long total)
    : label_(std::move(label)),
      total_(std::max(1LL, total)),
      enabled_(::isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(long long done) {
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
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
  if (!enabled_ || finished_) return;
  Update(total_);
  finished_ = true;
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
