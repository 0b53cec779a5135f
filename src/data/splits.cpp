// Split lists for datasets whose layout has no fixed splits (voc-xml:,
// folder:): "<name>.txt" files naming one image per line.

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "c2am/core/error.hpp"
#include "data/dataset_util.hpp"

namespace fs = std::filesystem;

namespace c2am::data {

std::vector<std::string> split_names_in(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return names;
  for (const auto& e : fs::directory_iterator(folder, ec))
    if (e.is_regular_file() && e.path().extension() == ".txt") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string voc_xml_split_folder(const std::string& dir) {
  return data::folder_exists(dir + "/Annotations") ? dir + "/ImageSets/Main" : dir + "/splits";
}

std::string split_list(const std::string& folder, const std::string& split, const std::string& dataset) {
  if (split.empty() || split == "all") return "";
  const std::string list = folder + "/" + split + ".txt";
  std::error_code ec;
  if (fs::is_regular_file(list, ec)) return list;
  std::string known;
  for (const std::string& name : split_names_in(folder)) known += name + ", ";
  throw Error("dataset: " + dataset + " has no split '" + split + "' (no " + list + "); its splits: " + known +
              "all (every image). A split is a list file naming one image per line");
}

std::vector<Sample> select_split(const std::vector<Sample>& all, const std::string& list_file) {
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < all.size(); ++i) {
    by_name.emplace(all[i].id, i);
    by_name.emplace(all[i].relative_path, i);
  }
  std::vector<Sample> out;
  std::set<std::size_t> taken;
  for (const Line& line : read_lines(list_file)) {
    // The whole line is the name: image paths may hold spaces.
    const auto found = by_name.find(line.text);
    if (found == by_name.end())
      bad_line(list_file, line.number, "no image '" + line.text + "' in the dataset (a line names one image by its "
                                       "path below the root, with or without extension)");
    if (!taken.insert(found->second).second) bad_line(list_file, line.number, "'" + line.text + "' listed twice");
    out.push_back(all[found->second]);
  }
  if (out.empty()) throw Error("dataset: " + list_file + " lists no images");
  return out;
}

}  // namespace c2am::data
