// Every CPU op's forward pass against a naive loop written here, on random
// inputs of awkward sizes, contiguous and not, in float32 and float64.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "support/reference.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::non_contiguous;
using c2am::testing::random_tensor;
using c2am::testing::RefArray;
using c2am::testing::unravel;

namespace {

struct Tolerance {
  double rtol, atol;
};
Tolerance tolerance(DType dtype) { return dtype == DType::Float64 ? Tolerance{1e-12, 1e-12} : Tolerance{2e-5, 2e-5}; }

// Runs `check` for both floating dtypes and both memory layouts.
void for_each_variant(const std::function<void(DType, bool)>& check) {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (bool strided : {false, true}) {
      INFO("dtype " << dtype_name(dtype) << (strided ? ", non-contiguous inputs" : ", contiguous inputs"));
      check(dtype, strided);
    }
  }
}

Tensor maybe_strided(const Tensor& t, bool strided) { return strided ? non_contiguous(t) : t; }

void require_close(const Tensor& actual, const RefArray& expected, DType dtype) {
  const Tolerance tol = tolerance(dtype);
  CHECK(actual.dtype() == dtype);
  C2AM_REQUIRE_OK(compare(actual, expected.tensor(DType::Float64), tol.rtol, tol.atol));
}

RefArray map_ref(const RefArray& in, const std::function<double(double)>& f) {
  RefArray out(in.shape);
  std::transform(in.values.begin(), in.values.end(), out.values.begin(), f);
  return out;
}

// Index into a broadcast operand: dimensions of size 1 read element 0.
double broadcast_read(const RefArray& a, const std::vector<std::int64_t>& out_index) {
  const std::size_t offset = out_index.size() - a.shape.size();
  std::vector<std::int64_t> index(a.shape.size());
  for (std::size_t d = 0; d < a.shape.size(); ++d) index[d] = a.shape[d] == 1 ? 0 : out_index[d + offset];
  return a[index];
}

}  // namespace

TEST_CASE("unary ops match the standard library", "[ops][forward]") {
  Generator gen(1);
  for_each_variant([&](DType dtype, bool strided) {
    const Tensor x = maybe_strided(random_tensor({3, 5, 7}, gen, dtype, -3.0, 3.0), strided);
    const Tensor positive = maybe_strided(random_tensor({4, 9}, gen, dtype, 0.1, 4.0), strided);
    const RefArray rx = RefArray::of(x), rp = RefArray::of(positive);
    require_close(neg(x), map_ref(rx, [](double v) { return -v; }), dtype);
    require_close(exp(x), map_ref(rx, [](double v) { return std::exp(v); }), dtype);
    require_close(sigmoid(x), map_ref(rx, [](double v) { return 1.0 / (1.0 + std::exp(-v)); }), dtype);
    require_close(relu(x), map_ref(rx, [](double v) { return v > 0 ? v : 0.0; }), dtype);
    require_close(affine(x, -1.5, 0.25), map_ref(rx, [](double v) { return -1.5 * v + 0.25; }), dtype);
    require_close(clamp(x, -1.0, 0.5), map_ref(rx, [](double v) { return std::min(0.5, std::max(-1.0, v)); }),
                  dtype);
    require_close(log(positive), map_ref(rp, [](double v) { return std::log(v); }), dtype);
    require_close(sqrt(positive), map_ref(rp, [](double v) { return std::sqrt(v); }), dtype);
    require_close(pow(positive, 2.5), map_ref(rp, [](double v) { return std::pow(v, 2.5); }), dtype);
    require_close(2.0 / positive, map_ref(rp, [](double v) { return 2.0 / v; }), dtype);
  });
}

TEST_CASE("sigmoid stays finite for large magnitudes", "[ops][forward]") {
  const Tensor x = from_vector<double>({-800.0, -40.0, 0.0, 40.0, 800.0}, {5}, DType::Float32);
  const auto y = sigmoid(x).to_vector<double>();
  for (double v : y) REQUIRE(std::isfinite(v));
  CHECK(y[0] == 0.0);
  CHECK(y[2] == 0.5);
  CHECK(y[4] == 1.0);
}

