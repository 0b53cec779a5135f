#include "contrastive_loss.cuh"
#include "contrastive_loss_math.cuh"

namespace c2am::cuda::detail {

namespace {

namespace cl = contrastive;

constexpr int kWarp = 32;

__device__ inline float clamped_norm(float norm) { return fmaxf(norm, static_cast<float>(cl::kNormFloor)); }

// Sum over the block in a fixed order; every thread gets the result.
// `scratch` holds one double per warp.
__device__ double block_sum(double value, double* scratch) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp, warps = blockDim.x / kWarp;
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  double total = 0.0;
  for (int w = 0; w < warps; ++w) total += scratch[w];
  return total;
}

// ---------------------------------------------------------------------------
// pack: one block per row of X'. A first pass finds the row's largest |x|
// (its scale, contrastive_loss_math.cuh); the second copies the scaled row
// coalesced, sums its squares in double and, with statistics, its entries'
// hashes (an integer sum: the same in any order).
constexpr int kPackThreads = 256;

__global__ void pack_kernel(const float* bg, const float* fg, std::int64_t n, std::int64_t c, float* packed,
                            float* norms, float* scales, unsigned long long* hashes) {
  __shared__ double scratch[kPackThreads / kWarp];
  __shared__ unsigned max_bits;
  __shared__ unsigned long long hash_total;
  const std::int64_t r = blockIdx.x;
  const float* src = r < n ? bg + r * c : fg + (r - n) * c;
  float* dst = packed + r * c;
  if (threadIdx.x == 0) max_bits = 0u, hash_total = 0ull;
  __syncthreads();
  // Non-negative floats (NaN included, which then wins) order as their bits.
  unsigned local_max = 0u;
  for (std::int64_t i = threadIdx.x; i < c; i += kPackThreads) local_max = max(local_max, __float_as_uint(fabsf(src[i])));
  atomicMax(&max_bits, local_max);
  __syncthreads();
  const float scale = cl::row_scale(__uint_as_float(max_bits));
  double squares = 0.0;
  unsigned long long hash = 0ull;
  for (std::int64_t i = threadIdx.x; i < c; i += kPackThreads) {
    const float v = src[i];
    const float x = scale == 1.0f ? v : v * scale;
    dst[i] = x;
    squares += static_cast<double>(x) * x;
    if (hashes) hash += cl::entry_hash(v, i);
  }
  if (!norms) return;  // the same for every thread of the block
  const double total = block_sum(squares, scratch);
  atomicAdd(&hash_total, hash);
  __syncthreads();
  if (threadIdx.x == 0) {
    norms[r] = static_cast<float>(sqrt(total));
    scales[r] = scale;
    hashes[r] = hash_total;
  }
}

// representatives: one thread per row r of X; the first earlier row of r's
// block with r's hash and equal entries, else r. Reads the unscaled rows.
__global__ void representatives_kernel(const float* bg, const float* fg, std::int64_t n, std::int64_t c,
                                       const unsigned long long* hashes, int* representatives) {
  const std::int64_t r = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= 2 * n) return;
  const auto row = [&](std::int64_t q) { return q < n ? bg + q * c : fg + (q - n) * c; };
  const float* own = row(r);
  std::int64_t found = r;
  for (std::int64_t q = r < n ? 0 : n; q < r && found == r; ++q) {
    if (hashes[q] != hashes[r]) continue;
    const float* other = row(q);
    bool equal = true;
    for (std::int64_t i = 0; i < c && equal; ++i) equal = other[i] == own[i];
    if (equal) found = q;
  }
  representatives[r] = static_cast<int>(found);
}

// ---------------------------------------------------------------------------
// forward: one block per row r of the 2N×2N layout. The row's SimMax block
// (N similarities) is sorted in shared memory as 64-bit keys (bitonic sort,
// padded to a power of two): position p of column c gives its rank weight.
// A column's key holds its representative's similarity, so that equal rows
// tie (contrastive_loss_math.cuh).
// Then one coalesced pass writes G and sums the row's loss entries. Memory:
// reads one row of K, writes one row of G.
constexpr int kForwardThreads = 512;

__device__ void bitonic_sort(std::uint64_t* keys, std::int64_t count) {
  for (std::int64_t size = 2; size <= count; size *= 2) {
    for (std::int64_t stride = size / 2; stride > 0; stride /= 2) {
      for (std::int64_t i = threadIdx.x; i < count; i += blockDim.x) {
        const std::int64_t partner = i ^ stride;
        if (partner > i) {
          const bool ascending = (i & size) == 0;
          const std::uint64_t a = keys[i], b = keys[partner];
          if ((a > b) == ascending) keys[i] = b, keys[partner] = a;
        }
      }
      __syncthreads();
    }
  }
}

