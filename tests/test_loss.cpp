// The C²AM loss against an independent loop implementation written from
// SPEC §2 (ranks by counting rather than sorting), finite differences, ties,
// clamped entries and the N = 1, 2 edge cases.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "c2am/loss/contrastive.hpp"
#include "contrastive_loss_math.cuh"
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
