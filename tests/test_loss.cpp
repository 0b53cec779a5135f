// The C²AM loss against an independent loop implementation written from
// SPEC §2 (ranks by counting rather than sorting), finite differences, ties,
// clamped entries and the N = 1, 2 edge cases.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "c2am/loss/contrastive.hpp"
#include "contrastive_loss_math.cuh"
#include "cpu/kernels.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::compare;
using c2am::testing::gradcheck;
using c2am::testing::random_tensor;

namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix rows_of(const Tensor& t) {
  const auto flat = t.to_vector<double>();
  Matrix m(static_cast<std::size_t>(t.size(0)), std::vector<double>(static_cast<std::size_t>(t.size(1))));
  for (std::size_t i = 0; i < m.size(); ++i)
    for (std::size_t j = 0; j < m[i].size(); ++j) m[i][j] = flat[i * m[i].size() + j];
  return m;
}

Matrix naive_similarity(const Matrix& a, const Matrix& b) {
  const auto unit = [](std::vector<double> v) {
    double norm = 0;
    for (double x : v) norm += x * x;
    norm = std::max(std::sqrt(norm), 1e-12);
    for (double& x : v) x /= norm;
    return v;
  };
  Matrix s(a.size(), std::vector<double>(b.size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b.size(); ++j) {
      const auto u = unit(a[i]), v = unit(b[j]);
      double dot = 0;
      for (std::size_t k = 0; k < u.size(); ++k) dot += u[k] * v[k];
      s[i][j] = std::min(0.9995, std::max(0.0005, dot));
    }
  return s;
}

// Position of s[i][j] in its row sorted descending (ties: lower column
// first), counted directly, minus one.
double naive_rank(const std::vector<double>& row, std::size_t j) {
  double position = 0;
  for (std::size_t k = 0; k < row.size(); ++k)
    if (row[k] > row[j] || (row[k] == row[j] && k < j)) position += 1;
  return position - 1;
}

double naive_sim_max(const Matrix& a, double alpha) {
  const Matrix s = naive_similarity(a, a);
  double total = 0;
  for (const auto& row : s)
    for (std::size_t j = 0; j < row.size(); ++j) total += std::exp(-alpha * naive_rank(row, j)) * -std::log(row[j]);
  return total / static_cast<double>(s.size() * s.size());
}

double naive_sim_min(const Matrix& a, const Matrix& b) {
  const Matrix s = naive_similarity(a, b);
  double total = 0;
  for (const auto& row : s)
    for (double v : row) total += -std::log(1 - v);
  return total / static_cast<double>(s.size() * s[0].size());
}

// margin: float32 rounds the clamp bound 0.9995 by ~3e-8, which moves
// −log(0.9995) ≈ 5e-4 by ~3e-8 absolute (6e-5 relative): an absolute margin.
void check_terms(const Tensor& fg, const Tensor& bg, double alpha, double rtol, double margin, LossPath path) {
  const auto terms = contrastive_loss(fg, bg, alpha, path);
  const Matrix f = rows_of(fg), b = rows_of(bg);
  const double bb = naive_sim_max(b, alpha), bf = naive_sim_min(b, f), ff = naive_sim_max(f, alpha);
  CHECK(terms.bg_bg.item() == Approx(bb).epsilon(rtol).margin(margin));
  CHECK(terms.bg_fg.item() == Approx(bf).epsilon(rtol).margin(margin));
  CHECK(terms.fg_fg.item() == Approx(ff).epsilon(rtol).margin(margin));
  CHECK(terms.total.item() == Approx(bb + bf + ff).epsilon(rtol).margin(margin));
}

// Both implementations against the loop implementation.
void check_terms(const Tensor& fg, const Tensor& bg, double alpha, double rtol, double margin = 0.0) {
  for (LossPath path : {LossPath::composed, LossPath::fused}) {
    INFO("path " << loss_path_name(path));
    check_terms(fg, bg, alpha, rtol, margin, path);
  }
}

}  // namespace

