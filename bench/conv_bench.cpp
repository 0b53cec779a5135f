// CPU microbenchmark: conv2d forward and backward on the ResNet-50 layer
// shapes C²AM trains with (batch 8, 224x224 input, stage strides [1,2,2,1]),
// and a plain float32 GEMM as the machine's reference rate.
//
// Prints a table and, at the end, the same figures as JSON (also written to
// the file given with --json PATH). Times are medians over --repeats runs
// after one warm-up run.
//
// Usage: conv_bench [--repeats N] [--batch N] [--json PATH] [--quick]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "c2am/c2am.hpp"

using namespace c2am;

namespace {

struct Options {
  int repeats = 5;
  std::int64_t batch = 8;
  bool quick = false;  // fewer shapes, for smoke runs
  std::string json_path;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "conv_bench: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--repeats") o.repeats = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--batch") o.batch = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--json") o.json_path = value();
    else if (arg == "--quick") o.quick = true;
    else {
      std::fprintf(stderr, "usage: conv_bench [--repeats N] [--batch N] [--json PATH] [--quick]\n");
      std::exit(2);
    }
  }
  return o;
}

double median_seconds(int repeats, const std::function<void()>& setup, const std::function<void()>& timed) {
  std::vector<double> times;
  for (int r = 0; r <= repeats; ++r) {  // run 0 is the warm-up
    setup();
    const auto start = std::chrono::steady_clock::now();
    timed();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) times.push_back(seconds);
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

struct ConvShape {
  const char* layer;
  std::int64_t cin, cout, kernel, stride, in_size;
};

struct Row {
  std::string name;
  double gflop = 0, forward_ms = 0, backward_ms = 0;
  double forward_rate() const { return gflop / (forward_ms * 1e-3); }
  // Backward computes both the input and the weight gradient: twice the work.
  double backward_rate() const { return 2 * gflop / (backward_ms * 1e-3); }
};

Row bench_conv(const ConvShape& s, const Options& o, Generator& gen) {
  const std::int64_t pad = s.kernel / 2;
  const std::int64_t out = (s.in_size + 2 * pad - s.kernel) / s.stride + 1;
  Row row;
  std::ostringstream name;
  name << s.layer << " " << s.kernel << "x" << s.kernel << " " << s.cin << "->" << s.cout << " s" << s.stride << " @"
       << s.in_size;
  row.name = name.str();
  row.gflop = 2.0 * static_cast<double>(o.batch * s.cout * out * out * s.cin * s.kernel * s.kernel) * 1e-9;

  Tensor x = uniform({o.batch, s.cin, s.in_size, s.in_size}, -1, 1, gen).set_requires_grad();
  Tensor w = uniform({s.cout, s.cin, s.kernel, s.kernel}, -0.1, 0.1, gen).set_requires_grad();
  const auto params = Conv2dParams::square(s.stride, pad);
  {
    NoGradGuard no_grad;
    row.forward_ms = 1e3 * median_seconds(o.repeats, [] {}, [&] { (void)conv2d(x, w, Tensor(), params); });
  }
  Tensor y;
  const Tensor upstream = uniform({o.batch, s.cout, out, out}, -1, 1, gen);
  row.backward_ms = 1e3 * median_seconds(
                              o.repeats,
                              [&] {
                                x.zero_grad(), w.zero_grad();
                                y = conv2d(x, w, Tensor(), params);
                              },
                              [&] { y.backward(upstream); });
  return row;
}

Row bench_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const Options& o, Generator& gen) {
  Row row;
  row.name = "gemm " + std::to_string(m) + "x" + std::to_string(k) + " * " + std::to_string(k) + "x" +
             std::to_string(n);
  row.gflop = 2.0 * static_cast<double>(m * n * k) * 1e-9;
  const Tensor a = uniform({m, k}, -1, 1, gen), b = uniform({k, n}, -1, 1, gen);
  row.forward_ms = 1e3 * median_seconds(o.repeats, [] {}, [&] { (void)matmul(a, b); });
  return row;
}

