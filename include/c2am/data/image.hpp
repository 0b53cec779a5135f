#pragma once
// 8-bit RGB images: decoding (JPEG, PNG, BMP and the other formats
// stb_image reads) and encoding (PNG, JPEG), with errors that name the file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace c2am {

// Row-major, interleaved RGB (HWC), 8 bits per channel.
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // width * height * 3

  Image() = default;
  Image(int w, int h) : width(w), height(h), pixels(static_cast<std::size_t>(w) * h * 3, 0) {}
  std::uint8_t* at(int x, int y) { return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3; }
  const std::uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<std::size_t>(y) * width + x) * 3;
  }
};

// Images with a side above kMaxImageSide, or more pixels than
// max_image_pixels(), are refused from their header, before any decoder
// allocates pixel memory.
inline constexpr int kMaxImageSide = 1 << 15;
// The ceiling max_image_pixels() can be raised to (768 MiB of RGB).
inline constexpr std::int64_t kMaxImagePixels = std::int64_t{1} << 28;
// Pillow's decompression-bomb limit (2 × Image.MAX_IMAGE_PIXELS): above it
// the reference code's Image.open refuses a picture, and so does c2am.
inline constexpr std::int64_t kPillowMaxImagePixels = 178956970;

// The pixel limit in force: kPillowMaxImagePixels unless set (thread-safe).
std::int64_t max_image_pixels();
// Sets the pixel limit, 1 to kMaxImagePixels (`c2am --max-image-pixels`);
// throws c2am::Error outside that range.
void set_max_image_pixels(std::int64_t pixels);

// Decodes a JPEG (libjpeg-turbo, as Pillow decodes it), PNG or BMP file;
// gray and gray+alpha become RGB, RGBA drops alpha. The format is detected
// from the content, not the name (a PNG named .JPEG decodes); other formats
// (GIF, WebP, TIFF, PSD, PNM, HDR, ...) are refused by their signature before
// any decoder sees them. Errors name the file and the reason.
Image read_image(const std::string& path);
Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& source);

// The width and height a JPEG, PNG or BMP file's header declares, read from
// its first 64 KiB without decoding (to budget memory before decoding a
// batch); nothing when the file cannot be opened or its header is not there.
struct ImageSize {
  int width = 0, height = 0;
};
std::optional<ImageSize> peek_image_size(const std::string& path);

// PNG file bytes of `image` (for embedding in reports).
std::vector<std::uint8_t> encode_png(const Image& image);

// Writes atomically (temporary file beside `path`, then rename).
void write_png(const std::string& path, const Image& image);
void write_jpeg(const std::string& path, const Image& image, int quality = 95);
// One 8-bit channel (label maps, cues), row-major width × height; atomic.
void write_gray_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& pixels);

}  // namespace c2am
