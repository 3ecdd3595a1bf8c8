#include "facade_layout.h"

#include <algorithm>
#include <cmath>

#include "random.h"

namespace compnn::data {

const char* const kFacadeClassNames[kFacadeClassCount] = {
    "background", "facade", "window", "door",    "cornice", "sill",
    "balcony",    "blind",  "deco",   "molding", "pillar",  "shop"};

namespace {

int Px(double v) { return static_cast<int>(std::lround(v)); }

// A rectangle from edges, kept inside `bounds` (empty when nothing is left).
cv::Rect Box(double x0, double y0, double x1, double y1, const cv::Rect& bounds) {
  return cv::Rect(cv::Point(Px(x0), Px(y0)), cv::Point(Px(x1), Px(y1))) & bounds;
}

}  // namespace

FacadeLayout MakeFacadeLayout(int size, std::uint64_t seed) {
  Random r(seed);
  const double s = size;
  FacadeLayout layout;
  layout.size = size;
  FacadeAttributes& a = layout.attributes;
  a.wall_colour = r.Pick<std::string>({"red", "beige", "white", "grey", "blue", "green"});
  a.wall_material = r.Pick<std::string>({"brick", "plaster", "stone"});
  a.window_style = r.Chance(0.5) ? "european" : "american";

  // The facade, with sky above and neighbouring buildings at the edges.
  const int left = r.Chance(0.6) ? Px(s * r.Uniform(0.03, 0.1)) : 0;
  const int right = r.Chance(0.6) ? Px(s * r.Uniform(0.03, 0.1)) : 0;
  const int top = std::max(1, Px(s * r.Uniform(0.03, 0.15)));
  layout.facade = cv::Rect(left, top, size - left - right, size - top);
  const cv::Rect& f = layout.facade;
  const cv::Rect image(0, 0, size, size);
  if (left > 0) layout.neighbours.push_back(Box(0, s * r.Uniform(0.0, 0.3), left, s, image));
  if (right > 0)
    layout.neighbours.push_back(Box(size - right, s * r.Uniform(0.0, 0.3), s, s, image));

  // Floors: a roof cornice, upper floors of equal height, a taller ground floor.
  a.floors = r.Int(3, std::clamp(size / 36, 3, 7));
  const int cornice = std::max(1, Px(s * 0.025));
  layout.cornices.push_back(cv::Rect(f.x, f.y, f.width, cornice));
  const int body_top = f.y + cornice;
  const int body = size - body_top;
  const int floor_h = static_cast<int>(body * (1.0 - r.Uniform(0.2, 0.28)) / (a.floors - 1));
  for (int i = 0; i < a.floors; ++i) layout.floor_tops.push_back(body_top + i * floor_h);
  const int ground_top = layout.floor_tops.back();
  const int ground_h = size - ground_top;
  if (r.Chance(0.7))
    layout.cornices.push_back(
        Box(f.x, ground_top - cornice / 2.0, f.x + f.width, ground_top + cornice / 2.0 + 1, f));
  const bool floor_bands = r.Chance(0.3);

  // Window columns, irregularly spaced.
  a.columns = r.Int(2, std::clamp(static_cast<int>(f.width / (s * 0.15)), 2, 6));
  const double spacing = static_cast<double>(f.width) / a.columns;
  const double jitter = r.Uniform(0.0, 0.12);
  std::vector<double> centres;
  for (int c = 0; c < a.columns; ++c) {
    centres.push_back(f.x + spacing * (c + 0.5) + jitter * spacing * r.Uniform(-1.0, 1.0));
  }
  const double min_gap = spacing * (1.0 - 2.0 * jitter);  // least distance between two centres

  const bool european = a.window_style == "european";
  const double w =
      std::max(2.0, spacing * (european ? r.Uniform(0.34, 0.46) : r.Uniform(0.5, 0.64)));
  const double h =
      std::max(2.0, std::min(floor_h * (european ? 0.72 : 0.62),
                             w * (european ? r.Uniform(1.5, 2.0) : r.Uniform(0.8, 1.15))));
  const bool arched = european && r.Chance(0.4);
  const bool shutters = european && !arched && r.Chance(0.5);
  const bool moldings = r.Chance(0.6), sills = r.Chance(0.8);
  const bool pediments = r.Chance(0.35);
  const double frame = std::max(1.0, s * 0.008);
  const double shutter_w = std::min(w / 2.0, (min_gap - w) / 2.0 - frame - 1.0);
  const bool continuous_balconies = r.Chance(0.4);

  auto add_window = [&](double cx, double y0, double ww, double hh, bool with_pediment) {
    FacadeWindow win;
    win.glass = Box(cx - ww / 2, y0, cx + ww / 2, y0 + hh, f);
    if (win.glass.empty()) return;
    win.arched = arched && win.glass.width >= 4;
    if (moldings)
      win.molding = Box(cx - ww / 2 - frame, y0 - frame, cx + ww / 2 + frame, y0 + hh + frame, f);
    if (sills)
      win.sill = Box(cx - ww / 2 - frame, y0 + hh, cx + ww / 2 + frame,
                     y0 + hh + std::max(1.0, s * 0.012), f);
    if (r.Chance(0.15))
      win.roller_blind = Box(cx - ww / 2, y0, cx + ww / 2, y0 + hh * r.Uniform(0.2, 0.7), f);
    if (shutters && shutter_w >= 1.0) {
      win.shutters.push_back(
          Box(cx - ww / 2 - frame - shutter_w, y0, cx - ww / 2 - frame, y0 + hh, f));
      win.shutters.push_back(
          Box(cx + ww / 2 + frame, y0, cx + ww / 2 + frame + shutter_w, y0 + hh, f));
    }
    if (with_pediment) {
      win.pediment = Box(cx - ww / 2 - frame, y0 - frame - std::max(1.0, s * 0.02),
                         cx + ww / 2 + frame, y0 - frame, f);
    }
    layout.windows.push_back(win);
  };

  // Upper floors.
  for (int i = 0; i + 1 < a.floors; ++i) {
    const int floor_top = layout.floor_tops[i];
    if (floor_bands && i > 0)
      layout.cornices.push_back(Box(f.x, floor_top, f.x + f.width, floor_top + cornice, f));
    const double y0 = floor_top + cornice + (floor_h - cornice - h) * 0.45;
    const bool floor_pediments = pediments && r.Chance(0.6);
    for (double cx : centres) add_window(cx, y0, w, h, floor_pediments);
    if (i > 0 && r.Chance(0.3)) {  // balconies on this floor
      const double by0 = y0 + h * 0.65, by1 = y0 + h + std::max(1.0, s * 0.01);
      if (continuous_balconies) {
        layout.balconies.push_back(Box(centres.front() - w, by0, centres.back() + w, by1, f));
      } else {
        for (double cx : centres)
          layout.balconies.push_back(
              Box(cx - w / 2 - 2 * frame, by0, cx + w / 2 + 2 * frame, by1, f));
      }
      ++a.balconies;
    }
  }

  // Ground floor: a door, then shops or windows in the other columns.
  a.shop = r.Chance(0.6);
  const int door_column = r.Int(0, a.columns - 1);
  const double door_w = std::max(2.0, spacing * r.Uniform(0.3, 0.42));
  const double door_h = ground_h * r.Uniform(0.6, 0.8);
  layout.doors.push_back(Box(centres[door_column] - door_w / 2, size - door_h,
                             centres[door_column] + door_w / 2, s, f));
  for (int c = 0; c < a.columns; ++c) {
    if (c == door_column) continue;
    if (a.shop) {
      const double half = spacing * 0.36;
      layout.shops.push_back(Box(centres[c] - half, ground_top + ground_h * 0.15, centres[c] + half,
                                 s - ground_h * 0.04, f));
    } else {
      const double gy = ground_top + cornice + (ground_h - cornice - h) * 0.45;
      add_window(centres[c], gy, w, std::min(h, ground_h * 0.6), false);
    }
  }

  if (r.Chance(0.3)) {  // pillars at the facade's edges
    const double pw = std::max(2.0, s * 0.03);
    layout.pillars.push_back(Box(f.x, body_top, f.x + pw, s, f));
    layout.pillars.push_back(Box(f.x + f.width - pw, body_top, f.x + f.width, s, f));
  }
  return layout;
}

}  // namespace compnn::data
