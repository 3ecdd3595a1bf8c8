#include "compnn/data/label_colours.h"

#include <algorithm>
#include <limits>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "uniform_colours.h"

namespace compnn {
namespace {

// JFIF's colour transform (libjpeg's): RGB = Y + kChroma[channel] . (Cb, Cr), with Cb and Cr
// centred on 0; channels in RGB order.
constexpr float kChroma[3][2] = {{0.f, 1.402f}, {-0.344136f, -0.714136f}, {1.772f, 0.f}};

// First guess: luma counts this much more than chroma. JPEG keeps luma at full resolution and
// nearly exact at quality 90, while chroma is averaged over 2 x 2 pixels and smeared further.
constexpr float kLumaWeight = 100.f;
// Relabelling: a pixel's own colour error counts this much more than its neighbours' (its luma
// speaks for its class; its chroma reaches them only through the smear).
constexpr float kOwnPixelWeight = 8.f;
// Relabelling: each of the 8 neighbours of another class costs as much as an own-colour error of
// ~11 RGB units (8 * 11^2 ~ 1000). JPEG's luma rings by 10-15 near strong edges, which alone
// would scatter single pixels of a class with a luma close by (Cityscapes' greys and dark blues).
constexpr float kNeighbourPenalty = 1000.f;
// Relabelling sweeps at most; they stop earlier when nothing is left to revisit.
constexpr int kMaxSweeps = 6;

struct PaletteColour {
  cv::Vec3b rgb;
  float y, cb, cr;
  std::uint8_t id;
};

std::vector<PaletteColour> UniqueColours(const std::vector<LabelColour>& colours) {
  std::vector<PaletteColour> unique;
  for (const LabelColour& c : colours) {
    const bool seen = std::any_of(unique.begin(), unique.end(),
                                  [&](const PaletteColour& u) { return u.rgb == c.rgb; });
    if (seen) continue;  // the first id of a colour wins
    const float r = c.rgb[0], g = c.rgb[1], b = c.rgb[2];
    unique.push_back({c.rgb, 0.299f * r + 0.587f * g + 0.114f * b,
                      -0.168736f * r - 0.331264f * g + 0.5f * b,
                      0.5f * r - 0.418688f * g - 0.081312f * b, c.id});
  }
  return unique;
}

float Clamp255(float v) { return v < 0.f ? 0.f : (v > 255.f ? 255.f : v); }

// Squared RGB distance between an observed BGR pixel and the colour JPEG decodes from luma `y`
// and chroma (cb, cr), clipped to 0..255 as the decoder does: saturated label colours clip often,
// and a clipped channel no longer tells luma from chroma.
float PixelError(const cv::Vec3b& bgr, float y, float cb, float cr) {
  const float r = Clamp255(y + kChroma[0][1] * cr) - bgr[2];
  const float g = Clamp255(y + kChroma[1][0] * cb + kChroma[1][1] * cr) - bgr[1];
  const float b = Clamp255(y + kChroma[2][0] * cb) - bgr[0];
  return r * r + g * g + b * b;
}

// JPEG 4:2:0 along one axis: pixels pair into chroma blocks (the pairs shifted by `phase` when the
// image was cut from a larger JPEG at an odd offset), and libjpeg's default ("fancy") upsampling
// gives each pixel 3/4 of its own block's chroma and 1/4 of the nearer neighbouring block's.
struct Axis {
  int size = 0, phase = 0, blocks = 0;
  std::vector<int> own, other;  // per pixel: its block, and the neighbouring block it blends in

