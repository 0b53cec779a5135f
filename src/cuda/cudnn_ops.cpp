// Convolution, batch norm and pooling on the GPU through cuDNN (legacy API):
// one handle per device bound to the library's stream, descriptors per call,
// convolution algorithms chosen by cuDNN's heuristics (deterministic ones for
// the backward passes) and cached per shape, workspace from the tensor pool.

#include <cudnn.h>

#include <map>
#include <mutex>
#include <tuple>

#include "backend/cuda_ops.hpp"
#include "c2am/cuda/runtime.hpp"
#include "cuda/check.hpp"

namespace c2am::cuda::ops {

namespace {

// The context is built only on failure (see cuda/check.hpp).
template <detail::LazyContext Context>
void check_cudnn(cudnnStatus_t status, const char* call, Context&& context) {
  if (status == CUDNN_STATUS_SUCCESS) [[likely]] return;
  throw Error(std::string("cuda: ") + call + " failed with " + cudnnGetErrorString(status) + ": " +
              detail::context_text(std::forward<Context>(context)));
}

cudnnHandle_t handle(int device) {
  static std::mutex mutex;
  static std::map<int, cudnnHandle_t> handles;
  std::lock_guard lock(mutex);
  auto found = handles.find(device);
  if (found != handles.end()) return found->second;
  cudnnHandle_t h = nullptr;
  check_cudnn(cudnnCreate(&h), "cudnnCreate", [&] { return "cuda:" + std::to_string(device); });
  check_cudnn(cudnnSetStream(h, detail::stream(device)), "cudnnSetStream", [&] { return "cuda:" + std::to_string(device); });
  handles[device] = h;
  return h;
}

cudnnDataType_t data_type(const Tensor& t) {
  C2AM_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, "cudnn", "float32 or float64 expected, got ",
        t.describe());
  return t.dtype() == DType::Float32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

// RAII wrappers of the descriptors.
struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc(const Tensor& t, const Shape& shape4) {
    check_cudnn(cudnnCreateTensorDescriptor(&d), "cudnnCreateTensorDescriptor", [&] { return t.describe(); });
    const Strides s = contiguous_strides(shape4);
    check_cudnn(cudnnSetTensor4dDescriptorEx(d, data_type(t), int(shape4[0]), int(shape4[1]), int(shape4[2]),
                                             int(shape4[3]), int(s[0]), int(s[1]), int(s[2]), int(s[3])),
                "cudnnSetTensor4dDescriptorEx", [&] { return t.describe(); });
  }
  explicit TensorDesc(const Tensor& t) : TensorDesc(t, t.shape()) {}
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  explicit FilterDesc(const Tensor& w) {
    check_cudnn(cudnnCreateFilterDescriptor(&d), "cudnnCreateFilterDescriptor", [&] { return w.describe(); });
    check_cudnn(cudnnSetFilter4dDescriptor(d, data_type(w), CUDNN_TENSOR_NCHW, int(w.size(0)), int(w.size(1)),
                                           int(w.size(2)), int(w.size(3))),
                "cudnnSetFilter4dDescriptor", [&] { return w.describe(); });
  }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
};

struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc(const Conv2dParams& p, const Tensor& x) {
    check_cudnn(cudnnCreateConvolutionDescriptor(&d), "cudnnCreateConvolutionDescriptor", [&] { return x.describe(); });
    check_cudnn(cudnnSetConvolution2dDescriptor(d, int(p.pad_h), int(p.pad_w), int(p.stride_h), int(p.stride_w),
                                                int(p.dilation_h), int(p.dilation_w), CUDNN_CROSS_CORRELATION,
                                                data_type(x)),
                "cudnnSetConvolution2dDescriptor", [&] { return x.describe(); });
    // TF32 only when allowed; FMA math keeps float32 strict.
    const bool tf32 = x.dtype() == DType::Float32 && allow_tf32();
    check_cudnn(cudnnSetConvolutionMathType(d, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
                "cudnnSetConvolutionMathType", [&] { return x.describe(); });
  }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

// Scaling factors: cuDNN wants double for double data, float otherwise.
struct Scale {
  float f;
  double d;
  explicit Scale(double v) : f(static_cast<float>(v)), d(v) {}
  const void* of(const Tensor& t) const { return t.dtype() == DType::Float64 ? static_cast<const void*>(&d) : &f; }
};

Tensor workspace(std::size_t bytes, const Tensor& like) {
  return empty({static_cast<std::int64_t>(std::max<std::size_t>(bytes, 1))}, {DType::UInt8, like.device()});
}

// Algorithm choice per (pass, shapes, parameters, dtype, math), from cuDNN's
// heuristics; backward passes take the first deterministic algorithm.
using AlgoKey = std::tuple<int, Shape, Shape, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                           std::int64_t, int, bool, int>;

AlgoKey key_of(int pass, const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  return {pass, x.shape(), w.shape(), p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dilation_h, p.dilation_w,
          static_cast<int>(x.dtype()), allow_tf32(), x.device().index};
}

template <typename Perf, typename Query>
int choose(const AlgoKey& key, bool need_deterministic, Query query) {
  static std::mutex mutex;
  static std::map<AlgoKey, int> cache;
  {
    std::lock_guard lock(mutex);
    if (auto found = cache.find(key); found != cache.end()) return found->second;
  }
  Perf results[16];
  int count = 0;
  query(results, 16, &count);
  int chosen = -1;
  for (int i = 0; i < count && chosen < 0; ++i) {
    if (results[i].status != CUDNN_STATUS_SUCCESS) continue;
    if (need_deterministic && results[i].determinism != CUDNN_DETERMINISTIC) continue;
    chosen = static_cast<int>(results[i].algo);
  }
  check(chosen >= 0, "conv2d", "cuDNN offers no usable algorithm for this convolution");
  std::lock_guard lock(mutex);
  cache[key] = chosen;
  return chosen;
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_in, const Tensor& w_in, const Conv2dParams& p, const Shape& out_shape) {
  detail::DeviceGuard guard(x_in.device().index);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  Tensor y = empty(out_shape, x.options());
  cudnnHandle_t h = handle(x.device().index);
  TensorDesc xd(x), yd(y);
  FilterDesc wd(w);
  ConvDesc cd(p, x);
  const auto algo = static_cast<cudnnConvolutionFwdAlgo_t>(choose<cudnnConvolutionFwdAlgoPerf_t>(
      key_of(0, x, w, p), false, [&](cudnnConvolutionFwdAlgoPerf_t* r, int n, int* count) {
        check_cudnn(cudnnGetConvolutionForwardAlgorithm_v7(h, xd.d, wd.d, cd.d, yd.d, n, count, r),
                    "cudnnGetConvolutionForwardAlgorithm_v7", [&] { return x.describe(); });
      }));
  std::size_t bytes = 0;
  check_cudnn(cudnnGetConvolutionForwardWorkspaceSize(h, xd.d, wd.d, cd.d, yd.d, algo, &bytes),
              "cudnnGetConvolutionForwardWorkspaceSize", [&] { return x.describe(); });
  Tensor ws = workspace(bytes, x);
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnConvolutionForward(h, one.of(x), xd.d, x.raw_data(), wd.d, w.raw_data(), cd.d, algo, ws.raw_data(),
                                      bytes, zero.of(x), yd.d, y.raw_data()),
              "cudnnConvolutionForward", [&] { return x.describe() + " * " + w.describe(); });
  return y;
}

Tensor conv2d_backward_input(const Tensor& grad_in, const Tensor& w_in, const Conv2dParams& p, const Shape& x_shape) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous(), w = w_in.contiguous();
  Tensor gx = empty(x_shape, grad.options());
  cudnnHandle_t h = handle(grad.device().index);
  TensorDesc gd(grad), xd(gx);
  FilterDesc wd(w);
  ConvDesc cd(p, grad);
  const auto algo = static_cast<cudnnConvolutionBwdDataAlgo_t>(choose<cudnnConvolutionBwdDataAlgoPerf_t>(
      key_of(1, gx, w, p), true, [&](cudnnConvolutionBwdDataAlgoPerf_t* r, int n, int* count) {
        check_cudnn(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd.d, gd.d, cd.d, xd.d, n, count, r),
                    "cudnnGetConvolutionBackwardDataAlgorithm_v7", [&] { return grad.describe(); });
      }));
  std::size_t bytes = 0;
  check_cudnn(cudnnGetConvolutionBackwardDataWorkspaceSize(h, wd.d, gd.d, cd.d, xd.d, algo, &bytes),
              "cudnnGetConvolutionBackwardDataWorkspaceSize", [&] { return grad.describe(); });
  Tensor ws = workspace(bytes, grad);
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnConvolutionBackwardData(h, one.of(grad), wd.d, w.raw_data(), gd.d, grad.raw_data(), cd.d, algo,
                                           ws.raw_data(), bytes, zero.of(grad), xd.d, gx.raw_data()),
              "cudnnConvolutionBackwardData", [&] { return grad.describe(); });
  return gx;
}

