// Strided copies with dtype conversion, and fills.

#include "cpu/dispatch.hpp"
#include "cpu/kernels.hpp"
#include "cpu/onednn/ops.hpp"
#include "cpu/strided.hpp"

namespace c2am::cpu {

void copy(const Tensor& src, const Tensor& dst) {
  // Channels-last <-> NCHW (the inference convolutions' outputs meeting
  // NCHW ops): a transposition, done by oneDNN's blocked reorder.
  if (onednn::reorder_layout(src, dst)) return;
  const auto rows = make_strided_rows<2>(dst.shape(), {&src.strides(), &dst.strides()});
  dispatch_numeric(src.dtype(), "copy", [&](auto src_tag) {
    using S = decltype(src_tag);
    dispatch_numeric(dst.dtype(), "copy", [&](auto dst_tag) {
      using D = decltype(dst_tag);
      const S* s = static_cast<const S*>(src.raw_data());
      D* d = static_cast<D*>(dst.raw_data());
      for_each_row(rows, [&](auto offsets, std::int64_t n, auto inner) {
        const S* sp = s + offsets[0];
        D* dp = d + offsets[1];
        if (inner[0] == 1 && inner[1] == 1) {
          for (std::int64_t i = 0; i < n; ++i) dp[i] = static_cast<D>(sp[i]);
        } else {
          for (std::int64_t i = 0; i < n; ++i) dp[i * inner[1]] = static_cast<D>(sp[i * inner[0]]);
        }
      });
    });
  });
}

void fill(const Tensor& dst, double value) {
  const auto rows = make_strided_rows<1>(dst.shape(), {&dst.strides()});
  dispatch_numeric(dst.dtype(), "fill", [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst.raw_data());
    const T v = static_cast<T>(value);
    for_each_row(rows, [&](auto offsets, std::int64_t n, auto inner) {
      T* p = d + offsets[0];
      for (std::int64_t i = 0; i < n; ++i) p[i * inner[0]] = v;
    });
  });
}

}  // namespace c2am::cpu