  Axis(int n, int p) : size(n), phase(p), blocks((n + p + 1) / 2), own(n), other(n) {
    for (int x = 0; x < n; ++x) {
      own[x] = (x + p) / 2;
      other[x] = std::clamp((x + p) % 2 == 0 ? own[x] - 1 : own[x] + 1, 0, blocks - 1);
    }
  }
  // The block's pixels.
  int First(int block) const { return std::max(0, 2 * block - phase); }
  int Last(int block) const { return std::min(size - 1, 2 * block - phase + 1); }
  // The pixels whose chroma uses the block, and how much.
  int ReachFirst(int block) const { return std::max(0, 2 * block - phase - 1); }
  int ReachLast(int block) const { return std::min(size - 1, 2 * block - phase + 2); }
  float Weight(int x, int block) const {
    return (own[x] == block ? 0.75f : 0.f) + (other[x] == block ? 0.25f : 0.f);
  }
};

// The chroma a labelling decodes to: each block's mean chroma, upsampled.
class ChromaModel {
 public:
  ChromaModel(int rows, int cols, int phase_y, int phase_x)
      : ay_(rows, phase_y), ax_(cols, phase_x), mean_(ay_.blocks * ax_.blocks) {}

  const Axis& ay() const { return ay_; }
  const Axis& ax() const { return ax_; }

  void BuildMeans(const std::vector<std::uint16_t>& labels,
                  const std::vector<PaletteColour>& palette) {
    for (int by = 0; by < ay_.blocks; ++by) {
      for (int bx = 0; bx < ax_.blocks; ++bx) {
        cv::Vec2f sum(0.f, 0.f);
        for (int y = ay_.First(by); y <= ay_.Last(by); ++y) {
          for (int x = ax_.First(bx); x <= ax_.Last(bx); ++x) {
            const PaletteColour& c = palette[labels[y * ax_.size + x]];
            sum += cv::Vec2f(c.cb, c.cr);
          }
        }
        mean_[by * ax_.blocks + bx] = sum / static_cast<float>(BlockPixels(by, bx));
      }
    }
  }
  // Chroma of pixel (y, x) from the block means.
  cv::Vec2f Upsampled(int y, int x) const {
    const cv::Vec2f* own = &mean_[ay_.own[y] * ax_.blocks];
    const cv::Vec2f* other = &mean_[ay_.other[y] * ax_.blocks];
    const int a = ax_.own[x], b = ax_.other[x];
    return 0.5625f * own[a] + 0.1875f * (own[b] + other[a]) + 0.0625f * other[b];
  }
  // Every pixel's chroma, kept up to date by Change.
  void BuildChroma() {
    chroma_.resize(static_cast<std::size_t>(ay_.size) * ax_.size);
    for (int y = 0; y < ay_.size; ++y) {
      for (int x = 0; x < ax_.size; ++x) chroma_[y * ax_.size + x] = Upsampled(y, x);
    }
  }
  const cv::Vec2f& at(int i) const { return chroma_[i]; }

  int BlockPixels(int by, int bx) const {
    return (ay_.Last(by) - ay_.First(by) + 1) * (ax_.Last(bx) - ax_.First(bx) + 1);
  }
  // Pixel (y, x) changes its chroma by `delta`: its block's mean and the chroma around follow.
  void Change(int y, int x, const cv::Vec2f& delta) {
    const int by = ay_.own[y], bx = ax_.own[x];
    const cv::Vec2f d = delta / static_cast<float>(BlockPixels(by, bx));
    mean_[by * ax_.blocks + bx] += d;
    for (int qy = ay_.ReachFirst(by); qy <= ay_.ReachLast(by); ++qy) {
      const float wy = ay_.Weight(qy, by);
      for (int qx = ax_.ReachFirst(bx); qx <= ax_.ReachLast(bx); ++qx) {
        chroma_[qy * ax_.size + qx] += (wy * ax_.Weight(qx, bx)) * d;
      }
    }
  }

