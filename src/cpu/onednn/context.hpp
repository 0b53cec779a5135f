#pragma once
// What every oneDNN call shares: one CPU engine, a stream per thread, NCHW
// memory wrapped around c2am tensors, reorders, and a cache of primitives
// keyed by shape (making a primitive descriptor costs tens of microseconds:
// more than a small convolution).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "c2am/core/tensor.hpp"

namespace c2am::cpu::onednn {

using dnnl::memory;

dnnl::engine& engine();
dnnl::stream& stream();  // this thread's

memory::dims dims_of(const Shape& shape);

// Plain row-major (nchw, oihw, x) memory over a contiguous float32 tensor.
memory wrap(const Tensor& t);
// Memory over a float32 tensor with any non-negative strides (a
// channels-last view [N, C, H, W] with strides (HWC, 1, WC, C) becomes nhwc).
memory wrap_strided(const Tensor& t);
// A new float32 [N, C, H, W] tensor laid out channels-last (a permuted view
// of dense [N, H, W, C] storage): what the inference convolutions produce.
Tensor empty_channels_last(const Shape& nchw);
bool is_channels_last(const Tensor& t);
memory::desc plain_desc(const memory::dims& d);

// `user` itself when it already has the layout `want`, else a reordered copy.
memory reordered(const memory& user, const memory::desc& want);
// Writes `computed` into `user` (plain) unless they are the same memory.
void copy_back(const memory& computed, const memory& user);
// `user` when `want` is its layout, else fresh memory in `want` to be copied
// back with copy_back() after the primitive ran.
memory output_in(const memory& user, const memory::desc& want);

// Key of a cached primitive: every integer that shapes it.
using Key = std::vector<std::int64_t>;
struct KeyHash {
  std::size_t operator()(const Key& key) const;
};

// Thread-safe cache of `Entry` objects built once per key. Entries live as
// long as the program (one per layer shape and pass: a few hundred at most).
template <typename Entry>
class PrimitiveCache {
 public:
  const Entry& get(const Key& key, const std::function<Entry()>& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) it = entries_.emplace(key, std::make_unique<Entry>(make())).first;
    return *it->second;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<Key, std::unique_ptr<Entry>, KeyHash> entries_;
};

// oneDNN reports failures as dnnl::error; this names the c2am op and the
// shape, as every other c2am error does.
[[noreturn]] void rethrow(const char* op, const dnnl::error& e);

}  // namespace c2am::cpu::onednn
