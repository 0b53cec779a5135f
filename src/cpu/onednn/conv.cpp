// Convolution through oneDNN: forward (with bias, and for inference with a
// residual sum and ReLU as post-ops), backward data and backward weights.
// Training: tensors stay NCHW/OIHW; each primitive is created with format
// `any`, so oneDNN picks its blocked layouts (nChw16c, OIhw16i16o, ... on
// AVX-512) and the NCHW data is reordered in and out around it, as PyTorch
// does for its NCHW tensors. Inference: channels-last activations from one
// convolution to the next (see inference_forward). Primitives are cached per
// geometry.

#include "c2am/core/error.hpp"
#include "cpu/onednn/context.hpp"
#include "cpu/onednn/ops.hpp"
#include "ops/parameter_cache.hpp"

namespace c2am::cpu::onednn {

namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;

struct Geometry {
  memory::dims src, weights, bias, dst, strides, dilates, pad_l, pad_r;
};

Geometry geometry(const Tensor& x, const Tensor& weight, const Conv2dParams& p) {
  const auto& xs = x.shape();
  const auto& ws = weight.shape();
  const std::int64_t ho = conv_output_size(xs[2], ws[2], p.stride_h, p.pad_h, p.dilation_h, "conv2d");
  const std::int64_t wo = conv_output_size(xs[3], ws[3], p.stride_w, p.pad_w, p.dilation_w, "conv2d");
  // oneDNN counts dilation from 0 (no gaps), PyTorch from 1. With floor
  // division, right padding equal to the left one gives PyTorch's size.
  return {dims_of(xs),
          dims_of(ws),
          {ws[0]},
          {xs[0], ws[0], ho, wo},
          {p.stride_h, p.stride_w},
          {p.dilation_h - 1, p.dilation_w - 1},
          {p.pad_h, p.pad_w},
          {p.pad_h, p.pad_w}};
}

enum Pass : std::int64_t { kForward, kInference, kBackwardData, kBackwardWeights };

Key key_of(Pass pass, const Geometry& g, bool bias, bool residual = false, bool relu = false) {
  Key key{pass, bias, residual, relu};
  for (const auto* d : {&g.src, &g.weights, &g.strides, &g.dilates, &g.pad_l}) key.insert(key.end(), d->begin(), d->end());
  return key;
}

memory::desc any(const memory::dims& d) { return memory::desc(d, memory::data_type::f32, memory::format_tag::any); }

convolution_forward::primitive_desc make_forward_desc(const Geometry& g, bool bias, prop_kind kind,
                                                      const dnnl::primitive_attr& attr = {}) {
  const convolution_forward::desc d(kind, algorithm::convolution_direct, any(g.src), any(g.weights),
                                    bias ? plain_desc(g.bias) : memory::desc(), any(g.dst), g.strides, g.dilates,
                                    g.pad_l, g.pad_r);
  return {d, attr, engine()};
}

struct Forward {
  convolution_forward::primitive_desc pd;
  convolution_forward primitive;
};
struct BackwardData {
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data primitive;
};
struct BackwardWeights {
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights primitive;
};

PrimitiveCache<Forward>& forward_cache() {
  static PrimitiveCache<Forward> cache;
  return cache;
}

// The training forward's descriptor: the hint the backward passes need.
const Forward& training_forward(const Geometry& g, bool bias) {
  return forward_cache().get(key_of(kForward, g, bias), [&] {
    auto pd = make_forward_desc(g, bias, prop_kind::forward_training);
    return Forward{pd, convolution_forward(pd)};
  });
}

// Inference convolutions read and write channels-last (nhwc) activations:
// the convolution of the next layer takes them as they are, so the blocked
// layouts of the training path, and the reorders around every convolution,
// are avoided (oneDNN's brgemm convolutions are built for nhwc).
const Forward& inference_forward(const Geometry& g, bool bias, bool residual, bool relu) {
  return forward_cache().get(key_of(kInference, g, bias, residual, relu), [&] {
    dnnl::post_ops post;
    if (residual) post.append_sum(1.0f);
    if (relu) post.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(post);
    const auto nhwc = memory::format_tag::nhwc;
    const convolution_forward::desc d(prop_kind::forward_inference, algorithm::convolution_direct,
                                      memory::desc(g.src, memory::data_type::f32, nhwc), any(g.weights),
                                      bias ? plain_desc(g.bias) : memory::desc(),
                                      memory::desc(g.dst, memory::data_type::f32, nhwc), g.strides, g.dilates,
                                      g.pad_l, g.pad_r);
    convolution_forward::primitive_desc pd(d, attr, engine());
    return Forward{pd, convolution_forward(pd)};
  });
}

// The weights in `f`'s layout, reordered once per weights version (the
// inference op passes the same folded tensor while the parameters stand).
memory inference_weights(const Forward& f, const Tensor& weight) {
  static ops::ParameterCache<memory> cache;
  return cache.get({&weight}, reinterpret_cast<std::intptr_t>(&f), [&] {
    const memory user = wrap(weight);
    memory copy = reordered(user, f.pd.weights_desc());
    // A plain layout is the tensor's own memory: keep a copy the cache owns.
    if (copy.get_data_handle() == user.get_data_handle()) {
      copy = memory(f.pd.weights_desc(), engine());
      dnnl::reorder(user, copy).execute(stream(), const_cast<memory&>(user), copy);
    }
    return copy;
  });
}

const BackwardData& backward_data(const Geometry& g, bool bias) {
  static PrimitiveCache<BackwardData> cache;
  return cache.get(key_of(kBackwardData, g, bias), [&] {
    const convolution_backward_data::desc d(algorithm::convolution_direct, any(g.src), any(g.weights), any(g.dst),
                                            g.strides, g.dilates, g.pad_l, g.pad_r);
    convolution_backward_data::primitive_desc pd(d, engine(), training_forward(g, bias).pd);
    return BackwardData{pd, convolution_backward_data(pd)};
  });
}

const BackwardWeights& backward_weights(const Geometry& g, bool bias) {
  static PrimitiveCache<BackwardWeights> cache;
  return cache.get(key_of(kBackwardWeights, g, bias), [&] {
    const convolution_backward_weights::desc d(algorithm::convolution_direct, any(g.src), any(g.weights),
                                               bias ? plain_desc(g.bias) : memory::desc(), any(g.dst), g.strides,
                                               g.dilates, g.pad_l, g.pad_r);
    convolution_backward_weights::primitive_desc pd(d, engine(), training_forward(g, bias).pd);
    return BackwardWeights{pd, convolution_backward_weights(pd)};
  });
}

// Runs `pd`'s forward into a fresh NCHW tensor.
Tensor run_forward(const Forward& f, const Geometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const memory src = reordered(wrap(x), f.pd.src_desc());
  const memory weights = reordered(wrap(weight), f.pd.weights_desc());
  Tensor out = empty(Shape(g.dst.begin(), g.dst.end()), x.options());
  const memory out_plain = wrap(out);
  const memory dst = output_in(out_plain, f.pd.dst_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
  if (bias.defined()) args.emplace(DNNL_ARG_BIAS, wrap(bias));
  f.primitive.execute(stream(), args);
  copy_back(dst, out_plain);
  stream().wait();
  return out;
}

}  // namespace

Tensor conv2d_forward(const Tensor& x_in, const Tensor& weight_in, const Tensor& bias_in, const Conv2dParams& p) {
  const Tensor x = x_in.contiguous(), weight = weight_in.contiguous();
  const Tensor bias = bias_in.defined() ? bias_in.contiguous() : Tensor();
  const Geometry g = geometry(x, weight, p);
  try {
    return run_forward(training_forward(g, bias.defined()), g, x, weight, bias);
  } catch (const dnnl::error& e) {
    rethrow("conv2d", e);
  }
}

Tensor conv2d_fused_inference(const Tensor& x, const Tensor& weight_in, const Tensor& bias_in, const Conv2dParams& p,
                              const Tensor& residual, bool relu) {
  const Tensor weight = weight_in.contiguous();
  const Tensor bias = bias_in.defined() ? bias_in.contiguous() : Tensor();
  const Geometry g = geometry(x, weight, p);
  try {
    const Forward& f = inference_forward(g, bias.defined(), residual.defined(), relu);
    const memory src = reordered(wrap_strided(x), f.pd.src_desc());
    Tensor out = empty_channels_last(Shape(g.dst.begin(), g.dst.end()));
    if (residual.defined()) out.copy_(residual);  // what the sum post-op adds to
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                         {DNNL_ARG_WEIGHTS, inference_weights(f, weight)},
                                         {DNNL_ARG_DST, wrap_strided(out)}};
    if (bias.defined()) args.emplace(DNNL_ARG_BIAS, wrap(bias));
    f.primitive.execute(stream(), args);
    stream().wait();
    return out;
  } catch (const dnnl::error& e) {
    rethrow("conv2d (inference)", e);
  }
}