 private:
  Axis ay_, ax_;
  std::vector<cv::Vec2f> mean_, chroma_;
};

// The labels in pixel (y, x)'s 3 x 3 window, each once, its own first; returns how many.
int WindowLabels(const std::vector<std::uint16_t>& labels, int rows, int cols, int y, int x,
                 std::uint16_t (&candidates)[9]) {
  int count = 0;
  candidates[count++] = labels[y * cols + x];
  for (int qy = std::max(0, y - 1); qy <= std::min(rows - 1, y + 1); ++qy) {
    for (int qx = std::max(0, x - 1); qx <= std::min(cols - 1, x + 1); ++qx) {
      const std::uint16_t l = labels[qy * cols + qx];
      if (std::find(candidates, candidates + count, l) == candidates + count) {
        candidates[count++] = l;
      }
    }
  }
  return count;
}

// Moves pixel (y, x) to the class, among its 3 x 3 neighbours', whose colour best explains the
// pixels its chroma reaches: its own colour (luma above all) and, through the smear, theirs.
// Returns whether its label changed.
bool Relabel(const cv::Mat& bgr, std::vector<std::uint16_t>& labels,
             const std::vector<PaletteColour>& palette, ChromaModel& model, int y, int x) {
  const int rows = bgr.rows, cols = bgr.cols, i = y * cols + x;
  const std::uint16_t current = labels[i];
  std::uint16_t candidates[9];
  const int count = WindowLabels(labels, rows, cols, y, x, candidates);
  if (count == 1) return false;
  const Axis &ay = model.ay(), &ax = model.ax();
  const int by = ay.own[y], bx = ax.own[x];
  const float share = 1.f / model.BlockPixels(by, bx);
  const cv::Vec3b& own_colour = bgr.ptr<cv::Vec3b>(y)[x];
  const cv::Vec2f& own_chroma = model.at(i);
  const float own_weight = ay.Weight(y, by) * ax.Weight(x, bx);
  float best_error = std::numeric_limits<float>::max();
  std::uint16_t best = current;
  for (int k = 0; k < count; ++k) {
    const PaletteColour& c = palette[candidates[k]];
    const float dcb = (c.cb - palette[current].cb) * share;
    const float dcr = (c.cr - palette[current].cr) * share;
    // The pixel's own error first: it usually settles the candidate, and the rest can stop as
    // soon as the candidate is no better than the best.
    float error = kOwnPixelWeight * PixelError(own_colour, c.y, own_chroma[0] + own_weight * dcb,
                                               own_chroma[1] + own_weight * dcr);
    for (int qy = std::max(0, y - 1); qy <= std::min(rows - 1, y + 1); ++qy) {
      for (int qx = std::max(0, x - 1); qx <= std::min(cols - 1, x + 1); ++qx) {
        const int q = qy * cols + qx;
        if (q != i && labels[q] != candidates[k]) error += kNeighbourPenalty;
      }
    }
    for (int qy = ay.ReachFirst(by); qy <= ay.ReachLast(by) && error < best_error; ++qy) {
      const float wy = ay.Weight(qy, by);
      const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(qy);
      for (int qx = ax.ReachFirst(bx); qx <= ax.ReachLast(bx); ++qx) {
        const int q = qy * cols + qx;
        if (q == i) continue;
        const float w = wy * ax.Weight(qx, bx);
        const cv::Vec2f& chroma = model.at(q);
        error +=
            PixelError(row[qx], palette[labels[q]].y, chroma[0] + w * dcb, chroma[1] + w * dcr);
      }
    }
    if (error < best_error) {  // strict: ties keep the earlier candidate, the current label first
      best_error = error;
      best = candidates[k];
    }
  }
  if (best == current) return false;
  model.Change(
      y, x,
      cv::Vec2f(palette[best].cb - palette[current].cb, palette[best].cr - palette[current].cr));
  labels[i] = best;
  return true;
}

// Non-zero where a pixel's 3 x 3 window holds more than one label.
cv::Mat LabelEdges(const std::vector<std::uint16_t>& labels, int rows, int cols) {
  const cv::Mat view(rows, cols, CV_16U, const_cast<std::uint16_t*>(labels.data()));
  cv::Mat high, low;
  cv::dilate(view, high, cv::Mat());  // 3 x 3 maximum, borders replicated
  cv::erode(view, low, cv::Mat());
  return high != low;  // 255 where different
}

// The first guess of every pixel's palette colour, and what it says of the pixel.
struct FirstGuess {
  std::vector<std::uint16_t> labels;  // index into the palette
  // Per pixel: exactly a palette colour (it keeps its class: JPEG decodes flat areas exactly, and
  // a lossless image needs no help), and farther than the tolerance from every palette colour.
  std::vector<std::uint8_t> exact, far_from_palette;
};

// Per pixel, the colour nearest in luma-weighted YCbCr. JPEG repeats colours a lot, so a small
// direct-mapped cache (packed colour -> answer) saves most of the searches.
FirstGuess NearestColours(const cv::Mat& bgr, const std::vector<PaletteColour>& palette, float far2,
                          ColourRecoveryStats& counts) {
  struct Answer {
    std::uint32_t key = 0;  // packed colour + 1; 0 for empty
    std::uint16_t label = 0;
    bool exact = false, far = false;  // from the nearest palette colour
  };
  const int rows = bgr.rows, cols = bgr.cols, n = static_cast<int>(palette.size());
  std::vector<Answer> cache(1 << 16);
  FirstGuess guess;
  guess.labels.resize(static_cast<std::size_t>(rows) * cols);
  guess.exact.resize(guess.labels.size());
  guess.far_from_palette.resize(guess.labels.size());
  for (int y = 0; y < rows; ++y) {
    const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < cols; ++x) {
      const cv::Vec3b& p = row[x];
      const std::uint32_t key = (std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0]) + 1;
      Answer& a = cache[(key * 2654435761u) >> 16];
      if (a.key != key) {
        const float r = p[2], g = p[1], b = p[0];
        const float py = 0.299f * r + 0.587f * g + 0.114f * b;
        const float pcb = -0.168736f * r - 0.331264f * g + 0.5f * b;
        const float pcr = 0.5f * r - 0.418688f * g - 0.081312f * b;
        float best = std::numeric_limits<float>::max();
        int nearest = std::numeric_limits<int>::max();
        a.key = key;
        for (int k = 0; k < n; ++k) {
          const PaletteColour& c = palette[k];
          const float dy = py - c.y, dcb = pcb - c.cb, dcr = pcr - c.cr;
          const float d = kLumaWeight * dy * dy + dcb * dcb + dcr * dcr;
          if (d < best) {
            best = d;
            a.label = static_cast<std::uint16_t>(k);
          }
          const int dr = p[2] - c.rgb[0], dg = p[1] - c.rgb[1], db = p[0] - c.rgb[2];
          nearest = std::min(nearest, dr * dr + dg * dg + db * db);
        }
        a.exact = nearest == 0;
        a.far = static_cast<float>(nearest) > far2;
      }
      guess.labels[y * cols + x] = a.label;
      guess.exact[y * cols + x] = a.exact;
      guess.far_from_palette[y * cols + x] = a.far;
      counts.inexact += !a.exact;
    }
  }
  return guess;
}

