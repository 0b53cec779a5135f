// Host side of the batched GPU dense CRF (kernels/dense_crf.cu): packs the
// batch, builds one lattice per kernel, runs mean-field, unpacks Q.

#include <algorithm>
#include <climits>
#include <sstream>

#include "backend/cuda_backend.hpp"
#include "backend/cuda_ops.hpp"
#include "cuda/check.hpp"
#include "dense_crf.cuh"

namespace c2am::cuda::ops {

namespace {

template <typename T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.raw_data());
}

Tensor device_buffer(std::int64_t count, DType dtype, int device) {
  return empty({std::max<std::int64_t>(count, 1)}, TensorOptions(dtype, Device::cuda(device)));
}

int read_int(const Tensor& t, std::int64_t index) { return static_cast<int>(t.narrow(0, index, 1).item()); }

// The lattice of one kernel over the whole batch; what filtering needs stays.
struct DeviceLattice {
  int points = 0, vertices = 0, dimension = 0;
  Tensor splat_start, entries_sorted, sorted_weights, offset, weights, neighbours;

  detail::LatticeView view() const {
    detail::LatticeView v;
    v.points = points;
    v.vertices = vertices;
    v.dimension = dimension;
    v.splat_start = ptr<int>(splat_start);
    v.entries_sorted = ptr<int>(entries_sorted);
    v.sorted_weights = ptr<float>(sorted_weights);
    v.offset = ptr<int>(offset);
    v.weights = ptr<float>(weights);
    v.neighbours = ptr<int>(neighbours);
    return v;
  }
};

DeviceLattice build_lattice(const detail::CrfBatch& batch, const detail::LatticeFeatures& features, int device,
                            cudaStream_t stream) {
  const char* what = features.bilateral ? "dense CRF bilateral lattice" : "dense CRF Gaussian lattice";
  DeviceLattice l;
  l.points = batch.points;
  l.dimension = features.dimension();
  const int count = batch.points * (l.dimension + 1);
  const Tensor keys = device_buffer(count, DType::Int64, device), images = device_buffer(count, DType::Int32, device),
               entries = device_buffer(count, DType::Int32, device);
  l.weights = device_buffer(count, DType::Float32, device);
  const Tensor overflow = zeros({1}, TensorOptions(DType::Int32, Device::cuda(device)));
  detail::check_cuda(detail::launch_lattice_locate(batch, features, ptr<std::uint64_t>(keys), ptr<std::uint32_t>(images),
                                                   ptr<int>(entries), ptr<float>(l.weights), ptr<int>(overflow), stream),
                     "lattice locate kernel", what);

  const std::size_t storage_bytes = detail::lattice_sort_storage(count);
  const Tensor storage = device_buffer(static_cast<std::int64_t>(storage_bytes), DType::UInt8, device);
  const Tensor keys_first = device_buffer(count, DType::Int64, device), entries_first = device_buffer(count, DType::Int32, device),
               images_first = device_buffer(count, DType::Int32, device), positions = device_buffer(count, DType::Int32, device),
               images_sorted = device_buffer(count, DType::Int32, device), order = device_buffer(count, DType::Int32, device);
  int image_bits = 1;
  while ((1 << image_bits) < batch.images) ++image_bits;
  detail::check_cuda(detail::launch_lattice_sort(ptr<std::uint64_t>(keys), ptr<int>(entries), ptr<std::uint32_t>(images),
                                                 count, image_bits, ptr<std::uint64_t>(keys_first), ptr<int>(entries_first),
                                                 ptr<std::uint32_t>(images_first), ptr<int>(positions),
                                                 ptr<std::uint32_t>(images_sorted), ptr<int>(order), storage.raw_data(),
                                                 storage_bytes, stream),
                     "lattice sort (CUB)", what);
  const Tensor keys_sorted = device_buffer(count, DType::Int64, device), heads = device_buffer(count, DType::Int32, device),
               first_vertex = device_buffer(count, DType::Int32, device);
  l.entries_sorted = device_buffer(count, DType::Int32, device);
  detail::check_cuda(detail::launch_lattice_heads(ptr<std::uint64_t>(keys_first), ptr<int>(entries_first),
                                                  ptr<std::uint32_t>(images_sorted), ptr<int>(order), count,
                                                  ptr<std::uint64_t>(keys_sorted), ptr<int>(l.entries_sorted),
                                                  ptr<int>(heads), stream),
                     "lattice heads kernel", what);
  detail::check_cuda(detail::launch_lattice_scan(ptr<int>(heads), ptr<int>(first_vertex), count, storage.raw_data(),
                                                 storage_bytes, stream),
                     "lattice scan (CUB)", what);
  if (read_int(overflow, 0) != 0) {
    std::ostringstream message;
    message << "dense_crf_batch: the " << what << " has a vertex coordinate beyond the GPU key range ("
            << (l.dimension <= 4 ? 16 : 64 / l.dimension) << " bits per coordinate): σ_xy " << features.sxy
            << (features.bilateral ? ", σ_rgb " : "") << (features.bilateral ? std::to_string(features.srgb) : "")
            << " is too small for images this large; use the CPU";
    throw Error(message.str());
  }
  l.vertices = read_int(first_vertex, count - 1) + read_int(heads, count - 1);

  const Tensor vertex_keys = device_buffer(l.vertices, DType::Int64, device),
               vertex_images = device_buffer(l.vertices, DType::Int32, device);
  l.splat_start = device_buffer(l.vertices + 1, DType::Int32, device);
  l.offset = device_buffer(count, DType::Int32, device);
  l.sorted_weights = device_buffer(count, DType::Float32, device);
  detail::check_cuda(detail::launch_lattice_vertices(ptr<std::uint64_t>(keys_sorted), ptr<std::uint32_t>(images_sorted),
                                                     ptr<int>(l.entries_sorted), ptr<int>(heads), ptr<int>(first_vertex),
                                                     ptr<float>(l.weights), count, l.vertices,
                                                     ptr<std::uint64_t>(vertex_keys), ptr<std::uint32_t>(vertex_images),
                                                     ptr<int>(l.splat_start), ptr<int>(l.offset),
                                                     ptr<float>(l.sorted_weights), stream),
                     "lattice vertices kernel", what);
  l.neighbours = device_buffer(static_cast<std::int64_t>(2) * (l.dimension + 1) * l.vertices, DType::Int32, device);
  detail::check_cuda(detail::launch_lattice_neighbours(ptr<std::uint64_t>(vertex_keys), ptr<std::uint32_t>(vertex_images),
                                                       l.vertices, l.dimension, ptr<int>(l.neighbours), stream),
                     "lattice neighbours kernel", what);
  return l;
}

}  // namespace

