#pragma once
// Values derived from parameters (folded convolution weights, weights in a
// oneDNN layout) kept between inference calls and recomputed when any of the
// parameters changes. A parameter "changes" when its storage is another one
// or its storage's version moved (every write through c2am's ops — copy_,
// fill_, optimizer steps, weight loading — bumps it; code that writes through
// data<T>() must call storage()->bump_version() itself). Entries hold weak
// references: the derived values of parameters that no longer exist are
// dropped at the next insertion.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "c2am/core/storage.hpp"
#include "c2am/core/tensor.hpp"

namespace c2am::ops {

template <typename Value>
class ParameterCache {
 public:
  // The value for `sources` (undefined tensors allowed) and `variant` (what
  // else the value depends on), made by `make` when absent or stale.
  Value get(const std::vector<const Tensor*>& sources, std::int64_t variant, const std::function<Value()>& make) {
    std::vector<Source> key;
    for (const Tensor* t : sources) {
      key.push_back(t->defined() ? Source{t->storage(), t->storage().get(), t->storage()->version(), t->offset()}
                                 : Source{});
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Entry& e : entries_) {
      if (e.variant == variant && matches(e.sources, key, true)) return e.value;
    }
    Value value = make();
    // Drop entries of parameters that died, and the outdated value of these.
    std::erase_if(entries_, [&](const Entry& e) {
      return dead(e.sources) || (e.variant == variant && matches(e.sources, key, false));
    });
    entries_.push_back({std::move(key), variant, value});
    return value;
  }

 private:
  struct Source {
    std::weak_ptr<Storage> storage;   // empty for an undefined tensor
    const Storage* address = nullptr;  // identity, meaningful while `storage` lives
    std::uint64_t version = 0;
    std::int64_t offset = 0;
  };
  struct Entry {
    std::vector<Source> sources;
    std::int64_t variant;
    Value value;
  };

  static bool dead(const std::vector<Source>& sources) {
    for (const Source& s : sources) {
      if (s.address != nullptr && s.storage.expired()) return true;
    }
    return false;
  }
  // Same live storages at the same offsets (and, with `versions`, unchanged).
  static bool matches(const std::vector<Source>& cached, const std::vector<Source>& now, bool versions) {
    if (cached.size() != now.size() || dead(cached)) return false;
    for (std::size_t i = 0; i < cached.size(); ++i) {
      if (cached[i].address != now[i].address || cached[i].offset != now[i].offset) return false;
      if (versions && cached[i].version != now[i].version) return false;
    }
    return true;
  }

  std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace c2am::ops