TEST_CASE("binary ops broadcast like PyTorch", "[ops][forward]") {
  Generator gen(2);
  const std::vector<std::pair<Shape, Shape>> shape_pairs = {
      {{3, 1, 5}, {4, 1}}, {{2, 3, 4}, {4}}, {{1}, {2, 3}}, {{}, {2, 2}}, {{5, 1}, {1, 6}}, {{2, 3}, {2, 3}}};
  for (const auto& [shape_a, shape_b] : shape_pairs) {
    INFO(shape_str(shape_a) << " with " << shape_str(shape_b));
    for_each_variant([&](DType dtype, bool strided) {
      const Tensor a = maybe_strided(random_tensor(shape_a, gen, dtype), strided);
      const Tensor b = maybe_strided(random_tensor(shape_b, gen, dtype, 0.5, 2.0), strided);
      const RefArray ra = RefArray::of(a), rb = RefArray::of(b);
      const Shape out_shape = broadcast_shapes(shape_a, shape_b, "test");
      const auto reference = [&](const std::function<double(double, double)>& f) {
        RefArray out(out_shape);
        for (std::int64_t i = 0; i < numel_of(out_shape); ++i) {
          const auto index = unravel(i, out_shape);
          out.values[i] = f(broadcast_read(ra, index), broadcast_read(rb, index));
        }
        return out;
      };
      require_close(a + b, reference([](double u, double v) { return u + v; }), dtype);
      require_close(a - b, reference([](double u, double v) { return u - v; }), dtype);
      require_close(a * b, reference([](double u, double v) { return u * v; }), dtype);
      require_close(a / b, reference([](double u, double v) { return u / v; }), dtype);
    });
  }
}

TEST_CASE("sum, mean and max over any set of dimensions", "[ops][forward]") {
  Generator gen(3);
  const Shape shape{3, 4, 5};
  const std::vector<std::vector<std::int64_t>> dim_sets = {{0}, {1}, {2}, {-1}, {0, 2}, {1, 2}, {0, 1, 2}};
  for_each_variant([&](DType dtype, bool strided) {
    const Tensor x = maybe_strided(random_tensor(shape, gen, dtype), strided);
    const RefArray rx = RefArray::of(x);
    double total = 0, largest = -std::numeric_limits<double>::infinity();
    for (double v : rx.values) total += v, largest = std::max(largest, v);
    CHECK(sum(x).dim() == 0);
    CHECK(sum(x).item() == Approx(total).epsilon(1e-6));
    CHECK(mean(x).item() == Approx(total / 60.0).epsilon(1e-6));
    CHECK(max(x).item() == static_cast<double>(dtype == DType::Float32 ? static_cast<float>(largest) : largest));

    for (const auto& dims : dim_sets) {
      for (bool keepdim : {false, true}) {
        INFO("dims of size " << dims.size() << " starting " << dims[0] << ", keepdim " << keepdim);
        std::vector<bool> reduced(3, false);
        for (auto d : dims) reduced[(d + 3) % 3] = true;
        Shape kept_shape;
        for (int d = 0; d < 3; ++d) kept_shape.push_back(reduced[d] ? 1 : shape[d]);
        RefArray s(kept_shape), m(kept_shape), mx(kept_shape);
        std::fill(mx.values.begin(), mx.values.end(), -std::numeric_limits<double>::infinity());
        std::int64_t count = 1;
        for (int d = 0; d < 3; ++d) count *= reduced[d] ? shape[d] : 1;
        for (std::int64_t i = 0; i < 60; ++i) {
          auto index = unravel(i, shape);
          const double v = rx.values[i];
          for (int d = 0; d < 3; ++d)
            if (reduced[d]) index[d] = 0;
          s[index] += v;
          mx[index] = std::max(mx[index], v);
        }
        for (std::size_t i = 0; i < s.values.size(); ++i) m.values[i] = s.values[i] / static_cast<double>(count);
        Shape out_shape;
        for (int d = 0; d < 3; ++d)
          if (keepdim || !reduced[d]) out_shape.push_back(kept_shape[d]);
        s.shape = m.shape = mx.shape = out_shape;
        require_close(sum(x, dims, keepdim), s, dtype);
        require_close(mean(x, dims, keepdim), m, dtype);
        require_close(max(x, dims, keepdim), mx, dtype);
      }
    }
  });
}

