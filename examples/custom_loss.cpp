// Extending C²AM with the public API alone: a different contrastive
// objective on the model's foreground/background embeddings, trained for a
// few steps on synthetic data. Here an InfoNCE loss: each image's foreground
// is pulled towards the other images' foregrounds and pushed away from every
// background,
//
//   L = mean_i −log( Σ_{j≠i} e^{f_i·f_j/τ} / (Σ_{j≠i} e^{f_i·f_j/τ} + Σ_j e^{f_i·b_j/τ}) ),
//
// with f, b the L2-normalized embeddings. Exits 0 when the loss fell.

#include <cstdio>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

Tensor info_nce(const Tensor& fg, const Tensor& bg, double temperature) {
  const std::int64_t n = fg.size(0);
  std::vector<float> mask(static_cast<std::size_t>(n * n), 1.0f);
  for (std::int64_t i = 0; i < n; ++i) mask[i * n + i] = 0.0f;  // an image is not its own positive
  const Tensor off_diagonal = from_vector<float>(mask, {n, n}, {fg.dtype(), fg.device()});
  const Tensor f = normalize(fg, 1), b = normalize(bg, 1);
  const Tensor positives = sum(exp(matmul(f, f.transpose(0, 1)) / temperature) * off_diagonal, {1});
  const Tensor negatives = sum(exp(matmul(f, b.transpose(0, 1)) / temperature), {1});
  return mean(neg(log(positives / (positives + negatives))));
}

int main() try {
  ModelConfig config;
  config.backbone.depth = 18;
  config.backbone.base_width = 8;
  config.backbone.strides = {1, 1, 2, 1};
  config.seed = 3;
  Model model(config);
  const ParameterGroups g = model.parameter_groups();
  Sgd sgd({{"backbone", g.backbone_weights, 1.0, 1e-4}, {"head", g.head_weights, 10.0, 1e-4}}, {0.9, false});

  const auto data = open_dataset("synthetic:128", "train");
  LoaderConfig lc;
  lc.batch_size = 16;
  lc.transform = {72, 64, true, Interpolation::Bilinear};
  Loader loader(*data, lc);
  std::vector<double> losses;
  for (std::size_t epoch = 0; losses.size() < 24; ++epoch) {
    loader.start_epoch(epoch);
    while (auto batch = loader.next()) {
      const ModelOutput out = model.forward(batch->images);
      const Tensor loss = info_nce(out.fg, out.bg, 0.2);
      sgd.zero_grad();
      loss.backward();
      sgd.step(0.01);
      losses.push_back(loss.item());
      std::printf("step %2zu  InfoNCE %.4f\n", losses.size() - 1, losses.back());
    }
  }
  const double first = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
  const double last = (losses[20] + losses[21] + losses[22] + losses[23]) / 4;
  std::printf("mean of the first four steps %.4f, of the last four %.4f\n", first, last);
  return last < first ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "custom_loss: %s\n", e.what());
  return 1;
}
