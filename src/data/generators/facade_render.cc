#include "facade_render.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>
#include <string>

#include "random.h"

namespace compnn::data {
namespace {

using Colour = cv::Vec3f;  // BGR, 0..255

Colour Bgr(double r, double g, double b) { return Colour(b, g, r); }

Colour Mix(const Colour& a, const Colour& b, double t) { return a * (1.0 - t) + b * t; }

// Smooth noise in [-1, 1]: random values on a coarse grid, interpolated.
cv::Mat SmoothNoise(cv::Size size, int cells, Random& r) {
  cv::Mat coarse(cells + 1, cells + 1, CV_32F);
  for (int y = 0; y < coarse.rows; ++y)
    for (int x = 0; x < coarse.cols; ++x)
      coarse.at<float>(y, x) = static_cast<float>(r.Uniform(-1, 1));
  cv::Mat fine;
  cv::resize(coarse, fine, size, 0, 0, cv::INTER_CUBIC);
  return fine;
}

Colour WallColour(const std::string& family, Random& r) {
  static const std::map<std::string, std::vector<Colour>> kFamilies = {
      {"red", {Bgr(150, 60, 45), Bgr(170, 75, 55), Bgr(130, 50, 40)}},
      {"beige", {Bgr(215, 195, 160), Bgr(200, 180, 140), Bgr(225, 205, 170)}},
      {"white", {Bgr(235, 232, 225), Bgr(220, 220, 215), Bgr(240, 238, 230)}},
      {"grey", {Bgr(140, 140, 140), Bgr(120, 122, 125), Bgr(160, 158, 155)}},
      {"blue", {Bgr(110, 140, 180), Bgr(90, 120, 165), Bgr(130, 160, 195)}},
      {"green", {Bgr(120, 160, 110), Bgr(100, 140, 100), Bgr(140, 175, 130)}}};
  Colour c = r.Pick(kFamilies.at(family));
  for (int i = 0; i < 3; ++i)
    c[i] = static_cast<float>(std::clamp(c[i] + r.Uniform(-10, 10), 0.0, 255.0));
  return c;
}

// Paints the photo and the class map together, so that they always agree.
class Canvas {
 public:
  Canvas(int size, Random& r)
      : r_(r), photo_(size, size, CV_32FC3), classes_(size, size, CV_8U, cv::Scalar(kBackground)) {}

  void Fill(const cv::Rect& rect, int cls, const Colour& c) {
    if (rect.empty()) return;
    photo_(rect).setTo(cv::Scalar(c[0], c[1], c[2]));
    classes_(rect).setTo(cls);
  }
  // Colour times (1 + amplitude * noise) over the rect.
  void Textured(const cv::Rect& rect, int cls, const Colour& c, double amplitude, int cells) {
    if (rect.empty()) return;
    const cv::Mat noise = SmoothNoise(rect.size(), cells, r_);
    for (int y = 0; y < rect.height; ++y)
      for (int x = 0; x < rect.width; ++x)
        photo_.at<Colour>(rect.y + y, rect.x + x) =
            c * static_cast<float>(1.0 + amplitude * noise.at<float>(y, x));
    classes_(rect).setTo(cls);
  }
  void Scale(const cv::Rect& rect, double factor) {
    if (rect.empty()) return;
    cv::Mat region = photo_(rect);
    region *= factor;
  }
  void Shadow(const cv::Rect& below_of, int depth, double factor) {
    Scale(cv::Rect(below_of.x, below_of.y + below_of.height, below_of.width, depth) & Bounds(),
          factor);
  }
  // Only the photo, not the classes: frames, bars, texture lines.
  void Line(cv::Point a, cv::Point b, const Colour& c, int thickness = 1) {
    cv::line(photo_, a, b, cv::Scalar(c[0], c[1], c[2]), thickness);
  }
  cv::Rect Bounds() const { return cv::Rect(0, 0, photo_.cols, photo_.rows); }
  cv::Mat& photo() { return photo_; }
  cv::Mat& classes() { return classes_; }

