// `compnn` and `compnn-full` (command_catalog.h): the small front must not load LibTorch or OpenCV,
// must list the same commands as the whole tool, and must hand the others over intact.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "run_compnn.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

using testing::ProcessResult;
using testing::RunShellCommand;

std::string FullBinary() { return fs::path(COMPNN_BINARY).parent_path() / "compnn-full"; }

TEST(TwoBinaries, TheFrontLinksNeitherLibTorchNorOpenCv) {
  const ProcessResult ldd = RunShellCommand("ldd " + std::string(COMPNN_BINARY));
  ASSERT_EQ(ldd.status, 0) << ldd.output;
  EXPECT_EQ(ldd.output.find("libtorch"), std::string::npos) << ldd.output;
  EXPECT_EQ(ldd.output.find("opencv"), std::string::npos) << ldd.output;
  // The whole tool does link them: the check above can see them.
  EXPECT_NE(RunShellCommand("ldd " + FullBinary()).output.find("opencv"), std::string::npos);
}

TEST(TwoBinaries, HelpListsTheSameCommandsAsTheWholeTool) {
  // The usage line names the binary: the rest must be the same, word for word.
  const ProcessResult front =
      RunShellCommand(std::string(COMPNN_BINARY) + " --help | grep -v ^Usage:");
  const ProcessResult full = RunShellCommand(FullBinary() + " --help | grep -v ^Usage:");
  ASSERT_EQ(front.status, 0) << front.output;
  ASSERT_EQ(full.status, 0) << full.output;
  EXPECT_EQ(front.output, full.output);
  for (const char* command : {"match", "verify", "data", "index"})
    EXPECT_NE(front.output.find(std::string("\n  ") + command + " "), std::string::npos);
}

TEST(TwoBinaries, CommandsOfTheWholeToolKeepTheirArgumentsAndStatus) {
  const ProcessResult help = testing::RunCompnn("data check --help");
  EXPECT_EQ(help.status, 0) << help.output;
  EXPECT_NE(help.output.find("dataset folder"), std::string::npos) << help.output;
  const ProcessResult missing = testing::RunCompnn("data check /nonexistent/dataset");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("/nonexistent/dataset"), std::string::npos) << missing.output;
}

TEST(TwoBinaries, AMissingWholeToolIsOneClearLine) {
  const fs::path dir =
      fs::temp_directory_path() / ("compnn_front_alone_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(COMPNN_BINARY, dir / "compnn", fs::copy_options::overwrite_existing);
  const ProcessResult result = RunShellCommand((dir / "compnn").string() + " data check x");
  fs::remove_all(dir);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.output.find("compnn-full"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("'data'"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find('\n'), result.output.size() - 1) << result.output;
}

}  // namespace
}  // namespace compnn
