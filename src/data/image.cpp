#include "c2am/data/image.hpp"

#include <stb_image.h>
#include <stb_image_write.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "c2am/core/error.hpp"
#include "data/image_headers.hpp"
#include "data/jpeg_decode.hpp"
#include "io/atomic_file.hpp"

namespace c2am {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw Error("image: " + source + ": " + message);
}

void check_writable(const Image& image, const std::string& path) {
  if (image.width < 1 || image.height < 1 || image.width > kMaxImageSide || image.height > kMaxImageSide ||
      image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * 3)
    fail(path, "cannot write a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                   " image holding " + std::to_string(image.pixels.size()) + " bytes");
}

// stb's write callback: appends to a byte vector.
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}


// Formats c2am does not read, by signature: refused before any decoder
// sees them (their decoders are not compiled in).
std::string unsupported_format(const std::uint8_t* data, std::size_t size) {
  const auto starts = [&](const char* magic, std::size_t at = 0) {
    const std::size_t n = std::strlen(magic);
    return size >= at + n && std::memcmp(data + at, magic, n) == 0;
  };
  if (starts("GIF8")) return "GIF";
  if (starts("RIFF") && starts("WEBP", 8)) return "WebP";
  if ((starts("II") || starts("MM")) && size >= 4 && (data[2] == 42 || data[3] == 42)) return "TIFF";
  if (starts("8BPS")) return "PSD";
  if (starts("#?RADIANCE") || starts("#?RGBE")) return "HDR";
  if (size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7') return "PNM";
  if (starts("\x53\x80\xF6\x34")) return "PIC";
  if (starts("ftyp", 4)) return "HEIF/AVIF";
  return "";
}

// Every chunk of a PNG must fit in the file: stb allocates an IDAT's claimed
// length before reading it, so a 90-byte file claiming a 1 GiB chunk would
// cost 2 GiB. Returns the problem, or "" when the chunks are consistent.
std::string png_chunk_problem(const std::uint8_t* data, std::size_t size) {
  std::size_t at = 8;  // after the signature
  while (at + 12 <= size) {
    const std::uint64_t length = static_cast<std::uint64_t>(data[at]) << 24 | data[at + 1] << 16 | data[at + 2] << 8 |
                                 data[at + 3];
    const std::string type(reinterpret_cast<const char*>(data + at + 4), 4);
    if (length > size - at - 12)
      return "corrupt or truncated PNG: its " + type + " chunk claims " + std::to_string(length) + " bytes, " +
             std::to_string(size - at - 12) + " remain";
    if (type == "IEND") return "";
    at += 12 + static_cast<std::size_t>(length);
  }
  // Bytes left that cannot hold a chunk header: stb would read a length from
  // past the end (as zeros) and allocate it.
  if (at < size) return "truncated PNG: the file ends inside a chunk header";
  return "";  // ends without IEND: left to the decoder, which reads only what is there
}

std::atomic<std::int64_t> g_max_image_pixels{kPillowMaxImagePixels};

}  // namespace

std::int64_t max_image_pixels() { return g_max_image_pixels.load(std::memory_order_relaxed); }

void set_max_image_pixels(std::int64_t pixels) {
  if (pixels < 1 || pixels > kMaxImagePixels)
    throw Error("max image pixels must be 1 to " + std::to_string(kMaxImagePixels) + ", got " + std::to_string(pixels));
  g_max_image_pixels.store(pixels, std::memory_order_relaxed);
}