 private:
  Random& r_;
  cv::Mat photo_, classes_;
};

void DrawWall(Canvas& canvas, const cv::Rect& facade, const std::string& material,
              const Colour& wall, int size, Random& r) {
  canvas.Textured(facade, kFacade, wall, material == "plaster" ? 0.06 : 0.03, 6);
  const Colour mortar = Mix(wall, Bgr(210, 205, 195), 0.6);
  if (material == "brick") {
    const int bh = std::max(2, size / 64), bw = std::max(4, size / 24);
    for (int y = facade.y, row = 0; y < facade.y + facade.height; y += bh, ++row) {
      for (int x = facade.x - (row % 2) * bw / 2; x < facade.x + facade.width; x += bw) {
        const cv::Rect brick = cv::Rect(x, y, bw, bh) & facade;
        canvas.Scale(brick, r.Uniform(0.85, 1.12));
        canvas.Line({brick.x, brick.y}, {brick.x, brick.y + brick.height - 1}, mortar);
      }
      canvas.Line({facade.x, y}, {facade.x + facade.width - 1, y}, mortar);
    }
  } else if (material == "stone") {
    const int bh = std::max(3, size / 20), bw = std::max(6, size / 9);
    for (int y = facade.y, row = 0; y < facade.y + facade.height; y += bh, ++row) {
      for (int x = facade.x - (row % 2) * bw / 3; x < facade.x + facade.width; x += bw) {
        const cv::Rect block = cv::Rect(x, y, bw, bh) & facade;
        canvas.Scale(block, r.Uniform(0.9, 1.08));
        canvas.Line({block.x, block.y}, {block.x, block.y + block.height - 1}, wall * 0.7f);
      }
      canvas.Line({facade.x, y}, {facade.x + facade.width - 1, y}, wall * 0.7f);
    }
  }
}

void DrawSky(Canvas& canvas, int size, Random& r) {
  const Colour zenith = Bgr(r.Uniform(70, 120), r.Uniform(130, 170), r.Uniform(200, 240));
  const Colour horizon = Bgr(r.Uniform(200, 230), r.Uniform(215, 235), r.Uniform(230, 250));
  const cv::Mat clouds = SmoothNoise({size, size}, 5, r);
  const double cloudiness = r.Uniform(0.0, 0.8);
  for (int y = 0; y < size; ++y) {
    const Colour base = Mix(zenith, horizon, static_cast<double>(y) / size);
    for (int x = 0; x < size; ++x) {
      const double cloud = std::max(0.0, static_cast<double>(clouds.at<float>(y, x))) * cloudiness;
      canvas.photo().at<Colour>(y, x) = Mix(base, Bgr(245, 245, 248), std::min(1.0, cloud));
    }
  }
}

void DrawNeighbour(Canvas& canvas, const cv::Rect& rect, int size, Random& r) {
  const Colour wall = Bgr(r.Uniform(90, 200), r.Uniform(90, 190), r.Uniform(80, 180));
  canvas.Textured(rect, kBackground, wall, 0.05, 4);
  const int step = std::max(4, size / 12);
  for (int y = rect.y + step / 2; y + step / 2 < rect.y + rect.height; y += step) {
    for (int x = rect.x + 1; x + 2 < rect.x + rect.width; x += std::max(3, step / 2)) {
      canvas.Fill(cv::Rect(x, y, std::max(1, step / 4), std::max(1, step / 2)) & rect, kBackground,
                  wall * 0.45f);
    }
  }
}

void DrawGlass(Canvas& canvas, const FacadeWindow& win, bool european, const Colour& frame,
               int size, Random& r) {
  const cv::Rect& g = win.glass;
  const Colour sky = Bgr(r.Uniform(150, 200), r.Uniform(180, 215), r.Uniform(210, 240));
  const Colour inside = Bgr(r.Uniform(25, 50), r.Uniform(30, 55), r.Uniform(35, 65));
  const double highlight = r.Uniform(0.2, 0.8);
  const int radius = g.width / 2;
  for (int y = 0; y < g.height; ++y) {
    for (int x = 0; x < g.width; ++x) {
      if (win.arched && y < radius) {  // outside the arch: leave the wall
        const double dx = x + 0.5 - g.width / 2.0, dy = radius - y - 0.5;
        if (dx * dx + dy * dy > radius * radius) continue;
      }
      double t = static_cast<double>(y) / std::max(1, g.height - 1);
      const double diagonal = std::abs((x - y * 0.6) / std::max(1, g.width) - highlight);
      Colour c = Mix(sky, inside, std::clamp(0.3 + 0.7 * t, 0.0, 1.0));
      if (diagonal < 0.08) c = Mix(c, Bgr(245, 248, 250), 0.5);
      canvas.photo().at<Colour>(g.y + y, g.x + x) = c;
      canvas.classes().at<uchar>(g.y + y, g.x + x) = kWindow;
    }
  }
  const int bar = std::max(1, size / 170);
  const int cx = g.x + g.width / 2;
  if (european) {  // casement cross
    canvas.Line({cx, g.y}, {cx, g.y + g.height - 1}, frame, bar);
    canvas.Line({g.x, g.y + g.height / 3}, {g.x + g.width - 1, g.y + g.height / 3}, frame, bar);
  } else {  // sash: meeting rail in the middle
    canvas.Line({g.x, g.y + g.height / 2}, {g.x + g.width - 1, g.y + g.height / 2}, frame, bar + 1);
  }
}

void DrawSlats(Canvas& canvas, const cv::Rect& rect, const Colour& colour, int size) {
  if (rect.empty()) return;
  canvas.Textured(rect, kBlind, colour, 0.04, 2);
  const int step = std::max(2, size / 90);
  for (int y = rect.y + 1; y < rect.y + rect.height; y += step) {
    canvas.Line({rect.x, y}, {rect.x + rect.width - 1, y}, colour * 0.75f);
  }
}

}  // namespace

FacadeImages RenderFacade(const FacadeLayout& layout, std::uint64_t seed) {
  Random r(seed);
  const int size = layout.size;
  const FacadeAttributes& a = layout.attributes;
  const bool european = a.window_style == "european";
  Canvas canvas(size, r);

  DrawSky(canvas, size, r);
  for (const cv::Rect& n : layout.neighbours) DrawNeighbour(canvas, n, size, r);
  const Colour wall = WallColour(a.wall_colour, r);
  DrawWall(canvas, layout.facade, a.wall_material, wall, size, r);

  const Colour stone = Mix(wall, Bgr(225, 220, 205), r.Uniform(0.5, 0.9));
  const Colour frame = r.Chance(0.6) ? Bgr(235, 235, 230) : Bgr(60, 50, 45);
  const Colour shutter =
      r.Pick<Colour>({Bgr(60, 110, 60), Bgr(110, 70, 45), Bgr(70, 90, 130), Bgr(225, 225, 220)});
  const Colour blind = r.Pick<Colour>({Bgr(210, 200, 170), Bgr(150, 150, 150), Bgr(190, 120, 80)});
  const int shadow = std::max(1, size / 100);

  for (const cv::Rect& p : layout.pillars) {
    canvas.Textured(p, kPillar, Mix(wall, stone, 0.5), 0.05, 2);
    canvas.Scale(cv::Rect(p.x + p.width * 2 / 3, p.y, p.width - p.width * 2 / 3, p.height), 0.85);
  }
  for (const cv::Rect& c : layout.cornices) {
    canvas.Textured(c, kCornice, stone, 0.04, 3);
    canvas.Shadow(c, shadow + 1, 0.65);
  }
  for (const FacadeWindow& w : layout.windows) {
    if (!w.molding.empty()) canvas.Fill(w.molding, kMolding, Mix(frame, stone, 0.3));
  }
  for (const FacadeWindow& w : layout.windows) DrawGlass(canvas, w, european, frame, size, r);
  for (const FacadeWindow& w : layout.windows) {
    DrawSlats(canvas, w.roller_blind, blind, size);
    for (const cv::Rect& s : w.shutters) DrawSlats(canvas, s, shutter, size);
    if (!w.sill.empty()) {
      canvas.Fill(w.sill, kSill, stone * 1.05f);
      canvas.Shadow(w.sill, shadow, 0.7);
    }
    if (!w.pediment.empty()) {
      canvas.Textured(w.pediment, kDeco, stone * 1.08f, 0.05, 2);
      canvas.Line({w.pediment.x, w.pediment.y + w.pediment.height - 1},
                  {w.pediment.x + w.pediment.width - 1, w.pediment.y + w.pediment.height - 1},
                  stone * 0.7f);
    }
  }
  const Colour metal = Bgr(r.Uniform(30, 60), r.Uniform(30, 60), r.Uniform(30, 60));
  for (const cv::Rect& b : layout.balconies) {
    if (b.empty()) continue;
    canvas.classes()(b).setTo(kBalcony);
    canvas.Scale(b, 0.8);  // the slab's shade on what is behind the railing
    canvas.Fill(cv::Rect(b.x, b.y, b.width, std::max(1, b.height / 6)), kBalcony, metal);
    canvas.Fill(cv::Rect(b.x, b.y + b.height - std::max(1, b.height / 5), b.width,
                         std::max(1, b.height / 5)),
                kBalcony, metal * 1.5f);
    for (int x = b.x; x < b.x + b.width; x += std::max(2, size / 80))
      canvas.Line({x, b.y}, {x, b.y + b.height - 1}, metal);
  }
  const Colour wood = Bgr(r.Uniform(80, 140), r.Uniform(45, 80), r.Uniform(25, 50));
  for (const cv::Rect& d : layout.doors) {
    if (d.empty()) continue;
    canvas.Textured(d, kDoor, wood, 0.1, 3);
    const int m = std::max(1, d.width / 6);
    const cv::Rect upper(d.x + m, d.y + m, d.width - 2 * m, d.height / 2 - m),
        lower(d.x + m, d.y + d.height / 2 + m, d.width - 2 * m, d.height / 2 - 2 * m);
    canvas.Scale(upper & d, 0.8);
    canvas.Scale(lower & d, 0.8);
  }
  for (const cv::Rect& s : layout.shops) {
    if (s.empty()) continue;
    const int sign = std::max(1, s.height / 5);
    canvas.Fill(cv::Rect(s.x, s.y, s.width, sign), kShop,
                Bgr(r.Uniform(40, 230), r.Uniform(40, 230), r.Uniform(40, 230)));
    const cv::Rect window(s.x, s.y + sign, s.width, s.height - sign);
    canvas.Textured(window, kShop, Bgr(r.Uniform(40, 90), r.Uniform(50, 100), r.Uniform(60, 110)),
                    0.3, 3);
    canvas.Line({window.x, window.y}, {window.x + window.width - 1, window.y}, frame,
                std::max(1, size / 128));
  }

  // Light: a smooth gradient over the whole picture, and sensor noise.
  cv::Mat& photo = canvas.photo();
  const double gain = r.Uniform(0.85, 1.1), slope = r.Uniform(-0.15, 0.15),
               noise = r.Uniform(1.5, 5.0);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const float light = static_cast<float>(gain * (1.0 + slope * (x - size / 2.0) / size));
      Colour& c = photo.at<Colour>(y, x);
      for (int ch = 0; ch < 3; ++ch) c[ch] = c[ch] * light + static_cast<float>(noise * r.Normal());
    }
  }
  FacadeImages images;
  photo.convertTo(images.photo, CV_8UC3);  // saturating
  images.classes = canvas.classes();
  return images;
}

}  // namespace compnn::data
