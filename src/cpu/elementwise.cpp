// Unary and broadcasting binary elementwise kernels.

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

namespace {

template <typename T>
T apply_unary(UnaryOp op, T x, T a, T b) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Sigmoid: return T(1) / (T(1) + std::exp(-x));
    case UnaryOp::Relu: return x > T(0) ? x : T(0);
    case UnaryOp::Pow: return std::pow(x, a);
    case UnaryOp::Affine: return a * x + b;
    case UnaryOp::Clamp: return std::min(std::max(x, a), b);
  }
  return x;
}

// d(op)/dx at input x with output y.
template <typename T>
T unary_derivative(UnaryOp op, T x, T y, T a, T b) {
  switch (op) {
    case UnaryOp::Neg: return T(-1);
    case UnaryOp::Exp: return y;
    case UnaryOp::Log: return T(1) / x;
    case UnaryOp::Sqrt: return T(0.5) / y;
    case UnaryOp::Sigmoid: return y * (T(1) - y);
    case UnaryOp::Relu: return x > T(0) ? T(1) : T(0);
    case UnaryOp::Pow: return a * std::pow(x, a - T(1));
    case UnaryOp::Affine: return a;
    case UnaryOp::Clamp: return (x >= a && x <= b) ? T(1) : T(0);
  }
  return T(0);
}

template <typename T>
T apply_binary(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
  }
  return a;
}

// Calls fn(std::integral_constant<Op, op>{}) so that kernels are compiled once
// per operation, with no switch in their inner loops.
template <typename Op, Op... Ops, typename Fn>
void with_constant(Op op, Fn&& fn) {
  ((op == Ops ? (fn(std::integral_constant<Op, Ops>{}), true) : false) || ...);
}

template <typename Fn>
void with_unary(UnaryOp op, Fn&& fn) {
  with_constant<UnaryOp, UnaryOp::Neg, UnaryOp::Exp, UnaryOp::Log, UnaryOp::Sqrt, UnaryOp::Sigmoid, UnaryOp::Relu,
                UnaryOp::Pow, UnaryOp::Affine, UnaryOp::Clamp>(op, fn);
}

template <typename Fn>
void with_binary(BinaryOp op, Fn&& fn) {
  with_constant<BinaryOp, BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div>(op, fn);
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& x, UnaryArgs args) {
  Tensor out = empty(x.shape(), x.options());
  const auto rows = make_strided_rows<2>(x.shape(), {&x.strides(), &out.strides()});
  dispatch_floating(x.dtype(), "unary", [&](auto tag) {
    using T = decltype(tag);
    const T a = static_cast<T>(args.a), b = static_cast<T>(args.b);
    const T* xp = x.data<T>();
    T* op_ = out.data<T>();
    with_unary(op, [&](auto op_constant) {
      constexpr UnaryOp kOp = decltype(op_constant)::value;
      for_each_row(rows, [&](auto offsets, std::int64_t n, auto inner) {
        for (std::int64_t i = 0; i < n; ++i) {
          op_[offsets[1] + i * inner[1]] = apply_unary<T>(kOp, xp[offsets[0] + i * inner[0]], a, b);
        }
      });
    });
  });
  return out;
}

Tensor unary_backward(UnaryOp op, const Tensor& grad, const Tensor& x, const Tensor& y, UnaryArgs args) {
  Tensor g = grad.contiguous();
  Tensor xc = x.defined() ? x.contiguous() : x;
  Tensor yc = y.defined() ? y.contiguous() : y;
  Tensor out = empty(g.shape(), g.options());
  dispatch_floating(g.dtype(), "unary_backward", [&](auto tag) {
    using T = decltype(tag);
    const T a = static_cast<T>(args.a), b = static_cast<T>(args.b);
    const T* gp = g.data<T>();
    const T* xp = xc.defined() ? xc.data<T>() : nullptr;
    const T* yp = yc.defined() ? yc.data<T>() : nullptr;
    T* op_ = out.data<T>();
    const std::int64_t n = g.numel();
    with_unary(op, [&](auto op_constant) {
      constexpr UnaryOp kOp = decltype(op_constant)::value;
#pragma omp parallel for schedule(static) if (n >= kParallelGrain)
      for (std::int64_t i = 0; i < n; ++i) {
        op_[i] = gp[i] * unary_derivative<T>(kOp, xp ? xp[i] : T(0), yp ? yp[i] : T(0), a, b);
      }
    });
  });
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "binary");
  Tensor out = empty(shape, a.options());
  const Tensor ea = a.detach().expand(shape);
  const Tensor eb = b.detach().expand(shape);
  const auto rows = make_strided_rows<3>(shape, {&ea.strides(), &eb.strides(), &out.strides()});
  dispatch_floating(a.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    const T* ap = ea.data<T>();
    const T* bp = eb.data<T>();
    T* op_ = out.data<T>();
    with_binary(op, [&](auto op_constant) {
    constexpr BinaryOp kOp = decltype(op_constant)::value;
    for_each_row(rows, [&](auto offsets, std::int64_t n, auto inner) {
      const T* ar = ap + offsets[0];
      const T* br = bp + offsets[1];
      T* orow = op_ + offsets[2];
      if (inner[0] == 1 && inner[1] == 1) {
        for (std::int64_t i = 0; i < n; ++i) orow[i] = apply_binary<T>(kOp, ar[i], br[i]);
      } else if (inner[0] == 1 && inner[1] == 0) {
        const T bv = br[0];
        for (std::int64_t i = 0; i < n; ++i) orow[i] = apply_binary<T>(kOp, ar[i], bv);
      } else if (inner[0] == 0 && inner[1] == 1) {
        const T av = ar[0];
        for (std::int64_t i = 0; i < n; ++i) orow[i] = apply_binary<T>(kOp, av, br[i]);
      } else {
        for (std::int64_t i = 0; i < n; ++i) orow[i] = apply_binary<T>(kOp, ar[i * inner[0]], br[i * inner[1]]);
      }
    });
    });
  });
  return out;
}

}  // namespace c2am::cpu
