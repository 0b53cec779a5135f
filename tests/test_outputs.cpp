// Outputs are written whole or not at all: when the disk refuses bytes (here
// a file-size limit, which fails write() as a full disk does, without root or
// a small mount), every writer throws naming the file and the system's
// reason, and the earlier file at that path is left as it was.

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <iterator>

#include "c2am/c2am.hpp"
#include "support/test_support.hpp"

using namespace c2am;
using c2am::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// While alive, files cannot grow past `bytes` (write() fails with EFBIG).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // an error return, not a signal
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_{};
  void (*previous_handler_)(int) = nullptr;
};

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Image noise(int width, int height) {
  Image image(width, height);
  std::uint32_t state = 12345;
  for (auto& p : image.pixels) p = static_cast<std::uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  return image;
}

// No temporary files left beside the target.
std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

}  // namespace

TEST_CASE("a write the disk refuses throws with the reason and keeps the earlier file", "[io][outputs]") {
  TempDir dir;
  const fs::path png = dir.path / "cue.png", gray = dir.path / "gray.png", jpeg = dir.path / "x.jpg";
  const fs::path npy = dir.path / "map.npy", weights = dir.path / "w.safetensors";
  write_png(png.string(), Image(4, 4));
  write_gray_png(gray.string(), 4, 4, std::vector<std::uint8_t>(16, 7));
  write_jpeg(jpeg.string(), Image(8, 8), 90);
  write_npy(npy.string(), {1, 2, 3, 4}, {2, 2});
  safetensors::save(weights.string(), {{"w", ones({4})}});
  const std::map<fs::path, std::string> before = {{png, bytes_of(png)},   {gray, bytes_of(gray)},
                                                  {jpeg, bytes_of(jpeg)}, {npy, bytes_of(npy)},
                                                  {weights, bytes_of(weights)}};
  const std::size_t files = files_in(dir.path);
  {
    FileSizeLimit limit(64);  // less than any of the new contents
    const auto refused = [&](const fs::path& file, const std::function<void()>& write) {
      INFO(file);
      try {
        write();
        FAIL("the write did not fail");
      } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains(file.string()) && Catch::Contains("File too large"));
      }
    };
    refused(png, [&] { write_png(png.string(), noise(64, 64)); });
    refused(gray, [&] { write_gray_png(gray.string(), 64, 64, std::vector<std::uint8_t>(4096, 1)); });
    refused(jpeg, [&] { write_jpeg(jpeg.string(), noise(64, 64), 90); });
    refused(npy, [&] { write_npy(npy.string(), std::vector<float>(100, 0.5f), {10, 10}); });
    refused(weights, [&] { safetensors::save(weights.string(), {{"w", ones({100})}}); });
  }
  for (const auto& [file, bytes] : before) {
    INFO(file);
    CHECK(bytes_of(file) == bytes);
  }
  CHECK(files_in(dir.path) == files);  // no temporaries left behind
  // Once there is room, the same writes succeed.
  write_png(png.string(), noise(64, 64));
  CHECK(read_image(png.string()).width == 64);
}

TEST_CASE("a write into a folder that does not exist names the file and the reason", "[io][outputs]") {
  TempDir dir;
  const std::string path = dir.str() + "/absent/x.png";
  CHECK_THROWS_WITH(write_png(path, Image(2, 2)),
                    Catch::Contains(path) && Catch::Contains("No such file or directory"));
  const std::string folder = dir.str() + "/a_folder";
  fs::create_directories(folder);
  CHECK_THROWS_WITH(write_npy(folder, {1}, {1}), Catch::Contains(folder) && Catch::Contains("folder"));
  CHECK(fs::is_directory(folder));
}
