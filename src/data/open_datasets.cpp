// The public dataset readers: each runs its reader through guarded(), so
// that whatever goes wrong inside — a name the file system refuses, a
// standard-library exception — leaves as a c2am::Error naming the dataset.

#include <filesystem>
#include <new>
#include <stdexcept>

#include "c2am/core/error.hpp"
#include "data/dataset_util.hpp"

namespace fs = std::filesystem;

namespace c2am {

namespace data {

namespace {

bool status_of(const std::string& path, fs::file_type& type, const std::string& source = "") {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw Error("dataset: " + (source.empty() ? std::string() : source + ": ") + path + ": " + ec.message());
  type = status.type();
  return !ec && type != fs::file_type::not_found;
}

}  // namespace

bool file_exists(const std::string& path, const std::string& source) {
  fs::file_type type{};
  return status_of(path, type, source);
}

bool folder_exists(const std::string& path) {
  fs::file_type type{};
  return status_of(path, type) && type == fs::file_type::directory;
}

std::unique_ptr<Dataset> guarded(const std::string& dataset, const std::function<std::unique_ptr<Dataset>()>& read) {
  try {
    return read();
  } catch (const Error&) {
    throw;
  } catch (const fs::filesystem_error& e) {
    throw Error("dataset: " + dataset + ": " + e.path1().string() + ": " + e.code().message());
  } catch (const std::bad_alloc&) {
    throw Error("dataset: " + dataset + ": out of memory while reading its lists");
  } catch (const std::exception& e) {
    throw Error("dataset: " + dataset + ": unreadable (" + e.what() + ")");
  }
}

}  // namespace data

std::unique_ptr<Dataset> open_cub(const std::string& dir, const std::string& split) {
  return data::guarded("cub:" + dir, [&] { return data::read_cub(dir, split); });
}

std::unique_ptr<Dataset> open_imagenet(const std::string& dir, const std::string& split) {
  return data::guarded("imagenet:" + dir, [&] { return data::read_imagenet(dir, split); });
}

std::unique_ptr<Dataset> open_voc(const std::string& dir, const std::string& split) {
  return data::guarded("voc:" + dir, [&] { return data::read_voc(dir, split); });
}

std::unique_ptr<Dataset> open_voc_xml(const std::string& dir, const std::string& split) {
  return data::guarded("voc-xml:" + dir, [&] { return data::read_voc_xml(dir, split); });
}

std::unique_ptr<Dataset> open_image_folder(const std::string& dir, const std::string& split) {
  return data::guarded("folder:" + dir, [&] { return data::read_image_folder(dir, split); });
}

}  // namespace c2am
