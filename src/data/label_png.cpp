// Label PNGs read with libpng, sample values kept (see label_map.hpp).

#include "c2am/data/label_map.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "c2am/core/error.hpp"
#include "c2am/data/image.hpp"
#include "data/image_headers.hpp"

namespace c2am {

namespace {

struct Reader {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0, offset = 0;
  char message[256] = {};
};

void on_error(png_structp png, png_const_charp message) {
  auto* reader = static_cast<Reader*>(png_get_error_ptr(png));
  std::snprintf(reader->message, sizeof reader->message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign chunk issues, as Pillow ignores them

void read_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* reader = static_cast<Reader*>(png_get_io_ptr(png));
  if (length > reader->size - reader->offset) png_error(png, "truncated file");
  std::memcpy(out, reader->data + reader->offset, length);
  reader->offset += length;
}

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw Error("label map: " + source + ": " + message);
}

// The decode proper. No C++ object with a destructor lives in this frame
// across setjmp: libpng reports errors by longjmp.
bool decode(Reader& reader, LabelMap& out, std::vector<std::uint8_t>& rows, std::vector<png_bytep>& row_pointers,
            int& depth) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, on_error, on_warning);
  if (!png) return false;
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    return false;
  }
  png_set_read_fn(png, &reader, read_bytes);
  png_set_user_limits(png, kMaxImageSide, kMaxImageSide);
  png_read_info(png, info);
  const int width = static_cast<int>(png_get_image_width(png, info));
  const int height = static_cast<int>(png_get_image_height(png, info));
  const int type = png_get_color_type(png, info);
  depth = png_get_bit_depth(png, info);
  if (static_cast<std::int64_t>(width) * height > max_image_pixels()) {
    std::snprintf(reader.message, sizeof reader.message, "label map of %dx%d pixels exceeds the supported size",
                  width, height);
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  if (type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_RGB_ALPHA) {
    if (depth == 16) {
      std::snprintf(reader.message, sizeof reader.message,
                    "16-bit colour label PNGs are not supported (save class ids as palette or gray PNG)");
      png_destroy_read_struct(&png, &info, nullptr);
      return false;
    }
    png_set_strip_alpha(png);
    out.colour = true;
  } else if (type == PNG_COLOR_TYPE_PALETTE || type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) {
    png_set_strip_alpha(png);
    if (depth < 8) {
      if (type == PNG_COLOR_TYPE_GRAY && depth > 1) png_set_expand_gray_1_2_4_to_8(png);  // Pillow scales L;2, L;4
      else png_set_packing(png);  // palette indices and 1-bit gray keep their values
    }
    if (depth == 16) png_set_swap(png);  // host (little-endian) order
  }
  png_read_update_info(png, info);
  const png_size_t row_bytes = png_get_rowbytes(png, info);
  rows.resize(row_bytes * static_cast<std::size_t>(height));  // the caller's, freed whatever happens
  row_pointers.resize(static_cast<std::size_t>(height));
  for (int y = 0; y < height; ++y) row_pointers[y] = rows.data() + row_bytes * static_cast<std::size_t>(y);
  png_read_image(png, row_pointers.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  out.width = width;
  out.height = height;
  return true;
}

}  // namespace

LabelMap decode_label_png(const std::uint8_t* data, std::size_t size, const std::string& source) {
  static constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (size == 0) fail(source, "empty file");
  if (size < 8 || std::memcmp(data, kSignature, 8) != 0)
    fail(source, "not a PNG file; label maps must be PNG (a lossy format such as JPEG changes class ids)");
  // The size, from IHDR, before libpng allocates anything.
  std::int64_t declared_width = 0, declared_height = 0;
  if (detail::png_declared_size(data, size, declared_width, declared_height)) {
    const std::string breach = detail::size_limit_breach(declared_width, declared_height);
    if (!breach.empty()) fail(source, "label " + breach);
  }
  Reader reader;
  reader.data = data;
  reader.size = size;
  LabelMap out;
  std::vector<std::uint8_t> rows;
  std::vector<png_bytep> row_pointers;
  int depth = 0;
  if (!decode(reader, out, rows, row_pointers, depth))
    fail(source, std::string("cannot decode (") + (reader.message[0] ? reader.message : "out of memory") + ")");
  const std::size_t pixels = static_cast<std::size_t>(out.width) * out.height;
  if (out.colour) {
    out.rgb = std::move(rows);
  } else if (depth == 16) {
    out.ids.resize(pixels);
    std::memcpy(out.ids.data(), rows.data(), pixels * 2);
  } else {
    out.ids.assign(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(pixels));
  }
  return out;
}

LabelMap read_label_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_label_png(bytes.data(), bytes.size(), path);
}

}  // namespace c2am
