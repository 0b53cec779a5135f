// c2am._core.Model: a trained C²AM model (model.safetensors or
// checkpoint.safetensors from c2am train) returning foreground maps.
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "c2am/autograd/grad_mode.hpp"
#include "c2am/inference.hpp"
#include "c2am/ops/elementwise.hpp"

namespace c2am::python {

namespace {

class PyModel {
 public:
  PyModel(const std::string& path, const std::string& device) {
    const Device where = Device::parse(device);
    py::gil_scoped_release released;
    trained_ = load_trained_model(path, where);
  }

  // images: (N, 3, H, W) float32, normalized with the ImageNet mean and std.
  py::object maps(const py::object& images) {
    Tensor batch = tensor_from_object(images, "Model.maps");
    check(batch.dim() == 4 && batch.size(1) == 3, "Model.maps", "images must be (N, 3, H, W), got ",
          batch.describe());
    check(is_compute_type(batch.dtype()), "Model.maps", "images must be float32 or float64, normalized with the ",
          "ImageNet mean and std; got ", batch.describe(), " (activation_map takes uint8 pictures)");
    Tensor map;
    {
      py::gil_scoped_release released;
      NoGradGuard no_grad;
      map = trained_.model->forward(batch.to(device()).to(DType::Float32).contiguous()).map;
      if (trained_.flipped) map = affine(map, -1.0, 1.0);  // 1 − P
    }
    return to_caller(map, images);
  }

  // image: (H, W, 3) uint8 RGB -> (H, W) float32, as `c2am maps` writes it.
  py::array_t<float> activation_map(const py::array& image_array, int input_size) {
    const Image image = image_from_array(image_array, "Model.activation_map");
    std::vector<float> map;
    {
      py::gil_scoped_release released;
      map = c2am::activation_map(*trained_.model, image, input_size, trained_.flipped);
    }
    return array_owning(std::move(map), {static_cast<py::ssize_t>(image.height), static_cast<py::ssize_t>(image.width)});
  }

  Device device() const { return trained_.model->config().device; }
  bool flipped() const { return trained_.flipped; }
  const ModelConfig& config() const { return trained_.model->config(); }

 private:
  TrainedModel trained_;
};

}  // namespace

void bind_model(py::module_& m) {
  py::class_<PyModel>(m, "Model")
      .def(py::init<const std::string&, const std::string&>(), py::arg("path"), py::arg("device") = "cpu")
      .def("maps", &PyModel::maps, py::arg("images"))
      .def("activation_map", &PyModel::activation_map, py::arg("image"), py::arg("input_size") = 448)
      .def_property_readonly("device", [](const PyModel& p) { return p.device().str(); })
      .def_property_readonly("flipped", &PyModel::flipped)
      .def_property_readonly("depth", [](const PyModel& p) { return p.config().backbone.depth; })
      .def_property_readonly("base_width", [](const PyModel& p) { return p.config().backbone.base_width; });
}

}  // namespace c2am::python
