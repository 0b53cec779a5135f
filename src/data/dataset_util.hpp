#pragma once
// Helpers shared by the dataset readers: index files read line by line with
// errors naming file and line, and Pascal-VOC XML annotations.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "c2am/data/dataset.hpp"

namespace c2am::data {

struct Line {
  int number;  // 1-based
  std::vector<std::string> fields;  // whitespace-separated
  std::string text;                 // the whole line, without surrounding blanks
};

// Non-empty lines of a text file; throws naming the file if it cannot be read.
std::vector<Line> read_lines(const std::string& path);
[[noreturn]] void bad_line(const std::string& path, int line, const std::string& message);
// Parses an integer / float field, or fails naming file and line.
long parse_int(const std::string& path, const Line& line, std::size_t field);
float parse_float(const std::string& path, const Line& line, std::size_t field);

struct VocObject {
  std::string name;
  Box box;
};
struct VocAnnotation {
  std::string filename;  // <filename>, may be empty
  int width = 0, height = 0;  // <size>, 0 when absent
  std::vector<VocObject> objects;
};
// Reads one Pascal-VOC XML file; malformed XML or boxes fail naming the
// file and line. Box corners are kept as written (VOC's 1-based pixels).
VocAnnotation read_voc_xml(const std::string& path);

bool is_image_file(const std::string& path);

// Whether `path` exists / is a folder, without throwing for names the file
// system refuses: "not found" is false, any other failure (a name too long,
// permission denied on the folder) is a c2am::Error naming the path — and,
// given, `source` (the list or XML file and line the path was made from).
bool file_exists(const std::string& path, const std::string& source = "");
bool folder_exists(const std::string& path);

// Runs a reader, turning any exception that is not a c2am::Error (from the
// standard library: filesystem, out_of_range, length_error, bad_alloc)
// into one that names the dataset: nothing else leaves the readers.
std::unique_ptr<Dataset> guarded(const std::string& dataset, const std::function<std::unique_ptr<Dataset>()>& read);

// The readers proper (datasets.cpp, voc.cpp); the public open_* functions
// call them through guarded().
std::unique_ptr<Dataset> read_cub(const std::string& dir, const std::string& split);
std::unique_ptr<Dataset> read_imagenet(const std::string& dir, const std::string& split);
std::unique_ptr<Dataset> read_voc(const std::string& dir, const std::string& split);
std::unique_ptr<Dataset> read_voc_xml(const std::string& dir, const std::string& split);
std::unique_ptr<Dataset> read_image_folder(const std::string& dir, const std::string& split);
void require_directory(const std::string& dir, const char* what);

}  // namespace c2am::data

namespace c2am::data {

// Sets Sample::relative_path and Sample::id (see dataset.hpp) of every
// sample; throws naming both files when two samples share an identity.
void assign_identities(std::vector<Sample>& samples, const std::string& image_root, const std::string& dataset);

}  // namespace c2am::data

namespace c2am::data {

// Split lists of datasets without fixed splits (voc-xml:, folder:): the
// stems of the .txt files in `folder` ("val" for folder/val.txt), sorted.
std::vector<std::string> split_names_in(const std::string& folder);

// Where split lists are: ImageSets/Main/ in VOC's layout, splits/ otherwise.
std::string voc_xml_split_folder(const std::string& dir);

// The list file of `split` in `folder`: "" for "" or "all" (every image);
// an unknown split is an error naming `dataset`, the file looked for and the
// splits there are.
std::string split_list(const std::string& folder, const std::string& split, const std::string& dataset);

// The samples a split list names, in the list's order: one image per line,
// by its identity or its path below the root (exactly); an unknown or
// repeated line is an error naming the file and the line. `all` must have
// its identities assigned.
std::vector<Sample> select_split(const std::vector<Sample>& all, const std::string& list_file);

}  // namespace c2am::data
