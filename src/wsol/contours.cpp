// Border following (Suzuki & Abe 1985) with the conventions of OpenCV's
// findContours(RETR_TREE): the mask is framed by one pixel of background,
// borders are traced with OpenCV's chain-code directions and marking rule,
// parents come from the last border met on the row, and the list comes out in
// OpenCV's order: a depth-first walk of the border tree that visits the
// children of each node newest first. wsolevaluation and the C²AM release
// take the first contour of largest area in that list, so the order decides
// ties (SPEC §4); the area is cv2.contourArea's shoelace over the traced
// border, which CHAIN_APPROX_SIMPLE's dropped (collinear) points do not change.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
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

// framed[x] = row[x] > cut for one row; whether any pixel is in. The
// pointers do not alias (restrict lets the compiler vectorize: uint8 may
// alias anything otherwise).
bool threshold_row(const std::uint8_t* __restrict row, std::int32_t* __restrict framed, int width, int cut) {
  int any = 0;
  for (int x = 0; x < width; ++x) {
    const int in = row[x] > cut;
    framed[x] = in;
    any |= in;
  }
  return any != 0;
}

class BorderFollower {
 public:
  // The mask: pixels of `gray` above `cut`.
  BorderFollower(const std::vector<std::uint8_t>& gray, int width, int height, int cut)
      : w_(width + 2), h_(height + 2), image_(new std::int32_t[static_cast<std::size_t>(w_) * h_]) {
    // Every pixel is written once: the frame's rows and columns here, the
    // inside below (no zero-filling of the whole image first).
    std::fill_n(&at(0, 0), w_, 0);
    std::fill_n(&at(0, h_ - 1), w_, 0);
    for (int y = 1; y < h_ - 1; ++y) at(0, y) = at(w_ - 1, y) = 0;
    for (int y = 0; y < height; ++y) {
      std::int32_t* framed = &at(1, y + 1);
      if (!threshold_row(gray.data() + static_cast<std::size_t>(y) * width, framed, width, cut)) continue;
      y_first_ = std::min(y_first_, y + 1), y_last_ = y + 1;
      for (int x = 0; x < width; ++x)
        if (framed[x]) {
          x_first_ = std::min(x_first_, x + 1);
          break;
        }
      for (int x = width - 1; x >= 0; --x)
        if (framed[x]) {
          x_last_ = std::max(x_last_, x + 1);
          break;
        }
    }
    nodes_.push_back(Traced{true, -1, {}, {}});  // the frame
  }

  // Raster scan: a border starts where background meets an untraced pixel
  // (outer border) or where a pixel not marked as a right edge meets
  // background (hole border). Only the foreground's bounding rows and
  // columns (and the column after them) are visited: elsewhere every pixel
  // is background and the scan would find nothing.
  void scan() {
    const int x_end = std::min(x_last_ + 2, w_ - 1);
    for (int y = y_first_; y <= y_last_; ++y) {
      int last = 0;  // x of the last marked pixel met on this row (0: the frame)
      int prev = 0;
      for (int x = x_first_; x < x_end; ++x) {
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
  int y_first_ = 1 << 30, y_last_ = 0, x_first_ = 1 << 30, x_last_ = 0;  // the foreground's extent (framed)
  std::unique_ptr<std::int32_t[]> image_;
  std::vector<Traced> nodes_;
};

}  // namespace

std::vector<Contour> find_contours(const std::vector<std::uint8_t>& mask, int width, int height) {
  check(width >= 1 && height >= 1 && mask.size() == static_cast<std::size_t>(width) * height, "find_contours",
        "invalid ", width, "x", height, " mask with ", mask.size(), " values");
  BorderFollower follower(mask, width, height, 0);
  follower.scan();
  return follower.results();
}

namespace detail {

std::vector<Contour> find_contours_above(const std::vector<std::uint8_t>& gray, int width, int height, int cut) {
  check(width >= 1 && height >= 1 && gray.size() == static_cast<std::size_t>(width) * height, "find_contours",
        "invalid ", width, "x", height, " map with ", gray.size(), " values");
  BorderFollower follower(gray, width, height, cut);
  follower.scan();
  return follower.results();
}

}  // namespace detail

}  // namespace c2am::wsol
