#include "compnn/store/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "temp_dir.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

class StagedFolderTest : public testing::TempDirTest {
 protected:
  int Entries(const std::string& dir) const {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++count;
    return count;
  }
};

TEST_F(StagedFolderTest, CommitReplacesTheOldFolderWhole) {
  WriteText("out/old.txt", "old");
  {
    StagedFolder folder(Path("out"));
    EXPECT_EQ(folder.path(), Path(".out.partial"));
    std::ofstream(folder.path() + "/new.txt") << "new";
    EXPECT_TRUE(fs::exists(Path("out/old.txt")));  // the old folder stands until Commit
    folder.Commit();
  }
  EXPECT_FALSE(fs::exists(Path("out/old.txt")));
  EXPECT_EQ(ReadBytes(Path("out/new.txt")), "new");
  EXPECT_EQ(Entries(dir_.string()), 1);  // no staging or old folder left
}

TEST_F(StagedFolderTest, UncommittedLeavesTheOldFolderAndNoStaging) {
  WriteText("out/old.txt", "old");
  {
    StagedFolder folder(Path("out"));
    std::ofstream(folder.path() + "/half.txt") << "half";
  }
  EXPECT_EQ(ReadBytes(Path("out/old.txt")), "old");
  EXPECT_EQ(Entries(Path("out")), 1);
  EXPECT_EQ(Entries(dir_.string()), 1);
}

TEST_F(StagedFolderTest, StagingLeftByAKilledRunIsClearedAndAFileInPlaceIsRefused) {
  WriteText(".out.partial/stale.txt", "stale");
  StagedFolder folder(Path("out"));
  EXPECT_FALSE(fs::exists(Path(".out.partial/stale.txt")));
  WriteText("out", "a file");
  try {
    folder.Commit();
    ADD_FAILURE() << "committed over a file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("exists and is not a folder"), std::string::npos);
  }
  EXPECT_EQ(ReadBytes(Path("out")), "a file");
}

TEST_F(StagedFolderTest, StaleTemporariesOfDeadWritersAreRemovedLiveOnesKept) {
  // A process that has exited and been reaped: its pid names no process now.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  const std::string dead = Path("progress.json.tmp." + std::to_string(child) + ".3");
  const std::string live = Path("progress.json.tmp." + std::to_string(::getpid()) + ".4");
  for (const std::string& name : {dead, live, Path("progress.json"), Path("notes.tmp.txt")})
    WriteFileAtomically(name, "x");
  RemoveStaleTemporaries(Path(""));
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(Path("progress.json")));
  EXPECT_TRUE(fs::exists(Path("notes.tmp.txt")));
}

}  // namespace
}  // namespace compnn
