#pragma once
// The dense CRF on the GPU (float32): a batch of images with one
// permutohedral lattice per kernel, built by sorting instead of hashing, and
// the mean-field passes over it.
//
// Construction (per kernel, the whole batch at once):
//   locate       per point: features, enclosing simplex, packed vertex keys
//   sort         (key, entry) pairs, then stably by image (CUB radix sort),
//                so entries are ordered by (image, key, point, corner)
//   heads, scan  a vertex per distinct (image, key) (CUB exclusive sum)
//   vertices     each vertex's key, image and range of entries; each
//                entry's vertex
//   neighbours   the 2(d+1) neighbours by binary search among the vertices
// Filtering (per kernel and iteration): splat gathers each vertex's entries
// in (point, corner) order — the order the CPU adds them in — so no float
// atomics and the same bits run to run; blur along the d+1 axes; slice back
// with the symmetric normalization and the Potts weight folded in.

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace c2am::cuda::detail {

// Where the batch's pixels are: image b holds points [point_start[b],
// point_start[b+1]) in row-major order, widths[b] wide; rgb is 3 bytes per point.
struct CrfBatch {
  const int* point_start = nullptr;  // images + 1
  const int* widths = nullptr;
  const std::uint8_t* rgb = nullptr;
  int images = 0, points = 0;
};

// Features of one kernel: (x, y) / sxy, and with `bilateral` also RGB / srgb.
struct LatticeFeatures {
  double sxy = 1, srgb = 1;
  bool bilateral = false;
  int dimension() const { return bilateral ? 5 : 2; }
};

// --- construction -------------------------------------------------------------------
// entries = points × (d+1). Writes keys, images, entry indices and weights
// per entry; sets *overflow when a vertex coordinate does not fit its key.
cudaError_t launch_lattice_locate(const CrfBatch& batch, const LatticeFeatures& features, std::uint64_t* keys,
                                  std::uint32_t* images, int* entries, float* weights, int* overflow,
                                  cudaStream_t stream);
// Temporary storage CUB needs for sorting / scanning `count` items.
std::size_t lattice_sort_storage(int count);
// Sorts (keys, entries) by key into (keys_out, entries_out), then stably by
// image: images_out[t] and order[t] give the image and the position in the
// first sort of the t-th entry. images_first and positions: `count` values
// of scratch each.
cudaError_t launch_lattice_sort(const std::uint64_t* keys, const int* entries, const std::uint32_t* images,
                                int count, int image_bits, std::uint64_t* keys_out, int* entries_out,
                                std::uint32_t* images_first, int* positions, std::uint32_t* images_out, int* order,
                                void* storage, std::size_t storage_bytes, cudaStream_t stream);
// From the two sorts: sorted keys and entries, a head flag per new vertex,
// and (after the scan) the vertex numbers.
cudaError_t launch_lattice_heads(const std::uint64_t* keys_first, const int* entries_first,
                                 const std::uint32_t* images_sorted, const int* order, int count,
                                 std::uint64_t* keys_sorted, int* entries_sorted, int* heads, cudaStream_t stream);
cudaError_t launch_lattice_scan(const int* heads, int* first_vertex, int count, void* storage,
                                std::size_t storage_bytes, cudaStream_t stream);
// Vertex tables: key, image, first entry (splat_start, vertices + 1 values);
// per entry its vertex (offset, indexed by entry number) and weight in sorted order.
cudaError_t launch_lattice_vertices(const std::uint64_t* keys_sorted, const std::uint32_t* images_sorted,
                                    const int* entries_sorted, const int* heads, const int* first_vertex,
                                    const float* weights, int count, int vertices, std::uint64_t* vertex_keys,
                                    std::uint32_t* vertex_images, int* splat_start, int* offset,
                                    float* sorted_weights, cudaStream_t stream);
// neighbours: 2 × (d+1) × vertices, low then high per axis, −1 when absent.
cudaError_t launch_lattice_neighbours(const std::uint64_t* vertex_keys, const std::uint32_t* vertex_images,
                                      int vertices, int dimension, int* neighbours, cudaStream_t stream);

// --- filtering ------------------------------------------------------------------------
struct LatticeView {
  int points = 0, vertices = 0, dimension = 0;
  const int* splat_start = nullptr;     // vertices + 1
  const int* entries_sorted = nullptr;  // entry numbers (point × (d+1) + corner) by vertex
  const float* sorted_weights = nullptr;
  const int* offset = nullptr;          // vertex of each entry
  const float* weights = nullptr;       // weight of each entry
  const int* neighbours = nullptr;
};
// out_p = out_scale_p · Σ K · in_scale · in (value_size values per point),
// written, or with `accumulate` added as out += weight · that. Scales may be
// null. values, blurred: (vertices + 1) × value_size floats of scratch.
cudaError_t launch_lattice_filter(const LatticeView& lattice, const float* in, float* out, int value_size,
                                  const float* in_scale, const float* out_scale, bool accumulate, float weight,
                                  float* values, float* blurred, cudaStream_t stream);
// norm_p = 1 / sqrt(sums_p + 1e-20): the symmetric normalization from K·1.
cudaError_t launch_inverse_sqrt(const float* sums, float* norm, int points, cudaStream_t stream);
// q = softmax(energy) per point over `labels` values.
cudaError_t launch_softmax(const float* energy, float* q, int points, int labels, cudaStream_t stream);

}  // namespace c2am::cuda::detail
