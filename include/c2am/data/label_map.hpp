#pragma once
// Label maps — segmentation ground truth, background cues: one class id per
// pixel, read as class ids and never through the photo decoder (which would
// turn a 16-bit id into its high byte, or a palette index into a colour).
// Decoded with libpng as Pillow decodes them for np.array(Image.open(path)),
// which is how the reference code reads its labels:
//   palette PNG (1–8 bit)  -> the palette indices
//   gray 8 or 16 bit       -> the sample values
//   gray 1 bit             -> 0 / 1 (Pillow's mode "1" as an array)
//   gray 2 or 4 bit        -> values scaled to 8 bits (Pillow's "L;2", "L;4")
//   RGB / RGBA, 8 bit      -> the colours (colour-coded masks; alpha dropped),
//                             for the dataset to map to its classes
// Anything else (16-bit colour, a JPEG, a truncated file) is an error naming
// the file. Sizes are checked against kMaxImageSide / kMaxImagePixels before
// any pixel memory is allocated.

#include <cstdint>
#include <string>
#include <vector>

namespace c2am {

struct LabelMap {
  int width = 0, height = 0;
  bool colour = false;              // true: `rgb` holds colours, `ids` is empty
  std::vector<std::uint16_t> ids;   // row-major class ids (width × height) when !colour
  std::vector<std::uint8_t> rgb;    // row-major RGB (width × height × 3) when colour
};

// Throws c2am::Error naming `path` (or `source`) and the problem.
LabelMap read_label_png(const std::string& path);
LabelMap decode_label_png(const std::uint8_t* data, std::size_t size, const std::string& source);

}  // namespace c2am
