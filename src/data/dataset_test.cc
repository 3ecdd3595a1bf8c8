#include "compnn/data/dataset.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "compnn/core/check.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/data/image_file.h"
#include "temp_dir.h"

namespace compnn {
namespace {

Palette TwoClasses() {
  return Palette({{0, "ground", cv::Vec3b(0, 0, 0)}, {1, "thing", cv::Vec3b(255, 0, 0)}});
}

class DatasetTest : public testing::TempDirTest {
 protected:
  // A valid dataset of 8 x 8 pairs: photo on the left, labels (thing on the top half) on the right.
  void WriteValid(const std::string& name) {
    DatasetWriter writer(Path(name), false);
    cv::Mat photo(8, 8, CV_8UC3, cv::Scalar(10, 200, 30)),
        labels(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
    labels.rowRange(0, 4).setTo(cv::Scalar(0, 0, 255));  // BGR of rgb (255, 0, 0)
    for (const char* split : {"train", "val", "test"}) writer.WritePair(split, "p1", photo, labels);
    writer.SetLabels(TwoClasses(), PairSide::kB);
    writer.SetMeta({{{"split", "train"}, {"name", "p1"}, {"colour", "red"}}});
    writer.Commit();
  }
  void ExpectError(const std::function<void()>& action, const std::string& file,
                   const std::string& what) {
    try {
      action();
      ADD_FAILURE() << "no error for " << file;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  }
};

TEST(Palette, FindsExactAndNearestColours) {
  const Palette p = TwoClasses();
  EXPECT_EQ(p.Find(cv::Vec3b(0, 0, 255)), 1);  // BGR
  EXPECT_EQ(p.Find(cv::Vec3b(255, 0, 0)), -1);
  EXPECT_EQ(p.Nearest(cv::Vec3b(10, 20, 200)), 1);
  EXPECT_EQ(p.Nearest(cv::Vec3b(10, 20, 100)), 0);
  EXPECT_THROW(Palette({{0, "a", cv::Vec3b(1, 2, 3)}, {1, "b", cv::Vec3b(1, 2, 3)}}),
               std::runtime_error);
  EXPECT_THROW(Palette({{1, "a", cv::Vec3b(1, 2, 3)}}), std::runtime_error);
  const Palette round_trip = Palette::FromJson(p.ToJson(), "x");
  EXPECT_EQ(round_trip[1].name, "thing");
  EXPECT_EQ(round_trip[1].rgb, cv::Vec3b(255, 0, 0));
}

TEST(Palette, IgnoreClassIsFoundColouredAndNeverNearest) {
  const Palette palette(TwoClasses().classes(), LabelClass{0, "void", cv::Vec3b(0, 0, 250)});
  EXPECT_EQ(palette.size(), 2);
  EXPECT_EQ(palette.ignore()->id, kIgnoreClass);
  EXPECT_EQ(palette.Find(cv::Vec3b(250, 0, 0)), kIgnoreClass);  // BGR of rgb (0, 0, 250)
  EXPECT_EQ(palette.Nearest(cv::Vec3b(250, 0, 0)), 0);          // outputs always name a class
  const cv::Mat ids = (cv::Mat_<uchar>(1, 2) << 1, kIgnoreClass);
  const cv::Mat colours = palette.Colourise(ids);
  EXPECT_EQ(colours.at<cv::Vec3b>(0, 1), cv::Vec3b(250, 0, 0));
  EXPECT_EQ(cv::countNonZero(palette.Classes(colours, false) != ids), 0);
  // labels.json: the ignore entry has a name and a colour, and reads back.
  const nlohmann::json ignore = palette.IgnoreJson();
  EXPECT_EQ(ignore, nlohmann::json({{"name", "void"}, {"colour", {0, 0, 250}}}));
  const Palette back = Palette::FromJson(palette.ToJson(), "labels.json", ignore);
  EXPECT_EQ(back.ignore()->rgb, cv::Vec3b(0, 0, 250));
  EXPECT_FALSE(TwoClasses().IgnoreJson().is_object());
  // The ignore colour may not be a class's.
  EXPECT_THROW(Palette(TwoClasses().classes(), LabelClass{0, "void", cv::Vec3b(255, 0, 0)}),
               std::runtime_error);
  EXPECT_THROW(TwoClasses().Colourise(ids), std::runtime_error);  // no ignore class to draw
}

TEST(ImageFile, FormatsOtherThanPngAndJpegAreRefusedBeforeAnyDecoder) {
  for (const std::string& bytes : {std::string("GIF89a\x01\x00\x01\x00", 10), std::string("BM"),
                                   std::string("II*\x00", 4), std::string("plain text")}) {
    try {
      CheckImageBytes(bytes, "other.img");
      ADD_FAILURE() << "accepted " << bytes;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()),
                "other.img: not a readable image (compnn reads PNG and JPEG files)");
    }
  }
}

TEST(ImageFile, AJpegDeclaringHugeSidesIsRefusedBeforeDecoding) {
  // Found by fuzzing: SOI, then a baseline frame header (SOF0) of 255 rows of 65296 pixels.
  std::string jpeg("\xff\xd8\xff\xc0\x00\x11\x08\x00\xff\xff\x10\x03", 12);
  jpeg += std::string(9, '\x01') + "\xff\xd9";
  try {
    CheckImageBytes(jpeg, "huge.jpg");
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "huge.jpg: JPEG of 65296 x 255 pixels; sides must be at most 16384");
  }
}

TEST(ImageFile, AJpegOfMorePixelsThanAPairOfTheLargestImagesIsRefused) {
  // Found by fuzzing: each side within bounds, 14895 x 12048 pixels in all (more than two 8192 x
  // 8192 images), which kept the decoder busy past 20 s.
  std::string jpeg("\xff\xd8\xff\xc0\x00\x11\x08\x3a\x2f\x2f\x10\x03", 12);
  jpeg += std::string(9, '\x01') + "\xff\xd9";
  try {
    CheckImageBytes(jpeg, "many.jpg");
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "many.jpg: JPEG of 12048 x 14895 pixels; at most 134217728 pixels are read");
  }
}

