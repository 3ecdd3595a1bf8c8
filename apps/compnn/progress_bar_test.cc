// Progress off a terminal (gtest captures standard error into a file, as nohup's log is).
#include "progress_bar.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace compnn::cli {
namespace {

int Lines(const std::string& text) {
  int lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

TEST(ProgressBar, OffATerminalPrintsPlainLinesNoBarAndNothingForQuickWork) {
  testing::internal::CaptureStderr();
  {
    ProgressBar every_time("epoch 1/3", 4, std::chrono::milliseconds(0));
    ASSERT_FALSE(every_time.enabled());
    for (int done = 1; done <= 4; ++done) every_time.Update(done);
    every_time.Finish();
  }
  const std::string lines = testing::internal::GetCapturedStderr();
  // One line a step before the last; no carriage returns, no bar.
  EXPECT_EQ(Lines(lines), 3) << lines;
  EXPECT_EQ(lines.find('\r'), std::string::npos) << lines;
  EXPECT_EQ(lines.find('#'), std::string::npos) << lines;
  EXPECT_NE(lines.find("epoch 1/3: 2/4 (50.0%)"), std::string::npos) << lines;

  testing::internal::CaptureStderr();
  {
    ProgressBar quick("indexing", 100);  // the default interval: far longer than this loop
    for (int done = 1; done <= 100; ++done) quick.Update(done);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace compnn::cli