TEST_CASE("rank weights: descending order, largest gets rank -1, ties to the lower column", "[loss]") {
  const double alpha = 0.25;
  const Tensor s = from_vector<double>({0.3, 0.9, 0.3, 0.5}, {1, 4}, DType::Float64);
  const auto w = rank_weights(s, alpha).to_vector<double>();
  CHECK(w[1] == Approx(std::exp(alpha)));         // rank -1
  CHECK(w[3] == Approx(1.0));                     // rank 0
  CHECK(w[0] == Approx(std::exp(-alpha)));        // rank 1: tie, lower column first
  CHECK(w[2] == Approx(std::exp(-2 * alpha)));    // rank 2
  CHECK_FALSE(rank_weights(s.clone().set_requires_grad(), alpha).requires_grad());
}

TEST_CASE("the loss matches the loop implementation on random embeddings", "[loss]") {
  Generator gen(31);
  for (std::int64_t n : {1, 2, 3, 7, 16}) {
    for (std::int64_t c : {1, 5, 33}) {
      for (double alpha : {0.05, 0.25}) {
        INFO("N " << n << ", C " << c << ", alpha " << alpha);
        // Non-negative features, as after ReLU, plus signed ones that hit the floor.
        check_terms(random_tensor({n, c}, gen, DType::Float64, 0.0, 1.0),
                    random_tensor({n, c}, gen, DType::Float64, 0.0, 1.0), alpha, 1e-12);
        check_terms(random_tensor({n, c}, gen, DType::Float64), random_tensor({n, c}, gen, DType::Float64), alpha,
                    1e-12);
        check_terms(random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0),
                    random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0), alpha, 1e-5, 2e-7);
      }
    }
  }
}

TEST_CASE("ties and clamped entries: repeated and opposite rows", "[loss]") {
  Generator gen(32);
  const Tensor base = random_tensor({3, 6}, gen, DType::Float64, 0.0, 1.0);
  // Rows 0, 3 and 4 are the same direction (similarity 1, clamped, tied);
  // row 5 is the negation of row 1 (similarity -1, clamped at the floor).
  const Tensor fg = cat({base, base.narrow(0, 0, 1), base.narrow(0, 0, 1) * 2.0, base.narrow(0, 1, 1) * -1.0}, 0);
  const Tensor bg = random_tensor({6, 6}, gen, DType::Float64);
  check_terms(fg, bg, 0.25, 1e-12);
  check_terms(bg, fg, 0.05, 1e-12);
}

TEST_CASE("N = 1: only the clamped diagonal, with weight e^alpha", "[loss]") {
  Generator gen(33);
  Tensor fg = random_tensor({1, 4}, gen, DType::Float64, 0.1, 1.0).set_requires_grad();
  Tensor bg = random_tensor({1, 4}, gen, DType::Float64, 0.1, 1.0).set_requires_grad();
  const auto terms = contrastive_loss(fg, bg, 0.05);
  CHECK(terms.fg_fg.item() == Approx(std::exp(0.05) * -std::log(0.9995)).epsilon(1e-14));
  CHECK(terms.bg_bg.item() == Approx(std::exp(0.05) * -std::log(0.9995)).epsilon(1e-14));
  // The diagonal is clamped, so SimMax sends no gradient.
  terms.fg_fg.backward();
  C2AM_REQUIRE_OK(compare(fg.grad(), zeros({1, 4}, DType::Float64), 0.0, 0.0));
}

TEST_CASE("gradients of the loss by finite differences", "[loss][gradcheck]") {
  Generator gen(34);
  for (std::int64_t n : {2, 3, 6}) {
    INFO("N " << n);
    const Tensor fg = random_tensor({n, 5}, gen, DType::Float64, 0.0, 1.0).set_requires_grad();
    const Tensor bg = random_tensor({n, 5}, gen, DType::Float64, 0.0, 1.0).set_requires_grad();
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return contrastive_loss(t[0], t[1], 0.25).total; }, {fg, bg}));
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return sim_max(t[0], 0.05); }, {fg}));
    C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return sim_min(t[0], t[1]); }, {fg, bg}));
  }
  // Signed features: some similarities clamped at the floor, whose
  // gradient must vanish exactly as finite differences see it.
  const Tensor a = random_tensor({5, 3}, gen, DType::Float64).set_requires_grad();
  const Tensor b = random_tensor({5, 3}, gen, DType::Float64).set_requires_grad();
  C2AM_REQUIRE_OK(gradcheck([](const auto& t) { return contrastive_loss(t[0], t[1], 0.25).total; }, {a, b}));
}

