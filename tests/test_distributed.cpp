// The single-process side of data-parallel training: the communicator of one
// process, gather_rows' gradient, and the global loss reducing to the plain
// one. The two-process run is tests/dist/test_distributed_mpi.cpp.

#include <catch2/catch.hpp>

#include "c2am/dist/data_parallel.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using namespace c2am::testing;

TEST_CASE("one process: collectives are the identity and the global loss is the loss", "[dist]") {
  auto comm = dist::single_process();
  CHECK(comm->rank() == 0);
  CHECK(comm->size() == 1);
  Generator gen(3);
  Tensor fg = random_tensor({6, 5}, gen).set_requires_grad(), bg = random_tensor({6, 5}, gen).set_requires_grad();
  const auto global = dist::contrastive_loss_global(fg, bg, 0.25, *comm);
  const auto plain = contrastive_loss(fg, bg, 0.25);
  CHECK(global.total.item() == plain.total.item());
  Tensor t = random_tensor({4}, gen);
  const Tensor before = t.clone();
  comm->all_reduce_sum(t);
  comm->broadcast(t, 0);
  CHECK(scale_relative_error(t, before) == 0.0);
  CHECK_THAT(error_message([&] { comm->broadcast(t, 1); }), Catch::Contains("out of range"));
}

TEST_CASE("gather_rows passes back the gathered gradient's rows", "[dist]") {
  auto comm = dist::single_process();
  Generator gen(4);
  Tensor x = random_tensor({3, 2}, gen).set_requires_grad();
  const Tensor gathered = dist::gather_rows(x, *comm);
  const Tensor w = random_tensor({3, 2}, gen);
  sum(gathered * w).backward();
  CHECK(scale_relative_error(x.grad(), w) == 0.0);
}

TEST_CASE("MPI is reported as this build has it", "[dist]") {
  if (!dist::mpi_available()) {
    CHECK_THAT(error_message([] { dist::mpi_world(); }), Catch::Contains("no MPI"));
  } else {
    SUCCEED("MPI built in; the two-process test is distributed_mpi_*");
  }
}
