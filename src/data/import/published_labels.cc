#include "compnn/data/published_labels.h"

#include <algorithm>
#include <filesystem>

#include "compnn/core/check.h"
#include "compnn/data/generators.h"
#include "compnn/data/importers.h"
#include "compnn/store/json_file.h"

namespace compnn {

namespace {

struct CityscapesLabel {
  const char* name;
  std::uint8_t train_id;  // kIgnoreClass for the ids Cityscapes does not evaluate
  std::uint8_t r, g, b;
};

// Cityscapes' label table (cityscapesScripts, labels.py), indexed by label id 0..33.
constexpr std::uint8_t I = kIgnoreClass;
const CityscapesLabel kCityscapes[kCityscapesLabelIds] = {
    {"unlabeled", I, 0, 0, 0},
    {"ego vehicle", I, 0, 0, 0},
    {"rectification border", I, 0, 0, 0},
    {"out of roi", I, 0, 0, 0},
    {"static", I, 0, 0, 0},
    {"dynamic", I, 111, 74, 0},
    {"ground", I, 81, 0, 81},
    {"road", 0, 128, 64, 128},
    {"sidewalk", 1, 244, 35, 232},
    {"parking", I, 250, 170, 160},
    {"rail track", I, 230, 150, 140},
    {"building", 2, 70, 70, 70},
    {"wall", 3, 102, 102, 156},
    {"fence", 4, 190, 153, 153},
    {"guard rail", I, 180, 165, 180},
    {"bridge", I, 150, 100, 100},
    {"tunnel", I, 150, 120, 90},
    {"pole", 5, 153, 153, 153},
    {"polegroup", I, 153, 153, 153},
    {"traffic light", 6, 250, 170, 30},
    {"traffic sign", 7, 220, 220, 0},
    {"vegetation", 8, 107, 142, 35},
    {"terrain", 9, 152, 251, 152},
    {"sky", 10, 70, 130, 180},
    {"person", 11, 220, 20, 60},
    {"rider", 12, 255, 0, 0},
    {"car", 13, 0, 0, 142},
    {"truck", 14, 0, 0, 70},
    {"bus", 15, 0, 60, 100},
    {"caravan", I, 0, 0, 90},
    {"trailer", I, 0, 0, 110},
    {"train", 16, 0, 80, 100},
    {"motorcycle", 17, 0, 0, 230},
    {"bicycle", 18, 119, 11, 32},
};

// How pix2pix and Cityscapes name the pixels nobody labelled.
const char kCityscapesIgnoreName[] = "unlabeled";

ColourPalette WithExactColours(std::string name, Palette palette) {
  ColourPalette p{std::move(name), std::move(palette), {}};
  for (const LabelClass& c : p.palette.classes())
    p.colours.push_back({c.rgb, static_cast<std::uint8_t>(c.id)});
  if (p.palette.ignore()) p.colours.push_back({p.palette.ignore()->rgb, kIgnoreClass});
  return p;
}

}  // namespace

ColourPalette CmpFacadesColours() { return WithExactColours("cmp-facades", FacadesPalette()); }

ColourPalette Pix2PixFacadesColours() {
  // The most common value of each class's uniform label regions over pix2pix's 400 training
  // pairs; they step by 80 along the jet colour map, in CMP's class order.
  static const int kRgb[12][3] = {{0, 0, 222},    {0, 48, 255},    {0, 128, 255},  {0, 208, 255},
                                  {32, 255, 224}, {112, 255, 144}, {192, 255, 64}, {255, 240, 0},
                                  {255, 160, 0},  {255, 80, 0},    {255, 0, 0},    {174, 0, 0}};
  std::vector<LabelClass> classes = FacadesPalette().classes();
  for (LabelClass& c : classes) c.rgb = cv::Vec3b(kRgb[c.id][0], kRgb[c.id][1], kRgb[c.id][2]);
  return WithExactColours("pix2pix-facades", Palette(std::move(classes)));
}

const std::array<std::uint8_t, kCityscapesLabelIds>& CityscapesTrainIds() {
  static const std::array<std::uint8_t, kCityscapesLabelIds> ids = [] {
    std::array<std::uint8_t, kCityscapesLabelIds> a{};
    for (int id = 0; id < kCityscapesLabelIds; ++id) a[id] = kCityscapes[id].train_id;
    return a;
  }();
  return ids;
}

ColourPalette CityscapesColours() {
  std::vector<LabelClass> classes;
  for (const CityscapesLabel& l : kCityscapes) {
    if (l.train_id != kIgnoreClass)
      classes.push_back({l.train_id, l.name, cv::Vec3b(l.r, l.g, l.b)});
  }
  std::sort(classes.begin(), classes.end(),
            [](const LabelClass& a, const LabelClass& b) { return a.id < b.id; });
  ColourPalette p = WithExactColours(
      "cityscapes",
      Palette(std::move(classes), LabelClass{kIgnoreClass, kCityscapesIgnoreName, {0, 0, 0}}));
  // Ignored ids drawn in a colour of their own; polegroup shares pole's colour and stays pole.
  for (const CityscapesLabel& l : kCityscapes) {
    const cv::Vec3b rgb(l.r, l.g, l.b);
    const bool known = std::any_of(p.colours.begin(), p.colours.end(),
                                   [&](const LabelColour& c) { return c.rgb == rgb; });
    if (l.train_id == kIgnoreClass && !known) p.colours.push_back({rgb, kIgnoreClass});
  }
  return p;
}

ColourPalette ReadColourPalette(const std::string& path) {
  const nlohmann::json json = ReadJsonFile(path);
  COMPNN_CHECK(json.is_object() && json.contains("classes"), path,
               ": a palette file is an object with 'classes' (as in labels.json)");
  ColourPalette p = WithExactColours(
      path, Palette::FromJson(json["classes"], path, json.value("ignore", nlohmann::json())));
  if (!json.contains("ignore_colours")) return p;
  COMPNN_CHECK(p.palette.ignore(), path, ": 'ignore_colours' needs an 'ignore' class");
  try {
    for (const auto& colour : json["ignore_colours"].get<std::vector<std::vector<int>>>()) {
      COMPNN_CHECK(colour.size() == 3, "each colour is [r, g, b]");
      for (int v : colour) COMPNN_CHECK(v >= 0 && v <= 255, "colour components must be 0..255");
      p.colours.push_back({cv::Vec3b(colour[0], colour[1], colour[2]), kIgnoreClass});
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": bad 'ignore_colours': " + e.what());
  }
  return p;
}

const std::map<std::string, ColourPalette (*)()>& BuiltInColourPalettes() {
  static const std::map<std::string, ColourPalette (*)()> palettes = {
      {"pix2pix-facades", &Pix2PixFacadesColours},
      {"cmp-facades", &CmpFacadesColours},
      {"cityscapes", &CityscapesColours}};
  return palettes;
}

ColourPalette ColourPaletteNamed(const std::string& name_or_file) {
  const auto& builtin = BuiltInColourPalettes();
  if (const auto it = builtin.find(name_or_file); it != builtin.end()) return it->second();
  if (!std::filesystem::exists(name_or_file)) {
    throw std::runtime_error("palette '" + name_or_file + "' is neither built in (" +
                             ColourPaletteNames() + ") nor a file");
  }
  return ReadColourPalette(name_or_file);
}

Palette CamVidPalette() {
  // SegNet's CamVid classes in annotation order, with the colours of its tutorial's scripts.
  const std::vector<LabelClass> classes = {{0, "sky", {128, 128, 128}},
                                           {1, "building", {128, 0, 0}},
                                           {2, "pole", {192, 192, 128}},
                                           {3, "road", {128, 64, 128}},
                                           {4, "pavement", {60, 40, 222}},
                                           {5, "tree", {128, 128, 0}},
                                           {6, "sign symbol", {192, 128, 128}},
                                           {7, "fence", {64, 64, 128}},
                                           {8, "car", {64, 0, 128}},
                                           {9, "pedestrian", {64, 64, 0}},
                                           {10, "bicyclist", {0, 128, 192}}};
  return Palette(classes, LabelClass{kIgnoreClass, "void", {0, 0, 0}});
}

}  // namespace compnn