TEST_CASE("loss inputs are checked", "[loss][errors]") {
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK_THAT(message([] { (void)contrastive_loss(zeros({4, 3}), zeros({4, 2}), 0.1); }),
             Catch::Contains("contrastive_loss") && Catch::Contains("[4, 3]") && Catch::Contains("[4, 2]"));
  CHECK_THAT(message([] { (void)contrastive_loss(zeros({4}), zeros({4}), 0.1); }),
             Catch::Contains("N×C matrix") && Catch::Contains("[4]"));
  CHECK_THAT(message([] { (void)contrastive_loss(zeros({0, 3}), zeros({0, 3}), 0.1); }), Catch::Contains("[0, 3]"));
}

namespace {

// grads of w0·SimMax(bg) + w1·SimMin(bg, fg) + w2·SimMax(fg) by one path.
std::vector<Tensor> weighted_gradients(const Tensor& fg_in, const Tensor& bg_in, double alpha, LossPath path) {
  const Tensor fg = fg_in.detach().clone().set_requires_grad(), bg = bg_in.detach().clone().set_requires_grad();
  const auto terms = contrastive_loss(fg, bg, alpha, path);
  (terms.bg_bg * 0.7 + terms.bg_fg * 1.3 + terms.fg_fg * 0.4).backward();
  return {fg.grad(), bg.grad()};
}

// float64: the two paths agree to rounding. float32: the fused path is as
// close to float64 as the composed one is (the gradients are ill-conditioned
// where directions nearly coincide, through 1/(1 − S)).
void check_paths_agree(const Tensor& fg, const Tensor& bg, double alpha) {
  const auto fused = weighted_gradients(fg, bg, alpha, LossPath::fused);
  const auto composed = weighted_gradients(fg, bg, alpha, LossPath::composed);
  if (fg.dtype() == DType::Float64) {
    C2AM_REQUIRE_OK(compare(fused[0], composed[0], 1e-9, 1e-12));
    C2AM_REQUIRE_OK(compare(fused[1], composed[1], 1e-9, 1e-12));
    return;
  }
  const auto reference = weighted_gradients(fg.to(DType::Float64), bg.to(DType::Float64), alpha, LossPath::composed);
  for (int k = 0; k < 2; ++k)
    C2AM_REQUIRE_OK(c2am::testing::compare_to_reference(fused[k], reference[k], composed[k]));
}

}  // namespace

TEST_CASE("fused loss: gradients by finite differences, each term weighted", "[loss][fused][gradcheck]") {
  Generator gen(35);
  const auto terms = [](const std::vector<Tensor>& t) { return fused_contrastive_terms(t[0], t[1], 0.25); };
  for (std::int64_t n : {1, 2, 3, 6}) {
    for (std::int64_t c : {1, 4, 9}) {
      INFO("N " << n << ", C " << c);
      const Tensor fg = random_tensor({n, c}, gen, DType::Float64, 0.0, 1.0).set_requires_grad();
      const Tensor bg = random_tensor({n, c}, gen, DType::Float64, 0.0, 1.0).set_requires_grad();
      C2AM_REQUIRE_OK(gradcheck(terms, {fg, bg}));
      // Signed features put similarities below the floor.
      const Tensor a = random_tensor({n, c}, gen, DType::Float64).set_requires_grad();
      const Tensor b = random_tensor({n, c}, gen, DType::Float64).set_requires_grad();
      C2AM_REQUIRE_OK(gradcheck(terms, {a, b}));
    }
  }
}

