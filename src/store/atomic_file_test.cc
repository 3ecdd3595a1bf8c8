#include "compnn/store/atomic_file.h"

#include <gtest/gtest.h>

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

TEST_F(StagedFolderTest, TemporariesAreRemovedOtherFilesKept) {
  const std::vector<std::string> temporaries = {"progress.json.tmp.4242.3", "a.npy.tmp.1.0"};
  const std::vector<std::string> kept = {"progress.json", "notes.tmp.txt", "b.tmp.12",
                                         "c.tmp.1.2.3", "d.tmp..4"};
  for (const std::string& name : temporaries) WriteFileAtomically(Path(name), "x");
  for (const std::string& name : kept) WriteFileAtomically(Path(name), "x");
  RemoveTemporaries(Path(""));
  for (const std::string& name : temporaries) EXPECT_FALSE(fs::exists(Path(name))) << name;
  for (const std::string& name : kept) EXPECT_TRUE(fs::exists(Path(name))) << name;
}

}  // namespace
}  // namespace compnn
