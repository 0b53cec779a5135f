// c2am._core.wsol: box extraction and the two WSOL evaluation protocols over
// NumPy score maps (c2am/wsol/metrics.hpp, evaluate.hpp), behind c2am.wsol.
#include <pybind11/stl.h>

#include <string>

#include "arrays.hpp"
#include "c2am/wsol/evaluate.hpp"
#include "c2am/wsol/metrics.hpp"

namespace c2am::python {

namespace {

py::array_t<int> boxes_array(const std::vector<Box>& boxes) {
  py::array_t<int> out({static_cast<py::ssize_t>(boxes.size()), py::ssize_t{4}});
  auto view = out.mutable_unchecked<2>();
  for (std::size_t k = 0; k < boxes.size(); ++k) {
    view(k, 0) = static_cast<int>(boxes[k].x0);
    view(k, 1) = static_cast<int>(boxes[k].y0);
    view(k, 2) = static_cast<int>(boxes[k].x1);
    view(k, 3) = static_cast<int>(boxes[k].y1);
  }
  return out;
}

wsol::ScoreMap as_float32(const wsol::ScoreMap64& map) {
  return {map.width, map.height, std::vector<float>(map.values.begin(), map.values.end())};
}

// wsolevaluation's compute_bboxes_from_scoremaps: per threshold, the boxes
// (K, 4) and their count. The map is used as given (already at the
// evaluation size and normalized, as its BoxEvaluator receives it).
py::tuple boxes_from_scoremap(const py::array& scoremap, const std::vector<double>& thresholds, bool multi_contour,
                              const std::string& protocol_text) {
  const wsol::Protocol protocol = wsol::parse_protocol(protocol_text);
  const wsol::ScoreMap64 map = score_map_from_array(scoremap, "wsol.compute_bboxes_from_scoremaps");
  std::vector<std::vector<Box>> per_threshold(thresholds.size());
  {
    py::gil_scoped_release released;
    const wsol::ScoreMap narrow = protocol == wsol::Protocol::release ? as_float32(map) : wsol::ScoreMap{};
    for (std::size_t t = 0; t < thresholds.size(); ++t) {
      if (protocol == wsol::Protocol::release)
        per_threshold[t] = multi_contour ? wsol::all_region_boxes(narrow, thresholds[t], protocol)
                                         : std::vector<Box>{wsol::largest_region_box(narrow, thresholds[t], protocol)};
      else
        per_threshold[t] = multi_contour ? wsol::all_region_boxes(map, thresholds[t], protocol)
                                         : std::vector<Box>{wsol::largest_region_box(map, thresholds[t], protocol)};
    }
  }
  py::list boxes, counts;
  for (const auto& b : per_threshold) {
    boxes.append(boxes_array(b));
    counts.append(b.size());
  }
  return py::make_tuple(boxes, counts);
}

template <typename Curves>
py::list curves_list(const Curves& curves) {
  py::list out;
  for (const auto& c : curves) out.append(py::cast(c));
  return out;
}

void add_to(wsol::Evaluator& e, const py::array& scoremap, const py::handle& gt, int label,
            const std::vector<int>& top5, double box_scale) {
  const std::string what = "wsol.Evaluator.add (image " + std::to_string(e.images()) + ")";
  const wsol::ScoreMap64 map = score_map_from_array(scoremap, what);
  const std::vector<Box> boxes = boxes_from_array(gt, what);
  py::gil_scoped_release released;
  if (e.protocol() == wsol::Protocol::release)
    e.add(as_float32(map), boxes, label, top5, box_scale);
  else
    e.add(map, boxes, label, top5, box_scale);
}

void add_image(wsol::Evaluator& e, const py::array& scoremap, const py::handle& gt, int width, int height,
               int input_size, int resize, int crop, int label) {
  const std::string name = "image " + std::to_string(e.images());
  wsol::MapsEvalOptions options;
  options.protocol = e.protocol();
  options.input_size = input_size;
  options.resize = resize;
  options.crop = crop;
  check(width >= 1 && height >= 1, "wsol.Evaluator.add_image", name, " has size ", width, "x", height);
  check(input_size >= 0, "wsol.Evaluator.add_image", "input_size ", input_size, " is negative");
  const wsol::ScoreMap64 map = score_map_from_array(scoremap, "wsol.Evaluator.add_image (" + name + ")");
  Sample sample;
  sample.image_path = name;
  sample.boxes = boxes_from_array(gt, "wsol.Evaluator.add_image (" + name + ")");
  check(!sample.boxes.empty(), "wsol.Evaluator.add_image", name, " has no ground-truth box");
  if (e.protocol() == wsol::Protocol::release)
    check(resize >= 1 && crop >= 1 && crop <= resize, "wsol.Evaluator.add_image", "the release's geometry needs ",
          "1 <= crop <= resize, got resize ", resize, ", crop ", crop);
  // The dataset readers' checks: empty boxes and boxes wholly outside the
  // image are refused, boxes sticking out come back as warnings.
  for (const std::string& warning : check_boxes_against_image(sample, width, height))
    PyErr_WarnEx(PyExc_UserWarning, warning.c_str(), 1);
  py::gil_scoped_release released;
  wsol::add_map(e, map, sample.boxes, width, height, label, options, name);
}

}  // namespace

void bind_wsol(py::module_& m) {
  m.def("compute_bboxes_from_scoremaps", &boxes_from_scoremap, py::arg("scoremap"), py::arg("thresholds"),
        py::arg("multi_contour_eval"), py::arg("protocol") = "wsolevaluation");
  m.def("box_acc_thresholds", &wsol::box_acc_thresholds);
  m.def("release_thresholds", &wsol::release_thresholds);
  m.def("upsample", [](const py::array& map, int width, int height, int input_size) {
    const wsol::ScoreMap64 in = score_map_from_array(map, "wsol.upsample");
    wsol::ScoreMap64 out;
    {
      py::gil_scoped_release released;
      out = wsol::wsolevaluation_map(in, width, height, input_size);
    }
    return array_owning(std::move(out.values),
                        {static_cast<py::ssize_t>(out.height), static_cast<py::ssize_t>(out.width)});
  }, py::arg("scoremap"), py::arg("width"), py::arg("height"), py::arg("input_size") = 0);
  m.def("iou", [](const py::handle& a, const py::handle& b, const std::string& protocol) {
    const auto boxes_a = boxes_from_array(a, "wsol.iou"), boxes_b = boxes_from_array(b, "wsol.iou");
    check(boxes_a.size() == 1 && boxes_b.size() == 1, "wsol.iou", "takes one box (4 numbers) on each side");
    return wsol::iou(boxes_a[0], boxes_b[0], wsol::parse_protocol(protocol));
  }, py::arg("a"), py::arg("b"), py::arg("protocol") = "wsolevaluation");

  py::class_<wsol::Evaluator>(m, "Evaluator")
      .def(py::init([](const std::string& protocol, std::vector<double> thresholds) {
             return wsol::Evaluator(std::move(thresholds), wsol::parse_protocol(protocol));
           }),
           py::arg("protocol") = "wsolevaluation", py::arg("thresholds") = std::vector<double>{})
      .def("add", &add_to, py::arg("scoremap"), py::arg("gt_boxes"), py::arg("label") = -1,
           py::arg("top5") = std::vector<int>{}, py::arg("box_scale") = 1.0)
      .def("add_image", &add_image, py::arg("scoremap"), py::arg("gt_boxes"), py::arg("width"), py::arg("height"),
           py::arg("input_size") = 0, py::arg("resize") = 480, py::arg("crop") = 448, py::arg("label") = -1)
      .def_property_readonly("protocol", [](const wsol::Evaluator& e) { return wsol::protocol_name(e.protocol()); })
      .def_property_readonly("images", &wsol::Evaluator::images)
      .def_property_readonly("thresholds", &wsol::Evaluator::thresholds)
      .def("gt_known", &wsol::Evaluator::gt_known)
      .def("top1_loc", &wsol::Evaluator::top1_loc)
      .def("top5_loc", &wsol::Evaluator::top5_loc)
      .def("single_box_acc", [](const wsol::Evaluator& e) { return curves_list(e.single_box_acc()); })
      .def("box_acc", [](const wsol::Evaluator& e) { return curves_list(e.box_acc()); })
      .def("max_box_acc", [](const wsol::Evaluator& e) { return py::cast(e.max_box_acc()); })
      .def("max_box_acc_v2", &wsol::Evaluator::max_box_acc_v2);
}

}  // namespace c2am::python
