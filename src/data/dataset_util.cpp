#include "data/dataset_util.hpp"

#include <tinyxml2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "c2am/core/error.hpp"

namespace c2am::data {

std::vector<Line> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("dataset: cannot read " + path);
  std::vector<Line> lines;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    std::istringstream fields(text);
    Line line{number, {}, {}};
    for (std::string f; fields >> f;) line.fields.push_back(f);
    const auto first = text.find_first_not_of(" \t"), last = text.find_last_not_of(" \t");
    if (first != std::string::npos) line.text = text.substr(first, last - first + 1);
    if (!line.fields.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

void bad_line(const std::string& path, int line, const std::string& message) {
  throw Error("dataset: " + path + ":" + std::to_string(line) + ": " + message);
}

long parse_int(const std::string& path, const Line& line, std::size_t field) {
  if (field >= line.fields.size()) bad_line(path, line.number, "expected at least " + std::to_string(field + 1) + " fields");
  const std::string& s = line.fields[field];
  long value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) bad_line(path, line.number, "'" + s + "' is not an integer");
  return value;
}

float parse_float(const std::string& path, const Line& line, std::size_t field) {
  if (field >= line.fields.size()) bad_line(path, line.number, "expected at least " + std::to_string(field + 1) + " fields");
  const std::string& s = line.fields[field];
  try {
    std::size_t used = 0;
    const float value = std::stof(s, &used);
    if (used == s.size() && std::isfinite(value)) return value;
  } catch (const std::exception&) {
  }
  bad_line(path, line.number, "'" + s + "' is not a number");
}

namespace {

const tinyxml2::XMLElement* child(const tinyxml2::XMLElement* parent, const char* name) {
  return parent ? parent->FirstChildElement(name) : nullptr;
}

std::string text_of(const tinyxml2::XMLElement* e) {
  if (!e || !e->GetText()) return {};
  std::string s = e->GetText();
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

float coordinate(const std::string& path, const tinyxml2::XMLElement* box, const char* name) {
  const tinyxml2::XMLElement* e = child(box, name);
  const int line = e ? e->GetLineNum() : (box ? box->GetLineNum() : 0);
  if (!e) bad_line(path, line, std::string("<bndbox> has no <") + name + ">");
  const std::string s = text_of(e);
  try {
    std::size_t used = 0;
    const float value = std::stof(s, &used);
    if (used == s.size() && std::isfinite(value)) return value;
  } catch (const std::exception&) {
  }
  bad_line(path, line, std::string("<") + name + "> '" + s + "' is not a number");
}

}  // namespace

VocAnnotation read_voc_xml(const std::string& path) {
  tinyxml2::XMLDocument doc;
  if (doc.LoadFile(path.c_str()) != tinyxml2::XML_SUCCESS) {
    if (doc.ErrorID() == tinyxml2::XML_ERROR_FILE_NOT_FOUND || doc.ErrorID() == tinyxml2::XML_ERROR_FILE_COULD_NOT_BE_OPENED)
      throw Error("dataset: cannot read " + path);
    bad_line(path, doc.ErrorLineNum(), std::string("malformed XML (") + doc.ErrorName() + ")");
  }
  const tinyxml2::XMLElement* root = doc.FirstChildElement("annotation");
  if (!root) bad_line(path, 1, "no <annotation> element");
  VocAnnotation a;
  a.filename = text_of(child(root, "filename"));
  if (const auto* size = child(root, "size")) {
    // A <size> that is there must be two whole numbers (0 is VOC's "unknown").
    const auto dimension = [&](const char* name) {
      const auto* element = child(size, name);
      if (!element) bad_line(path, size->GetLineNum(), std::string("<size> without <") + name + ">");
      const std::string text = text_of(element);
      int value = -1;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || value < 0)
        bad_line(path, element->GetLineNum(), std::string("<") + name + "> '" + text + "' is not a size in pixels");
      return value;
    };
    a.width = dimension("width");
    a.height = dimension("height");
  }
  for (const auto* object = root->FirstChildElement("object"); object;
       object = object->NextSiblingElement("object")) {
    VocObject o;
    o.name = text_of(child(object, "name"));
    if (o.name.empty()) bad_line(path, object->GetLineNum(), "<object> without a <name>");
    const auto* box = child(object, "bndbox");
    if (!box) bad_line(path, object->GetLineNum(), "<object> '" + o.name + "' without a <bndbox>");
    o.box.x0 = coordinate(path, box, "xmin");
    o.box.y0 = coordinate(path, box, "ymin");
    o.box.x1 = coordinate(path, box, "xmax");
    o.box.y1 = coordinate(path, box, "ymax");
    if (o.box.x1 < o.box.x0 || o.box.y1 < o.box.y0)
      bad_line(path, box->GetLineNum(), "box of '" + o.name + "' has its maximum below its minimum");
    a.objects.push_back(std::move(o));
  }
  return a;
}

bool is_image_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

void require_directory(const std::string& dir, const char* what) {
  if (!std::filesystem::is_directory(dir)) throw Error(std::string("dataset: ") + what + " directory " + dir + " does not exist");
}

}  // namespace c2am::data
