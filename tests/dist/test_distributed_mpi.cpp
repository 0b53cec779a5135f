// Run under MPI with 2 processes (CTest: distributed_mpi_float64 and
// _float32): three C²AM training steps with the loss over the global batch,
// each process on its half of an 8-image batch, against one process running
// both halves one after the other (batch norm per half, as each process
// does; the loss on the concatenated embeddings), on every process.
// Parameters must be equal bit for bit, in float64 and in float32: the same
// kernels run on the same rows with one thread each, and the only new sums —
// the two processes' gradients — have two terms, which add the same in
// either order. Also checks broadcast_parameters (process 1
// starts from other weights) and that an error on one process reaches all.
//
// With `cuda`: the same on two GPUs through NCCL (one process per GPU, the
// model in float64 on cuda:<local rank>), within 1e-9 of each parameter's
// scale (cuDNN's weight gradients may sum in another order); exits 77
// (skipped) without NCCL or with fewer than 2 GPUs.
//
// Usage: mpirun -np 2 test_distributed_mpi float64|float32|cuda

#include <cmath>
#include <cstdio>
#include <string>

#include "c2am/c2am.hpp"
#include "c2am/dist/data_parallel.hpp"

using namespace c2am;

namespace {

constexpr std::int64_t kGlobalBatch = 8, kSize = 48;
constexpr double kAlpha = 0.05, kLr = 0.05;

constexpr int kSkipped = 77;  // CTest's SKIP_RETURN_CODE

ModelConfig config_for(DType dtype, std::uint64_t seed, Device device) {
  ModelConfig config;
  config.device = device;
  config.backbone.depth = 18;
  config.backbone.base_width = 8;
  config.backbone.dtype = dtype;
  config.seed = seed;
  return config;
}

Sgd make_sgd(const Model& model) {
  const ParameterGroups g = model.parameter_groups();
  return Sgd({{"bw", g.backbone_weights, 1, 1e-4}, {"bb", g.backbone_biases, 2, 0}, {"hw", g.head_weights, 10, 1e-4},
              {"hb", g.head_biases, 20, 0}},
             {0.9, false});
}

Tensor batch(int step, DType dtype) {
  Generator gen(100 + static_cast<std::uint64_t>(step));
  return normal({kGlobalBatch, 3, kSize, kSize}, 0, 1, gen).to(dtype);
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string which = argc > 1 ? argv[1] : "float64";
  const DType dtype = which == "float32" ? DType::Float32 : DType::Float64;
  const bool gpu = which == "cuda";
  if (gpu && (!dist::nccl_available() || cuda::availability().device_count < 2)) {
    std::printf("skipped: %s\n", dist::nccl_available() ? "fewer than 2 GPUs" : "this build has no NCCL");
    return kSkipped;
  }
  const Device device = gpu ? Device::cuda(dist::local_rank()) : Device::cpu();
  auto comm = gpu ? dist::nccl_world(dist::mpi_world(), dist::local_rank()) : dist::mpi_world();
  const int rank = comm->rank(), size = comm->size();
  if (size != 2) {
    std::fprintf(stderr, "test_distributed_mpi: run with 2 processes, got %d\n", size);
    return 1;
  }
  const std::int64_t local = kGlobalBatch / size;

  // Process 1 starts from other weights: the broadcast must fix them.
  Model model(config_for(dtype, rank == 0 ? 1 : 99, device));
  dist::broadcast_parameters(model, *comm);
  Sgd sgd = make_sgd(model);

  // The same with the all-reduce overlapped with backward (small buckets, so
  // that several start during the pass).
  Model overlapped(config_for(dtype, rank == 0 ? 1 : 99, device));
  dist::broadcast_parameters(overlapped, *comm);
  Sgd overlapped_sgd = make_sgd(overlapped);
  dist::GradientReducer reducer(overlapped.named_parameters(), comm, 64 << 10);

  Model reference(config_for(dtype, 1, device));
  Sgd reference_sgd = make_sgd(reference);

  double losses[2] = {0, 0};
  for (int step = 0; step < 3; ++step) {
    const Tensor images = batch(step, dtype).to(device);
    // Distributed: this process's half, the loss over everyone's embeddings.
    const ModelOutput out = model.forward(images.narrow(0, rank * local, local));
    const auto terms = dist::contrastive_loss_global(out.fg, out.bg, kAlpha, *comm, LossPath::composed);
    sgd.zero_grad();
    terms.total.backward();
    dist::all_reduce_gradients(model.named_parameters(), *comm);
    sgd.step(kLr);
    const ModelOutput o2 = overlapped.forward(images.narrow(0, rank * local, local));
    const auto terms2 = dist::contrastive_loss_global(o2.fg, o2.bg, kAlpha, *comm, LossPath::composed);
    overlapped_sgd.zero_grad();
    terms2.total.backward();
    reducer.finish();
    overlapped_sgd.step(kLr);
    // One process: the halves one after the other, the loss on the concatenation.
    std::vector<Tensor> fg, bg;
    for (int r = 0; r < size; ++r) {
      const ModelOutput o = reference.forward(images.narrow(0, r * local, local));
      fg.push_back(o.fg);
      bg.push_back(o.bg);
    }
    const auto reference_terms = contrastive_loss(cat(fg, 0), cat(bg, 0), kAlpha, LossPath::composed);
    reference_sgd.zero_grad();
    reference_terms.total.backward();
    reference_sgd.step(kLr);
    losses[0] = terms.total.item();
    losses[1] = reference_terms.total.item();
  }

  // Worst difference between two models' parameters, relative to each one's scale.
  const auto worst_difference = [](Model& a_model, Model& b_model, std::string& name) {
    double worst = 0;
    const auto params = a_model.named_parameters(), expected = b_model.named_parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto av = params[i].second.to(Device::cpu()).to(DType::Float64).to_vector<double>();
      const auto bv = expected[i].second.to(Device::cpu()).to(DType::Float64).to_vector<double>();
      double diff = 0, scale = 0;
      for (std::size_t k = 0; k < av.size(); ++k) {
        diff = std::max(diff, std::abs(av[k] - bv[k]));
        scale = std::max(scale, std::abs(bv[k]));
      }
      const double relative = scale > 0 ? diff / scale : diff;
      if (relative > worst || !(relative == relative)) {
        worst = relative;
        name = params[i].first;
      }
    }
    return worst;
  };
  std::string worst_name, overlapped_name;
  const double worst = worst_difference(model, reference, worst_name);
  const double worst_overlapped = worst_difference(overlapped, reference, overlapped_name);
  const double bound = gpu ? 1e-9 : 0.0;
  const bool ok = worst <= bound && worst_overlapped <= bound &&
                  (gpu ? std::abs(losses[0] - losses[1]) <= 1e-9 : losses[0] == losses[1]);
  std::printf("rank %d/%d %s: loss after 3 steps %.17g (one process %.17g); worst parameter difference %.3g of its "
              "scale (%s), bound %.3g: %s\n",
              rank, size, which.c_str(), losses[0], losses[1], worst, worst_name.empty() ? "-" : worst_name.c_str(),
              bound, ok ? "ok" : "FAILED");
  std::printf("rank %d: overlapped all-reduce: worst parameter difference %.3g (%s)\n", rank, worst_overlapped,
              overlapped_name.empty() ? "-" : overlapped_name.c_str());

  // An error on one process: a collective with mismatched shapes must fail
  // on both with a message, not hang or abort silently.
  Tensor probe = zeros({rank == 0 ? 3 : 5}, TensorOptions{dtype, device});
  std::string error = "no error";
  try {
    Tensor gathered = comm->all_gather(probe.reshape({-1, 1}));
    if (gathered.size(0) != 8) error = "wrong gathered size";
  } catch (const Error& e) {
    error = e.what();
  }
  const bool gather_ok = error == "no error";  // different row counts are allowed
  std::printf("rank %d: uneven all_gather: %s\n", rank, gather_ok ? "ok" : error.c_str());
  comm->barrier();
  return ok && gather_ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "test_distributed_mpi: %s\n", e.what());
  return 1;
}