TEST_CASE("fused and composed losses give the same gradients", "[loss][fused]") {
  Generator gen(36);
  for (std::int64_t n : {1, 2, 5, 16, 33}) {
    for (std::int64_t c : {1, 3, 64, 130}) {
      for (double alpha : {0.05, 0.25}) {
        INFO("N " << n << ", C " << c << ", alpha " << alpha);
        check_paths_agree(random_tensor({n, c}, gen, DType::Float64, 0.0, 1.0),
                          random_tensor({n, c}, gen, DType::Float64), alpha);
        check_paths_agree(random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0),
                          random_tensor({n, c}, gen, DType::Float32, 0.0, 1.0), alpha);
      }
    }
  }
}

TEST_CASE("fused loss: ties, clamps at both bounds and zero rows", "[loss][fused]") {
  Generator gen(37);
  const Tensor base = random_tensor({3, 6}, gen, DType::Float64, 0.0, 1.0);
  // Rows 0, 3 and 4 share a direction (clamped at the ceiling and tied), row
  // 5 opposes row 1 (clamped at the floor), row 6 is zero (the norm floor).
  const Tensor fg = cat({base, base.narrow(0, 0, 1), base.narrow(0, 0, 1) * 2.0, base.narrow(0, 1, 1) * -1.0,
                         zeros({1, 6}, DType::Float64)},
                        0);
  const Tensor bg = random_tensor({7, 6}, gen, DType::Float64);
  for (DType dtype : {DType::Float64, DType::Float32}) {
    INFO(dtype_name(dtype));
    check_paths_agree(fg.to(dtype), bg.to(dtype), 0.25);
    check_paths_agree(bg.to(dtype), fg.to(dtype), 0.05);
    const double rtol = dtype == DType::Float64 ? 1e-10 : 1e-5;
    const auto fused = contrastive_loss(fg.to(dtype), bg.to(dtype), 0.25, LossPath::fused);
    const auto composed = contrastive_loss(fg.to(dtype), bg.to(dtype), 0.25, LossPath::composed);
    CHECK(fused.total.item() == Approx(composed.total.item()).epsilon(rtol));
  }
}

TEST_CASE("fused loss inputs and path names are checked", "[loss][fused][errors]") {
  using c2am::testing::error_message;
  CHECK_THAT(error_message([] { (void)fused_contrastive_terms(zeros({2, 3}, DType::Int64), zeros({2, 3}, DType::Int64), 0.1); }),
             Catch::Contains("fused_contrastive_terms") && Catch::Contains("int64"));
  CHECK_THAT(error_message([] { (void)fused_contrastive_terms(ones({2, 3}), ones({2, 3}), std::nan("")); }),
             Catch::Contains("alpha"));
  CHECK_THAT(error_message([] { (void)fused_contrastive_terms(ones({2, 3}), ones({3, 3}), 0.1); }),
             Catch::Contains("[2, 3]") && Catch::Contains("[3, 3]"));
  CHECK(parse_loss_path("fused") == LossPath::fused);
  CHECK(parse_loss_path(loss_path_name(LossPath::composed)) == LossPath::composed);
  CHECK_THAT(error_message([] { (void)parse_loss_path("fast"); }), Catch::Contains("'fast'"));
}

TEST_CASE("the GPU sort keys order similarities descending, ties by column", "[loss][fused]") {
  // The keys the CUDA forward kernel sorts (kernels/contrastive_loss_math.cuh),
  // checked here against rank_weights' order on the CPU.
  Generator gen(38);
  std::vector<float> values = random_tensor({300}, gen, DType::Float32, 0.0, 1.0).to_vector<float>();
  for (int i = 0; i < 40; ++i) values[static_cast<std::size_t>(i * 7)] = 0.9995f;  // ties at the ceiling
  values[5] = 0.0005f, values[6] = 0.0005f, values[200] = -0.25f, values[201] = -0.0f, values[202] = 0.0f;
  std::vector<std::uint64_t> keys;
  for (std::size_t c = 0; c < values.size(); ++c)
    keys.push_back(contrastive::descending_key(values[c], static_cast<std::uint32_t>(c)));
  keys.push_back(contrastive::kPaddingKey);
  std::sort(keys.begin(), keys.end());
  REQUIRE(keys.back() == contrastive::kPaddingKey);
  std::vector<std::size_t> expected(values.size());
  std::iota(expected.begin(), expected.end(), std::size_t{0});
  std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) { return values[a] > values[b]; });
  for (std::size_t p = 0; p < values.size(); ++p) {
    INFO("position " << p);
    // -0.0 and 0.0 compare equal as floats but not as keys: the only
    // difference allowed, and it cannot arise after the clamp.
    if (values[expected[p]] == 0.0f) continue;
    REQUIRE(contrastive::key_column(keys[p]) == expected[p]);
  }
}

