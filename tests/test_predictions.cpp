// The classifier predictions file of `wsol eval --predictions`
// (wsol/predictions.hpp): what it reads and every refusal.

#include <catch2/catch.hpp>

#include <fstream>

#include "c2am/core/error.hpp"
#include "c2am/wsol/predictions.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::TempDir;
using c2am::testing::error_message;

namespace {

std::string write(const TempDir& dir, const std::string& text) {
  const std::string path = dir.str() + "/predictions.txt";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("predictions: spaces, tabs, CRLF and blank lines are read; classes keep their order") {
  TempDir dir;
  const auto p = wsol::read_class_predictions(
      write(dir, "001.Albatross/a_0046.jpg 0 12 7 199 3\n\n  b/c.jpg\t5\t1 \r\nval/ILSVRC2012_val_00000001 999\n"));
  REQUIRE(p.size() == 3);
  CHECK(p.at("001.Albatross/a_0046.jpg") == std::vector<int>{0, 12, 7, 199, 3});
  CHECK(p.at("b/c.jpg") == std::vector<int>{5, 1});
  CHECK(p.at("val/ILSVRC2012_val_00000001") == std::vector<int>{999});
}

TEST_CASE("predictions: a class that is not a non-negative int is refused with its line") {
  TempDir dir;
  for (const std::string bad : {"+3", "0x3", "3.0", "3abc", "-1", "2147483648", "cat"}) {
    const std::string path = write(dir, "a.jpg 1\nb.jpg 2 " + bad + "\n");
    const std::string message = error_message([&] { wsol::read_class_predictions(path); });
    CHECK_THAT(message, Catch::Contains(path + ":2: class '" + bad + "' is not a class id"));
  }
  const std::string largest = write(dir, "a.jpg 2147483647\n");
  CHECK(wsol::read_class_predictions(largest).at("a.jpg") == std::vector<int>{2147483647});
}

TEST_CASE("predictions: a path without a class, a repeated class, a second line for a path, NUL, empty") {
  TempDir dir;
  const auto message = [&](const std::string& text) {
    const std::string path = write(dir, text);
    return error_message([&] { wsol::read_class_predictions(path); });
  };
  CHECK_THAT(message("a.jpg 1\nb.jpg\n"), Catch::Contains(":2: expected 'path class [class ...]', found no class"));
  CHECK_THAT(message("a.jpg 1 4 1\n"), Catch::Contains(":1: class 1 is predicted twice"));
  CHECK_THAT(message("a.jpg 1\nb.jpg 2\na.jpg 3\n"), Catch::Contains(":3: a second prediction for a.jpg"));
  CHECK_THAT(message(std::string("a.jpg 1\0 2\n", 11)), Catch::Contains(":1: a NUL byte: not a text file"));
  CHECK_THAT(message("\n \n\t\n"), Catch::Contains("holds no prediction"));
  CHECK_THAT(error_message([&] { wsol::read_class_predictions(dir.str() + "/missing.txt"); }),
             Catch::Contains(dir.str() + "/missing.txt: cannot be read"));
}
