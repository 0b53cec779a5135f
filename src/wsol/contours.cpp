// Border following (Suzuki & Abe 1985) with the conventions of OpenCV's
// findContours(RETR_TREE): the mask is framed by one pixel of background,
// borders are traced with OpenCV's chain-code directions and marking rule,
// parents come from the last border met on the row, and the list comes out in
// OpenCV's order: a depth-first walk of the border tree that visits the
// children of each node newest first. wsolevaluation and the C²AM release
// take the first contour of largest area in that list, so the order decides
// ties (SPEC §4); the area is cv2.contourArea's shoelace over the traced
// border, which CHAIN_APPROX_SIMPLE's dropped (collinear) points do not change.

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "c2am/core/error.hpp"
#include "c2am/wsol/boxes.hpp"

namespace c2am::wsol {

namespace {

// OpenCV's chain codes: 0 = +x, then counter-clockwise on screen (y down).
constexpr std::array<std::array<int, 2>, 8> kChain = {
    {{1, 0}, {1, -1}, {0, -1}, {-1, -1}, {-1, 0}, {-1, 1}, {0, 1}, {1, 1}}};

// Pixel states in the framed image: 0 background, 1 foreground not yet on a
// traced border, else the number (≥ 2) of the border that marked it, with
// kRight when that border passed it with background on its right (Suzuki's
// negative marks).
constexpr std::int32_t kRight = 1 << 30;
constexpr std::int32_t kLabel = kRight - 1;

struct Traced {
  bool hole = false;
  int parent = 0;  // node index; 0 is the frame (a hole around everything)
  std::vector<int> children;
  std::vector<std::array<int, 2>> points;  // framed coordinates, in tracing order
};

class BorderFollower {
 public:
  BorderFollower(const std::vector<std::uint8_t>& mask, int width, int height)
      : w_(width + 2), h_(height + 2), image_(static_cast<std::size_t>(w_) * h_, 0) {
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) at(x + 1, y + 1) = mask[static_cast<std::size_t>(y) * width + x] != 0;
    nodes_.push_back(Traced{true, -1, {}, {}});  // the frame
  }

  // Raster scan: a border starts where background meets an untraced pixel
  // (outer border) or where a pixel not marked as a right edge meets
  // background (hole border).
  void scan() {
    for (int y = 1; y < h_ - 1; ++y) {
      int last = 0;  // x of the last marked pixel met on this row (0: the frame)
      int prev = 0;
      for (int x = 1; x < w_ - 1; ++x) {
        const int p = at(x, y);
        if (p != prev) {
          const bool outer = prev == 0 && p == 1;
          const bool hole = p == 0 && prev >= 1 && !(prev & kRight);
          if (outer || hole) {
            if (hole && prev != 1) last = x - 1;
            const int start_x = hole ? x - 1 : x;
            follow(start_x, y, hole, parent_for(hole, last, y));
            last = start_x;
            prev = at(x, y);
            continue;
          }
          if (p != 1 && p != 0) last = x;
        }
        prev = p;
      }
    }
  }

  // OpenCV's output order: depth first, children newest first.
  std::vector<Contour> results() const {
    std::vector<Contour> out;
    std::vector<int> index(nodes_.size(), -1);
    std::vector<int> order;
    std::vector<int> stack{0};
    while (!stack.empty()) {
      const int node = stack.back();
      stack.pop_back();
      if (node != 0) order.push_back(node);
      for (int child : nodes_[node].children) stack.push_back(child);  // oldest pushed first
    }
    for (std::size_t i = 0; i < order.size(); ++i) index[order[i]] = static_cast<int>(i);
    for (int node : order) {
      const Traced& t = nodes_[node];
      Contour c;
      c.hole = t.hole;
      c.parent = t.parent == 0 ? -1 : index[t.parent];
      int x0 = t.points[0][0], x1 = x0, y0 = t.points[0][1], y1 = y0;
      double twice_area = 0;
      for (std::size_t i = 0; i < t.points.size(); ++i) {
        const auto& a = t.points[i == 0 ? t.points.size() - 1 : i - 1];
        const auto& b = t.points[i];
        twice_area += static_cast<double>(a[0]) * b[1] - static_cast<double>(a[1]) * b[0];
        x0 = std::min(x0, b[0]), x1 = std::max(x1, b[0]), y0 = std::min(y0, b[1]), y1 = std::max(y1, b[1]);
      }
      c.area = std::abs(twice_area * 0.5);
      // boundingRect in mask coordinates (the frame removed): x, y, w, h.
      c.x = x0 - 1, c.y = y0 - 1, c.width = x1 - x0 + 1, c.height = y1 - y0 + 1;
      out.push_back(c);
    }
    return out;
  }