TEST(ImageFile, AFrameHeaderBehindStrayBytesIsStillChecked) {
  // Found by fuzzing: a stray byte and 0xFF fill bytes between two segments, which libjpeg skips,
  // hid a frame of 248 rows of 65040 pixels from a walk that stopped there.
  std::string jpeg(
      "\xff\xd8\xff\xe0\x00\x04\x61\x62\x32\xff\xff\xff\xc0\x00\x11\x08\x00\xf8\xfe\x10\x03", 21);
  jpeg += std::string(9, '\x01') + "\xff\xd9";
  try {
    CheckImageBytes(jpeg, "hidden.jpg");
    ADD_FAILURE() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "hidden.jpg: JPEG of 65040 x 248 pixels; sides must be at most 16384");
  }
  // The reference: libjpeg (through OpenCV) reads past such a byte to the frame. A real JPEG with
  // a stray byte before its second segment is accepted and decodes at its size.
  std::vector<std::uint8_t> encoded;
  cv::imencode(".jpg", cv::Mat(6, 10, CV_8UC3, cv::Scalar(20, 90, 200)), encoded);
  std::string real(encoded.begin(), encoded.end());
  const std::size_t second =
      4 + ((static_cast<unsigned char>(real[4]) << 8) | static_cast<unsigned char>(real[5]));
  ASSERT_EQ(real[second], '\xff');
  real.insert(second, 1, '\x32');
  EXPECT_NO_THROW(CheckImageBytes(real, "stray.jpg"));
  const cv::Mat decoded =
      cv::imdecode(std::vector<std::uint8_t>(real.begin(), real.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.rows, 6);
  EXPECT_EQ(decoded.cols, 10);
}

TEST_F(DatasetTest, ReadsWhatTheWriterWrote) {
  WriteValid("d");
  const Dataset d = Dataset::Open(Path("d"));
  EXPECT_EQ(d.Names("val"), std::vector<std::string>{"p1"});
  const ImagePair pair = d.Read("train", "p1");
  EXPECT_EQ(pair.a.size(), cv::Size(8, 8));
  EXPECT_EQ(pair.a.at<cv::Vec3b>(5, 5), cv::Vec3b(10, 200, 30));
  EXPECT_EQ(d.palette().Find(pair.b.at<cv::Vec3b>(1, 1)), 1);
  EXPECT_EQ(d.palette().Find(pair.b.at<cv::Vec3b>(6, 1)), 0);
  EXPECT_EQ(d.Meta("train", "p1")["colour"], "red");
  EXPECT_TRUE(d.Meta("val", "p1").empty());
  EXPECT_EQ(&InputOf(pair, Direction::kBtoA), &pair.b);
  EXPECT_EQ(ParseDirection("AtoB"), Direction::kAtoB);
  EXPECT_THROW(ParseDirection("up"), std::runtime_error);
}