Tensor conv2d_backward_weight(const Tensor& grad_in, const Tensor& x_in, const Conv2dParams& p, const Shape& w_shape) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  Tensor gw = empty(w_shape, grad.options());
  cudnnHandle_t h = handle(grad.device().index);
  TensorDesc gd(grad), xd(x);
  FilterDesc wd(gw);
  ConvDesc cd(p, grad);
  const auto algo = static_cast<cudnnConvolutionBwdFilterAlgo_t>(choose<cudnnConvolutionBwdFilterAlgoPerf_t>(
      key_of(2, x, gw, p), true, [&](cudnnConvolutionBwdFilterAlgoPerf_t* r, int n, int* count) {
        check_cudnn(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd.d, gd.d, cd.d, wd.d, n, count, r),
                    "cudnnGetConvolutionBackwardFilterAlgorithm_v7", [&] { return grad.describe(); });
      }));
  std::size_t bytes = 0;
  check_cudnn(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, xd.d, gd.d, cd.d, wd.d, algo, &bytes),
              "cudnnGetConvolutionBackwardFilterWorkspaceSize", [&] { return grad.describe(); });
  Tensor ws = workspace(bytes, grad);
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnConvolutionBackwardFilter(h, one.of(grad), xd.d, x.raw_data(), gd.d, grad.raw_data(), cd.d, algo,
                                             ws.raw_data(), bytes, zero.of(grad), wd.d, gw.raw_data()),
              "cudnnConvolutionBackwardFilter", [&] { return grad.describe(); });
  return gw;
}