TEST_CASE("sum_to_shape inverts broadcasting", "[ops][forward]") {
  Generator gen(4);
  const Tensor x = random_tensor({2, 3, 4}, gen);
  const RefArray rx = RefArray::of(x);
  RefArray expected({3, 1});
  for (std::int64_t i = 0; i < 24; ++i) expected[{unravel(i, {2, 3, 4})[1], 0}] += rx.values[i];
  require_close(sum_to_shape(x, {3, 1}), expected, DType::Float64);
}

TEST_CASE("matmul, transposed operands and batches", "[ops][forward]") {
  Generator gen(5);
  const auto reference = [](const RefArray& a, const RefArray& b) {
    const bool batched = a.shape.size() == 3;
    const std::int64_t batch = batched ? a.shape[0] : 1;
    const std::int64_t m = a.shape[batched], k = a.shape[batched + 1], n = b.shape[batched + 1];
    RefArray out(batched ? Shape{batch, m, n} : Shape{m, n});
    for (std::int64_t p = 0; p < batch; ++p)
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
          double acc = 0;
          for (std::int64_t q = 0; q < k; ++q) acc += a.values[(p * m + i) * k + q] * b.values[(p * k + q) * n + j];
          out.values[(p * m + i) * n + j] = acc;
        }
    return out;
  };
  for_each_variant([&](DType dtype, bool strided) {
    const Tensor a = maybe_strided(random_tensor({7, 13}, gen, dtype), strided);
    const Tensor b = maybe_strided(random_tensor({13, 5}, gen, dtype), strided);
    require_close(matmul(a, b), reference(RefArray::of(a), RefArray::of(b)), dtype);
    // Transposed views, as the backward pass produces them.
    const Tensor at = random_tensor({13, 7}, gen, dtype).transpose(0, 1);
    const Tensor bt = random_tensor({5, 13}, gen, dtype).transpose(0, 1);
    require_close(matmul(at, bt), reference(RefArray::of(at), RefArray::of(bt)), dtype);
    require_close(matmul(at, b), reference(RefArray::of(at), RefArray::of(b)), dtype);
    const Tensor ba = maybe_strided(random_tensor({3, 4, 6}, gen, dtype), strided);
    const Tensor bb = maybe_strided(random_tensor({3, 6, 1}, gen, dtype), strided);
    require_close(matmul(ba, bb), reference(RefArray::of(ba), RefArray::of(bb)), dtype);
    const Tensor one = random_tensor({1, 1}, gen, dtype);
    require_close(matmul(one, one), reference(RefArray::of(one), RefArray::of(one)), dtype);
  });
}

namespace {

struct ConvCase {
  std::int64_t n, cin, h, w, cout, kh, kw;
  Conv2dParams params;
  bool bias;
};

RefArray conv_reference(const RefArray& x, const RefArray& weight, const RefArray* bias, const Conv2dParams& p) {
  const std::int64_t n = x.shape[0], cin = x.shape[1], h = x.shape[2], w = x.shape[3];
  const std::int64_t cout = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3];
  const std::int64_t oh = (h + 2 * p.pad_h - p.dilation_h * (kh - 1) - 1) / p.stride_h + 1;
  const std::int64_t ow = (w + 2 * p.pad_w - p.dilation_w * (kw - 1) - 1) / p.stride_w + 1;
  RefArray out({n, cout, oh, ow});
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t o = 0; o < cout; ++o)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t z = 0; z < ow; ++z) {
          double acc = bias ? bias->values[o] : 0.0;
          for (std::int64_t c = 0; c < cin; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t sy = y * p.stride_h - p.pad_h + i * p.dilation_h;
                const std::int64_t sz = z * p.stride_w - p.pad_w + j * p.dilation_w;
                if (sy < 0 || sy >= h || sz < 0 || sz >= w) continue;
                acc += x[{b, c, sy, sz}] * weight[{o, c, i, j}];
              }
          out[{b, o, y, z}] = acc;
        }
  return out;
}

}  // namespace

