#include "c2am/data/loader.hpp"

#include <algorithm>
#include <numeric>

#include "c2am/core/error.hpp"
#include "c2am/core/generator.hpp"

namespace c2am {

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Loader::Loader(const Dataset& dataset, LoaderConfig config) : dataset_(dataset), config_(std::move(config)) {
  check(config_.batch_size >= 1, "Loader", "batch size must be at least 1");
  check(config_.workers >= 0, "Loader", "workers must be >= 0, got ", config_.workers);
  check(config_.transform.crop >= 1 && config_.transform.crop <= config_.transform.resize, "Loader", "crop ",
        config_.transform.crop, " must be in [1, resize = ", config_.transform.resize, "]");
  check(config_.shards >= 1 && config_.shard < config_.shards, "Loader", "shard ", config_.shard, " of ",
        config_.shards, " does not exist");
  check(config_.batch_size >= config_.shards, "Loader", "a global batch of ", config_.batch_size,
        " images cannot be shared by ", config_.shards, " processes");
  check(batches_per_epoch() > 0, "Loader", "dataset ", dataset_.name(), " has ", dataset_.size(),
        " images, fewer than one batch of ", config_.batch_size, " (drop_last)");
}

Loader::~Loader() { stop_workers(); }

std::size_t Loader::batches_per_epoch() const {
  const std::size_t n = dataset_.size(), b = config_.batch_size;
  if (config_.drop_last || n % b == 0) return n / b;
  // The shorter last batch, unless it cannot give every process an image.
  return n / b + (n % b >= config_.shards ? 1 : 0);
}

std::size_t Loader::skipped() const {
  std::lock_guard lock(mutex_);
  return skipped_;
}

std::vector<std::size_t> Loader::epoch_order(std::size_t epoch) const {
  std::vector<std::size_t> order(dataset_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (config_.shuffle) {
    Generator gen(mix(mix(config_.seed) ^ (epoch + 1)));
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  }
  return order;
}

Image Loader::augmented(std::size_t epoch, std::size_t position) const {
  return augmented_sample(epoch, position).image;
}

AugmentedSample Loader::augmented_sample(std::size_t epoch, std::size_t position) const {
  const std::size_t index = epoch == epoch_ && !order_.empty() ? order_.at(position) : epoch_order(epoch).at(position);
  Generator gen(mix(mix(mix(config_.seed) ^ (epoch + 1)) ^ (position + 0x51ED27)));
  if (config_.augment) return config_.augment(index, dataset_.load_image(index), gen);
  const TrainTransform& t = config_.transform;
  Image image = resize(dataset_.load_image(index), t.resize, t.resize, t.interpolation);
  image = crop(image, random_crop_box(t.resize, t.resize, t.crop, gen));
  if (t.hflip && gen.uniform() < 0.5) image = hflip(image);
  return {std::move(image), {}};
}

Loader::Result Loader::make_batch(std::size_t number) const {
  Result result;
  try {
    Batch batch;
    batch.epoch = epoch_;
    batch.number = number;
    std::vector<Image> images;
    const std::size_t global_first = number * config_.batch_size;
    const std::size_t count = std::min(config_.batch_size, order_.size() - global_first);
    // This shard's part of the global batch (the whole batch for one process).
    const std::size_t first = global_first + count * config_.shard / config_.shards;
    const std::size_t last = global_first + count * (config_.shard + 1) / config_.shards;
    for (std::size_t position = first; position < last; ++position) {
      try {
        AugmentedSample sample = augmented_sample(epoch_, position);
        images.push_back(std::move(sample.image));
        batch.targets.push_back(std::move(sample.target));
        batch.indices.push_back(order_[position]);
      } catch (const Error&) {
        if (!config_.skip_unreadable) throw;
        std::lock_guard lock(mutex_);
        ++skipped_;
      }
    }
    if (images.empty()) throw Error("Loader: every image of batch " + std::to_string(number) + " was unreadable");
    batch.images = config_.collate ? config_.collate(images) : to_batch(images);
    result.batch = std::move(batch);
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

void Loader::worker_loop() {
  for (;;) {
    std::size_t number;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] {
        return stopping_ || next_to_make_ >= end_ || next_to_make_ < next_to_return_ + config_.prefetch;
      });
      if (stopping_ || next_to_make_ >= end_) return;
      number = next_to_make_++;
    }
    Result result = make_batch(number);
    {
      std::lock_guard lock(mutex_);
      ready_[number] = std::move(result);
    }
    changed_.notify_all();
  }
}

void Loader::stop_workers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  stopping_ = false;
}

void Loader::start_epoch(std::size_t epoch, std::size_t first_batch) {
  stop_workers();
  check(first_batch <= batches_per_epoch(), "Loader", "cannot start epoch ", epoch, " at batch ", first_batch, " of ",
        batches_per_epoch());
  epoch_ = epoch;
  order_ = epoch_order(epoch);
  next_to_make_ = next_to_return_ = first_batch;
  end_ = batches_per_epoch();
  ready_.clear();
  for (int i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

std::optional<Batch> Loader::next() {
  if (order_.empty()) start_epoch(0);
  Result result;
  {
    std::unique_lock lock(mutex_);
    if (next_to_return_ >= end_) return std::nullopt;
    const std::size_t number = next_to_return_;
    if (workers_.empty()) {
      lock.unlock();
      result = make_batch(number);
      lock.lock();
    } else {
      changed_.wait(lock, [&] { return ready_.count(number) > 0; });
      result = std::move(ready_.at(number));
      ready_.erase(number);
    }
    ++next_to_return_;
  }
  changed_.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.batch);
}

}  // namespace c2am