 private:
  std::int32_t& at(int x, int y) { return image_[static_cast<std::size_t>(y) * w_ + x]; }
  std::int32_t at(int x, int y) const { return image_[static_cast<std::size_t>(y) * w_ + x]; }

  // Suzuki's parent rule: the border B' that marked the last pixel met on the
  // row; a new border of the same kind (outer/hole) shares B''s parent, one
  // of the other kind is B''s child. None met: the frame's child.
  int parent_for(bool hole, int last, int y) const {
    if (last <= 0) return 0;
    const int other = (at(last, y) & kLabel) - 2 + 1;  // labels start at 2; node 0 is the frame
    const Traced& b = nodes_[static_cast<std::size_t>(other)];
    return b.hole == hole ? (b.parent < 0 ? 0 : b.parent) : other;
  }

  // Traces the border from (sx, sy), marking its pixels with the new node's label.
  void follow(int sx, int sy, bool hole, int parent) {
    const int node = static_cast<int>(nodes_.size());
    nodes_.push_back(Traced{hole, parent, {}, {}});
    nodes_[static_cast<std::size_t>(parent)].children.push_back(node);
    const std::int32_t label = node + 1;  // ≥ 2
    Traced& t = nodes_.back();

    // The first neighbour clockwise from the background pixel that started
    // the border (west of an outer start, east of a hole start).
    const int s_start = hole ? 0 : 4;
    int s = s_start;
    int n1x = 0, n1y = 0;
    do {
      s = (s - 1) & 7;
      n1x = sx + kChain[s][0], n1y = sy + kChain[s][1];
    } while (at(n1x, n1y) == 0 && s != s_start);
    if (s == s_start) {  // a lone pixel
      at(sx, sy) = label | kRight;
      t.points.push_back({sx, sy});
      return;
    }
    int x = sx, y = sy;
    for (;;) {
      // Counter-clockwise from the direction we came from, the next border pixel.
      const int back = s;
      int nx = x, ny = y;
      for (s = back + 1; s <= back + 8; ++s) {
        nx = x + kChain[s & 7][0], ny = y + kChain[s & 7][1];
        if (at(nx, ny) != 0) break;
      }
      s &= 7;
      // The east neighbour was examined and is background: a right edge.
      if (s >= 1 && s <= back) {
        at(x, y) = label | kRight;
      } else if (at(x, y) == 1) {
        at(x, y) = label;
      }
      t.points.push_back({x, y});
      if (nx == sx && ny == sy && x == n1x && y == n1y) break;
      x = nx, y = ny;
      s = (s + 4) & 7;
    }
  }

  int w_, h_;
  std::vector<std::int32_t> image_;
  std::vector<Traced> nodes_;
};

}  // namespace

std::vector<Contour> find_contours(const std::vector<std::uint8_t>& mask, int width, int height) {
  check(width >= 1 && height >= 1 && mask.size() == static_cast<std::size_t>(width) * height, "find_contours",
        "invalid ", width, "x", height, " mask with ", mask.size(), " values");
  BorderFollower follower(mask, width, height);
  follower.scan();
  return follower.results();
}

}  // namespace c2am::wsol
