// The label conventions of the published datasets compnn imports: their classes, in their own
// order, names and colours, and how their label files encode them.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"
#include "compnn/data/label_colours.h"

namespace compnn {

// A palette for colour label images, and every colour such images use: several colours may stand
// for one class (Cityscapes draws its ignored ids in colours of their own, all of them ignore).
struct ColourPalette {
  std::string name;
  Palette palette;
  std::vector<LabelColour> colours;
};

// CMP Facades' 12 base classes (background, facade, window, ..., shop) in the CMP Facade
// Database's own colours (those of compnn's generated facades). No ignore class.
ColourPalette CmpFacadesColours();
// The same 12 classes in the colours pix2pix's facades pairs are drawn with: another jet colour
// map, whose background, facade and window lie nearer CMP's colour of the next class than their
// own (read from the 400 training pairs' uniform label regions). No ignore class.
ColourPalette Pix2PixFacadesColours();
// Cityscapes' 19 train classes in train-id order with their colours; the colours of the ignored
// label ids, and black, are the ignore class. For pix2pix's cityscapes pairs.
ColourPalette CityscapesColours();
// A palette file: labels.json's format ("classes", optional "ignore"), plus an optional
// "ignore_colours" list of [r, g, b] that also mean ignore. Throws naming the file.
ColourPalette ReadColourPalette(const std::string& path);

// The built-in colour palettes by name: pix2pix-facades, cmp-facades, cityscapes.
const std::map<std::string, ColourPalette (*)()>& BuiltInColourPalettes();
// A built-in palette by name, or a palette file (ReadColourPalette); throws naming the built-in
// names when it is neither.
ColourPalette ColourPaletteNamed(const std::string& name_or_file);

// Cityscapes label ids (gtFine *_labelIds.png, 0..33) as train ids 0..18, or kIgnoreClass.
inline constexpr int kCityscapesLabelIds = 34;
const std::array<std::uint8_t, kCityscapesLabelIds>& CityscapesTrainIds();

// CamVid as SegNet publishes it: annotations are class indices 0..10, and 11 is void.
Palette CamVidPalette();
inline constexpr std::uint8_t kCamVidVoid = 11;

}  // namespace compnn
