#include "arrays.hpp"

#include <cmath>
#include <memory>

#ifdef C2AM_WITH_DLPACK
#include <dlpack/dlpack.h>
#endif

#include "c2am/cuda/runtime.hpp"

namespace c2am::python {

namespace {

DType dtype_of_numpy(const py::dtype& dtype, const std::string& what) {
  // Python attributes, not pybind11's struct reads (wrong for NumPy 2 before pybind11 2.12).
  const char kind = dtype.attr("kind").cast<std::string>().at(0);
  const auto size = dtype.attr("itemsize").cast<py::ssize_t>();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'u' && size == 1) return DType::UInt8;
  if (kind == 'i' && size == 4) return DType::Int32;
  if (kind == 'i' && size == 8) return DType::Int64;
  throw Error(what + ": arrays of dtype " + py::str(static_cast<const py::handle&>(dtype)).cast<std::string>() +
              " are not supported (float32, float64, uint8, int32, int64; convert with .astype(np.float32))");
}

py::dtype numpy_dtype_of(DType dtype) {
  switch (dtype) {
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
    case DType::UInt8: return py::dtype::of<std::uint8_t>();
    case DType::Int32: return py::dtype::of<std::int32_t>();
    case DType::Int64: return py::dtype::of<std::int64_t>();
    default: throw Error(std::string("c2am tensors of dtype ") + dtype_name(dtype) + " have no NumPy twin here");
  }
}

// Releases a borrowed Python object from whatever thread c2am drops it on.
std::function<void()> keep_alive(py::object object) {
  auto* kept = new py::object(std::move(object));
  return [kept] {
    py::gil_scoped_acquire gil;
    delete kept;
  };
}

}  // namespace

bool is_uint8(const py::array& array) {
  const py::object dtype = array.attr("dtype");
  return dtype.attr("kind").cast<std::string>() == "u" && dtype.attr("itemsize").cast<int>() == 1;
}

Tensor tensor_from_numpy(const py::array& array_in, const std::string& what) {
  py::array array = array_in;
  const DType dtype = dtype_of_numpy(array.dtype(), what);
  const auto itemsize = static_cast<py::ssize_t>(element_size(dtype));
  bool viewable = array.dtype().attr("byteorder").cast<std::string>() != ">";
  for (py::ssize_t d = 0; d < array.ndim(); ++d)
    if (array.strides(d) < 0 || array.strides(d) % itemsize != 0) viewable = false;
  if (!viewable) {  // a dense native-order copy
    py::module_ np = py::module_::import("numpy");
    array = np.attr("ascontiguousarray")(array, array.dtype().attr("newbyteorder")("="));
  }
  Shape shape;
  Strides strides;
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    shape.push_back(array.shape(d));
    strides.push_back(array.strides(d) / itemsize);
  }
  void* data = const_cast<void*>(array.data());  // writable views stay writable through c2am
  return from_external(data, shape, strides, dtype, Device::cpu(), keep_alive(array));
}