TEST_CASE("conv2d matches direct convolution", "[ops][forward][conv]") {
  Generator gen(6);
  const std::vector<ConvCase> cases = {
      {1, 3, 7, 9, 4, 3, 3, Conv2dParams::square(1, 1), true},      // batch 1, odd sizes
      {2, 5, 11, 8, 3, 3, 3, Conv2dParams::square(2, 1), false},    // stride 2
      {1, 4, 9, 9, 6, 1, 1, Conv2dParams::square(1, 0), true},      // pointwise
      {3, 2, 6, 7, 5, 1, 1, Conv2dParams::square(2, 0), false},     // strided pointwise
      {2, 3, 10, 10, 2, 3, 3, Conv2dParams::square(1, 2, 2), true},  // dilation 2
      {1, 3, 15, 13, 4, 7, 7, Conv2dParams::square(2, 3), false},   // the ResNet stem's kernel
      {1, 2, 5, 9, 3, 1, 3, Conv2dParams{1, 2, 0, 1, 1, 1}, true},  // rectangular everything
      {9, 3, 8, 8, 4, 3, 3, Conv2dParams::square(1, 1), true},      // many small images in one GEMM
      {1, 2, 70, 66, 3, 3, 3, Conv2dParams::square(1, 1), false},   // one image larger than a GEMM block
      // Feature maps large enough for one image per thread (when there are
      // several threads): 3x3, pointwise and strided.
      {3, 3, 24, 23, 4, 3, 3, Conv2dParams::square(1, 1), true},
      {5, 4, 24, 24, 3, 1, 1, Conv2dParams::square(1, 0), false},
      {2, 3, 50, 47, 2, 3, 3, Conv2dParams::square(2, 1), false},
  };
  for (const auto& c : cases) {
    INFO("x " << c.n << "x" << c.cin << "x" << c.h << "x" << c.w << ", weight " << c.cout << "x" << c.cin << "x"
              << c.kh << "x" << c.kw << ", stride " << c.params.stride_h << "," << c.params.stride_w << ", pad "
              << c.params.pad_h << "," << c.params.pad_w << ", dilation " << c.params.dilation_h);
    for_each_variant([&](DType dtype, bool strided) {
      const Tensor x = maybe_strided(random_tensor({c.n, c.cin, c.h, c.w}, gen, dtype), strided);
      const Tensor weight = maybe_strided(random_tensor({c.cout, c.cin, c.kh, c.kw}, gen, dtype), strided);
      const Tensor bias = c.bias ? random_tensor({c.cout}, gen, dtype) : Tensor();
      const RefArray rb = c.bias ? RefArray::of(bias) : RefArray({0});
      const RefArray expected =
          conv_reference(RefArray::of(x), RefArray::of(weight), c.bias ? &rb : nullptr, c.params);
      const Tolerance tol = dtype == DType::Float64 ? Tolerance{1e-11, 1e-11} : Tolerance{1e-4, 1e-4};
      C2AM_REQUIRE_OK(compare(conv2d(x, weight, bias, c.params), expected.tensor(DType::Float64), tol.rtol, tol.atol));
    });
  }
}

