// A procedural dataset: one vivid textured object (ellipse, rectangle,
// triangle or diamond) on a muted textured background per image, with its
// exact box and mask.
// Everything follows from (seed, index), so any image can be regenerated
// alone and the dataset needs no files.

#include <algorithm>
#include <array>
#include <cmath>

#include "c2am/core/error.hpp"
#include "c2am/core/generator.hpp"
#include "c2am/data/dataset.hpp"

namespace c2am {

namespace {

constexpr double kPi = 3.14159265358979323846;
const std::vector<std::string> kShapes = {"ellipse", "rectangle", "triangle", "diamond"};

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct Texture {
  int kind;  // 0 stripes, 1 checker, 2 waves, 3 speckle
  std::array<double, 3> a, b;  // two colours
  double period, angle, phase;
};

struct Scene {
  int shape;
  double cx, cy, rx, ry, rotation;
  Texture background, object;
  std::uint64_t noise_seed;
};

// An RGB colour from hue (turns), saturation and value.
std::array<double, 3> hsv(double hue, double s, double v) {
  const double h = std::fmod(hue + 1.0, 1.0) * 6.0;
  const double c = v * s, x = c * (1 - std::abs(std::fmod(h, 2.0) - 1)), m = v - c;
  const double table[6][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}};
  const int sector = static_cast<int>(h) % 6;
  return {(table[sector][0] + m) * 255.0, (table[sector][1] + m) * 255.0, (table[sector][2] + m) * 255.0};
}

// Backgrounds are muted (low saturation), objects vivid: the one property
// all objects share, which a network trained without labels can pick up.
Texture texture(Generator& gen, int size, bool object) {
  Texture t;
  t.kind = static_cast<int>(gen.below(4));
  const double hue = gen.uniform();
  const auto pick = [&] {
    return object ? hsv(hue + gen.uniform(-0.08, 0.08), gen.uniform(0.7, 1.0), gen.uniform(0.6, 1.0))
                  : hsv(hue + gen.uniform(-0.08, 0.08), gen.uniform(0.0, 0.3), gen.uniform(0.25, 0.85));
  };
  t.a = pick();
  t.b = pick();
  t.period = gen.uniform(0.06, 0.2) * size;
  t.angle = gen.uniform(0, kPi);
  t.phase = gen.uniform(0, 2 * kPi);
  return t;
}

Scene make_scene(std::uint64_t seed, std::size_t index, int size) {
  Generator gen(mix(seed * 0x100000001B3ull + index));
  Scene s;
  s.shape = static_cast<int>(gen.below(kShapes.size()));
  s.rx = gen.uniform(0.14, 0.3) * size;
  s.ry = gen.uniform(0.14, 0.3) * size;
  const double margin = std::max(s.rx, s.ry) + 2;
  s.cx = gen.uniform(margin, size - margin);
  s.cy = gen.uniform(margin, size - margin);
  s.rotation = gen.uniform(-0.5, 0.5);
  s.background = texture(gen, size, false);
  s.object = texture(gen, size, true);
  s.noise_seed = gen.next_u64();
  return s;
}

bool inside(const Scene& s, double x, double y) {
  const double c = std::cos(s.rotation), sn = std::sin(s.rotation);
  const double u = (c * (x - s.cx) + sn * (y - s.cy)) / s.rx;
  const double v = (-sn * (x - s.cx) + c * (y - s.cy)) / s.ry;
  switch (s.shape) {
    case 0: return u * u + v * v <= 1.0;
    case 1: return std::abs(u) <= 0.85 && std::abs(v) <= 0.85;
    case 2: return v <= 0.8 && v >= -1.0 + 2.0 * std::abs(u) * 0.9;  // apex up
    default: return std::abs(u) + std::abs(v) <= 1.0;
  }
}

std::array<double, 3> shade(const Texture& t, double x, double y, Generator& speckle) {
  const double along = x * std::cos(t.angle) + y * std::sin(t.angle);
  double w = 0;
  switch (t.kind) {
    case 0: w = std::sin(2 * kPi * along / t.period + t.phase) > 0 ? 1 : 0; break;
    case 1: w = (static_cast<int>(std::floor(x / t.period)) + static_cast<int>(std::floor(y / t.period))) & 1; break;
    case 2: w = 0.5 + 0.5 * std::sin(2 * kPi * along / t.period + t.phase) * std::cos(2 * kPi * y / (1.7 * t.period)); break;
    default: w = speckle.uniform(); break;
  }
  return {t.a[0] + w * (t.b[0] - t.a[0]), t.a[1] + w * (t.b[1] - t.a[1]), t.a[2] + w * (t.b[2] - t.a[2])};
}

class SyntheticDataset : public Dataset {
 public:
  SyntheticDataset(const SyntheticConfig& config, std::vector<Sample> samples)
      : Dataset("synthetic (" + std::to_string(config.count) + " images, seed " + std::to_string(config.seed) + ")",
                std::move(samples), kShapes),
        config_(config) {}

  Image load_image(std::size_t i) const override {
    (void)sample(i);  // range check
    const Scene s = make_scene(config_.seed, i, config_.image_size);
    Generator speckle(s.noise_seed);
    Image image(config_.image_size, config_.image_size);
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x) {
        const bool object = inside(s, x + 0.5, y + 0.5);
        const auto rgb = shade(object ? s.object : s.background, x, y, speckle);
        for (int ch = 0; ch < 3; ++ch) {
          const double noisy = rgb[ch] + speckle.uniform(-12.0, 12.0);
          image.at(x, y)[ch] = static_cast<std::uint8_t>(std::clamp(noisy, 0.0, 255.0));
        }
      }
    return image;
  }

  std::vector<std::uint8_t> load_mask(std::size_t i, int& width, int& height) const override {
    (void)sample(i);
    width = height = config_.image_size;
    return mask(make_scene(config_.seed, i, config_.image_size), config_.image_size);
  }

  static std::vector<std::uint8_t> mask(const Scene& s, int size) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(size) * size);
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) m[static_cast<std::size_t>(y) * size + x] = inside(s, x + 0.5, y + 0.5);
    return m;
  }

 private:
  SyntheticConfig config_;
};

}  // namespace

std::unique_ptr<Dataset> make_synthetic(const SyntheticConfig& config) {
  if (config.count == 0) throw Error("dataset: synthetic dataset of 0 images");
  if (config.image_size < 16 || config.image_size > 4096)
    throw Error("dataset: synthetic image size must be in [16, 4096], got " + std::to_string(config.image_size));
  std::vector<Sample> samples(config.count);
  for (std::size_t i = 0; i < config.count; ++i) {
    const Scene s = make_scene(config.seed, i, config.image_size);
    const auto m = SyntheticDataset::mask(s, config.image_size);
    int x0 = config.image_size, y0 = config.image_size, x1 = -1, y1 = -1;
    for (int y = 0; y < config.image_size; ++y)
      for (int x = 0; x < config.image_size; ++x)
        if (m[static_cast<std::size_t>(y) * config.image_size + x]) {
          x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y);
        }
    samples[i].label = s.shape;
    samples[i].labels = {s.shape};
    // Exact box of the object's pixels, x1 = x0 + width.
    samples[i].boxes.push_back({float(x0), float(y0), float(x1 + 1), float(y1 + 1), s.shape});
  }
  return std::make_unique<SyntheticDataset>(config, std::move(samples));
}

}  // namespace c2am