namespace {

// ∂(0.7·SimMax(bg) + 1.3·SimMin(bg, fg) + 0.4·SimMax(fg))/∂{fg, bg} in float64
// by loops over pairs (SPEC §2): ranks by naive_rank, each cosine computed by
// the same loop for every pair, so equal rows give exactly equal cosines; the
// clamp passes the gradient at the bounds and blocks it beyond them.
std::vector<Matrix> naive_weighted_gradients(const Matrix& fg, const Matrix& bg, double alpha) {
  const auto norm_of = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return std::max(std::sqrt(s), 1e-12);
  };
  const auto cosine = [&](const std::vector<double>& u, const std::vector<double>& v) {
    double dot = 0;
    for (std::size_t k = 0; k < u.size(); ++k) dot += u[k] * v[k];
    return dot / (norm_of(u) * norm_of(v));
  };
  // Adds coefficient · ∂cos(a_i, b_j)/∂a_i to ga and · ∂/∂b_j to gb.
  const auto add_cosine_gradient = [&](const std::vector<double>& a, const std::vector<double>& b, double coefficient,
                                       std::vector<double>& ga, std::vector<double>& gb) {
    const double na = norm_of(a), nb = norm_of(b), c = cosine(a, b);
    for (std::size_t k = 0; k < a.size(); ++k) {
      ga[k] += coefficient * (b[k] / nb - c * a[k] / na) / na;
      gb[k] += coefficient * (a[k] / na - c * b[k] / nb) / nb;
    }
  };
  const auto passes = [](double c) { return c >= 0.0005 && c <= 0.9995; };
  const auto clamp = [](double c) { return std::min(0.9995, std::max(0.0005, c)); };
  const std::size_t n = fg.size();
  const double count = static_cast<double>(n * n);
  Matrix gf(n, std::vector<double>(fg[0].size(), 0.0)), gb = gf;
  const auto sim_max_gradient = [&](const Matrix& a, double weight, Matrix& g) {
    const Matrix s = naive_similarity(a, a);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const double c = cosine(a[i], a[j]);
        if (!passes(c)) continue;
        const double w = std::exp(-alpha * naive_rank(s[i], j));
        add_cosine_gradient(a[i], a[j], weight * -w / (count * clamp(c)), g[i], g[j]);
      }
  };
  sim_max_gradient(bg, 0.7, gb);
  sim_max_gradient(fg, 0.4, gf);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double c = cosine(bg[i], fg[j]);
      if (passes(c)) add_cosine_gradient(bg[i], fg[j], 1.3 / (count * (1.0 - clamp(c))), gb[i], gf[j]);
    }
  return {gf, gb};
}

// Largest |a − b| in any row over the largest |b|.
double relative_row_error(const Tensor& a, const Matrix& b) {
  const Matrix m = rows_of(a.to(DType::Float64));
  double error = 0, scale = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    for (std::size_t k = 0; k < b[i].size(); ++k) {
      error = std::max(error, std::abs(m[i][k] - b[i][k]));
      scale = std::max(scale, std::abs(b[i][k]));
    }
  return error / scale;
}

}  // namespace

