// The geometry of a procedural facade: where every element of the 12 CMP Facades classes lies.
// Drawing it as labels and as a photo is facade_render's job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace compnn::data {

// The 12 classes of CMP Facades, in its order.
enum FacadeClass {
  kBackground,
  kFacade,
  kWindow,
  kDoor,
  kCornice,
  kSill,
  kBalcony,
  kBlind,
  kDeco,
  kMolding,
  kPillar,
  kShop,
  kFacadeClassCount
};
extern const char* const kFacadeClassNames[kFacadeClassCount];

struct FacadeWindow {
  cv::Rect glass;
  bool arched = false;
  cv::Rect molding;                // frame around the glass; empty when none
  cv::Rect sill;                   // below the glass; empty when none
  cv::Rect roller_blind;           // top part of the glass; empty when none
  std::vector<cv::Rect> shutters;  // beside the glass; empty when none
  cv::Rect pediment;               // deco above the window; empty when none
};

struct FacadeAttributes {
  std::string wall_colour;    // red, beige, white, grey, blue, green
  std::string wall_material;  // brick, plaster, stone
  std::string window_style;   // european (tall, arched or shuttered) or american (wide, flat, sash)
  int floors = 0;             // including the ground floor
  int columns = 0;
  bool shop = false;
  int balconies = 0;
};

struct FacadeLayout {
  int size = 0;
  cv::Rect facade;
  std::vector<cv::Rect> neighbours;  // other buildings at the edges (background)
  std::vector<int> floor_tops;       // y of each floor's top, top floor first; ground floor last
  std::vector<FacadeWindow> windows;
  std::vector<cv::Rect> cornices, balconies, pillars, doors, shops;
  FacadeAttributes attributes;
};

FacadeLayout MakeFacadeLayout(int size, std::uint64_t seed);

}  // namespace compnn::data
