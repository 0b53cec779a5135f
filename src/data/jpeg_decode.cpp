#include "data/jpeg_decode.hpp"

// jpeglib.h needs size_t and FILE declared first.
#include <cstdio>
#include <jerror.h>
#include <jpeglib.h>

#include <csetjmp>
#include <cstring>
#include <vector>

#include "c2am/core/error.hpp"
#include "data/image_headers.hpp"

namespace c2am::detail {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // first: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {};
  bool hit_end_of_data = false;  // libjpeg ran out of bytes and padded with a fake EOI
};

void on_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings: corrupt data is decoded as libjpeg decodes it (Pillow does the
// same); only running out of data is remembered, to be refused as Pillow
// refuses a truncated file.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<ErrorManager*>(cinfo->err)->hit_end_of_data = true;
}

// Pillow's CMYK -> RGB (libImaging/Convert.c, cmyk2rgb).
std::uint8_t cmyk_channel(int ink, int not_black) {
  const int product = ink * not_black + 128;
  const int scaled = ((product >> 8) + product) >> 8;  // ink * not_black / 255, rounded
  const int value = not_black - scaled;
  return static_cast<std::uint8_t>(value < 0 ? 0 : value > 255 ? 255 : value);
}

// The decode proper: no object with a destructor lives in this frame across
// setjmp (libjpeg reports errors by longjmp); the caller owns the buffers.
bool decode(jpeg_decompress_struct& cinfo, ErrorManager& errors, const std::uint8_t* data, std::size_t size,
            std::vector<std::uint8_t>& pixels, int& width, int& height, int& channels, bool& inverted,
            std::string& refusal) {
  cinfo.err = jpeg_std_error(&errors.pub);
  errors.pub.error_exit = on_error;
  errors.pub.emit_message = on_message;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);  // no image in the stream: JERR_NO_IMAGE
  refusal = size_limit_breach(cinfo.image_width, cinfo.image_height);
  if (!refusal.empty()) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;  // gray is replicated to RGB by libjpeg-turbo
  inverted = cmyk && cinfo.saw_Adobe_marker;         // Pillow's "CMYK;I" for Adobe files
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.do_fancy_upsampling = TRUE;
  jpeg_start_decompress(&cinfo);
  width = static_cast<int>(cinfo.output_width);
  height = static_cast<int>(cinfo.output_height);
  channels = cinfo.output_components;
  pixels.resize(static_cast<std::size_t>(width) * height * channels);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels.data() + static_cast<std::size_t>(cinfo.output_scanline) * width * channels;
    jpeg_read_scanlines(&cinfo, &row, 1);
    if (errors.hit_end_of_data) break;
  }
  if (!errors.hit_end_of_data) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}


}  // namespace




Image decode_jpeg(const std::uint8_t* data, std::size_t size, const std::string& source) {
  std::int64_t declared_width = 0, declared_height = 0;
  if (jpeg_declared_size(data, size, declared_width, declared_height) && declared_height > 0) {
    // (A height of 0 is legal in a SOF — DNL gives it later — and libjpeg refuses it itself.)
    const std::string breach = size_limit_breach(declared_width, declared_height);
    if (!breach.empty()) throw Error("image: " + source + ": " + breach);
  }
  jpeg_decompress_struct cinfo{};
  ErrorManager errors{};
  std::vector<std::uint8_t> pixels;
  int width = 0, height = 0, channels = 0;
  bool inverted = false;
  std::string refusal;
  if (!decode(cinfo, errors, data, size, pixels, width, height, channels, inverted, refusal))
    throw Error("image: " + source + ": " +
                (refusal.empty() ? std::string("cannot decode the JPEG (") + errors.message + ")" : refusal));
  if (errors.hit_end_of_data)
    throw Error("image: " + source + ": the JPEG is truncated (its data ends before the last row)");
  Image image;
  image.width = width;
  image.height = height;
  if (channels == 3) {
    image.pixels = std::move(pixels);
    return image;
  }
  image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t p = 0, n = static_cast<std::size_t>(width) * height; p < n; ++p) {
    std::uint8_t ink[4];
    for (int k = 0; k < 4; ++k) ink[k] = inverted ? 255 - pixels[p * 4 + k] : pixels[p * 4 + k];
    const int not_black = 255 - ink[3];
    for (int c = 0; c < 3; ++c) image.pixels[p * 3 + c] = cmyk_channel(ink[c], not_black);
  }
  return image;
}

}  // namespace c2am::detail
