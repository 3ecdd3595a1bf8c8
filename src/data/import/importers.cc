#include "compnn/data/importers.h"

#include "compnn/data/published_labels.h"

namespace compnn {

const std::vector<ImporterEntry>& Importers() {
  static const std::vector<ImporterEntry> entries = {
      {"pix2pix",
       "pix2pix's published A|B pairs (facades, cityscapes): SRC/{train,val,test}/N.jpg. Label "
       "colours smeared by JPEG are mapped back to the palette's classes.",
       "folder holding train/ val/ test/", true, &ImportPix2Pix},
      {"cityscapes",
       "Cityscapes: leftImg8bit/ photos with gtFine/ *_labelIds.png; label ids become the 19 "
       "train ids, every other id the ignore class.",
       "Cityscapes root holding leftImg8bit/ and gtFine/", false,
       [](const DatasetImportOptions& o, const Pix2PixLabels&) { return ImportCityscapes(o); }},
      {"camvid",
       "CamVid in SegNet's layout: SRC/{train,val,test}/ photos with {train,val,test}annot/ class "
       "indices 0..10, 11 = void (ignore).",
       "CamVid root holding train/ trainannot/ val/ valannot/ test/ testannot/", false,
       [](const DatasetImportOptions& o, const Pix2PixLabels&) { return ImportCamVid(o); }},
  };
  return entries;
}

std::string ColourPaletteNames() {
  std::string names;
  for (const auto& [name, make] : BuiltInColourPalettes())
    names += (names.empty() ? "'" : ", '") + name + "'";
  return names;
}

}  // namespace compnn
