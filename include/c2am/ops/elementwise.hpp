#pragma once
// Elementwise operations. Binary operations broadcast like NumPy/PyTorch;
// both operands must share dtype and device. All are differentiable.

#include "c2am/core/tensor.hpp"

namespace c2am {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
// x^exponent for a constant exponent.
Tensor pow(const Tensor& x, double exponent);
// scale * x + shift, the kernel behind the tensor–scalar operators.
Tensor affine(const Tensor& x, double scale, double shift);
// Clamps into [low, high]. Gradient as PyTorch: passes where low <= x <= high
// (bounds included), zero outside.
Tensor clamp(const Tensor& x, double low, double high);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& x) { return neg(x); }
inline Tensor operator+(const Tensor& x, double s) { return affine(x, 1.0, s); }
inline Tensor operator+(double s, const Tensor& x) { return affine(x, 1.0, s); }
inline Tensor operator-(const Tensor& x, double s) { return affine(x, 1.0, -s); }
inline Tensor operator-(double s, const Tensor& x) { return affine(x, -1.0, s); }
inline Tensor operator*(const Tensor& x, double s) { return affine(x, s, 0.0); }
inline Tensor operator*(double s, const Tensor& x) { return affine(x, s, 0.0); }
inline Tensor operator/(const Tensor& x, double s) { return affine(x, 1.0 / s, 0.0); }
inline Tensor operator/(double s, const Tensor& x) { return pow(x, -1.0) * s; }

}  // namespace c2am
