// Embedding c2am: load a trained model, compute the activation map of an
// image file, extract the object's box and print it as JSON.
//
// Usage: c2am_embed MODEL.safetensors IMAGE [--size N] [--threshold T]

#include <c2am/c2am.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL.safetensors IMAGE [--size N] [--threshold T]\n", argv[0]);
    return 2;
  }
  int size = 448;
  double threshold = 0.5;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--size") size = std::atoi(argv[i + 1]);
    else if (option == "--threshold") threshold = std::atof(argv[i + 1]);
  }
  try {
    c2am::TrainedModel trained = c2am::load_trained_model(argv[1]);
    const c2am::Image image = c2am::read_image(argv[2]);
    // The map at the image's own resolution, in [0, 1].
    const std::vector<float> map = c2am::activation_map(*trained.model, image, size, trained.flipped);
    const c2am::wsol::ScoreMap scores{image.width, image.height, map};
    const c2am::Box box = c2am::wsol::largest_region_box(scores, threshold);
    std::printf("{\"c2am\": \"%s\", \"image\": \"%s\", \"width\": %d, \"height\": %d, \"threshold\": %.2f, "
                "\"box\": [%.0f, %.0f, %.0f, %.0f]}\n",
                c2am::version(), argv[2], image.width, image.height, threshold, box.x0, box.y0, box.x1, box.y1);
    return 0;
  } catch (const c2am::Error& e) {
    std::fprintf(stderr, "c2am_embed: %s\n", e.what());
    return 1;
  }
}