void write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out) throw Error("conv_bench: cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  Generator gen(2022);

  // ResNet-50 convolutions with C²AM's stage strides [1, 2, 2, 1]: layer1 at
  // 56x56, layer2 at 28x28, layer3 and layer4 at 14x14.
  std::vector<ConvShape> shapes = {
      {"stem", 3, 64, 7, 2, 224},       {"layer1", 64, 64, 3, 1, 56},   {"layer1", 64, 64, 1, 1, 56},
      {"layer1", 64, 256, 1, 1, 56},    {"layer1", 256, 64, 1, 1, 56},  {"layer2", 128, 128, 3, 1, 28},
      {"layer2", 512, 128, 1, 1, 28},   {"layer2", 128, 512, 1, 1, 28}, {"layer3", 256, 256, 3, 1, 14},
      {"layer3", 1024, 256, 1, 1, 14},  {"layer4", 512, 512, 3, 1, 14}, {"layer4", 2048, 512, 1, 1, 14},
      {"layer4", 512, 2048, 1, 1, 14},
  };
  if (o.quick) shapes = {{"layer3", 256, 256, 3, 1, 14}, {"layer3", 1024, 256, 1, 1, 14}};

  std::vector<Row> gemms = {bench_gemm(1024, 1024, 1024, o, gen)};
  if (!o.quick) gemms.push_back(bench_gemm(2048, 2048, 2048, o, gen));
  double gemm_rate = 0;
  for (const auto& g : gemms) gemm_rate = std::max(gemm_rate, g.forward_rate());

  std::printf("c2am conv_bench: batch %lld, %d repeats (median), %u hardware threads\n\n",
              static_cast<long long>(o.batch), o.repeats, std::thread::hardware_concurrency());
  std::printf("%-38s %8s %10s %10s %10s %10s %8s %8s\n", "shape", "GFLOP", "fwd ms", "fwd GF/s", "bwd ms",
              "bwd GF/s", "fwd/gemm", "bwd/gemm");
  for (const auto& g : gemms) {
    std::printf("%-38s %8.2f %10.2f %10.1f %10s %10s %8s %8s\n", g.name.c_str(), g.gflop, g.forward_ms,
                g.forward_rate(), "-", "-", "-", "-");
  }
  std::vector<Row> convs;
  for (const auto& s : shapes) {
    convs.push_back(bench_conv(s, o, gen));
    const Row& r = convs.back();
    std::printf("%-38s %8.2f %10.2f %10.1f %10.2f %10.1f %8.2f %8.2f\n", r.name.c_str(), r.gflop, r.forward_ms,
                r.forward_rate(), r.backward_ms, r.backward_rate(), r.forward_rate() / gemm_rate,
                r.backward_rate() / gemm_rate);
    std::fflush(stdout);
  }

  std::ostringstream json;
  json << "{\n  \"benchmark\": \"conv_bench\",\n  \"batch\": " << o.batch << ",\n  \"repeats\": " << o.repeats
       << ",\n  \"threads\": " << std::thread::hardware_concurrency() << ",\n  \"gemm_gflops\": " << gemm_rate
       << ",\n  \"gemm\": [";
  for (std::size_t i = 0; i < gemms.size(); ++i) {
    json << (i ? ", " : "") << "{\"name\": \"" << gemms[i].name << "\", \"ms\": " << gemms[i].forward_ms
         << ", \"gflops\": " << gemms[i].forward_rate() << "}";
  }
  json << "],\n  \"conv2d\": [\n";
  for (std::size_t i = 0; i < convs.size(); ++i) {
    const Row& r = convs[i];
    json << "    {\"name\": \"" << r.name << "\", \"gflop\": " << r.gflop << ", \"forward_ms\": " << r.forward_ms
         << ", \"forward_gflops\": " << r.forward_rate() << ", \"backward_ms\": " << r.backward_ms
         << ", \"backward_gflops\": " << r.backward_rate() << ", \"forward_vs_gemm\": " << r.forward_rate() / gemm_rate
         << ", \"backward_vs_gemm\": " << r.backward_rate() / gemm_rate << "}" << (i + 1 < convs.size() ? "," : "")
         << "\n";
  }
  json << "  ]\n}\n";
  std::printf("\n%s", json.str().c_str());
  if (!o.json_path.empty()) write_atomically(o.json_path, json.str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "conv_bench: %s\n", e.what());
  return 1;
}