TEST_CASE("max and average pooling with padding and strides", "[ops][forward][pool]") {
  Generator gen(7);
  const auto reference = [](const RefArray& x, const Pool2dParams& p, bool is_max) {
    const std::int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
    const std::int64_t oh = (h + 2 * p.pad_h - p.kernel_h) / p.stride_h + 1;
    const std::int64_t ow = (w + 2 * p.pad_w - p.kernel_w) / p.stride_w + 1;
    RefArray out({n, c, oh, ow});
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t ch = 0; ch < c; ++ch)
        for (std::int64_t y = 0; y < oh; ++y)
          for (std::int64_t z = 0; z < ow; ++z) {
            double best = -std::numeric_limits<double>::infinity(), total = 0;
            for (std::int64_t i = 0; i < p.kernel_h; ++i)
              for (std::int64_t j = 0; j < p.kernel_w; ++j) {
                const std::int64_t sy = y * p.stride_h - p.pad_h + i, sz = z * p.stride_w - p.pad_w + j;
                if (sy < 0 || sy >= h || sz < 0 || sz >= w) continue;
                best = std::max(best, x[{b, ch, sy, sz}]);
                total += x[{b, ch, sy, sz}];
              }
            out[{b, ch, y, z}] = is_max ? best : total / static_cast<double>(p.kernel_h * p.kernel_w);
          }
    return out;
  };
  const std::vector<std::pair<Shape, Pool2dParams>> cases = {
      {{1, 3, 9, 8}, Pool2dParams::square(3, 2, 1)},  // the ResNet stem's pool
      {{2, 2, 7, 7}, Pool2dParams::square(2, 2)},     // odd size, floor
      {{1, 1, 5, 6}, Pool2dParams{3, 2, 1, 2, 1, 0}},  // rectangular
      {{2, 3, 4, 4}, Pool2dParams::square(4, 1)},     // global window
  };
  for (const auto& [shape, params] : cases) {
    INFO("input " << shape_str(shape) << ", kernel " << params.kernel_h << "x" << params.kernel_w);
    for_each_variant([&](DType dtype, bool strided) {
      const Tensor x = maybe_strided(random_tensor(shape, gen, dtype), strided);
      require_close(max_pool2d(x, params), reference(RefArray::of(x), params, true), dtype);
      require_close(avg_pool2d(x, params), reference(RefArray::of(x), params, false), dtype);
    });
  }
}

TEST_CASE("adaptive average pooling uses PyTorch's bins", "[ops][forward][pool]") {
  Generator gen(8);
  const auto reference = [](const RefArray& x, std::int64_t oh, std::int64_t ow) {
    const std::int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
    RefArray out({n, c, oh, ow});
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t ch = 0; ch < c; ++ch)
        for (std::int64_t y = 0; y < oh; ++y)
          for (std::int64_t z = 0; z < ow; ++z) {
            const std::int64_t y0 = y * h / oh, y1 = ((y + 1) * h + oh - 1) / oh;
            const std::int64_t z0 = z * w / ow, z1 = ((z + 1) * w + ow - 1) / ow;
            double total = 0;
            for (std::int64_t i = y0; i < y1; ++i)
              for (std::int64_t j = z0; j < z1; ++j) total += x[{b, ch, i, j}];
            out[{b, ch, y, z}] = total / static_cast<double>((y1 - y0) * (z1 - z0));
          }
    return out;
  };
  const std::vector<std::tuple<Shape, std::int64_t, std::int64_t>> cases = {
      {{2, 3, 7, 5}, 1, 1}, {{1, 2, 7, 5}, 3, 2}, {{1, 1, 4, 4}, 4, 4}, {{1, 2, 3, 3}, 5, 4}};
  for (const auto& [shape, oh, ow] : cases) {
    INFO("input " << shape_str(shape) << " to " << oh << "x" << ow);
    for_each_variant([&](DType dtype, bool strided) {
      const Tensor x = maybe_strided(random_tensor(shape, gen, dtype), strided);
      require_close(adaptive_avg_pool2d(x, oh, ow), reference(RefArray::of(x), oh, ow), dtype);
    });
  }
}