py::array numpy_from_tensor(const Tensor& tensor) {
  check(tensor.device().is_cpu(), "c2am (Python)", "a NumPy array needs a CPU tensor, got ", tensor.describe());
  const auto itemsize = static_cast<py::ssize_t>(element_size(tensor.dtype()));
  std::vector<py::ssize_t> shape, strides;
  for (std::int64_t d = 0; d < tensor.dim(); ++d) {
    shape.push_back(tensor.size(d));
    strides.push_back(tensor.strides()[d] * itemsize);
  }
  auto* owner = new std::shared_ptr<Storage>(tensor.storage());
  py::capsule base(owner, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  return py::array(numpy_dtype_of(tensor.dtype()), shape, strides, tensor.raw_data(), base);
}

bool is_dlpack_tensor(const py::handle& object) {
  return !py::isinstance<py::array>(object) && py::hasattr(object, "__dlpack__");
}

#ifdef C2AM_WITH_DLPACK

namespace {

// The DLPack type's usual name ("float16", "bfloat16", "int16", ...).
std::string dlpack_type_name(const DLDataType& t) {
  std::string name = t.code == kDLFloat    ? "float"
                     : t.code == kDLBfloat ? "bfloat"
                     : t.code == kDLInt    ? "int"
                     : t.code == kDLUInt   ? "uint"
                                           : "type code " + std::to_string(t.code) + " of ";
  name += std::to_string(t.bits);
  if (t.lanes != 1) name += " x" + std::to_string(t.lanes);
  return name;
}

DType dtype_of_dlpack(const DLDataType& t, const std::string& what) {
  if (t.lanes == 1) {
    if (t.code == kDLFloat && t.bits == 32) return DType::Float32;
    if (t.code == kDLFloat && t.bits == 64) return DType::Float64;
    if (t.code == kDLUInt && t.bits == 8) return DType::UInt8;
    if (t.code == kDLInt && t.bits == 32) return DType::Int32;
    if (t.code == kDLInt && t.bits == 64) return DType::Int64;
  }
  throw Error(what + ": " + dlpack_type_name(t) +
              " tensors are not supported (float32, float64, uint8, int32, int64; convert with .float())");
}

DLDataType dlpack_dtype_of(DType dtype) {
  switch (dtype) {
    case DType::Float32: return {kDLFloat, 32, 1};
    case DType::Float64: return {kDLFloat, 64, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::Int32: return {kDLInt, 32, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    default: throw Error(std::string("c2am tensors of dtype ") + dtype_name(dtype) + " have no DLPack export here");
  }
}

// What a capsule made by dlpack_from_tensor owns.
struct ExportedTensor {
  DLManagedTensor managed{};
  std::shared_ptr<Storage> storage;
  std::vector<std::int64_t> shape, strides;
};

void delete_exported(DLManagedTensor* managed) { delete static_cast<ExportedTensor*>(managed->manager_ctx); }

}  // namespace

Tensor tensor_from_dlpack(const py::object& object, const std::string& what) {
  py::tuple device = object.attr("__dlpack_device__")();
  const int device_type = device[0].cast<int>();
  const int device_id = device[1].cast<int>();
  py::object capsule_object;
  Device where = Device::cpu();
  if (device_type == kDLCPU) {
    capsule_object = object.attr("__dlpack__")();
  } else if (device_type == kDLCUDA) {
    check(cuda::available(), what.c_str(), "a CUDA tensor was given but ",
          cuda::compiled() ? cuda::availability().reason : std::string("this c2am was built without CUDA"));
    where = Device::cuda(device_id);
    // The producer orders its pending work before c2am's stream.
    const auto stream = reinterpret_cast<std::intptr_t>(cuda::stream_handle(device_id));
    capsule_object = object.attr("__dlpack__")(py::arg("stream") = stream);
  } else {
    throw Error(what + ": tensors on DLPack device type " + std::to_string(device_type) +
                " are not supported (CPU and CUDA)");
  }
  PyObject* capsule = capsule_object.ptr();
  check(PyCapsule_IsValid(capsule, "dltensor"), what.c_str(), "__dlpack__ did not return an unused DLPack capsule");
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
  const DLTensor& t = managed->dl_tensor;
  const DType dtype = dtype_of_dlpack(t.dtype, what);
  Shape shape(t.shape, t.shape + t.ndim);
  Strides strides(t.ndim);
  for (int d = t.ndim - 1; d >= 0; --d)  // DLPack: null strides mean row-major
    strides[d] = t.strides ? t.strides[d] : (d + 1 < t.ndim ? strides[d + 1] * shape[d + 1] : 1);
  void* data = static_cast<char*>(t.data) + t.byte_offset;
  PyCapsule_SetName(capsule, "used_dltensor");  // the consumer owns it now
  auto release = [managed] {
    if (managed->deleter) managed->deleter(managed);
  };
  for (auto s : strides)
    if (s < 0) {
      release();
      throw Error(what + ": tensors with negative strides are not supported (call .contiguous())");
    }
  return from_external(data, shape, strides, dtype, where, release);
}

py::capsule dlpack_from_tensor(const Tensor& tensor) {
  if (tensor.device().is_cuda()) cuda::synchronize(tensor.device().index);  // handed over complete
  auto* exported = new ExportedTensor;
  exported->storage = tensor.storage();
  for (std::int64_t d = 0; d < tensor.dim(); ++d) {
    exported->shape.push_back(tensor.size(d));
    exported->strides.push_back(tensor.strides()[d]);
  }
  DLTensor& t = exported->managed.dl_tensor;
  t.data = tensor.raw_data();
  t.device = {tensor.device().is_cuda() ? kDLCUDA : kDLCPU, tensor.device().index};
  t.ndim = static_cast<int>(tensor.dim());
  t.dtype = dlpack_dtype_of(tensor.dtype());
  t.shape = exported->shape.data();
  t.strides = exported->strides.data();
  t.byte_offset = 0;
  exported->managed.manager_ctx = exported;
  exported->managed.deleter = delete_exported;
  return py::capsule(&exported->managed, "dltensor", [](PyObject* capsule) {
    // Deleted unused (nobody took it): free it here; a consumer renames it.
    if (PyCapsule_IsValid(capsule, "dltensor")) {
      auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(capsule, "dltensor"));
      managed->deleter(managed);
    }
  });
}

#else  // without dlpack.h: torch CPU tensors through NumPy, CUDA refused

Tensor tensor_from_dlpack(const py::object& object, const std::string& what) {
  if (py::hasattr(object, "is_cuda") && object.attr("is_cuda").cast<bool>())
    throw Error(what + ": CUDA tensors need DLPack, which this c2am module was built without (libdlpack-dev)");
  return tensor_from_numpy(object.attr("numpy")(), what);
}

py::capsule dlpack_from_tensor(const Tensor&) {
  throw Error("c2am (Python): this module was built without DLPack (libdlpack-dev)");
}

#endif

Tensor tensor_from_object(const py::object& object, const std::string& what) {
  if (is_dlpack_tensor(object)) return tensor_from_dlpack(object, what);
  return tensor_from_numpy(py::array::ensure(object), what);
}

py::object to_caller(const Tensor& result, const py::handle& like) {
  if (is_dlpack_tensor(like)) {
#ifdef C2AM_WITH_DLPACK
    return py::module_::import("torch").attr("from_dlpack")(dlpack_from_tensor(result));
#else
    return py::module_::import("torch").attr("from_numpy")(numpy_from_tensor(result.to(Device::cpu())));
#endif
  }
  return numpy_from_tensor(result.to(Device::cpu()));
}

Image image_from_array(const py::handle& rgbim, const std::string& what) {
  py::array given = py::array::ensure(rgbim);
  check(static_cast<bool>(given) && is_uint8(given), what.c_str(), "the image must be a uint8 array (height, width, 3)");
  check(given.ndim() == 3 && given.shape(2) == 3, what.c_str(),
        "the image must have shape (height, width, 3), got shape ", shape_text(given));
  auto pixels = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(given);
  Image image(static_cast<int>(pixels.shape(1)), static_cast<int>(pixels.shape(0)));
  std::copy(pixels.data(), pixels.data() + pixels.size(), image.pixels.begin());
  return image;
}

wsol::ScoreMap64 score_map_from_array(const py::array& array, const std::string& what) {
  check(array.ndim() == 2, what.c_str(), "a score map is a 2-D array (height, width), got ", array.ndim(),
        " dimensions");
  auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(array);
  check(static_cast<bool>(values), what.c_str(), "the score map is not a real-valued array");
  wsol::ScoreMap64 map;
  map.height = static_cast<int>(values.shape(0));
  map.width = static_cast<int>(values.shape(1));
  map.values.assign(values.data(), values.data() + values.size());
  return map;
}

std::optional<double> as_number(const py::handle& value) {
  if (py::isinstance<py::bool_>(value) || py::isinstance<py::str>(value) || py::isinstance<py::bytes>(value))
    return std::nullopt;
  if (py::isinstance<py::array>(value) && py::array::ensure(value).ndim() != 0) return std::nullopt;
  if (!PyNumber_Check(value.ptr()) || PySequence_Check(value.ptr())) return std::nullopt;
  const double v = PyFloat_AsDouble(value.ptr());  // ints, floats and NumPy scalars through __float__
  if (v == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    return std::nullopt;
  }
  return v;
}

std::string shape_text(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    if (d) text += ", ";
    text += std::to_string(array.shape(d));
  }
  return text + (array.ndim() == 1 ? ",)" : ")");
}

std::vector<Box> boxes_from_array(const py::handle& boxes_in, const std::string& what) {
  auto boxes = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(boxes_in);
  check(static_cast<bool>(boxes), what.c_str(), "boxes must be a numeric array of shape (K, 4)");
  if (boxes.ndim() == 1 && boxes.shape(0) == 4) boxes = boxes.reshape({1, 4});
  check(boxes.ndim() == 2 && boxes.shape(1) == 4, what.c_str(),
        "boxes must have shape (K, 4) as x0, y0, x1, y1, got shape ", shape_text(boxes));
  std::vector<Box> out;
  for (py::ssize_t k = 0; k < boxes.shape(0); ++k) {
    const double* b = boxes.data(k, 0);
    for (int j = 0; j < 4; ++j)
      check(std::isfinite(b[j]), what.c_str(), "box ", k, " has a non-finite coordinate ", b[j]);
    out.push_back({static_cast<float>(b[0]), static_cast<float>(b[1]), static_cast<float>(b[2]),
                   static_cast<float>(b[3])});
  }
  return out;
}

}  // namespace c2am::python
