// Embedding c2am: load a trained model, localize the object of an image file
// the way `c2am wsol boxes` does, and print its box as JSON.
//
// Usage: c2am_embed MODEL.safetensors IMAGE [--threshold T] [--resize R --crop C | --size N]
//   --threshold: a box threshold as `c2am wsol eval` chooses it (same map,
//   same normalization, same protocol); --resize/--crop: the test transform
//   (480/448, as wsol eval's defaults); --size N: resize = crop = N.

#include <c2am/c2am.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.safetensors IMAGE [--threshold T] [--resize R --crop C | --size N]\n",
                 argv[0]);
    return 2;
  }
  c2am::wsol::EvalOptions options;  // wsolevaluation protocol, resize 480, crop 448
  double threshold = 0.5;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--size") options.resize = options.crop = std::atoi(argv[i + 1]);
    else if (option == "--resize") options.resize = std::atoi(argv[i + 1]);
    else if (option == "--crop") options.crop = std::atoi(argv[i + 1]);
    else if (option == "--threshold") threshold = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "c2am_embed: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  try {
    c2am::TrainedModel trained = c2am::load_trained_model(argv[1]);
    options.flipped = trained.flipped;
    const c2am::Image image = c2am::read_image(argv[2]);
    const std::optional<c2am::Box> box = c2am::wsol::localize(*trained.model, image, threshold, options);
    std::printf("{\"c2am\": \"%s\", \"image\": \"%s\", \"width\": %d, \"height\": %d, \"threshold\": %.2f, \"box\": ",
                c2am::version(), argv[2], image.width, image.height, threshold);
    if (box) std::printf("[%.0f, %.0f, %.0f, %.0f]}\n", box->x0, box->y0, box->x1, box->y1);
    else std::printf("null}\n");
    return 0;
  } catch (const c2am::Error& e) {
    std::fprintf(stderr, "c2am_embed: %s\n", e.what());
    return 1;
  }
}
