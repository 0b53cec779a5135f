#pragma once
// Arrays between Python and c2am without copies where the layout allows:
// NumPy arrays through the buffer protocol, torch (or any DLPack producer's)
// tensors through DLPack, CPU and CUDA.
//
// Stream rule (docs/python.md): a CUDA tensor coming in is requested with
// c2am's stream as the consumer stream, so the producer orders its pending
// work before c2am's; a tensor going out is handed over after c2am's stream
// has been synchronized.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <vector>

#include "c2am/core/tensor.hpp"
#include "c2am/data/image.hpp"
#include "c2am/wsol/boxes.hpp"

namespace c2am::python {

namespace py = pybind11;

// A C-ordered NumPy array of `shape` that takes over `values` (no copy):
// results computed into a std::vector go out as they are.
template <typename T>
py::array_t<T> array_owning(std::vector<T> values, const std::vector<py::ssize_t>& shape) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), owner);
}

// Whether `array` holds uint8 values. Dtype fields are read through Python
// attributes: pybind11 before 2.12 reads NumPy 2's descriptor struct wrongly.
bool is_uint8(const py::array& array);

// A c2am tensor viewing `array`'s memory (float32, float64, uint8, int32,
// int64; any non-negative strides that are whole elements), keeping the array
// alive. Other dtypes, negative or partial-element strides: a copy in the
// nearest supported layout. Throws c2am::Error naming `what` on an
// unsupported dtype.
Tensor tensor_from_numpy(const py::array& array, const std::string& what);

// A NumPy array sharing `tensor`'s memory (CPU only), keeping it alive.
py::array numpy_from_tensor(const Tensor& tensor);

// Whether `object` is a tensor to take through DLPack (it has __dlpack__ and
// is not a NumPy array).
bool is_dlpack_tensor(const py::handle& object);

// A c2am tensor viewing a DLPack producer's tensor (torch: CPU or CUDA).
// Throws c2am::Error naming `what` for devices or dtypes c2am lacks, or when
// DLPack support was not compiled in.
Tensor tensor_from_dlpack(const py::object& object, const std::string& what);

// A "dltensor" capsule over `tensor` (torch.from_dlpack takes it).
py::capsule dlpack_from_tensor(const Tensor& tensor);

// Either of the above: NumPy array (or anything np.asarray takes) or DLPack tensor.
Tensor tensor_from_object(const py::object& object, const std::string& what);

// Returns `result` the way the caller's input came: a torch tensor through
// DLPack when `like` was one, else a NumPy array.
py::object to_caller(const Tensor& result, const py::handle& like);

// An RGB picture from a uint8 array (height, width, 3), copied; throws
// c2am::Error naming `what` and the shape otherwise.
Image image_from_array(const py::handle& rgbim, const std::string& what);

// A 2-D score map (H×W, any real dtype) as float64 values, refusing other
// ranks with `what` in the message.
wsol::ScoreMap64 score_map_from_array(const py::array& array, const std::string& what);

// A Python number (int, float, or a NumPy scalar) as a double; std::nullopt
// for anything else (sequences, arrays, strings).
std::optional<double> as_number(const py::handle& value);

// "(2, 3)": an array's shape for messages.
std::string shape_text(const py::array& array);

// Boxes from an array of shape (K, 4) (x0, y0, x1, y1; K may be 0).
std::vector<Box> boxes_from_array(const py::handle& boxes, const std::string& what);

}  // namespace c2am::python