Image decode_image(const std::uint8_t* data, std::size_t size, const std::string& source) {
  if (size == 0) fail(source, "empty file");
  if (size > static_cast<std::size_t>(INT32_MAX)) fail(source, "file too large to decode");
  // JPEG through libjpeg-turbo, as the reference code's Pillow decodes it.
  if (detail::is_jpeg(data, size)) return detail::decode_jpeg(data, size, source);
  if (const std::string format = unsupported_format(data, size); !format.empty())
    fail(source, format + " images are not supported (c2am reads JPEG, PNG and BMP); convert the file");
  static constexpr std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const bool png = size >= 8 && std::memcmp(data, kPng, 8) == 0;
  const bool bmp = size >= 2 && data[0] == 'B' && data[1] == 'M';
  if (!png && !bmp) fail(source, "not an image c2am reads (JPEG, PNG or BMP, detected from the content)");
  std::int64_t declared_width = 0, declared_height = 0;
  if (png) {
    if (const std::string problem = png_chunk_problem(data, size); !problem.empty()) fail(source, problem);
  }
  if (png && detail::png_declared_size(data, size, declared_width, declared_height)) {
    const std::string breach = detail::size_limit_breach(declared_width, declared_height);
    if (!breach.empty()) fail(source, breach);
  }
  const int length = static_cast<int>(size);
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_memory(data, length, &width, &height, &channels))
    fail(source, std::string("cannot decode (") + stbi_failure_reason() + ")");
  if (const std::string breach = detail::size_limit_breach(width, height); !breach.empty()) fail(source, breach);
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load_from_memory(data, length, &width, &height, &channels, 3),
                                                   stbi_image_free);
  if (!pixels) fail(source, std::string("cannot decode (") + stbi_failure_reason() + ")");
  Image image;
  image.width = width;
  image.height = height;
  image.pixels.assign(pixels.get(), pixels.get() + static_cast<std::size_t>(width) * height * 3);
  return image;
}

std::optional<ImageSize> peek_image_size(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<std::uint8_t> head(64 * 1024);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  std::int64_t width = 0, height = 0;
  if (detail::is_jpeg(head.data(), head.size())) {
    if (!detail::jpeg_declared_size(head.data(), head.size(), width, height)) return std::nullopt;
  } else if (!detail::png_declared_size(head.data(), head.size(), width, height)) {
    if (head.size() < 26 || head[0] != 'B' || head[1] != 'M') return std::nullopt;
    const auto le32 = [&](std::size_t at) {
      return static_cast<std::int32_t>(head[at] | head[at + 1] << 8 | head[at + 2] << 16 |
                                       static_cast<std::uint32_t>(head[at + 3]) << 24);
    };
    width = le32(18);
    height = std::abs(static_cast<std::int64_t>(le32(22)));  // negative: rows stored top-down
  }
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide) return std::nullopt;
  return ImageSize{static_cast<int>(width), static_cast<int>(height)};
}

Image read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  check_writable(image, "<memory>");
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), image.width * 3))
    fail("<memory>", "PNG encoding failed");
  return bytes;
}

// Encoded in memory, then written by the checked atomic writer: a full disk
// is an error and the previous file stays.
void write_png(const std::string& path, const Image& image) {
  check_writable(image, path);
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), image.width * 3))
    fail(path, "PNG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

void write_gray_png(const std::string& path, int width, int height, const std::vector<std::uint8_t>& pixels) {
  if (width < 1 || height < 1 || pixels.size() != static_cast<std::size_t>(width) * height)
    fail(path, "cannot write a " + std::to_string(width) + "x" + std::to_string(height) + " gray image from " +
                   std::to_string(pixels.size()) + " pixels");
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_png_to_func(append_bytes, &bytes, width, height, 1, pixels.data(), width))
    fail(path, "PNG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

void write_jpeg(const std::string& path, const Image& image, int quality) {
  check_writable(image, path);
  if (quality < 1 || quality > 100) fail(path, "JPEG quality must be in [1, 100], got " + std::to_string(quality));
  std::vector<std::uint8_t> bytes;
  if (!stbi_write_jpg_to_func(append_bytes, &bytes, image.width, image.height, 3, image.pixels.data(), quality))
    fail(path, "JPEG encoding failed");
  io::write_file_atomically(path, bytes.data(), bytes.size(), "image");
}

}  // namespace c2am