std::int64_t padded_length(std::int64_t n) {
  std::int64_t p = 1;
  while (p < n) p *= 2;
  return p;
}

__global__ void forward_kernel(const float* gram, const float* norms, const int* representatives, std::int64_t n,
                               std::int64_t padded, double alpha, float* coefficients, double* row_sums, float* terms,
                               unsigned* ticket) {
  extern __shared__ std::uint64_t keys[];  // [padded], then float weights[n]
  float* weights = reinterpret_cast<float*>(keys + padded);
  __shared__ double scratch[kForwardThreads / kWarp];
  __shared__ bool last_block;

  const std::int64_t rows = 2 * n, r = blockIdx.x;
  const bool bg_row = r < n;
  const std::int64_t own = bg_row ? 0 : n, other = bg_row ? n : 0;
  const float dr = clamped_norm(norms[r]);
  const float* kr = gram + r * rows;
  float* gr = coefficients + r * rows;
  const float inv_count = 1.0f / static_cast<float>(n * n);
  const auto similarity = [&](std::int64_t column) {
    return cl::clamp_similarity<float>(kr[column] / (dr * clamped_norm(norms[column])));
  };

  for (std::int64_t c = threadIdx.x; c < padded; c += blockDim.x)
    keys[c] = c < n ? cl::descending_key(similarity(representatives[own + c]).value, static_cast<std::uint32_t>(c))
                    : cl::kPaddingKey;
  __syncthreads();
  bitonic_sort(keys, padded);
  for (std::int64_t p = threadIdx.x; p < n; p += blockDim.x) weights[cl::key_column(keys[p])] = cl::rank_weight<float>(alpha, p);
  __syncthreads();

  double max_sum = 0.0, min_sum = 0.0;
  for (std::int64_t c = threadIdx.x; c < n; c += blockDim.x) {
    const auto s = similarity(own + c);
    max_sum += cl::sim_max_entry(s, weights[c]);
    gr[own + c] = cl::sim_max_coefficient(s, weights[c], inv_count);
    if (bg_row) {
      const auto m = similarity(other + c);
      min_sum += cl::sim_min_entry(m);
      gr[other + c] = cl::sim_min_coefficient(m, inv_count);
    } else {
      gr[other + c] = 0.0f;  // the transposed SimMin block (see the layout)
    }
  }
  max_sum = block_sum(max_sum, scratch);
  min_sum = block_sum(min_sum, scratch);
  if (threadIdx.x == 0) {
    row_sums[2 * r] = max_sum;
    row_sums[2 * r + 1] = min_sum;
    __threadfence();  // the sums are visible before the ticket counts this block
    last_block = atomicAdd(ticket, 1u) == static_cast<unsigned>(rows - 1);
  }
  __syncthreads();
  if (!last_block) return;

  // The last block adds the rows' sums in row order.
  if (threadIdx.x == 0) {
    const volatile double* sums = row_sums;
    double totals[3] = {0.0, 0.0, 0.0};
    for (std::int64_t i = 0; i < n; ++i) {
      totals[cl::kBgBg] += sums[2 * i];
      totals[cl::kBgFg] += sums[2 * i + 1];
      totals[cl::kFgFg] += sums[2 * (n + i)];
    }
    const double count = static_cast<double>(n) * static_cast<double>(n);
    for (int t = 0; t < 3; ++t) terms[t] = static_cast<float>(totals[t] / count);
    *ticket = 0u;
  }
}

// ---------------------------------------------------------------------------
// backward: a block owns 32 rows and walks the column tiles; each 32×32 tile
// of G and the mirrored tile (for G + Gᵀ) pass through shared memory so both
// reads are coalesced. A warp handles rows ty, ty+8, ty+16, ty+24 of the
// stripe, one column per lane, and keeps per-lane radial sums in registers;
// at the end a shuffle adds them in a fixed order and lane 0 rewrites the
// diagonal entry with the normalization's radial part removed.
constexpr int kTile = 32, kTileRows = 8, kRowsPerThread = kTile / kTileRows;