// Where the image's 2 x 2 chroma grid lies (an image cut from a larger one at an odd offset
// shifts it): the phase whose model best reproduces the colours near label edges (elsewhere all
// phases agree).
int ChromaPhase(const cv::Mat& bgr, const std::vector<std::uint16_t>& labels,
                const std::vector<PaletteColour>& palette, const cv::Mat& edges) {
  const int rows = bgr.rows, cols = bgr.cols;
  cv::Mat near_edges;
  cv::dilate(edges, near_edges, cv::Mat());
  int best_phase = 0;
  double best_error = std::numeric_limits<double>::max();
  for (int phase = 0; phase < 4 && palette.size() > 1; ++phase) {
    ChromaModel candidate(rows, cols, phase / 2, phase % 2);
    candidate.BuildMeans(labels, palette);
    double error = 0;
    for (int y = 0; y < rows; ++y) {
      const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(y);
      const std::uint8_t* near = near_edges.ptr<std::uint8_t>(y);
      for (int x = 0; x < cols; ++x) {
        if (!near[x]) continue;
        const cv::Vec2f c = candidate.Upsampled(y, x);
        error += PixelError(row[x], palette[labels[y * cols + x]].y, c[0], c[1]);
      }
    }
    if (error < best_error) {
      best_error = error;
      best_phase = phase;
    }
  }
  return best_phase;
}

