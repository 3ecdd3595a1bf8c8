#include <stdexcept>

#include "compnn/data/dataset_writer.h"
#include "compnn/data/generators.h"
#include "facade_layout.h"
#include "facade_render.h"
#include "random.h"
#include "split_plan.h"

namespace compnn {

Palette FacadesPalette() {
  // CMP Facades' colours: the 12 classes spread along a jet colour map.
  static const int kRgb[data::kFacadeClassCount][3] = {
      {0, 0, 170},    {0, 0, 255},   {0, 85, 255},  {0, 170, 255}, {0, 255, 255}, {85, 255, 170},
      {170, 255, 85}, {255, 255, 0}, {255, 170, 0}, {255, 85, 0},  {255, 0, 0},   {170, 0, 0}};
  std::vector<LabelClass> classes;
  for (int i = 0; i < data::kFacadeClassCount; ++i) {
    classes.push_back(
        {i, data::kFacadeClassNames[i], cv::Vec3b(kRgb[i][0], kRgb[i][1], kRgb[i][2])});
  }
  return Palette(std::move(classes));
}

void GenerateFacades(GeneratorOptions options) {
  options.Check();
  const data::SplitPlan plan(options, 400, 100, 106, "facade");
  const Palette palette = FacadesPalette();
  DatasetWriter writer(options.out, options.overwrite);
  std::vector<nlohmann::json> meta(plan.size());
  data::ForEachPlanned(
      plan,
      [&](int i) {
        const data::PlannedImage& item = plan[i];
        const data::FacadeLayout layout = data::MakeFacadeLayout(options.size, item.seed);
        const data::FacadeImages images = data::RenderFacade(layout, item.seed ^ 0x5EED);
        writer.WritePair(item.split, item.name, images.photo, palette.Colourise(images.classes));
        const data::FacadeAttributes& a = layout.attributes;
        meta[i] = {{"split", item.split},
                   {"name", item.name},
                   {"seed", item.seed},
                   {"wall_colour", a.wall_colour},
                   {"wall_material", a.wall_material},
                   {"window_style", a.window_style},
                   {"floors", a.floors},
                   {"columns", a.columns},
                   {"shop", a.shop},
                   {"balconies", a.balconies}};
      },
      options.progress);
  writer.SetLabels(palette, PairSide::kB);
  writer.SetMeta(std::move(meta));
  writer.Commit();
}

}  // namespace compnn