Conv2dGrads conv2d_backward(const Tensor& grad_in, const Tensor& x_in, const Tensor& weight_in,
                            const Conv2dParams& p, bool need_input, bool need_weight, bool need_bias) {
  const Tensor grad = grad_in.contiguous(), x = x_in.contiguous(), weight = weight_in.contiguous();
  const Geometry g = geometry(x, weight, p);
  Conv2dGrads grads;
  try {
    const memory grad_plain = wrap(grad);
    memory grad_blocked;  // diff_dst in the layout the first pass wanted, reused by the second when equal
    if (need_input) {
      const BackwardData& b = backward_data(g, false);
      grad_blocked = reordered(grad_plain, b.pd.diff_dst_desc());
      grads.input = empty(x.shape(), x.options());
      const memory out_plain = wrap(grads.input);
      const memory diff_src = output_in(out_plain, b.pd.diff_src_desc());
      b.primitive.execute(stream(), {{DNNL_ARG_DIFF_DST, grad_blocked},
                                     {DNNL_ARG_WEIGHTS, reordered(wrap(weight), b.pd.weights_desc())},
                                     {DNNL_ARG_DIFF_SRC, diff_src}});
      copy_back(diff_src, out_plain);
    }
    if (need_weight || need_bias) {
      const BackwardWeights& b = backward_weights(g, need_bias);
      const memory diff_dst = grad_blocked && grad_blocked.get_desc() == b.pd.diff_dst_desc()
                                  ? grad_blocked
                                  : reordered(grad_plain, b.pd.diff_dst_desc());
      grads.weight = empty(weight.shape(), weight.options());
      const memory weight_plain = wrap(grads.weight);
      const memory diff_weights = output_in(weight_plain, b.pd.diff_weights_desc());
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, reordered(wrap(x), b.pd.src_desc())},
                                           {DNNL_ARG_DIFF_DST, diff_dst},
                                           {DNNL_ARG_DIFF_WEIGHTS, diff_weights}};
      if (need_bias) {
        grads.bias = empty({g.dst[1]}, x.options());
        args.emplace(DNNL_ARG_DIFF_BIAS, wrap(grads.bias));
      }
      b.primitive.execute(stream(), args);
      copy_back(diff_weights, weight_plain);
      if (!need_weight) grads.weight = Tensor();
    }
    stream().wait();
  } catch (const dnnl::error& e) {
    rethrow("conv2d_backward", e);
  }
  return grads;
}

}  // namespace c2am::cpu::onednn
