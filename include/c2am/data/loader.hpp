#pragma once
// Batches for training: worker threads decode and augment ahead of the
// training loop into a bounded queue.
//
// Determinism: the sample order of epoch e is a shuffle seeded by (seed, e),
// and the augmentation of the k-th sample of an epoch draws from a generator
// seeded by (seed, e, k). Batches therefore hold the same images, augmented
// the same way, whatever the number of workers, and an epoch can be resumed
// at any batch.

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "c2am/core/generator.hpp"
#include "c2am/core/tensor.hpp"
#include "c2am/data/dataset.hpp"
#include "c2am/data/transforms.hpp"

namespace c2am {

// Resize to resize×resize, random crop×crop, horizontal flip with
// probability 1/2 (the recipes of SPEC §3).
struct TrainTransform {
  int resize = 256;
  int crop = 224;
  bool hflip = true;
  Interpolation interpolation = Interpolation::Bilinear;
};

// A sample augmented by LoaderConfig::augment: the network input and the
// values the sample's target becomes (the second WSOL stage's box).
struct AugmentedSample {
  Image image;
  std::vector<double> target;
};

// Augments dataset sample `index` (decoded as `image`), drawing from `gen`
// (the sample's own generator, see Determinism above).
using AugmentFunction = std::function<AugmentedSample(std::size_t index, Image image, Generator& gen)>;

struct LoaderConfig {
  std::size_t batch_size = 16;
  bool shuffle = true;
  bool drop_last = true;
  int workers = 2;           // decoding threads; 0 decodes in the caller's thread
  std::size_t prefetch = 4;  // batches decoded ahead of the consumer
  std::uint64_t seed = 0;
  // Unreadable images are left out of their batch and counted instead of
  // stopping the run.
  bool skip_unreadable = false;
  TrainTransform transform;
  // Set: replaces `transform`; every image it returns must have one size.
  AugmentFunction augment;
  // Set: makes the batch tensor from the augmented images instead of
  // to_batch (ImageNet normalization), e.g. PoolNet's BGR input.
  std::function<Tensor(const std::vector<Image>&)> collate;
  // Data parallelism (docs/distributed.md): `batch_size` is the global batch
  // and this loader yields process `shard`'s part of each: the positions
  // [⌊k·shard/S⌋, ⌊k·(shard+1)/S⌋) of a global batch of k images, S =
  // `shards`. Order, augmentation and batch numbers are those of one process
  // with the same seed, so the S parts of batch b together are its batch b.
  // A last global batch with fewer images than processes is left out.
  std::size_t shard = 0, shards = 1;
};

struct Batch {
  Tensor images;                     // [B, 3, crop, crop], normalized (this shard's part)
  std::vector<std::size_t> indices;  // dataset indices of the images
  std::vector<std::vector<double>> targets;  // per image, from LoaderConfig::augment (empty otherwise)
  std::size_t epoch = 0, number = 0;  // batch `number` of `epoch`
};

class Loader {
 public:
  Loader(const Dataset& dataset, LoaderConfig config);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Begins `epoch` at batch `first_batch` (0 normally; later to resume).
  void start_epoch(std::size_t epoch, std::size_t first_batch = 0);
  // The next batch of the current epoch, or nothing at its end. Errors of
  // the workers (an unreadable image without skip_unreadable) are rethrown.
  std::optional<Batch> next();

  std::size_t batches_per_epoch() const;
  std::size_t skipped() const;
  // Dataset indices of `epoch` in batch order.
  std::vector<std::size_t> epoch_order(std::size_t epoch) const;
  // The decoded, augmented image (and target) of the k-th sample of `epoch`.
  Image augmented(std::size_t epoch, std::size_t position) const;
  AugmentedSample augmented_sample(std::size_t epoch, std::size_t position) const;

 private:
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };
  Result make_batch(std::size_t number) const;
  void stop_workers();
  void worker_loop();

  const Dataset& dataset_;
  LoaderConfig config_;
  std::size_t epoch_ = 0;
  std::vector<std::size_t> order_;
  std::size_t next_to_make_ = 0, next_to_return_ = 0, end_ = 0;
  std::map<std::size_t, Result> ready_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  mutable std::size_t skipped_ = 0;
};

}  // namespace c2am
