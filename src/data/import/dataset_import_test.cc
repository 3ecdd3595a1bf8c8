// The importers against tiny copies of the published datasets (tests/published_layouts.h), whose
// class maps are known before the files were written.
#include "compnn/data/dataset_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/store/json_file.h"
#include "published_layouts.h"
#include "temp_dir.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;
using testing::ExpectedClasses;

class DatasetImportTest : public testing::TempDirTest {
 protected:
  DatasetImportOptions Options(const std::string& source) const {
    DatasetImportOptions o;
    o.source = Path(source);
    o.out = Path("out");
    return o;
  }
  // The imported class maps: every expected image, and no other.
  void ExpectEveryImage(const ExpectedClasses& expected, const ImageSize* resized = nullptr) {
    const Dataset dataset = Dataset::Open(Path("out"));
    for (const auto& [split, images] : expected) {
      ASSERT_EQ(dataset.Names(split).size(), images.size()) << split;
      for (const auto& [name, truth] : images) {
        const ImagePair pair = dataset.Read(split, name);
        cv::Mat want = truth;
        if (resized) {
          // The source pixel nearest each output pixel's centre, computed here independently.
          want.create(resized->height, resized->width, CV_8UC1);
          for (int y = 0; y < resized->height; ++y) {
            for (int x = 0; x < resized->width; ++x) {
              const double sy = (y + 0.5) * truth.rows / resized->height;
              const double sx = (x + 0.5) * truth.cols / resized->width;
              want.at<uchar>(y, x) = truth.at<uchar>(static_cast<int>(std::floor(sy)),
                                                     static_cast<int>(std::floor(sx)));
            }
          }
        }
        const cv::Mat got = dataset.palette().Classes(pair.b, false, name);
        ASSERT_EQ(got.size(), want.size()) << name;
        EXPECT_EQ(cv::countNonZero(got != want), 0) << split << "/" << name;
      }
    }
  }
  // The action fails naming `file` and `what`, and leaves no dataset behind.
  void ExpectRefused(const std::function<void()>& action, const std::string& file,
                     const std::string& what) {
    try {
      action();
      ADD_FAILURE() << "no error; expected one naming " << file;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(Path("out")));
    for (const auto& entry : fs::directory_iterator(dir_))
      EXPECT_EQ(entry.path().filename().string().find(".out.partial"), std::string::npos);
  }
};

TEST_F(DatasetImportTest, CityscapesKeepsEveryLabelAndTheIgnoreClass) {
  testing::CityscapesOptions fixture;
  fixture.counts = {3, 1, 1};
  const ExpectedClasses expected = testing::WriteCityscapes(Path("cityscapes"), fixture);
  const ImportReport report = ImportCityscapes(Options("cityscapes"));
  ExpectEveryImage(expected);

  const nlohmann::json labels = ReadJsonFile(Path("out/labels.json"));
  ASSERT_EQ(labels["classes"].size(), 19u);
  EXPECT_EQ(labels["classes"][0]["name"], "road");  // class k is train id k
  EXPECT_EQ(labels["classes"][18]["name"], "bicycle");
  EXPECT_EQ(labels["classes"][18]["colour"], nlohmann::json({119, 11, 32}));
  EXPECT_EQ(labels["ignore"]["name"], "unlabeled");
  EXPECT_EQ(labels["label_side"], "B");

  // Names and meta come from the source's file names; photos are copied unchanged.
  const Dataset dataset = Dataset::Open(Path("out"));
  const std::string name = expected.at("val").begin()->first;
  const nlohmann::json meta = dataset.Meta("val", name);
  EXPECT_EQ(meta["city"], "frankfurt");
  EXPECT_EQ(name, meta["city"].get<std::string>() + "_" + meta["sequence"].get<std::string>() +
                      "_" + meta["frame"].get<std::string>());
  const cv::Mat photo = cv::imread(
      Path("cityscapes/leftImg8bit/val/frankfurt/" + name + "_leftImg8bit.png"), cv::IMREAD_COLOR);
  EXPECT_EQ(cv::norm(photo, dataset.Read("val", name).a, cv::NORM_INF), 0);

  // The published test split has no annotations: the report says so.
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("'test'"), std::string::npos);
  EXPECT_EQ(report.splits[0].images, 3);
}

