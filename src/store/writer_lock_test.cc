#include "compnn/store/writer_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace compnn {
namespace {

class WriterLockTest : public testing::TempDirTest {
 protected:
  // The error a second writer of `output` gets, or "" when it got the lock.
  static std::string Refusal(const std::string& output) {
    try {
      WriterLock lock(output);
      return "";
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }
};

TEST_F(WriterLockTest, ASecondWriterIsRefusedNamingTheOutputAndTheHolder) {
  {
    WriterLock first(Path("store"));
    EXPECT_TRUE(std::filesystem::exists(Path(".store.lock")));
    EXPECT_EQ(Refusal(Path("store")), Path("store") + ": another compnn process (process " +
                                          std::to_string(::getpid()) +
                                          ") is writing it; wait for it to finish");
    EXPECT_EQ(Refusal(Path("other")), "");  // other outputs are free
  }
  EXPECT_FALSE(std::filesystem::exists(Path(".store.lock")));  // released and removed
  EXPECT_EQ(Refusal(Path("store")), "");
  EXPECT_EQ(Refusal(Path("store/")), "");  // a trailing slash names the same output
}

TEST_F(WriterLockTest, AnotherProcessHoldsItUntilKilledAndLeavesNoStaleLock) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    WriterLock lock(Path("model.model"));
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_NE(Refusal(Path("model.model")).find("(process " + std::to_string(child) + ")"),
            std::string::npos);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(Refusal(Path("model.model")), "");  // the kernel dropped the killed writer's lock
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace compnn
