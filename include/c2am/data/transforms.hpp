#pragma once
// Image transforms of the training and test pipelines (SPEC §3-4):
// PIL-compatible resizing, crops, flips and conversion to normalized NCHW
// tensors. Box coordinates are mapped by the same geometry (BoxTransform).

#include <array>
#include <vector>

#include "c2am/core/generator.hpp"
#include "c2am/core/tensor.hpp"
#include "c2am/data/image.hpp"

namespace c2am {

enum class Interpolation { Bilinear, Bicubic };

// PIL's Image.resize algorithm: separable filtering, horizontal pass first,
// 8-bit rounding between passes, fixed-point weights; when shrinking the
// filter is widened by the scale factor (antialiasing). Bicubic uses a = −0.5.
Image resize(const Image& image, int width, int height, Interpolation interpolation = Interpolation::Bilinear);

struct CropBox {
  int x = 0, y = 0, width = 0, height = 0;
};

// The region must lie inside the image.
Image crop(const Image& image, const CropBox& box);
// torchvision CenterCrop: top = round((H − size) / 2), left likewise.
CropBox center_crop_box(int width, int height, int size);
// torchvision RandomCrop: top uniform in [0, H − size], left likewise.
CropBox random_crop_box(int width, int height, int size, Generator& gen);
Image hflip(const Image& image);

inline constexpr std::array<float, 3> kImageNetMean{0.485f, 0.456f, 0.406f};
inline constexpr std::array<float, 3> kImageNetStd{0.229f, 0.224f, 0.225f};

// HWC uint8 -> CHW float32, (value / 255 − mean) / std per channel.
Tensor to_tensor(const Image& image, const std::array<float, 3>& mean = kImageNetMean,
                 const std::array<float, 3>& stddev = kImageNetStd);
// Images of one size stacked into [N, 3, H, W].
Tensor to_batch(const std::vector<Image>& images, const std::array<float, 3>& mean = kImageNetMean,
                const std::array<float, 3>& stddev = kImageNetStd);

}  // namespace c2am
