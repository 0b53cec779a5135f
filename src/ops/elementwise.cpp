// Elementwise ops and their backward formulas.

#include "c2am/ops/elementwise.hpp"

#include "c2am/autograd/node.hpp"
#include "c2am/ops/reduction.hpp"
#include "backend/cuda_ops.hpp"
#include "cpu/kernels.hpp"
#include "ops/op_checks.hpp"

namespace c2am {

namespace {

using cpu::BinaryOp;
using cpu::UnaryArgs;
using cpu::UnaryOp;

const char* unary_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: return "neg";
    case UnaryOp::Exp: return "exp";
    case UnaryOp::Log: return "log";
    case UnaryOp::Sqrt: return "sqrt";
    case UnaryOp::Sigmoid: return "sigmoid";
    case UnaryOp::Relu: return "relu";
    case UnaryOp::Pow: return "pow";
    case UnaryOp::Affine: return "affine";
    case UnaryOp::Clamp: return "clamp";
  }
  return "unary";
}

// Whether the derivative is computed from the output (else from the input,
// or from neither for constant derivatives).
bool derivative_uses_output(UnaryOp op) {
  return op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Sigmoid;
}
bool derivative_uses_input(UnaryOp op) {
  return op == UnaryOp::Log || op == UnaryOp::Relu || op == UnaryOp::Pow || op == UnaryOp::Clamp;
}

class UnaryBackward : public autograd::Node {
 public:
  UnaryBackward(UnaryOp op, UnaryArgs args, const Tensor& x, const Tensor& y)
      : op_(op), args_(args),
        x_(derivative_uses_input(op) ? x : Tensor()),
        y_(derivative_uses_output(op) ? y : Tensor()) {}
  std::vector<Tensor> apply(const Tensor& grad) override {
    const Tensor x = x_.get(name()), y = y_.get(name());
    return {grad.device().is_cuda() ? cuda::ops::unary_backward(op_, grad, x, y, args_)
                                    : cpu::unary_backward(op_, grad, x, y, args_)};
  }
  const char* name() const override { return "UnaryBackward"; }
  void release() override {
    x_.release();
    y_.release();
  }

 private:
  UnaryOp op_;
  UnaryArgs args_;
  autograd::SavedTensor x_, y_;
};

Tensor unary_op(UnaryOp op, const Tensor& x, UnaryArgs args = {}) {
  const char* name = unary_name(op);
  ops::require_compatible(name, {&x});
  Tensor y = x.device().is_cuda() ? cuda::ops::unary(op, x, args) : cpu::unary(op, x, args);
  return autograd::record<UnaryBackward>(y, {x}, op, args, x, y);
}

class BinaryBackward : public autograd::Node {
 public:
  BinaryBackward(BinaryOp op, const Tensor& a, const Tensor& b)
      : op_(op), a_shape_(a.shape()), b_shape_(b.shape()),
        a_(op == BinaryOp::Mul || op == BinaryOp::Div ? a : Tensor()),
        b_(op == BinaryOp::Mul || op == BinaryOp::Div ? b : Tensor()) {}

  std::vector<Tensor> apply(const Tensor& grad) override {
    const bool need_a = edges[0] != nullptr, need_b = edges[1] != nullptr;
    Tensor ga, gb;
    switch (op_) {
      case BinaryOp::Add:
        if (need_a) ga = sum_to_shape(grad, a_shape_);
        if (need_b) gb = sum_to_shape(grad, b_shape_);
        break;
      case BinaryOp::Sub:
        if (need_a) ga = sum_to_shape(grad, a_shape_);
        if (need_b) gb = sum_to_shape(neg(grad), b_shape_);
        break;
      case BinaryOp::Mul:
        if (need_a) ga = sum_to_shape(mul(grad, b_.get(name())), a_shape_);
        if (need_b) gb = sum_to_shape(mul(grad, a_.get(name())), b_shape_);
        break;
      case BinaryOp::Div: {
        const Tensor b = b_.get(name());
        if (need_a) ga = sum_to_shape(div(grad, b), a_shape_);
        if (need_b) gb = sum_to_shape(neg(div(mul(grad, a_.get(name())), mul(b, b))), b_shape_);
        break;
      }
    }
    return {ga, gb};
  }
  const char* name() const override { return "BinaryBackward"; }
  void release() override {
    a_.release();
    b_.release();
  }

 private:
  BinaryOp op_;
  Shape a_shape_, b_shape_;
  autograd::SavedTensor a_, b_;
};

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  ops::require_compatible(name, {&a, &b});
  broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = a.device().is_cuda() ? cuda::ops::binary(op, a, b) : cpu::binary(op, a, b);
  return autograd::record<BinaryBackward>(out, {a, b}, op, a, b);
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Add, "add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Sub, "sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Mul, "mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Div, "div", a, b); }

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::Neg, x); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::Exp, x); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::Log, x); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::Sqrt, x); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::Sigmoid, x); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::Relu, x); }
Tensor pow(const Tensor& x, double exponent) { return unary_op(UnaryOp::Pow, x, {exponent, 0.0}); }
Tensor affine(const Tensor& x, double scale, double shift) { return unary_op(UnaryOp::Affine, x, {scale, shift}); }

Tensor clamp(const Tensor& x, double low, double high) {
  check(low <= high, "clamp", "low bound ", low, " is above high bound ", high);
  return unary_op(UnaryOp::Clamp, x, {low, high});
}

}  // namespace c2am
