// c2am._core.densecrf: the dense CRF behind c2am.densecrf, pydensecrf's
// DenseCRF2D API (the subset WSSS code uses) and a batched call.
#include <pybind11/stl.h>

#include <cmath>
#include <string>

#include "arrays.hpp"
#include "c2am/wsss/dense_crf.hpp"

namespace c2am::python {

namespace {

// pydensecrf's enums (densecrf.pxd), for the keyword arguments it accepts.
enum KernelType { CONST_KERNEL = 0, DIAG_KERNEL = 1, FULL_KERNEL = 2 };
enum NormalizationType { NO_NORMALIZATION = 0, NORMALIZE_BEFORE = 1, NORMALIZE_AFTER = 2, NORMALIZE_SYMMETRIC = 3 };

// One scale from a number or a sequence of equal numbers (pydensecrf takes
// separate scales per axis or channel; c2am's lattice has one per kernel).
double one_scale(const py::handle& value, const char* name, std::size_t count) {
  if (const auto number = as_number(value)) return *number;
  std::vector<double> scales;
  try {
    for (const py::handle item : py::iter(value)) {
      const auto number = as_number(item);
      check(number.has_value(), "DenseCRF2D", name, " must be a number or ", count, " numbers");
      scales.push_back(*number);
    }
  } catch (const py::error_already_set&) {
    throw Error(std::string("DenseCRF2D: ") + name + " must be a number or " + std::to_string(count) + " numbers");
  }
  check(scales.size() == count, "DenseCRF2D", name, " must be a number or ", count, " numbers, got ", scales.size());
  for (double s : scales)
    check(s == scales[0], "DenseCRF2D", name, " with different values per axis or channel is not supported by c2am",
          " (got ", scales[0], " and ", s, ")");
  return scales[0];
}

// Potts compatibility only: pydensecrf's vector and matrix compatibilities are refused.
double potts_weight(const py::handle& compat) {
  const auto w = as_number(compat);
  check(w.has_value(), "DenseCRF2D",
        "compat must be a number (Potts); diagonal and matrix compatibilities are not supported by c2am");
  check(std::isfinite(*w), "DenseCRF2D", "compat is ", *w);
  return *w;
}

void check_kernel(int kernel, int normalization) {
  check(kernel == DIAG_KERNEL, "DenseCRF2D", "kernel ", kernel, " is not supported (only DIAG_KERNEL)");
  check(normalization == NORMALIZE_SYMMETRIC, "DenseCRF2D", "normalization ", normalization,
        " is not supported (only NORMALIZE_SYMMETRIC, pydensecrf's default)");
}

// The picture of a CRF of width x height (image_from_array, and its size checked).
Image crf_image(const py::handle& rgbim, int width, int height, const char* what) {
  Image image = image_from_array(rgbim, what);
  check(image.height == height && image.width == width, what, "image of ", image.width, "x", image.height,
        " for a CRF of ", width, "x", height);
  return image;
}

std::vector<float> unary_from_array(const py::handle& u, int labels, std::int64_t pixels, const char* what) {
  auto array = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(u);
  check(static_cast<bool>(array) && array.ndim() == 2, what, "the unary energy must be a 2-D array (labels, pixels)",
        array ? ", got shape " + shape_text(array) : std::string());
  check(array.shape(0) == labels && array.shape(1) == pixels, what, "Bad shape for unary energy (need (", labels,
        ", ", pixels, "), got (", array.shape(0), ", ", array.shape(1), "))");
  std::vector<float> energy(array.data(), array.data() + array.size());
  for (std::size_t i = 0; i < energy.size(); ++i)
    check(std::isfinite(energy[i]), what, "the unary energy holds ", energy[i], " at label ",
          i / static_cast<std::size_t>(pixels), ", pixel ", i % static_cast<std::size_t>(pixels));
  return energy;
}

py::array_t<float> q_array(std::vector<float> q, int labels, std::int64_t pixels) {
  return array_owning(std::move(q), {static_cast<py::ssize_t>(labels), static_cast<py::ssize_t>(pixels)});
}

class DenseCRF2D {
 public:
  DenseCRF2D(int width, int height, int labels) : crf_(width, height, labels) {}

