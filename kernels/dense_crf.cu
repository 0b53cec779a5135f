#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include "dense_crf.cuh"
#include "permutohedral_math.cuh"
#include "strided.cuh"

namespace c2am::cuda::detail {

namespace {

constexpr int kThreads = 256;
constexpr int kMaxDimension = 5;

struct BlurScales {
  float value[kMaxDimension];
};

#define C2AM_GRID_LOOP(i, n)                                                                   \
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<std::int64_t>(gridDim.x) * blockDim.x)

// The image holding point p: the last b with point_start[b] <= p.
__device__ int image_of(const CrfBatch& batch, int p) {
  int lo = 0, hi = batch.images - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (batch.point_start[mid] <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------------------
// locate: one thread per point; features as the CPU computes them (double
// division, rounded to float), then the shared simplex formulas.
template <int D>
__global__ void locate_kernel(CrfBatch batch, LatticeFeatures features, BlurScales scales, std::uint64_t* keys,
                              std::uint32_t* images, int* entries, float* weights, int* overflow) {
  C2AM_GRID_LOOP(i, batch.points) {
    const int p = static_cast<int>(i);
    const int b = image_of(batch, p);
    const int local = p - batch.point_start[b], width = batch.widths[b];
    float f[D];
    f[0] = static_cast<float>((local % width) / features.sxy);
    f[1] = static_cast<float>((local / width) / features.sxy);
    if constexpr (D == 5)
      for (int c = 0; c < 3; ++c) f[2 + c] = static_cast<float>(batch.rgb[static_cast<std::size_t>(p) * 3 + c] / features.srgb);
    std::int16_t k[(D + 1) * D];
    float w[D + 1];
    const bool fits = lattice::locate_simplex<D>(D, f, scales.value, k, w);
    for (int r = 0; r <= D; ++r) {
      const int e = p * (D + 1) + r;
      std::uint64_t packed = 0;
      if (!fits || !lattice::pack_key(D, &k[r * D], packed)) atomicOr(overflow, 1);
      keys[e] = packed;
      images[e] = static_cast<std::uint32_t>(b);
      entries[e] = e;
      weights[e] = w[r];
    }
  }
}

__global__ void gather_images_kernel(const std::uint32_t* images, const int* entries_first, int count,
                                     std::uint32_t* images_first, int* positions) {
  C2AM_GRID_LOOP(t, count) {
    images_first[t] = images[entries_first[t]];
    positions[t] = static_cast<int>(t);
  }
}

// heads: a new vertex starts where (image, key) differs from the previous entry's.
__global__ void heads_kernel(const std::uint64_t* keys_first, const int* entries_first,
                             const std::uint32_t* images_sorted, const int* order, int count,
                             std::uint64_t* keys_sorted, int* entries_sorted, int* heads) {
  C2AM_GRID_LOOP(t, count) {
    const std::uint64_t key = keys_first[order[t]];
    keys_sorted[t] = key;
    entries_sorted[t] = entries_first[order[t]];
    heads[t] = t == 0 || images_sorted[t] != images_sorted[t - 1] || key != keys_first[order[t - 1]];
  }
}

__global__ void vertices_kernel(const std::uint64_t* keys_sorted, const std::uint32_t* images_sorted,
                                const int* entries_sorted, const int* heads, const int* first_vertex,
                                const float* weights, int count, int vertices, std::uint64_t* vertex_keys,
                                std::uint32_t* vertex_images, int* splat_start, int* offset, float* sorted_weights) {
  C2AM_GRID_LOOP(t, count) {
    const int v = first_vertex[t] + heads[t] - 1;
    if (heads[t]) {
      vertex_keys[v] = keys_sorted[t];
      vertex_images[v] = images_sorted[t];
      splat_start[v] = static_cast<int>(t);
    }
    const int e = entries_sorted[t];
    offset[e] = v;
    sorted_weights[t] = weights[e];
    if (t == 0) splat_start[vertices] = count;
  }
}

// Binary search for (image, key) among the vertices, sorted by that pair.
__device__ int find_vertex(const std::uint64_t* keys, const std::uint32_t* images, int vertices, std::uint32_t image,
                           std::uint64_t key) {
  int lo = 0, hi = vertices - 1;
  while (lo <= hi) {
    const int mid = lo + (hi - lo) / 2;
    const bool less = images[mid] < image || (images[mid] == image && keys[mid] < key);
    const bool greater = images[mid] > image || (images[mid] == image && keys[mid] > key);
    if (less) lo = mid + 1;
    else if (greater) hi = mid - 1;
    else return mid;
  }
  return -1;
}

__global__ void neighbours_kernel(const std::uint64_t* vertex_keys, const std::uint32_t* vertex_images, int vertices,
                                  int d, int* neighbours) {
  C2AM_GRID_LOOP(i, static_cast<std::int64_t>(vertices) * (d + 1)) {
    const int v = static_cast<int>(i % vertices), j = static_cast<int>(i / vertices);
    std::int16_t key[kMaxDimension], low[kMaxDimension], high[kMaxDimension];
    lattice::unpack_key(d, vertex_keys[v], key);
    lattice::neighbour_keys(d, j, key, low, high);
    std::uint64_t packed = 0;
    // A neighbour whose key does not fit cannot exist: every vertex's did.
    neighbours[static_cast<std::int64_t>(2 * j) * vertices + v] =
        lattice::pack_key(d, low, packed) ? find_vertex(vertex_keys, vertex_images, vertices, vertex_images[v], packed) : -1;
    neighbours[static_cast<std::int64_t>(2 * j + 1) * vertices + v] =
        lattice::pack_key(d, high, packed) ? find_vertex(vertex_keys, vertex_images, vertices, vertex_images[v], packed) : -1;
  }
}

// ---------------------------------------------------------------------------
// filtering: one thread per (vertex or point, value); vertex slot 0 is the
// "absent neighbour" and holds zeros.
__global__ void splat_kernel(LatticeView l, const float* in, int value_size, const float* in_scale, float* values) {
  C2AM_GRID_LOOP(i, static_cast<std::int64_t>(l.vertices) * value_size) {
    const int v = static_cast<int>(i / value_size), k = static_cast<int>(i % value_size);
    float acc = 0.0f;
    for (int t = l.splat_start[v]; t < l.splat_start[v + 1]; ++t) {
      const int p = l.entries_sorted[t] / (l.dimension + 1);
      const float x = in[static_cast<std::size_t>(p) * value_size + k];
      acc += l.sorted_weights[t] * (in_scale ? x * in_scale[p] : x);
    }
    values[(static_cast<std::size_t>(v) + 1) * value_size + k] = acc;
    if (i < value_size) values[i] = 0.0f;
  }
}

__global__ void blur_kernel(int vertices, int value_size, const int* low, const int* high, const float* in,
                            float* out) {
  C2AM_GRID_LOOP(i, static_cast<std::int64_t>(vertices) * value_size) {
    const int v = static_cast<int>(i / value_size), k = static_cast<int>(i % value_size);
    const float self = in[(static_cast<std::size_t>(v) + 1) * value_size + k];
    const float a = in[static_cast<std::size_t>(low[v] + 1) * value_size + k];
    const float b = in[static_cast<std::size_t>(high[v] + 1) * value_size + k];
    out[(static_cast<std::size_t>(v) + 1) * value_size + k] = self + 0.5f * (a + b);
    if (i < value_size) out[i] = 0.0f;
  }
}

__global__ void slice_kernel(LatticeView l, const float* values, int value_size, float alpha, const float* out_scale,
                             bool accumulate, float weight, float* out) {
  C2AM_GRID_LOOP(i, static_cast<std::int64_t>(l.points) * value_size) {
    const int p = static_cast<int>(i / value_size), k = static_cast<int>(i % value_size);
    float o = 0.0f;
    for (int j = 0; j <= l.dimension; ++j) {
      const int e = p * (l.dimension + 1) + j;
      o += (l.weights[e] * alpha) * values[(static_cast<std::size_t>(l.offset[e]) + 1) * value_size + k];
    }
    const float s = out_scale ? out_scale[p] : 1.0f;
    out[i] = accumulate ? out[i] + weight * (o * s) : o * s;
  }
}

__global__ void inverse_sqrt_kernel(const float* sums, float* norm, int points) {
  C2AM_GRID_LOOP(p, points) norm[p] = 1.0f / sqrtf(sums[p] + 1e-20f);
}

__global__ void softmax_kernel(const float* energy, float* q, int points, int labels) {
  C2AM_GRID_LOOP(p, points) {
    const float* e = energy + p * labels;
    float* out = q + p * labels;
    float top = e[0];
    for (int l = 1; l < labels; ++l) top = fmaxf(top, e[l]);
    float total = 0.0f;
    for (int l = 0; l < labels; ++l) total += out[l] = expf(e[l] - top);
    for (int l = 0; l < labels; ++l) out[l] /= total;
  }
}

#undef C2AM_GRID_LOOP

}  // namespace

cudaError_t launch_lattice_locate(const CrfBatch& batch, const LatticeFeatures& features, std::uint64_t* keys,
                                  std::uint32_t* images, int* entries, float* weights, int* overflow,
                                  cudaStream_t stream) {
  BlurScales scales{};
  lattice::blur_scales(features.dimension(), scales.value);
  const unsigned blocks = grid_for(batch.points);
  if (features.bilateral)
    locate_kernel<5><<<blocks, kThreads, 0, stream>>>(batch, features, scales, keys, images, entries, weights, overflow);
  else
    locate_kernel<2><<<blocks, kThreads, 0, stream>>>(batch, features, scales, keys, images, entries, weights, overflow);
  return cudaGetLastError();
}

std::size_t lattice_sort_storage(int count) {
  std::size_t by_key = 0, by_image = 0, scan = 0;
  cub::DeviceRadixSort::SortPairs(nullptr, by_key, static_cast<const std::uint64_t*>(nullptr),
                                  static_cast<std::uint64_t*>(nullptr), static_cast<const int*>(nullptr),
                                  static_cast<int*>(nullptr), count);
  cub::DeviceRadixSort::SortPairs(nullptr, by_image, static_cast<const std::uint32_t*>(nullptr),
                                  static_cast<std::uint32_t*>(nullptr), static_cast<const int*>(nullptr),
                                  static_cast<int*>(nullptr), count);
  cub::DeviceScan::ExclusiveSum(nullptr, scan, static_cast<const int*>(nullptr), static_cast<int*>(nullptr), count);
  return std::max(by_key, std::max(by_image, scan));
}

cudaError_t launch_lattice_sort(const std::uint64_t* keys, const int* entries, const std::uint32_t* images,
                                int count, int image_bits, std::uint64_t* keys_out, int* entries_out,
                                std::uint32_t* images_first, int* positions, std::uint32_t* images_out, int* order,
                                void* storage, std::size_t storage_bytes, cudaStream_t stream) {
  std::size_t bytes = storage_bytes;
  cudaError_t status =
      cub::DeviceRadixSort::SortPairs(storage, bytes, keys, keys_out, entries, entries_out, count, 0, 64, stream);
  if (status != cudaSuccess) return status;
  gather_images_kernel<<<grid_for(count), kThreads, 0, stream>>>(images, entries_out, count, images_first, positions);
  if ((status = cudaGetLastError()) != cudaSuccess) return status;
  bytes = storage_bytes;
  return cub::DeviceRadixSort::SortPairs(storage, bytes, images_first, images_out, positions, order, count, 0,
                                         image_bits, stream);
}

cudaError_t launch_lattice_heads(const std::uint64_t* keys_first, const int* entries_first,
                                 const std::uint32_t* images_sorted, const int* order, int count,
                                 std::uint64_t* keys_sorted, int* entries_sorted, int* heads, cudaStream_t stream) {
  heads_kernel<<<grid_for(count), kThreads, 0, stream>>>(keys_first, entries_first, images_sorted, order, count,
                                                         keys_sorted, entries_sorted, heads);
  return cudaGetLastError();
}

cudaError_t launch_lattice_scan(const int* heads, int* first_vertex, int count, void* storage,
                                std::size_t storage_bytes, cudaStream_t stream) {
  std::size_t bytes = storage_bytes;
  return cub::DeviceScan::ExclusiveSum(storage, bytes, heads, first_vertex, count, stream);
}

cudaError_t launch_lattice_vertices(const std::uint64_t* keys_sorted, const std::uint32_t* images_sorted,
                                    const int* entries_sorted, const int* heads, const int* first_vertex,
                                    const float* weights, int count, int vertices, std::uint64_t* vertex_keys,
                                    std::uint32_t* vertex_images, int* splat_start, int* offset,
                                    float* sorted_weights, cudaStream_t stream) {
  vertices_kernel<<<grid_for(count), kThreads, 0, stream>>>(keys_sorted, images_sorted, entries_sorted, heads,
                                                            first_vertex, weights, count, vertices, vertex_keys,
                                                            vertex_images, splat_start, offset, sorted_weights);
  return cudaGetLastError();
}

cudaError_t launch_lattice_neighbours(const std::uint64_t* vertex_keys, const std::uint32_t* vertex_images,
                                      int vertices, int dimension, int* neighbours, cudaStream_t stream) {
  neighbours_kernel<<<grid_for(static_cast<std::int64_t>(vertices) * (dimension + 1)), kThreads, 0, stream>>>(
      vertex_keys, vertex_images, vertices, dimension, neighbours);
  return cudaGetLastError();
}

cudaError_t launch_lattice_filter(const LatticeView& l, const float* in, float* out, int value_size,
                                  const float* in_scale, const float* out_scale, bool accumulate, float weight,
                                  float* values, float* blurred, cudaStream_t stream) {
  const std::int64_t vertex_values = static_cast<std::int64_t>(l.vertices) * value_size;
  splat_kernel<<<grid_for(vertex_values), kThreads, 0, stream>>>(l, in, value_size, in_scale, values);
  for (int j = 0; j <= l.dimension; ++j) {
    blur_kernel<<<grid_for(vertex_values), kThreads, 0, stream>>>(
        l.vertices, value_size, l.neighbours + static_cast<std::size_t>(2 * j) * l.vertices,
        l.neighbours + static_cast<std::size_t>(2 * j + 1) * l.vertices, values, blurred);
    float* swap = values;
    values = blurred;
    blurred = swap;
  }
  const float alpha = 1.0f / (1.0f + powf(2.0f, -static_cast<float>(l.dimension)));
  slice_kernel<<<grid_for(static_cast<std::int64_t>(l.points) * value_size), kThreads, 0, stream>>>(
      l, values, value_size, alpha, out_scale, accumulate, weight, out);
  return cudaGetLastError();
}

cudaError_t launch_inverse_sqrt(const float* sums, float* norm, int points, cudaStream_t stream) {
  inverse_sqrt_kernel<<<grid_for(points), kThreads, 0, stream>>>(sums, norm, points);
  return cudaGetLastError();
}

cudaError_t launch_softmax(const float* energy, float* q, int points, int labels, cudaStream_t stream) {
  softmax_kernel<<<grid_for(points), kThreads, 0, stream>>>(energy, q, points, labels);
  return cudaGetLastError();
}

}  // namespace c2am::cuda::detail