// Relabels the pixels at label edges, in raster order; a change puts the pixels whose choice it
// touches (candidates within 1, chroma within 2 more) back on the list.
void RelabelEdges(const cv::Mat& bgr, const std::vector<std::uint8_t>& exact, cv::Mat pending,
                  const std::vector<PaletteColour>& palette, ChromaModel& model,
                  std::vector<std::uint16_t>& labels) {
  const int rows = bgr.rows, cols = bgr.cols;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    bool any = false;
    for (int y = 0; y < rows; ++y) {
      std::uint8_t* flags = pending.ptr<std::uint8_t>(y);
      for (int x = 0; x < cols; ++x) {
        if (!flags[x]) continue;
        flags[x] = 0;
        if (exact[y * cols + x]) continue;
        if (!Relabel(bgr, labels, palette, model, y, x)) continue;
        any = true;
        pending(cv::Range(std::max(0, y - 3), std::min(rows, y + 4)),
                cv::Range(std::max(0, x - 3), std::min(cols, x + 4)))
            .setTo(1);
      }
    }
    if (!any) break;
  }
}

}  // namespace

void ColourRecoveryStats::Add(const ColourRecoveryStats& other) {
  pixels += other.pixels;
  inexact += other.inexact;
  far += other.far;
  for (const FoundColour& f : other.found) data::AddFound(found, f.rgb, f.pixels);
  for (const UniformRegionColours& u : other.uniform) {
    auto same = std::find_if(uniform.begin(), uniform.end(), [&](const UniformRegionColours& v) {
      return v.palette_rgb == u.palette_rgb;
    });
    if (same == uniform.end()) {
      uniform.push_back(u);
    } else {
      same->pixels += u.pixels;
      same->rgb_sum += u.rgb_sum;
      for (int bin = 0; bin < UniformRegionColours::kOffsetBins; ++bin)
        same->offsets[bin] += u.offsets[bin];
    }
  }
}

cv::Mat RecoverLabelClasses(const cv::Mat& bgr, const std::vector<LabelColour>& colours,
                            double tolerance, ColourRecoveryStats* stats) {
  COMPNN_CHECK(bgr.type() == CV_8UC3, "a label image must be 8-bit BGR, got OpenCV type ",
               bgr.type());
  COMPNN_CHECK(!colours.empty(), "label colours: none given");
  COMPNN_CHECK(tolerance >= 0, "label colours: the tolerance must not be negative, got ",
               tolerance);
  const std::vector<PaletteColour> palette = UniqueColours(colours);
  COMPNN_CHECK(palette.size() <= 65536, "label colours: at most 65536 different colours, got ",
               palette.size());
  const int rows = bgr.rows, cols = bgr.cols;
  cv::Mat classes(rows, cols, CV_8U);
  ColourRecoveryStats counts;
  counts.pixels = static_cast<std::int64_t>(rows) * cols;
  if (counts.pixels == 0) {
    if (stats) *stats = counts;
    return classes;
  }

  const float far2 = static_cast<float>(tolerance * tolerance);
  FirstGuess guess = NearestColours(bgr, palette, far2, counts);
  std::vector<std::uint16_t>& labels = guess.labels;

  const cv::Mat edges = LabelEdges(labels, rows, cols);
  const int best_phase = ChromaPhase(bgr, labels, palette, edges);
  ChromaModel model(rows, cols, best_phase / 2, best_phase % 2);
  model.BuildMeans(labels, palette);
  model.BuildChroma();

  RelabelEdges(bgr, guess.exact, edges.clone(), palette, model, labels);

  // Far: farther than the tolerance from every palette colour and from what the recovered
  // labels decode to (at an edge, JPEG's blend of the classes' colours).
  for (int y = 0; y < rows; ++y) {
    const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(y);
    std::uint8_t* out = classes.ptr<std::uint8_t>(y);
    for (int x = 0; x < cols; ++x) {
      const int i = y * cols + x;
      const cv::Vec2f& c = model.at(i);
      counts.far +=
          guess.far_from_palette[i] && PixelError(row[x], palette[labels[i]].y, c[0], c[1]) > far2;
      out[x] = palette[labels[i]].id;
    }
  }
  std::vector<cv::Vec3b> palette_rgb;
  for (const PaletteColour& c : palette) palette_rgb.push_back(c.rgb);
  data::AddUniformRegions(bgr, labels, palette_rgb, counts);
  if (stats) *stats = counts;
  return classes;
}

}  // namespace compnn