  void set_unary_energy(const py::handle& u) {
    crf_.set_unary(unary_from_array(u, crf_.labels(), pixels(), "DenseCRF2D.setUnaryEnergy"));
  }
  void add_gaussian(const py::handle& sxy, const py::handle& compat, int kernel, int normalization) {
    check_kernel(kernel, normalization);
    crf_.add_gaussian(one_scale(sxy, "sxy", 2), potts_weight(compat));
  }
  void add_bilateral(const py::handle& sxy, const py::handle& srgb, const py::handle& rgbim, const py::handle& compat,
                     int kernel, int normalization) {
    check_kernel(kernel, normalization);
    const Image image = crf_image(rgbim, crf_.width(), crf_.height(), "DenseCRF2D.addPairwiseBilateral");
    crf_.add_bilateral(one_scale(sxy, "sxy", 2), one_scale(srgb, "srgb", 3), image, potts_weight(compat));
  }
  py::array_t<float> inference(int iterations) {
    check(iterations >= 0, "DenseCRF2D.inference", "iterations must not be negative, got ", iterations);
    std::vector<float> q;
    {
      py::gil_scoped_release released;
      q = crf_.inference(iterations);
    }
    return q_array(std::move(q), crf_.labels(), pixels());
  }

 private:
  std::int64_t pixels() const { return static_cast<std::int64_t>(crf_.width()) * crf_.height(); }
  wsss::DenseCRF crf_;
};

py::list batch_inference(const py::list& images, const py::list& unaries, int labels, int iterations,
                         double gaussian_sxy, double gaussian_compat, double bilateral_sxy, double bilateral_srgb,
                         double bilateral_compat, const std::string& device) {
  check(images.size() == unaries.size(), "densecrf.batch_inference", images.size(), " images but ",
        unaries.size(), " unary energies");
  std::vector<Image> pictures;
  std::vector<wsss::CrfProblem> problems(images.size());
  pictures.reserve(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const std::string what = "densecrf.batch_inference (image " + std::to_string(i) + ")";
    pictures.push_back(image_from_array(images[i], what));
    problems[i].unary = unary_from_array(
        unaries[i], labels, static_cast<std::int64_t>(pictures.back().width) * pictures.back().height, what.c_str());
  }
  for (std::size_t i = 0; i < problems.size(); ++i) problems[i].image = &pictures[i];
  wsss::PairwiseKernels kernels;
  kernels.gaussian_sxy = gaussian_sxy;
  kernels.gaussian_weight = gaussian_compat;
  kernels.bilateral_sxy = bilateral_sxy;
  kernels.bilateral_srgb = bilateral_srgb;
  kernels.bilateral_weight = bilateral_compat;
  const Device where = Device::parse(device);
  std::vector<std::vector<float>> qs;
  {
    py::gil_scoped_release released;
    qs = wsss::dense_crf_batch(problems, labels, kernels, iterations, where);
  }
  py::list out;
  for (std::size_t i = 0; i < qs.size(); ++i)
    out.append(q_array(std::move(qs[i]), labels, static_cast<std::int64_t>(pictures[i].width) * pictures[i].height));
  return out;
}

py::array_t<float> labels_unary(const py::array& labels_in, int label_count, double gt_prob, bool zero_unsure) {
  auto labels = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(labels_in);
  check(static_cast<bool>(labels), "unary_from_labels", "labels must be an integer array");
  std::vector<std::uint8_t> narrow(static_cast<std::size_t>(labels.size()));
  for (std::size_t i = 0; i < narrow.size(); ++i) {
    const std::int64_t v = labels.data()[i];
    check(v >= 0 && v <= 255, "unary_from_labels", "label ", v, " at pixel ", i, " is outside [0, 255]");
    narrow[i] = static_cast<std::uint8_t>(v);
  }
  std::vector<float> energy = wsss::unary_from_labels(narrow, label_count, gt_prob, zero_unsure);
  return q_array(std::move(energy), label_count, static_cast<std::int64_t>(narrow.size()));
}

py::array_t<float> softmax_unary(const py::array& probabilities_in, double scale, double clip) {
  auto probabilities = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(probabilities_in);
  check(static_cast<bool>(probabilities) && probabilities.ndim() >= 1, "unary_from_softmax",
        "probabilities must be a real array with the classes first");
  const int classes = static_cast<int>(probabilities.shape(0));
  std::vector<double> values(probabilities.data(), probabilities.data() + probabilities.size());
  std::vector<float> energy = wsss::unary_from_softmax(values, classes, scale, clip);
  return q_array(std::move(energy), classes, classes ? static_cast<std::int64_t>(values.size()) / classes : 0);
}

}  // namespace

void bind_densecrf(py::module_& m) {
  m.attr("CONST_KERNEL") = static_cast<int>(CONST_KERNEL);
  m.attr("DIAG_KERNEL") = static_cast<int>(DIAG_KERNEL);
  m.attr("FULL_KERNEL") = static_cast<int>(FULL_KERNEL);
  m.attr("NO_NORMALIZATION") = static_cast<int>(NO_NORMALIZATION);
  m.attr("NORMALIZE_BEFORE") = static_cast<int>(NORMALIZE_BEFORE);
  m.attr("NORMALIZE_AFTER") = static_cast<int>(NORMALIZE_AFTER);
  m.attr("NORMALIZE_SYMMETRIC") = static_cast<int>(NORMALIZE_SYMMETRIC);

  py::class_<DenseCRF2D> crf(m, "DenseCRF2D", "Dense CRF over a width x height image with n labels (pydensecrf's API).");
  crf.def(py::init<int, int, int>(), py::arg("w"), py::arg("h"), py::arg("nlabels"))
      .def("setUnaryEnergy", &DenseCRF2D::set_unary_energy, py::arg("u"),
           "Unary energies, float32 (nlabels, w*h), label-major; copied.")
      .def("addPairwiseGaussian", &DenseCRF2D::add_gaussian, py::arg("sxy"), py::arg("compat"),
           py::arg("kernel") = static_cast<int>(DIAG_KERNEL),
           py::arg("normalization") = static_cast<int>(NORMALIZE_SYMMETRIC),
           "Gaussian kernel over positions / sxy with Potts weight compat.")
      .def("addPairwiseBilateral", &DenseCRF2D::add_bilateral, py::arg("sxy"), py::arg("srgb"), py::arg("rgbim"),
           py::arg("compat"), py::arg("kernel") = static_cast<int>(DIAG_KERNEL),
           py::arg("normalization") = static_cast<int>(NORMALIZE_SYMMETRIC),
           "Bilateral kernel over positions / sxy and colours / srgb of rgbim (uint8 (h, w, 3)).")
      .def("inference", &DenseCRF2D::inference, py::arg("niter"),
           "Q after niter mean-field iterations: float32 (nlabels, w*h).");
  // pydensecrf's methods outside the subset say so, in c2am.Error (a ValueError).
  for (const char* name : {"addPairwiseEnergy", "setUnary", "startInference", "stepInference", "klDivergence"}) {
    crf.def(name, [name](DenseCRF2D&, const py::args&, const py::kwargs&) {
      throw Error(std::string("DenseCRF2D.") + name +
                  " is not supported by c2am (the subset is setUnaryEnergy, addPairwiseGaussian, "
                  "addPairwiseBilateral, inference; docs/python.md)");
    });
  }

  m.def("unary_from_labels", &labels_unary, py::arg("labels"), py::arg("n_labels"), py::arg("gt_prob"),
        py::arg("zero_unsure"));
  m.def("unary_from_softmax", &softmax_unary, py::arg("sm"), py::arg("scale"), py::arg("clip"));
  m.def("batch_inference", &batch_inference, py::arg("images"), py::arg("unaries"), py::arg("labels"),
        py::arg("iterations"), py::arg("gaussian_sxy"), py::arg("gaussian_compat"), py::arg("bilateral_sxy"),
        py::arg("bilateral_srgb"), py::arg("bilateral_compat"), py::arg("device"));
}

}  // namespace c2am::python
