// Tensor factories.

#include <cmath>
#include <cstring>

#include "c2am/core/tensor.hpp"
#include "cpu/dispatch.hpp"

namespace c2am {

namespace {

std::shared_ptr<TensorImpl> new_impl(const Shape& shape, TensorOptions options) {
  for (auto s : shape) check(s >= 0, "empty", "negative size in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(numel_of(shape)) * element_size(options.dtype),
                                            options.device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  return impl;
}

// Fills a host tensor of `shape` from `draw()` in row-major order, then moves
// it to the requested device, so that a seed gives the same values everywhere.
template <typename Draw>
Tensor from_draws(const Shape& shape, TensorOptions options, const char* op, Draw&& draw) {
  Tensor host(new_impl(shape, {options.dtype, Device::cpu()}));
  cpu::dispatch_floating(options.dtype, op, [&](auto tag) {
    using T = decltype(tag);
    T* p = host.data<T>();
    for (std::int64_t i = 0; i < host.numel(); ++i) p[i] = static_cast<T>(draw());
  });
  return host.to(options.device);
}

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) { return Tensor(new_impl(shape, options)); }

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor t = empty(shape, options);
  t.fill_(value);
  return t;
}

Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0.0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1.0, options); }
Tensor from_external(void* data, const Shape& shape, const Strides& strides, DType dtype, Device device,
                     std::function<void()> release) {
  check(shape.size() == strides.size(), "from_external", "shape has ", shape.size(), " dimensions, strides ",
        strides.size());
  std::int64_t extent = 1;  // elements from the first to one past the last
  for (std::size_t d = 0; d < shape.size(); ++d) {
    check(shape[d] >= 0, "from_external", "negative size ", shape[d], " in dimension ", d);
    check(strides[d] >= 0, "from_external", "negative stride ", strides[d], " in dimension ", d,
          " (make a copy with non-negative strides)");
    if (shape[d] == 0) extent = 0;
  }
  if (extent != 0)
    for (std::size_t d = 0; d < shape.size(); ++d) extent += (shape[d] - 1) * strides[d];
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(data, static_cast<std::size_t>(extent) * element_size(dtype), device,
                                            std::move(release));
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.options()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.options()); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  check(step != 0.0, "arange", "step must not be zero");
  const double count = std::ceil((end - start) / step);
  const std::int64_t n = count > 0 ? static_cast<std::int64_t>(count) : 0;
  std::int64_t i = 0;
  Tensor host(new_impl({n}, {options.dtype, Device::cpu()}));
  cpu::dispatch_numeric(options.dtype, "arange", [&](auto tag) {
    using T = decltype(tag);
    T* p = host.data<T>();
    for (i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return host.to(options.device);
}

Tensor uniform(const Shape& shape, double low, double high, Generator& gen, TensorOptions options) {
  check(low <= high, "uniform", "low ", low, " is above high ", high);
  return from_draws(shape, options, "uniform", [&] { return gen.uniform(low, high); });
}

Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen, TensorOptions options) {
  check(stddev >= 0.0, "normal", "negative standard deviation ", stddev);
  return from_draws(shape, options, "normal", [&] { return mean + stddev * gen.normal(); });
}

Tensor from_buffer(const void* data, DType source_dtype, const Shape& shape, TensorOptions options) {
  Tensor view = empty(shape, {source_dtype, Device::cpu()});
  std::memcpy(view.raw_data(), data, static_cast<std::size_t>(view.numel()) * element_size(source_dtype));
  return view.to(options.dtype).to(options.device);
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  check(static_cast<std::int64_t>(values.size()) == numel_of(shape), "from_vector", values.size(),
        " values for shape ", shape_str(shape));
  return from_buffer(values.data(), dtype_of_v<T>, shape, options);
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, TensorOptions);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, TensorOptions);
template Tensor from_vector<std::int32_t>(const std::vector<std::int32_t>&, const Shape&, TensorOptions);
template Tensor from_vector<std::int64_t>(const std::vector<std::int64_t>&, const Shape&, TensorOptions);
template Tensor from_vector<std::uint8_t>(const std::vector<std::uint8_t>&, const Shape&, TensorOptions);

}  // namespace c2am
