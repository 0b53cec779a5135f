#pragma once
// The layers ResNet and the C²AM head are made of, with PyTorch's parameter
// names, shapes, defaults and initializations.

#include <memory>
#include <vector>

#include "c2am/core/generator.hpp"
#include "c2am/nn/module.hpp"
#include "c2am/ops/conv.hpp"

namespace c2am::nn {

struct Conv2dOptions {
  std::int64_t in_channels = 1, out_channels = 1, kernel = 3;
  std::int64_t stride = 1, padding = 0, dilation = 1;
  bool bias = false;
  DType dtype = DType::Float32;
};

// Parameters "weight" [out, in, k, k] and, with `bias`, "bias" [out].
// Initialized as torch.nn.Conv2d's reset_parameters (kaiming-uniform with
// a = √5: uniform ±1/√fan_in for weight and bias); ResNet re-initializes its
// convolutions as torchvision does.
class Conv2d : public Layer {
 public:
  Conv2d(const Conv2dOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;
  const Conv2dOptions& options() const { return options_; }

  Tensor weight, bias;

 private:
  Conv2dOptions options_;
};

// Parameters "weight" (ones) and "bias" (zeros); buffers "running_mean",
// "running_var" and the int64 scalar "num_batches_tracked". Training mode
// normalizes with batch statistics and updates the running ones (momentum
// 0.1, unbiased variance); evaluation mode uses the running statistics.
class BatchNorm2d : public Layer {
 public:
  explicit BatchNorm2d(std::int64_t channels, DType dtype = DType::Float32, double eps = 1e-5,
                       double momentum = 0.1);
  Tensor forward(const Tensor& x) override;
  double eps() const { return eps_; }

  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  double eps_, momentum_;
};

// Whether `layer` (in evaluation mode) may run conv → batch norm through
// conv_batch_norm_inference: not training and no gradient being recorded.
bool fused_inference(const Module& layer);

// Evaluation-mode relu?(norm(conv(x)) + residual) through
// c2am::conv2d_batch_norm_inference (batch norm folded into the convolution,
// one oneDNN primitive on CPU float32; the separate ops elsewhere). No
// gradient; `residual` may be undefined.
Tensor conv_batch_norm_inference(const Conv2d& conv, const BatchNorm2d& norm, const Tensor& x,
                                 const Tensor& residual = {}, bool relu = false);

// y = x·weightᵀ + bias for x [N, in] → [N, out]. Parameters "weight"
// [out, in] and, with `bias`, "bias" [out], initialized as torch.nn.Linear's
// reset_parameters: uniform ±1/√in for both (kaiming-uniform with a = √5).
struct LinearOptions {
  std::int64_t in_features = 1, out_features = 1;
  bool bias = true;
  DType dtype = DType::Float32;
};

class Linear : public Layer {
 public:
  Linear(const LinearOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;
  const LinearOptions& options() const { return options_; }
  Tensor weight, bias;

 private:
  LinearOptions options_;
};

// Parameter-free layers, so that heads written as torch.nn.Sequential keep
// PyTorch's child numbering ("fc.0", "fc.2", ...).
class ReLU : public Layer {
 public:
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Layer {
 public:
  Tensor forward(const Tensor& x) override;
};

// Children named "0", "1", ... applied in order.
class Sequential : public Layer {
 public:
  Sequential() = default;
  void push_back(std::shared_ptr<Layer> layer);
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  Layer& operator[](std::size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Layer>> layers_;
};

}  // namespace c2am::nn