TEST_CASE("batch norm in training and evaluation mode", "[ops][forward][norm]") {
  Generator gen(9);
  for_each_variant([&](DType dtype, bool strided) {
    const std::int64_t n = 3, c = 4, h = 5, w = 3, count = n * h * w;
    const Tensor x = maybe_strided(random_tensor({n, c, h, w}, gen, dtype, -2.0, 3.0), strided);
    const Tensor weight = random_tensor({c}, gen, dtype, 0.5, 1.5);
    const Tensor bias = random_tensor({c}, gen, dtype);
    Tensor running_mean = random_tensor({c}, gen, dtype);
    Tensor running_var = random_tensor({c}, gen, dtype, 0.5, 2.0);
    const RefArray rx = RefArray::of(x), rw = RefArray::of(weight), rb = RefArray::of(bias);
    const RefArray old_mean = RefArray::of(running_mean), old_var = RefArray::of(running_var);
    BatchNormParams params;
    params.momentum = 0.3;
    params.eps = 1e-3;

    RefArray expected(x.shape()), new_mean({c}), new_var({c}), eval_expected(x.shape());
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double total = 0, squares = 0;
      for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t i = 0; i < h * w; ++i) total += rx[{b, ch, i / w, i % w}];
      const double mu = total / count;
      for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t i = 0; i < h * w; ++i) squares += std::pow(rx[{b, ch, i / w, i % w}] - mu, 2);
      const double var = squares / count;
      new_mean.values[ch] = 0.7 * old_mean.values[ch] + 0.3 * mu;
      new_var.values[ch] = 0.7 * old_var.values[ch] + 0.3 * squares / (count - 1);
      for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t i = 0; i < h * w; ++i) {
          const std::vector<std::int64_t> index{b, ch, i / w, i % w};
          expected[index] = (rx[index] - mu) / std::sqrt(var + 1e-3) * rw.values[ch] + rb.values[ch];
          eval_expected[index] = (rx[index] - new_mean.values[ch]) / std::sqrt(new_var.values[ch] + 1e-3) *
                                     rw.values[ch] +
                                 rb.values[ch];
        }
    }
    const Tolerance tol = tolerance(dtype);
    C2AM_REQUIRE_OK(compare(batch_norm2d(x, weight, bias, running_mean, running_var, params),
                            expected.tensor(DType::Float64), tol.rtol * 10, tol.atol * 10));
    require_close(running_mean, new_mean, dtype);
    require_close(running_var, new_var, dtype);

    params.training = false;
    C2AM_REQUIRE_OK(compare(batch_norm2d(x, weight, bias, running_mean, running_var, params),
                            eval_expected.tensor(DType::Float64), tol.rtol * 10, tol.atol * 10));
    // Evaluation leaves the running statistics alone.
    require_close(running_mean, new_mean, dtype);

    // Without affine parameters or running statistics: plain standardization.
    params.training = true;
    const Tensor standardized = batch_norm2d(x, Tensor(), Tensor(), Tensor(), Tensor(), params);
    const RefArray rs = RefArray::of(standardized);
    for (std::int64_t ch = 0; ch < c; ++ch) {
      double total = 0;
      for (std::int64_t b = 0; b < n; ++b)
        for (std::int64_t i = 0; i < h * w; ++i) total += rs[{b, ch, i / w, i % w}];
      CHECK(std::abs(total / count) < 1e-5);
    }
  });
}

TEST_CASE("normalize divides by the clamped L2 norm", "[ops][forward][norm]") {
  Generator gen(10);
  for_each_variant([&](DType dtype, bool strided) {
    Tensor x = random_tensor({4, 6}, gen, dtype);
    {
      NoGradGuard no_grad;
      for (std::int64_t j = 0; j < 6; ++j) x.set({2, j}, 0.0);  // a zero row stays zero
    }
    x = maybe_strided(x, strided);
    const RefArray rx = RefArray::of(x);
    for (std::int64_t dim : {0, 1, -1}) {
      const std::int64_t d = (dim + 2) % 2;
      RefArray expected(x.shape());
      for (std::int64_t i = 0; i < 4; ++i)
        for (std::int64_t j = 0; j < 6; ++j) {
          double squares = 0;
          for (std::int64_t k = 0; k < x.size(d); ++k) {
            const double v = d == 1 ? rx[{i, k}] : rx[{k, j}];
            squares += v * v;
          }
          expected[{i, j}] = rx[{i, j}] / std::max(std::sqrt(squares), 1e-12);
        }
      require_close(normalize(x, dim), expected, dtype);
    }
  });
}