TEST_CASE("rank weights: columns with equal embeddings tie whatever their rounding", "[loss]") {
  const double alpha = 0.25;
  // Columns 0 and 2 come from equal embeddings; their similarities differ in
  // the last bits, as a matrix product may round them.
  const Tensor s = from_vector<double>({0.5, 0.9, 0.5 + 1e-12, 0.3}, {1, 4}, DType::Float64);
  // Embeddings [1,2] [3,4] [1,2] [-0,7]: column 2 equals column 0.
  const Tensor columns = from_vector<double>({1, 2, 3, 4, 1, 2, -0.0, 7}, {4, 2}, DType::Float64);
  const auto by_value = rank_weights(s, alpha).to_vector<double>();
  CHECK(by_value[2] == Approx(1.0));                 // rank 0: the larger value first
  CHECK(by_value[0] == Approx(std::exp(-alpha)));
  const auto tied = rank_weights(s, alpha, columns).to_vector<double>();
  CHECK(tied[0] == Approx(1.0));                     // rank 0: tie, lower column first
  CHECK(tied[2] == Approx(std::exp(-alpha)));
  CHECK(tied[1] == Approx(std::exp(alpha)));
  CHECK(tied[3] == Approx(std::exp(-2 * alpha)));
}

TEST_CASE("duplicate rows: 0 equals -0, NaN equals nothing, first equal row represents", "[loss]") {
  const Tensor rows = from_vector<float>({1, 2, 0, 5, 1, 2, -0.0f, 5, NAN, 1, NAN, 1, 1, 2}, {7, 2}, DType::Float32);
  // rows: [1,2] [0,5] [1,2] [-0,5] [NaN,1] [NaN,1] [1,2]
  const auto reps = cpu::duplicate_representatives(rows);
  CHECK(reps == std::vector<std::int32_t>{0, 1, 0, 1, 4, 5, 0});
}

TEST_CASE("equal embeddings rank as ties on both paths, float32 and float64", "[loss][fused]") {
  // The condition of a batch holding the same image twice: fg rows k and k+5
  // are equal. Rounding must not decide their ranks: every row's gradient
  // matches the loop reference (before, rows 3 and 8 were off by 2.4e-3 of
  // the gradient's scale in float32 composed, and several rows by 1.4e-3 in
  // float64 fused).
  Generator gen(38);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (std::int64_t c : {4, 8, 33}) {
      const Tensor half = random_tensor({5, c}, gen, dtype, 0.0, 1.0);
      const Tensor fg = cat({half, half}, 0);
      const Tensor bg = random_tensor({10, c}, gen, dtype, 0.0, 1.0);
      const auto reference = naive_weighted_gradients(rows_of(fg), rows_of(bg), 0.05);
      const double tolerance = dtype == DType::Float32 ? 2e-5 : 1e-10;
      for (LossPath path : {LossPath::composed, LossPath::fused}) {
        INFO(dtype_name(dtype) << ", C " << c << ", " << loss_path_name(path));
        const auto grads = weighted_gradients(fg, bg, 0.05, path);
        CHECK(relative_row_error(grads[0], reference[0]) < tolerance);
        CHECK(relative_row_error(grads[1], reference[1]) < tolerance);
      }
    }
  }
}

TEST_CASE("fused loss: embeddings too large for a float32 Gram product stay finite", "[loss][fused]") {
  // One entry of 2e19 squares to 4e38 > float32's largest: the fused path
  // used to return NaN where the loss is 2·e^0.05·(−log 0.9995) − log 0.0005.
  const Tensor fg = full({1, 1}, 2e19, {DType::Float32}), bg = ones({1, 1}, {DType::Float32});
  const auto fused = contrastive_loss(fg, bg, 0.05, LossPath::fused);
  const double expected = 2 * std::exp(0.05) * -std::log(0.9995) - std::log(0.0005);
  // 1 − 0.9995 in float32 is 5.0002e-4: −log of it is 4.7e-5 below float64's.
  CHECK(fused.total.item() == Approx(expected).epsilon(1e-5));
  CHECK(fused.total.item() == Approx(contrastive_loss(fg, bg, 0.05, LossPath::composed).total.item()).epsilon(1e-7));
  const auto grads = weighted_gradients(fg, bg, 0.05, LossPath::fused);
  CHECK(grads[0].item() == 0.0);

  // Random rows of magnitude 1e25 (float32) and 1e300 (float64) against the
  // loop reference on the rows before scaling (cosines do not depend on it).
  Generator gen(39);
  for (auto [dtype, scale] : {std::pair{DType::Float32, 1e25}, std::pair{DType::Float64, 1e300}}) {
    INFO(dtype_name(dtype));
    const Tensor fg_unit = random_tensor({6, 5}, gen, dtype, 0.0, 1.0);
    const Tensor bg_unit = random_tensor({6, 5}, gen, dtype, 0.0, 1.0);
    const auto terms = contrastive_loss(fg_unit * scale, bg_unit * scale, 0.25, LossPath::fused);
    const Matrix f = rows_of(fg_unit), b = rows_of(bg_unit);
    const double expected = naive_sim_max(b, 0.25) + naive_sim_min(b, f) + naive_sim_max(f, 0.25);
    CHECK(terms.total.item() == Approx(expected).epsilon(dtype == DType::Float32 ? 1e-5 : 1e-12));
  }
}