TEST_F(DatasetImportTest, CityscapesAtFullSizeResizedToANonSquareShape) {
  testing::CityscapesOptions fixture;
  fixture.counts = {1, 1, 1};
  fixture.one_full_size = true;  // 2048 x 1024, as published
  const ExpectedClasses expected = testing::WriteCityscapes(Path("cityscapes"), fixture);
  DatasetImportOptions o = Options("cityscapes");
  o.size = ImageSize{64, 128};
  const ImportReport report = ImportCityscapes(o);
  EXPECT_EQ(report.splits[0].source_size, (ImageSize{1024, 2048}));
  ExpectEveryImage(expected, &*o.size);
}

TEST_F(DatasetImportTest, CamVidKeepsEveryLabelVoidBecomesIgnore) {
  const ExpectedClasses expected = testing::WriteCamVid(Path("camvid"), {});
  ImportCamVid(Options("camvid"));
  ExpectEveryImage(expected);
  const Dataset dataset = Dataset::Open(Path("out"));
  ASSERT_EQ(dataset.palette().size(), 11);
  EXPECT_EQ(dataset.palette()[0].name, "sky");  // class k is annotation index k
  EXPECT_EQ(dataset.palette()[10].name, "bicyclist");
  ASSERT_TRUE(dataset.palette().ignore());
  bool has_void = false;
  for (const auto& [split, images] : expected)
    for (const auto& [name, classes] : images)
      has_void |= cv::countNonZero(classes == kIgnoreClass) > 0;
  EXPECT_TRUE(has_void);  // the fixture exercises void
  const std::string name = expected.at("train").begin()->first;
  const nlohmann::json meta = dataset.Meta("train", name);
  EXPECT_TRUE(meta.contains("sequence") && meta.contains("frame")) << meta.dump();
}

TEST_F(DatasetImportTest, Pix2PixFacadesRecoversAtLeast97PercentOfEveryJpegLabelImage) {
  const ExpectedClasses expected = testing::WritePix2pixFacades(Path("facades"), 4, 7);
  const ImportReport report = ImportPix2Pix(Options("facades"), Pix2PixLabels());
  const Dataset dataset = Dataset::Open(Path("out"));
  for (const auto& [split, images] : expected) {
    for (const auto& [name, truth] : images) {
      const cv::Mat got = dataset.palette().Classes(dataset.Read(split, name).b, false, name);
      const double kept = 1.0 - cv::countNonZero(got != truth) / double(truth.total());
      EXPECT_GE(kept, 0.97) << split << "/" << name;
    }
  }
  // JPEG changed many colours, but (with the right palette) few lie far from every class.
  const ColourRecoveryStats& c = report.splits[0].colours;
  EXPECT_GT(c.inexact, 0);
  EXPECT_LT(c.far, 0.02 * c.pixels);
}

TEST_F(DatasetImportTest, Pix2PixWithoutATestSplitAsPix2PixCityscapesPublishesIt) {
  testing::WritePix2pixFacades(Path("facades"), 1, 2);
  fs::remove_all(Path("facades/test"));
  const ImportReport report = ImportPix2Pix(Options("facades"), Pix2PixLabels());
  ASSERT_EQ(report.splits.size(), 2u);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("no test split"), std::string::npos) << report.notes[0];
  const Dataset dataset = Dataset::Open(Path("out"));
  EXPECT_TRUE(dataset.HasSplit("val"));
  EXPECT_FALSE(dataset.HasSplit("test"));
  // train and val stay required.
  fs::remove_all(Path("out"));
  fs::remove_all(Path("facades/val"));
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), Pix2PixLabels()); }, "facades/val",
                "missing");
}

TEST_F(DatasetImportTest, Pix2PixRefusesAWrongPaletteNamingTheFile) {
  testing::WritePix2pixFacades(Path("facades"), 1, 3);
  Pix2PixLabels labels;
  labels.colours = CityscapesColours();
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), labels); }, "facades/", "right palette");
}