TEST_F(DatasetTest, EachDefectGivesAnErrorNamingTheFile) {
  WriteValid("d");
  const Dataset d = Dataset::Open(Path("d"));
  // A missing split.
  std::filesystem::remove_all(Path("d/test"));
  ExpectError([&] { d.Names("test"); }, Path("d/test"), "missing");
  // A file that is not a PNG in a split.
  WriteText("d/val/notes.txt", "hello");
  ExpectError([&] { d.Names("val"); }, "notes.txt", "not a .png");
  std::filesystem::remove(Path("d/val/notes.txt"));
  // A .png that is not an image.
  WriteText("d/val/broken.png", "not really a png");
  ExpectError([&] { d.Read("val", "broken"); }, "broken.png", "not a readable PNG");
  // A JPEG under a .png name.
  cv::imwrite(Path("d/val/photo.jpg"), cv::Mat(8, 16, CV_8UC3, cv::Scalar(0, 0, 0)));
  std::filesystem::rename(Path("d/val/photo.jpg"), Path("d/val/jpeg.png"));
  ExpectError([&] { d.Read("val", "jpeg"); }, "jpeg.png", "not a readable PNG");
  // An odd width.
  cv::imwrite(Path("d/val/odd.png"), cv::Mat(8, 15, CV_8UC3, cv::Scalar(0, 0, 0)));
  ExpectError([&] { d.Read("val", "odd"); }, "odd.png", "odd");
  // A label colour outside the palette.
  cv::Mat bad(8, 16, CV_8UC3, cv::Scalar(0, 0, 0));
  bad.at<cv::Vec3b>(3, 12) = cv::Vec3b(1, 2, 3);
  cv::imwrite(Path("d/val/colour.png"), bad);
  ExpectError([&] { d.Read("val", "colour"); }, "colour.png", "(3, 2, 1) at pixel (3, 4)");
  // Malformed labels.json and meta.jsonl.
  WriteText("d/labels.json", "{\"classes\": [{\"id\": 0, \"name\": \"x\"}]}");
  ExpectError([&] { Dataset::Open(Path("d")); }, "labels.json", "bad class entry");
  WriteText("d/labels.json", "{not json");
  ExpectError([&] { Dataset::Open(Path("d")); }, "labels.json", "not valid JSON");
  std::filesystem::remove(Path("d/labels.json"));
  WriteText("d/meta.jsonl", "{\"split\": \"train\", \"name\": \"p1\"}\n{oops\n");
  ExpectError([&] { Dataset::Open(Path("d")); }, "meta.jsonl:2", "not valid JSON");
  WriteText("d/meta.jsonl",
            "{\"split\": \"train\", \"name\": \"p1\"}\n{\"split\": \"val\", \"name\": \"p1\"}\n"
            "{\"split\": \"train\", \"name\": \"p1\", \"colour\": \"blue\"}\n");
  ExpectError([&] { Dataset::Open(Path("d")); }, "meta.jsonl:3",
              "train/p1 was described already on line 1");
  WriteText("d/meta.jsonl", "{\"split\": \"train\", \"name\": 7}\n");
  ExpectError([&] { Dataset::Open(Path("d")); }, "meta.jsonl:1", "'split' and 'name' (strings)");
  ExpectError([&] { Dataset::Open(Path("nowhere")); }, "nowhere", "no such dataset");
}

TEST_F(DatasetTest, SymbolicLinksThatLeadOutOfTheDatasetAreRefused) {
  WriteValid("d");
  WriteValid("elsewhere");
  // Inside the folder a link is fine; one to another folder's pair, or its labels.json, is not.
  std::filesystem::create_symlink(Path("d/train/p1.png"), Path("d/val/p2.png"));
  EXPECT_EQ(Dataset::Open(Path("d")).Names("val").size(), 2u);
  std::filesystem::create_symlink(Path("elsewhere/train/p1.png"), Path("d/train/p3.png"));
  ExpectError([&] { Dataset::Open(Path("d")).Names("train"); }, "d/train/p3.png", "leads out of");
  std::filesystem::remove(Path("d/train/p3.png"));
  std::filesystem::remove(Path("d/labels.json"));
  std::filesystem::create_symlink(Path("elsewhere/labels.json"), Path("d/labels.json"));
  ExpectError([&] { Dataset::Open(Path("d")); }, "d/labels.json", "leads out of");
}

TEST_F(DatasetTest, ASecondWriterOfTheSameDatasetIsRefused) {
  DatasetWriter first(Path("d"), false);
  try {
    DatasetWriter second(Path("d"), true);
    ADD_FAILURE() << "two writers of one dataset";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("d: another compnn process"), std::string::npos)
        << e.what();
  }
}

TEST_F(DatasetTest, AnUncommittedWriterLeavesNothingBehind) {
  {
    DatasetWriter writer(Path("partial"), false);
    writer.WritePair("train", "a", cv::Mat(4, 4, CV_8UC3), cv::Mat(4, 4, CV_8UC3));
  }
  EXPECT_FALSE(std::filesystem::exists(Path("partial")));
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 0);
  WriteValid("d");
  try {
    DatasetWriter(Path("d"), false);
    ADD_FAILURE() << "an existing dataset was overwritten";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "overwrite");
  }
}

}  // namespace
}  // namespace compnn