TEST_CASE("fused loss: a row scaled by 2^80 gives the same terms and 2^-80 times its gradient", "[loss][fused]") {
  // Scaling a row by a power of two changes no cosine; the row is packed back
  // at its own scale, so the terms are the same bits and its gradient is
  // exactly 2^-80 times the unscaled row's.
  Generator gen(40);
  for (DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    // Entries in [0.5, 1): the scaled row is packed back to exactly its own bits.
    const Tensor fg = random_tensor({4, 7}, gen, dtype, 0.5, 1.0), bg = random_tensor({4, 7}, gen, dtype, 0.0, 1.0);
    const double big = std::ldexp(1.0, 80);
    const Tensor mask = from_vector<double>({big, 1, 1, 1}, {4, 1}, dtype);
    const Tensor scaled_fg = fg * mask;
    const auto plain = contrastive_loss(fg, bg, 0.25, LossPath::fused);
    const auto scaled = contrastive_loss(scaled_fg, bg, 0.25, LossPath::fused);
    CHECK(scaled.total.item() == plain.total.item());
    const auto plain_grads = weighted_gradients(fg, bg, 0.25, LossPath::fused);
    const auto scaled_grads = weighted_gradients(scaled_fg, bg, 0.25, LossPath::fused);
    const Tensor inverse = from_vector<double>({1 / big, 1, 1, 1}, {4, 1}, dtype);
    C2AM_REQUIRE_OK(compare(scaled_grads[0], plain_grads[0] * inverse, 0.0, 0.0));
    C2AM_REQUIRE_OK(compare(scaled_grads[1], plain_grads[1], 0.0, 0.0));
  }
}

TEST_CASE("composed loss: rows whose norm overflows are normalized, not zeroed (CPU)", "[loss]") {
  // float32 rows of 3e38 (norm beyond float32's range) and float64 rows of
  // 1e300 (squares beyond float64's): the composed loss equals the loss of
  // the same directions at unit scale, as the fused path does.
  Generator gen(41);
  for (auto [dtype, scale] : {std::pair{DType::Float32, 3e38}, std::pair{DType::Float64, 1e300}}) {
    INFO(dtype_name(dtype));
    const Tensor fg_unit = random_tensor({5, 4}, gen, dtype, 0.5, 1.0), bg_unit = random_tensor({5, 4}, gen, dtype, 0.5, 1.0);
    const Tensor fg_big = fg_unit * scale, bg_big = bg_unit * scale;
    REQUIRE(std::isfinite(max(fg_big).item()));
    const Matrix f = rows_of(fg_unit), b = rows_of(bg_unit);
    const double expected = naive_sim_max(b, 0.25) + naive_sim_min(b, f) + naive_sim_max(f, 0.25);
    for (LossPath path : {LossPath::composed, LossPath::fused}) {
      INFO(loss_path_name(path));
      CHECK(contrastive_loss(fg_big, bg_big, 0.25, path).total.item() ==
            Approx(expected).epsilon(dtype == DType::Float32 ? 1e-5 : 1e-12));
    }
  }
}