__global__ void backward_kernel(const float* coefficients, const float* gram, const float* norms, const float* scales,
                                const float* grad_terms, std::int64_t n, float* p) {
  __shared__ float tile[kTile][kTile + 1];
  __shared__ float mirrored[kTile][kTile + 1];
  const std::int64_t rows = 2 * n, r0 = static_cast<std::int64_t>(blockIdx.x) * kTile;
  const int tx = threadIdx.x, ty = threadIdx.y;
  const float g[3] = {grad_terms[0], grad_terms[1], grad_terms[2]};
  double radial[kRowsPerThread] = {0.0, 0.0, 0.0, 0.0};

  for (std::int64_t c0 = 0; c0 < rows; c0 += kTile) {
    for (int k = 0; k < kRowsPerThread; ++k) {
      const int i = ty + k * kTileRows;
      const std::int64_t r = r0 + i, c = c0 + tx;
      tile[i][tx] = r < rows && c < rows ? coefficients[r * rows + c] : 0.0f;
      const std::int64_t mr = c0 + i, mc = r0 + tx;  // G[c][r], read along rows
      mirrored[i][tx] = mr < rows && mc < rows ? coefficients[mr * rows + mc] : 0.0f;
    }
    __syncthreads();
    for (int k = 0; k < kRowsPerThread; ++k) {
      const int i = ty + k * kTileRows;
      const std::int64_t r = r0 + i, c = c0 + tx;
      if (r < rows && c < rows) {
        const float scale = clamped_norm(norms[r]) * clamped_norm(norms[c]);
        const float m = g[cl::term_of(r, c, n)] * (tile[i][tx] + mirrored[tx][i]);
        radial[k] += static_cast<double>(m) * (gram[r * rows + c] / scale);
        p[r * rows + c] = m / scale * scales[r];  // ∂L/∂x_r = s_r·∂L/∂x'_r
      }
    }
    __syncthreads();
  }
  for (int k = 0; k < kRowsPerThread; ++k) {
    double sum = radial[k];
    for (int offset = kWarp / 2; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    const std::int64_t r = r0 + ty + k * kTileRows;
    if (tx == 0 && r < rows && norms[r] >= static_cast<float>(cl::kNormFloor)) {
      const float dr = clamped_norm(norms[r]);
      const float m = g[cl::term_of(r, r, n)] * (coefficients[r * rows + r] + coefficients[r * rows + r]);
      p[r * rows + r] = (m / (dr * dr) - static_cast<float>(sum) / (dr * dr)) * scales[r];
    }
  }
}

}  // namespace

cudaError_t launch_contrastive_pack(const float* bg, const float* fg, std::int64_t n, std::int64_t c, float* packed,
                                    float* norms, float* scales, unsigned long long* hashes, int* representatives,
                                    cudaStream_t stream) {
  pack_kernel<<<static_cast<unsigned>(2 * n), kPackThreads, 0, stream>>>(bg, fg, n, c, packed, norms, scales, hashes);
  if (!norms) return cudaGetLastError();
  constexpr int kThreads = 256;
  const auto blocks = static_cast<unsigned>((2 * n + kThreads - 1) / kThreads);
  representatives_kernel<<<blocks, kThreads, 0, stream>>>(bg, fg, n, c, hashes, representatives);
  return cudaGetLastError();
}

std::size_t contrastive_forward_shared_bytes(std::int64_t n) {
  return static_cast<std::size_t>(padded_length(n)) * sizeof(std::uint64_t) + static_cast<std::size_t>(n) * sizeof(float);
}

cudaError_t launch_contrastive_forward(const float* gram, const float* norms, const int* representatives,
                                       std::int64_t n, double alpha, float* coefficients, double* row_sums,
                                       float* terms, unsigned* ticket, cudaStream_t stream) {
  const std::size_t shared = contrastive_forward_shared_bytes(n);
  // Above the default 48 KiB (static shared memory included) the kernel must opt in.
  if (shared + 1024 > 48 * 1024) {
    const cudaError_t status =
        cudaFuncSetAttribute(forward_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
    if (status != cudaSuccess) return status;
  }
  forward_kernel<<<static_cast<unsigned>(2 * n), kForwardThreads, shared, stream>>>(
      gram, norms, representatives, n, padded_length(n), alpha, coefficients, row_sums, terms, ticket);
  return cudaGetLastError();
}

cudaError_t launch_contrastive_backward(const float* coefficients, const float* gram, const float* norms,
                                        const float* scales, const float* grad_terms, std::int64_t n, float* p,
                                        cudaStream_t stream) {
  const unsigned stripes = static_cast<unsigned>((2 * n + kTile - 1) / kTile);
  backward_kernel<<<stripes, dim3(kTile, kTileRows), 0, stream>>>(coefficients, gram, norms, scales, grad_terms, n,
                                                                   p);
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