TEST_CASE("cat and flip rearrange elements", "[ops][forward][shape]") {
  Generator gen(11);
  for_each_variant([&](DType dtype, bool strided) {
    const Tensor a = maybe_strided(random_tensor({2, 3, 4}, gen, dtype), strided);
    const Tensor b = maybe_strided(random_tensor({2, 1, 4}, gen, dtype), strided);
    const Tensor c = maybe_strided(random_tensor({2, 5, 4}, gen, dtype), strided);
    const RefArray ra = RefArray::of(a), rb = RefArray::of(b), rc = RefArray::of(c);
    RefArray expected({2, 9, 4});
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t j = 0; j < 9; ++j)
        for (std::int64_t k = 0; k < 4; ++k)
          expected[{i, j, k}] = j < 3 ? ra[{i, j, k}] : j < 4 ? rb[{i, j - 3, k}] : rc[{i, j - 4, k}];
    require_close(cat({a, b, c}, 1), expected, dtype);
    require_close(cat({a, b, c}, -2), expected, dtype);
    RefArray along_first({4, 3, 4});
    for (std::int64_t i = 0; i < 48; ++i) along_first.values[i] = i < 24 ? ra.values[i] : ra.values[i - 24];
    require_close(cat({a, a}, 0), along_first, dtype);

    for (const std::vector<std::int64_t>& dims : {std::vector<std::int64_t>{0}, {1, 2}, {-1}, {0, 1, 2}}) {
      std::vector<bool> flipped(3, false);
      for (auto d : dims) flipped[(d + 3) % 3] = true;
      RefArray expected_flip({2, 3, 4});
      for (std::int64_t i = 0; i < 24; ++i) {
        auto index = unravel(i, {2, 3, 4});
        for (int d = 0; d < 3; ++d)
          if (flipped[d]) index[d] = a.size(d) - 1 - index[d];
        expected_flip.values[i] = ra[index];
      }
      require_close(flip(a, dims), expected_flip, dtype);
    }
  });
}

TEST_CASE("bilinear resize follows PyTorch's align_corners=False sampling", "[ops][forward][resize]") {
  Generator gen(12);
  const auto reference = [](const RefArray& x, std::int64_t oh, std::int64_t ow) {
    const std::int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
    const auto source = [](std::int64_t dst, std::int64_t in, std::int64_t out, std::int64_t& i0, std::int64_t& i1,
                           double& frac) {
      const double s = std::max(0.0, (dst + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5);
      i0 = std::min(static_cast<std::int64_t>(std::floor(s)), in - 1);
      i1 = std::min(i0 + 1, in - 1);
      frac = s - static_cast<double>(i0);
    };
    RefArray out({n, c, oh, ow});
    for (std::int64_t b = 0; b < n; ++b)
      for (std::int64_t ch = 0; ch < c; ++ch)
        for (std::int64_t y = 0; y < oh; ++y)
          for (std::int64_t z = 0; z < ow; ++z) {
            std::int64_t y0, y1, z0, z1;
            double fy, fz;
            source(y, h, oh, y0, y1, fy);
            source(z, w, ow, z0, z1, fz);
            out[{b, ch, y, z}] = (1 - fy) * ((1 - fz) * x[{b, ch, y0, z0}] + fz * x[{b, ch, y0, z1}]) +
                                 fy * ((1 - fz) * x[{b, ch, y1, z0}] + fz * x[{b, ch, y1, z1}]);
          }
    return out;
  };
  const std::vector<std::tuple<Shape, std::int64_t, std::int64_t>> cases = {{{1, 2, 5, 7}, 11, 13},
                                                                           {{2, 1, 9, 8}, 4, 3},
                                                                           {{1, 3, 6, 6}, 6, 6},
                                                                           {{1, 1, 1, 1}, 3, 2},
                                                                           {{1, 2, 4, 10}, 9, 5}};
  for (const auto& [shape, oh, ow] : cases) {
    INFO("input " << shape_str(shape) << " to " << oh << "x" << ow);
    for_each_variant([&](DType dtype, bool strided) {
      const Tensor x = maybe_strided(random_tensor(shape, gen, dtype), strided);
      require_close(resize_bilinear(x, oh, ow), reference(RefArray::of(x), oh, ow), dtype);
    });
  }
  // Same size is the identity.
  const Tensor x = random_tensor({1, 2, 6, 5}, gen);
  C2AM_REQUIRE_OK(compare(resize_bilinear(x, 6, 5), x, 0.0, 0.0));
}