TEST_F(DatasetImportTest, CamVidWithoutATestSplitIsNotedAndHalfASplitIsRefused) {
  testing::WriteCamVid(Path("camvid"), {});
  fs::remove_all(Path("camvid/test"));
  fs::remove_all(Path("camvid/testannot"));
  const ImportReport report = ImportCamVid(Options("camvid"));
  ASSERT_EQ(report.splits.size(), 2u);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("no test split"), std::string::npos) << report.notes[0];
  EXPECT_FALSE(Dataset::Open(Path("out")).HasSplit("test"));
  // Photos without their annotation folder are still refused, naming the folder.
  fs::remove_all(Path("out"));
  fs::create_directories(Path("camvid/test"));
  ExpectRefused([&] { ImportCamVid(Options("camvid")); }, "camvid/testannot", "missing");
}

TEST_F(DatasetImportTest, MissingSplitIsRefused) {
  testing::WriteCamVid(Path("camvid"), {});
  fs::remove_all(Path("camvid/valannot"));
  ExpectRefused([&] { ImportCamVid(Options("camvid")); }, "camvid/valannot", "missing");
}

TEST_F(DatasetImportTest, PhotoWithoutAnnotationAndTheReverseAreRefused) {
  const ExpectedClasses expected = testing::WriteCamVid(Path("camvid"), {});
  const std::string name = expected.at("train").begin()->first;
  fs::rename(Path("camvid/trainannot/" + name + ".png"), Path("stray.png"));
  ExpectRefused([&] { ImportCamVid(Options("camvid")); }, "camvid/train/" + name + ".png",
                "annotation");
  fs::rename(Path("stray.png"), Path("camvid/trainannot/" + name + ".png"));
  fs::remove(Path("camvid/train/" + name + ".png"));
  ExpectRefused([&] { ImportCamVid(Options("camvid")); }, "camvid/trainannot/" + name + ".png",
                "photo");
}

TEST_F(DatasetImportTest, AnnotationOfAnotherSizeIsRefused) {
  const ExpectedClasses expected = testing::WriteCityscapes(Path("cityscapes"), {});
  const std::string name = expected.at("val").begin()->first;
  const std::string path = Path("cityscapes/gtFine/val/frankfurt/" + name + "_gtFine_labelIds.png");
  cv::imwrite(path, cv::Mat(10, 20, CV_8U, cv::Scalar(7)));
  ExpectRefused([&] { ImportCityscapes(Options("cityscapes")); }, path, "20 x 10 pixels");
}

TEST_F(DatasetImportTest, UnknownLabelIdsAreRefused) {
  const ExpectedClasses expected = testing::WriteCamVid(Path("camvid"), {});
  const std::string name = expected.at("test").begin()->first;
  const std::string path = Path("camvid/testannot/" + name + ".png");
  cv::Mat ids = cv::imread(path, cv::IMREAD_UNCHANGED);
  ids.at<uchar>(3, 5) = 12;
  cv::imwrite(path, ids);
  ExpectRefused([&] { ImportCamVid(Options("camvid")); }, path, "class index 12 at pixel (5, 3)");

  const ExpectedClasses city = testing::WriteCityscapes(Path("cityscapes"), {});
  const std::string city_name = city.at("train").begin()->first;
  const std::string city_path =
      Path("cityscapes/gtFine/train/" + city_name.substr(0, city_name.find('_')) + "/" + city_name +
           "_gtFine_labelIds.png");
  cv::Mat city_ids = cv::imread(city_path, cv::IMREAD_UNCHANGED);
  city_ids.at<uchar>(0, 0) = 34;
  cv::imwrite(city_path, city_ids);
  ExpectRefused([&] { ImportCityscapes(Options("cityscapes")); }, city_path, "label id 34");
}

TEST_F(DatasetImportTest, UnreadableFileIsRefused) {
  testing::WritePix2pixFacades(Path("facades"), 1, 5);
  std::ofstream(Path("facades/val/1.jpg"), std::ios::trunc) << "not a JPEG";
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), Pix2PixLabels()); }, "facades/val/1.jpg",
                "not a readable image");
}

TEST_F(DatasetImportTest, OptionsAreChecked) {
  DatasetImportOptions o = Options("camvid");
  o.size = ImageSize{4, 64};
  EXPECT_THROW(o.Check(), OptionError);
  Pix2PixLabels labels;
  labels.tolerance = 0;
  EXPECT_THROW(labels.Check(), OptionError);
}

}  // namespace
}  // namespace compnn