BatchNormOutputs batch_norm2d_forward(const Tensor& x_in, const Tensor& weight, const Tensor& bias,
                                      const Tensor& running_mean, const Tensor& running_var,
                                      const BatchNormParams& p) {
  detail::DeviceGuard guard(x_in.device().index);
  const Tensor x = x_in.contiguous();
  const std::int64_t channels = x.size(1);
  check(p.eps >= CUDNN_BN_MIN_EPSILON, "batch_norm2d", "cuDNN needs eps >= ", CUDNN_BN_MIN_EPSILON, ", got ", p.eps);
  const Tensor scale = weight.defined() ? weight.detach().contiguous() : ones({channels}, x.options());
  const Tensor shift = bias.defined() ? bias.detach().contiguous() : zeros({channels}, x.options());
  BatchNormOutputs out;
  out.output = empty(x.shape(), x.options());
  cudnnHandle_t h = handle(x.device().index);
  TensorDesc xd(x), pd(x, {1, channels, 1, 1});
  const Scale one(1.0), zero(0.0);
  if (p.training) {
    out.mean = empty({channels}, x.options());
    out.invstd = empty({channels}, x.options());
    check_cudnn(cudnnBatchNormalizationForwardTraining(
                    h, CUDNN_BATCHNORM_SPATIAL, one.of(x), zero.of(x), xd.d, x.raw_data(), xd.d, out.output.raw_data(),
                    pd.d, scale.raw_data(), shift.raw_data(), p.momentum,
                    running_mean.defined() ? running_mean.raw_data() : nullptr,
                    running_var.defined() ? running_var.raw_data() : nullptr, p.eps, out.mean.raw_data(),
                    out.invstd.raw_data()),
                "cudnnBatchNormalizationForwardTraining", [&] { return x.describe(); });
    if (running_mean.defined()) running_mean.storage()->bump_version(), running_var.storage()->bump_version();
  } else {
    check_cudnn(cudnnBatchNormalizationForwardInference(h, CUDNN_BATCHNORM_SPATIAL, one.of(x), zero.of(x), xd.d,
                                                        x.raw_data(), xd.d, out.output.raw_data(), pd.d,
                                                        scale.raw_data(), shift.raw_data(), running_mean.raw_data(),
                                                        running_var.raw_data(), p.eps),
                "cudnnBatchNormalizationForwardInference", [&] { return x.describe(); });
  }
  return out;
}

