// Background cues for weakly supervised segmentation on PASCAL VOC 2012 with
// the public API, top to bottom:
//
//   1. load a C²AM model trained on VOC (e.g. `c2am train --recipe voc`);
//   2. per image: the multi-scale map, then the background cue (threshold
//      0.3 and a two-label dense CRF), written as a PNG (255 fg / 0 bg);
//   3. the cues' foreground/background mIoU against the ground truth.
//
// Usage: wsss_voc VOC_DIR model.safetensors [split] [out_dir]
// VOC_DIR may also be a dataset spec ("synthetic" works for a quick try).

#include <cstdio>
#include <filesystem>
#include <string>

#include "c2am/c2am.hpp"

using namespace c2am;

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s VOC_DIR model.safetensors [split] [out_dir]\n", argv[0]);
    return 2;
  }
  const std::string data = argv[1], split = argc > 3 ? argv[3] : "train", out = argc > 4 ? argv[4] : "wsss_cues";
  const auto dataset = open_dataset(std::filesystem::is_directory(data) ? "voc:" + data : data, split);

  // 1. The trained model and its orientation flag.
  TrainedModel trained = load_trained_model(argv[2]);
  wsss::MultiScaleOptions scales;
  scales.flipped = trained.flipped;

  // 2 and 3. Cue per image, accumulated into a two-class confusion matrix.
  std::filesystem::create_directories(out);
  wsss::ConfusionMatrix matrix(2);
  for (std::size_t i = 0; i < dataset->size(); ++i) {
    const Image image = dataset->load_image(i);
    const std::vector<float> map = wsss::multiscale_map(*trained.model, image, scales);
    const std::vector<std::uint8_t> cue = wsss::background_cue(image, map);
    write_gray_png(out + "/" + std::to_string(i) + ".png", image.width, image.height, cue);
    int width = 0, height = 0;
    matrix.add(wsss::cue_labels(cue), wsss::foreground_truth(dataset->load_mask(i, width, height)));
    std::printf("\r%zu/%zu images", i + 1, dataset->size());
    std::fflush(stdout);
  }
  std::printf("\n%s", wsss::iou_table(matrix, {"background", "foreground"}).c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "wsss_voc: %s\n", e.what());
  return 1;
}
