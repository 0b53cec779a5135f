#include "cpu/onednn/context.hpp"

#include <optional>

#include "c2am/core/cpu_engine.hpp"
#include "c2am/core/error.hpp"
#include "cpu/onednn/ops.hpp"

namespace c2am {
bool onednn_available() { return true; }
}  // namespace c2am

namespace c2am::cpu::onednn {

bool handles(const Tensor& x) { return x.dtype() == DType::Float32 && cpu_engine() == CpuEngine::OneDnn; }

dnnl::engine& engine() {
  static dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  return cpu;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

memory::dims dims_of(const Shape& shape) { return memory::dims(shape.begin(), shape.end()); }

memory::desc plain_desc(const memory::dims& d) {
  using tag = memory::format_tag;
  static const tag by_rank[] = {tag::undef, tag::a, tag::ab, tag::abc, tag::abcd};
  check(!d.empty() && d.size() <= 4, "onednn", "no plain layout for rank ", d.size());
  return memory::desc(d, memory::data_type::f32, by_rank[d.size()]);
}

memory wrap(const Tensor& t) {
  C2AM_CHECK(t.is_contiguous() && t.dtype() == DType::Float32, "onednn", "expected a contiguous float32 tensor, got ",
        t.describe());
  return memory(plain_desc(dims_of(t.shape())), engine(), t.data<float>());
}

memory wrap_strided(const Tensor& t) {
  C2AM_CHECK(t.dtype() == DType::Float32, "onednn", "expected a float32 tensor, got ", t.describe());
  const memory::desc d(dims_of(t.shape()), memory::data_type::f32, memory::dims(t.strides().begin(), t.strides().end()));
  return memory(d, engine(), t.data<float>());
}

Tensor empty_channels_last(const Shape& nchw) {
  return empty({nchw[0], nchw[2], nchw[3], nchw[1]}, DType::Float32).permute({0, 3, 1, 2});
}

bool is_channels_last(const Tensor& t) {
  const auto& s = t.shape();
  const auto& st = t.strides();
  return t.dim() == 4 && st[1] == 1 && st[3] == s[1] && st[2] == s[1] * s[3] && st[0] == s[1] * s[2] * s[3];
}

bool reorder_layout(const Tensor& src, const Tensor& dst) {
  if (!handles(src) || dst.dtype() != DType::Float32 || src.dim() != 4 || src.shape() != dst.shape()) return false;
  const auto channels_innermost = [](const Tensor& t) {
    const auto& st = t.strides();
    for (std::int64_t s : st) {
      if (s <= 0) return std::optional<bool>();  // broadcast views: the generic copy
    }
    return std::optional<bool>(st[1] == 1 && t.size(1) > 1);
  };
  const auto a = channels_innermost(src), b = channels_innermost(dst);
  if (!a || !b || *a == *b) return false;
  try {
    memory from = wrap_strided(src), to = wrap_strided(dst);
    dnnl::reorder(from, to).execute(stream(), from, to);
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow("copy", e);
  }
  return true;
}

memory reordered(const memory& user, const memory::desc& want) {
  if (user.get_desc() == want) return user;
  memory copy(want, engine());
  dnnl::reorder(user, copy).execute(stream(), const_cast<memory&>(user), copy);
  return copy;
}

memory output_in(const memory& user, const memory::desc& want) {
  return user.get_desc() == want ? user : memory(want, engine());
}

void copy_back(const memory& computed, const memory& user) {
  if (computed.get_data_handle() == user.get_data_handle()) return;
  dnnl::reorder(computed, user).execute(stream(), const_cast<memory&>(computed), const_cast<memory&>(user));
}

std::size_t KeyHash::operator()(const Key& key) const {
  std::size_t h = key.size();
  for (std::int64_t v : key) h ^= std::hash<std::int64_t>{}(v) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

void rethrow(const char* op, const dnnl::error& e) {
  throw Error(std::string(op) + ": oneDNN failed (status " + std::to_string(static_cast<int>(e.status)) +
              "): " + e.what());
}

}  // namespace c2am::cpu::onednn
