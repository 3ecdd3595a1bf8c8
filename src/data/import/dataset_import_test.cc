// The importers against tiny copies of the published datasets (tests/published_layouts.h), whose
// class maps are known before the files were written.
#include "compnn/data/dataset_import.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// CMP's own colours and pix2pix's run along two jet colour maps a third of a step apart: every
// pixel is near some colour of either, and only the uniform regions tell them apart.
TEST_F(DatasetImportTest, Pix2PixRefusesTheOtherFacadesPaletteNamingTheColoursFound) {
  testing::WritePix2pixFacades(Path("facades"), 1, 3);
  Pix2PixLabels cmp;
  cmp.colours = CmpFacadesColours();
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), cmp); }, "facades/",
                "are not palette 'cmp-facades''s");
  try {
    ImportPix2Pix(Options("facades"), cmp);
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("(0, 48, 255)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'pix2pix-facades'"), std::string::npos) << e.what();
  }

  // Drawn in CMP's colours: refused by default, read exactly enough with CMP's palette.
  fs::remove_all(Path("facades"));
  const ExpectedClasses expected =
      testing::WritePix2pixFacades(Path("facades"), 1, 3, CmpFacadesColours().palette);
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), Pix2PixLabels()); }, "facades/",
                "are not palette 'pix2pix-facades''s");
  ImportPix2Pix(Options("facades"), cmp);
  const Dataset dataset = Dataset::Open(Path("out"));
  for (const auto& [split, images] : expected) {
    for (const auto& [name, truth] : images) {
      const cv::Mat got = dataset.palette().Classes(dataset.Read(split, name).b, false, name);
      EXPECT_GE(1.0 - cv::countNonZero(got != truth) / double(truth.total()), 0.97) << name;
    }
  }
}

// pix2pix's own facades pairs (../shared/datasets/facades, development data never shipped): a
// few of them read with the default palette, their wall (facade) the largest class as in CMP's
// class shares, and refused with CMP's colours. Skipped when the data is absent.
TEST_F(DatasetImportTest, RealPix2PixFacadesReadWithTheirOwnColours) {
  const fs::path source = fs::path(COMPNN_SOURCE_DIR) / ".." / "shared" / "datasets" / "facades";
  if (!fs::is_directory(source / "train")) GTEST_SKIP() << source << " is absent";
  for (const std::string split : {"train", "val"}) {
    fs::create_directories(Path("facades/" + split));
    for (const char* file : {"1.jpg", "2.jpg", "3.jpg"})
      fs::copy_file(source / split / file, Path("facades/" + split + "/" + file));
  }
  const ImportReport report = ImportPix2Pix(Options("facades"), Pix2PixLabels());
  EXPECT_LT(report.splits[0].colours.FarFraction(), 0.01);
  const Dataset dataset = Dataset::Open(Path("out"));
  std::vector<int> pixels(12, 0);
  for (const std::string split : {"train", "val"}) {
    for (const std::string& name : dataset.Names(split)) {
      const cv::Mat classes = dataset.palette().Classes(dataset.Read(split, name).b, false, name);
      for (int c = 0; c < 12; ++c) pixels[c] += cv::countNonZero(classes == c);
    }
  }
  EXPECT_EQ(std::max_element(pixels.begin(), pixels.end()) - pixels.begin(), 1) << "facade";
  EXPECT_GT(pixels[2], 0) << "window";
  fs::remove_all(Path("out"));
  Pix2PixLabels cmp;
  cmp.colours = CmpFacadesColours();
  ExpectRefused([&] { ImportPix2Pix(Options("facades"), cmp); }, "facades/",
                "are not palette 'cmp-facades''s");
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

// Lab values of sRGB colours from the CIE formulas (D65), worked outside compnn: red (53.2, 80.1,
// 67.2), blue (32.3, 79.2, -107.9), green #008000 (46.2, -51.7, 49.9), tan #D2B48C (75.0, 5.0,
// 24.4), saddle brown #8B4513 (37.5, 23.4, 45.5), mid grey #808080 (53.6, 0, 0).
TEST(RegionColour, NamesAndMeansOfKnownColours) {
  EXPECT_EQ(NameOfColour({53.2, 80.1, 67.2}), "red");
  EXPECT_EQ(NameOfColour({32.3, 79.2, -107.9}), "blue");
  EXPECT_EQ(NameOfColour({46.2, -51.7, 49.9}), "green");
  EXPECT_EQ(NameOfColour({75.0, 5.0, 24.4}), "beige");
  EXPECT_EQ(NameOfColour({37.5, 23.4, 45.5}), "brown");
  EXPECT_EQ(NameOfColour({97.1, -21.6, 94.5}), "yellow");
  EXPECT_EQ(NameOfColour({53.6, 0, 0}), "grey");
  EXPECT_EQ(NameOfColour({100, 0, 0}), "white");
  EXPECT_EQ(NameOfColour({10, 2, 2}), "dark");

  // Half the pixels red, half tan; only the tan ones masked.
  cv::Mat photo(4, 4, CV_8UC3, cv::Scalar(0, 0, 255));
  photo.rowRange(0, 2).setTo(cv::Scalar(0x8C, 0xB4, 0xD2));
  cv::Mat mask = cv::Mat::zeros(4, 4, CV_8U);
  mask.rowRange(0, 2).setTo(1);
  const std::optional<cv::Vec3d> lab = MeanLab(photo, mask);
  ASSERT_TRUE(lab);
  EXPECT_NEAR((*lab)[0], 75.0, 0.3);
  EXPECT_NEAR((*lab)[1], 5.0, 0.3);
  EXPECT_NEAR((*lab)[2], 24.4, 0.3);
  EXPECT_FALSE(MeanLab(photo, cv::Mat::zeros(4, 4, CV_8U)));
}

// Facades imported from pix2pix pairs carry their wall's colour, measured on the photo.
TEST_F(DatasetImportTest, Pix2PixFacadesRecordTheWallColour) {
  testing::WritePix2pixFacades(Path("facades"), 1, 4);
  ImportPix2Pix(Options("facades"), Pix2PixLabels());
  const Dataset dataset = Dataset::Open(Path("out"));
  const std::string name = dataset.Names("train").front();
  const nlohmann::json meta = dataset.Meta("train", name);
  ASSERT_TRUE(meta.contains("wall_lab") && meta.contains("wall_colour")) << meta.dump();
  const ImagePair pair = dataset.Read("train", name);
  const cv::Mat facade = dataset.palette().Classes(pair.b, false) == 1;
  const cv::Vec3d lab = *MeanLab(pair.a, facade);
  const cv::Vec3d stored(meta["wall_lab"][0].get<double>(), meta["wall_lab"][1].get<double>(),
                         meta["wall_lab"][2].get<double>());
  // Recorded to one decimal; the dataset keeps the photo losslessly (PNG).
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(stored[c], lab[c], 0.051) << meta.dump();
  EXPECT_EQ(meta["wall_colour"], NameOfColour(stored));
}

TEST_F(DatasetImportTest, OptionsAreChecked) {
  DatasetImportOptions o = Options("camvid");
  o.size = ImageSize{4, 64};
  EXPECT_THROW(o.Check(), OptionError);
  Pix2PixLabels labels;
  labels.tolerance = 0;
  EXPECT_THROW(labels.Check(), OptionError);
  labels = Pix2PixLabels();
  labels.max_uniform_offset = 1.5;
  EXPECT_THROW(labels.Check(), OptionError);
}

}  // namespace
}  // namespace compnn