std::vector<std::vector<float>> dense_crf_batch(const std::vector<wsss::CrfProblem>& problems, int labels,
                                                const wsss::PairwiseKernels& kernels, int iterations, int device) {
  detail::require_device(device, "dense_crf_batch");
  detail::DeviceGuard guard(device);
  const cudaStream_t stream = detail::stream(device);
  const TensorOptions on_gpu(DType::Float32, Device::cuda(device));

  // The batch on the host: pixel-major −U, RGB, where each image starts.
  std::vector<int> point_start{0}, widths;
  std::int64_t total = 0;
  for (const auto& problem : problems) {
    total += static_cast<std::int64_t>(problem.image->width) * problem.image->height;
    check(total * 6 < INT_MAX, "dense_crf_batch", "the batch has too many pixels for one GPU call (", total,
          "); split it");
    point_start.push_back(static_cast<int>(total));
    widths.push_back(problem.image->width);
  }
  const int points = static_cast<int>(total);
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(points) * 3);
  std::vector<float> negative(static_cast<std::size_t>(points) * labels);
  for (std::size_t b = 0; b < problems.size(); ++b) {
    const auto& problem = problems[b];
    const std::size_t n = static_cast<std::size_t>(point_start[b + 1] - point_start[b]), first = static_cast<std::size_t>(point_start[b]);
    std::copy(problem.image->pixels.begin(), problem.image->pixels.end(), rgb.begin() + static_cast<std::ptrdiff_t>(first * 3));
    for (std::size_t p = 0; p < n; ++p)
      for (int l = 0; l < labels; ++l) negative[(first + p) * labels + l] = -problem.unary[l * n + p];
  }
  const Tensor starts = from_vector<std::int32_t>(point_start, {static_cast<std::int64_t>(point_start.size())},
                                                   TensorOptions(DType::Int32, Device::cuda(device)));
  const Tensor width_tensor = from_vector<std::int32_t>(widths, {static_cast<std::int64_t>(widths.size())},
                                                         TensorOptions(DType::Int32, Device::cuda(device)));
  const Tensor rgb_tensor = from_vector<std::uint8_t>(rgb, {static_cast<std::int64_t>(rgb.size())},
                                                       TensorOptions(DType::UInt8, Device::cuda(device)));
  const Tensor minus_unary = from_vector<float>(negative, {static_cast<std::int64_t>(negative.size())}, on_gpu);

  detail::CrfBatch batch;
  batch.point_start = ptr<int>(starts);
  batch.widths = ptr<int>(width_tensor);
  batch.rgb = ptr<std::uint8_t>(rgb_tensor);
  batch.images = static_cast<int>(problems.size());
  batch.points = points;

  struct Kernel {
    DeviceLattice lattice;
    Tensor norm;
    float weight;
  };
  std::vector<Kernel> pairwise;
  detail::LatticeFeatures gaussian{kernels.gaussian_sxy, 1.0, false}, bilateral{kernels.bilateral_sxy, kernels.bilateral_srgb, true};
  pairwise.push_back({build_lattice(batch, gaussian, device, stream), Tensor(), static_cast<float>(kernels.gaussian_weight)});
  pairwise.push_back({build_lattice(batch, bilateral, device, stream), Tensor(), static_cast<float>(kernels.bilateral_weight)});

  int most_vertices = 0;
  for (const Kernel& k : pairwise) most_vertices = std::max(most_vertices, k.lattice.vertices);
  const std::int64_t scratch_size = (static_cast<std::int64_t>(most_vertices) + 1) * labels;
  const Tensor values = device_buffer(scratch_size, DType::Float32, device), blurred = device_buffer(scratch_size, DType::Float32, device);
  // Symmetric normalization per kernel: 1/sqrt(K·1).
  const Tensor ones_tensor = full({points}, 1.0, on_gpu), sums = device_buffer(points, DType::Float32, device);
  for (Kernel& k : pairwise) {
    k.norm = device_buffer(points, DType::Float32, device);
    detail::check_cuda(detail::launch_lattice_filter(k.lattice.view(), ptr<float>(ones_tensor), ptr<float>(sums), 1,
                                                     nullptr, nullptr, false, 1.0f, ptr<float>(values),
                                                     ptr<float>(blurred), stream),
                       "lattice filter kernels", "normalization");
    detail::check_cuda(detail::launch_inverse_sqrt(ptr<float>(sums), ptr<float>(k.norm), points, stream),
                       "inverse sqrt kernel");
  }
  // Mean field: Q ← softmax(−U + Σ_k w_k · D^{-1/2} K D^{-1/2} Q).
  const Tensor q = device_buffer(static_cast<std::int64_t>(points) * labels, DType::Float32, device),
               energy = device_buffer(static_cast<std::int64_t>(points) * labels, DType::Float32, device);
  detail::check_cuda(detail::launch_softmax(ptr<float>(minus_unary), ptr<float>(q), points, labels, stream), "softmax kernel");
  for (int it = 0; it < iterations; ++it) {
    detail::check_cuda(cudaMemcpyAsync(energy.raw_data(), minus_unary.raw_data(),
                                       static_cast<std::size_t>(points) * labels * sizeof(float), cudaMemcpyDeviceToDevice,
                                       stream),
                       "cudaMemcpyAsync", "dense CRF energy");
    for (const Kernel& k : pairwise)
      detail::check_cuda(detail::launch_lattice_filter(k.lattice.view(), ptr<float>(q), ptr<float>(energy), labels,
                                                       ptr<float>(k.norm), ptr<float>(k.norm), true, k.weight,
                                                       ptr<float>(values), ptr<float>(blurred), stream),
                         "lattice filter kernels", "mean-field iteration");
    detail::check_cuda(detail::launch_softmax(ptr<float>(energy), ptr<float>(q), points, labels, stream), "softmax kernel");
  }

  const std::vector<float> host_q = q.narrow(0, 0, static_cast<std::int64_t>(points) * labels).to(Device::cpu()).to_vector<float>();
  std::vector<std::vector<float>> out(problems.size());
  for (std::size_t b = 0; b < problems.size(); ++b) {
    const std::size_t n = static_cast<std::size_t>(point_start[b + 1] - point_start[b]), first = static_cast<std::size_t>(point_start[b]);
    out[b].resize(n * labels);
    for (std::size_t p = 0; p < n; ++p)
      for (int l = 0; l < labels; ++l) out[b][l * n + p] = host_q[(first + p) * labels + l];
  }
  return out;
}

}  // namespace c2am::cuda::ops
