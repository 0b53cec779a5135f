// The one translation unit that compiles stb_image and stb_image_write
// (headers from Debian's libstb-dev). Only PNG and BMP are decoded here:
// JPEG goes to libjpeg-turbo (as Pillow decodes it, and stb's JPEG decoder
// has known faults on hostile Huffman tables); every other format is refused
// by signature before decoding (src/data/image.cpp).
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STB_IMAGE_WRITE_IMPLEMENTATION

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