BatchNormGradients batch_norm2d_backward_training(const Tensor& grad_in, const Tensor& x_in, const Tensor& weight,
                                                  const Tensor& mean, const Tensor& invstd, double eps) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous();
  const std::int64_t channels = x.size(1);
  const Tensor scale = weight.defined() ? weight.contiguous() : ones({channels}, x.options());
  BatchNormGradients g;
  g.input = empty(x.shape(), x.options());
  g.weight = empty({channels}, x.options());
  g.bias = empty({channels}, x.options());
  cudnnHandle_t h = handle(x.device().index);
  TensorDesc xd(x), pd(x, {1, channels, 1, 1});
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnBatchNormalizationBackward(h, CUDNN_BATCHNORM_SPATIAL, one.of(x), zero.of(x), one.of(x), zero.of(x),
                                              xd.d, x.raw_data(), xd.d, grad.raw_data(), xd.d, g.input.raw_data(), pd.d,
                                              scale.raw_data(), g.weight.raw_data(), g.bias.raw_data(), eps,
                                              mean.raw_data(), invstd.raw_data()),
              "cudnnBatchNormalizationBackward", [&] { return x.describe(); });
  return g;
}

namespace {
struct PoolDesc {
  cudnnPoolingDescriptor_t d = nullptr;
  PoolDesc(bool is_max, const Pool2dParams& p, const Tensor& x) {
    check_cudnn(cudnnCreatePoolingDescriptor(&d), "cudnnCreatePoolingDescriptor", [&] { return x.describe(); });
    check_cudnn(cudnnSetPooling2dDescriptor(
                    d, is_max ? CUDNN_POOLING_MAX_DETERMINISTIC : CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING,
                    CUDNN_NOT_PROPAGATE_NAN, int(p.kernel_h), int(p.kernel_w), int(p.pad_h), int(p.pad_w),
                    int(p.stride_h), int(p.stride_w)),
                "cudnnSetPooling2dDescriptor", [&] { return x.describe(); });
  }
  ~PoolDesc() { cudnnDestroyPoolingDescriptor(d); }
  PoolDesc(const PoolDesc&) = delete;
  PoolDesc& operator=(const PoolDesc&) = delete;
};
}  // namespace

Tensor pool2d_forward(bool is_max, const Tensor& x_in, const Pool2dParams& p, const Shape& out_shape) {
  detail::DeviceGuard guard(x_in.device().index);
  const Tensor x = x_in.contiguous();
  Tensor y = empty(out_shape, x.options());
  TensorDesc xd(x), yd(y);
  PoolDesc pd(is_max, p, x);
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnPoolingForward(handle(x.device().index), pd.d, one.of(x), xd.d, x.raw_data(), zero.of(x), yd.d,
                                  y.raw_data()),
              "cudnnPoolingForward", [&] { return x.describe(); });
  return y;
}

Tensor pool2d_backward(bool is_max, const Tensor& grad_in, const Tensor& x_in, const Tensor& y_in,
                       const Pool2dParams& p) {
  detail::DeviceGuard guard(grad_in.device().index);
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous(), y = y_in.contiguous();
  Tensor gx = empty(x.shape(), x.options());
  TensorDesc xd(x), yd(y);
  PoolDesc pd(is_max, p, x);
  const Scale one(1.0), zero(0.0);
  check_cudnn(cudnnPoolingBackward(handle(x.device().index), pd.d, one.of(x), yd.d, y.raw_data(), yd.d,
                                   grad.raw_data(), xd.d, x.raw_data(), zero.of(x), xd.d, gx.raw_data()),
              "cudnnPoolingBackward", [&] { return x.describe(); });
  return gx;
}

}  // namespace c2am::cuda::ops
