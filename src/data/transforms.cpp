#include "c2am/data/transforms.hpp"

#include <algorithm>
#include <cmath>

#include "c2am/core/error.hpp"

namespace c2am {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's fixed-point weights

double bilinear_filter(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// For each output position: the first input index and fixed-point weights.
struct Coefficients {
  std::vector<int> first;
  std::vector<std::vector<std::int32_t>> weights;
};

Coefficients coefficients(int in_size, int out_size, Interpolation interpolation) {
  const double support_unit = interpolation == Interpolation::Bilinear ? 1.0 : 2.0;
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = support_unit * filter_scale;
  Coefficients c;
  c.first.resize(out_size);
  c.weights.resize(out_size);
  for (int out = 0; out < out_size; ++out) {
    const double center = (out + 0.5) * scale;
    // Truncation toward zero, then clamping, as PIL rounds these bounds.
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    std::vector<double> w(static_cast<std::size_t>(std::max(hi - lo, 0)));
    double total = 0;
    for (int i = lo; i < hi; ++i) {
      const double x = (i - center + 0.5) / filter_scale;
      w[i - lo] = interpolation == Interpolation::Bilinear ? bilinear_filter(x) : bicubic_filter(x);
      total += w[i - lo];
    }
    c.first[out] = lo;
    auto& fixed = c.weights[out];
    for (double v : w) {
      const double k = total != 0.0 ? v / total : v;
      fixed.push_back(static_cast<std::int32_t>(k < 0 ? -0.5 + k * (1 << kPrecisionBits)
                                                      : 0.5 + k * (1 << kPrecisionBits)));
    }
  }
  return c;
}

std::uint8_t clip8(std::int64_t accumulated) {
  const std::int64_t v = accumulated >> kPrecisionBits;
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(v, 0, 255));
}

Image resize_horizontal(const Image& in, int width, Interpolation interpolation) {
  const Coefficients c = coefficients(in.width, width, interpolation);
  Image out(width, in.height);
#pragma omp parallel for schedule(static) if (static_cast<std::int64_t>(width) * in.height > 65536)
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < width; ++x) {
      std::int64_t acc[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      const auto& w = c.weights[x];
      for (std::size_t k = 0; k < w.size(); ++k) {
        const std::uint8_t* p = in.at(c.first[x] + static_cast<int>(k), y);
        for (int ch = 0; ch < 3; ++ch) acc[ch] += static_cast<std::int64_t>(p[ch]) * w[k];
      }
      std::uint8_t* q = out.at(x, y);
      for (int ch = 0; ch < 3; ++ch) q[ch] = clip8(acc[ch]);
    }
  }
  return out;
}

Image resize_vertical(const Image& in, int height, Interpolation interpolation) {
  const Coefficients c = coefficients(in.height, height, interpolation);
  Image out(in.width, height);
#pragma omp parallel for schedule(static) if (static_cast<std::int64_t>(height) * in.width > 65536)
  for (int y = 0; y < height; ++y) {
    const auto& w = c.weights[y];
    for (int x = 0; x < in.width; ++x) {
      std::int64_t acc[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (std::size_t k = 0; k < w.size(); ++k) {
        const std::uint8_t* p = in.at(x, c.first[y] + static_cast<int>(k));
        for (int ch = 0; ch < 3; ++ch) acc[ch] += static_cast<std::int64_t>(p[ch]) * w[k];
      }
      std::uint8_t* q = out.at(x, y);
      for (int ch = 0; ch < 3; ++ch) q[ch] = clip8(acc[ch]);
    }
  }
  return out;
}

void check_image(const Image& image, const char* op) {
  check(image.width >= 1 && image.height >= 1 &&
            image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * 3,
        op, "invalid image ", image.width, "x", image.height, " with ", image.pixels.size(), " bytes");
}

}  // namespace

Image resize(const Image& image, int width, int height, Interpolation interpolation) {
  check_image(image, "resize");
  check(width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide, "resize",
        "target size ", width, "x", height, " is out of range");
  // Pillow runs the horizontal pass first, except when the image widens
  // and gets shorter (measured against Pillow 13 over many sizes; the
  // order changes the 8-bit rounding between the passes).
  if (width > image.width && height < image.height) {
    return resize_horizontal(resize_vertical(image, height, interpolation), width, interpolation);
  }
  Image out = width != image.width ? resize_horizontal(image, width, interpolation) : image;
  if (height != image.height) out = resize_vertical(out, height, interpolation);
  return out;
}

Image crop(const Image& image, const CropBox& box) {
  check_image(image, "crop");
  check(box.x >= 0 && box.y >= 0 && box.width >= 1 && box.height >= 1 && box.x + box.width <= image.width &&
            box.y + box.height <= image.height,
        "crop", "region (", box.x, ", ", box.y, ") ", box.width, "x", box.height, " is not inside the ", image.width,
        "x", image.height, " image");
  Image out(box.width, box.height);
  for (int y = 0; y < box.height; ++y) {
    std::copy_n(image.at(box.x, box.y + y), static_cast<std::size_t>(box.width) * 3, out.at(0, y));
  }
  return out;
}

CropBox center_crop_box(int width, int height, int size) {
  check(size >= 1 && size <= width && size <= height, "center_crop", "crop size ", size, " does not fit a ", width,
        "x", height, " image");
  // torchvision: int(round((h − size) / 2.0)), Python rounding halves to even.
  const auto offset = [](int extra) { return static_cast<int>(std::nearbyint(extra / 2.0)); };
  return {offset(width - size), offset(height - size), size, size};
}

CropBox random_crop_box(int width, int height, int size, Generator& gen) {
  check(size >= 1 && size <= width && size <= height, "random_crop", "crop size ", size, " does not fit a ", width,
        "x", height, " image");
  const int y = static_cast<int>(gen.below(static_cast<std::uint64_t>(height - size + 1)));
  const int x = static_cast<int>(gen.below(static_cast<std::uint64_t>(width - size + 1)));
  return {x, y, size, size};
}

Image hflip(const Image& image) {
  check_image(image, "hflip");
  Image out(image.width, image.height);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) std::copy_n(image.at(image.width - 1 - x, y), 3, out.at(x, y));
  return out;
}

Tensor to_tensor(const Image& image, const std::array<float, 3>& mean, const std::array<float, 3>& stddev) {
  return to_batch({image}, mean, stddev).squeeze(0);
}

Tensor to_batch(const std::vector<Image>& images, const std::array<float, 3>& mean,
                const std::array<float, 3>& stddev) {
  check(!images.empty(), "to_batch", "no images");
  const int w = images.front().width, h = images.front().height;
  Tensor out = empty({static_cast<std::int64_t>(images.size()), 3, h, w}, DType::Float32);
  float* dst = out.data<float>();
  const std::size_t plane = static_cast<std::size_t>(w) * h;
  for (std::size_t n = 0; n < images.size(); ++n) {
    const Image& image = images[n];
    check_image(image, "to_batch");
    check(image.width == w && image.height == h, "to_batch", "image ", n, " is ", image.width, "x", image.height,
          " but image 0 is ", w, "x", h);
    for (int ch = 0; ch < 3; ++ch) {
      float* out_plane = dst + (n * 3 + ch) * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        out_plane[i] = (image.pixels[i * 3 + ch] / 255.0f - mean[ch]) / stddev[ch];
      }
    }
  }
  return out;
}

}  // namespace c2am
