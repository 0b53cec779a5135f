// c2am._core: the compiled half of the Python package c2am (python/c2am).
// c2am::Error becomes c2am.Error, a ValueError, so that pydensecrf-style
// callers catching ValueError keep working.
#include <pybind11/pybind11.h>

#include "arrays.hpp"
#include "c2am/core/error.hpp"
#include "c2am/cuda/runtime.hpp"
#include "c2am/version.hpp"

namespace py = pybind11;

namespace c2am::python {
void bind_densecrf(py::module_& m);
void bind_wsol(py::module_& m);
void bind_loss(py::module_& m);
void bind_model(py::module_& m);
}  // namespace c2am::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "c2am's compiled core (use the package c2am)";
  static py::exception<c2am::Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const c2am::Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
  m.attr("__version__") = C2AM_VERSION_STRING;
  m.def("cuda_compiled", &c2am::cuda::compiled);
  m.def("cuda_available", [] { return c2am::cuda::available(); });
#ifdef C2AM_WITH_DLPACK
  m.attr("dlpack") = true;
#else
  m.attr("dlpack") = false;
#endif
  // For tests and debugging: `x` as a c2am tensor handed straight back (the
  // same memory, through the buffer protocol or DLPack, never copied).
  m.def("_view", [](const py::object& x) { return c2am::python::to_caller(c2am::python::tensor_from_object(x, "_view"), x); });
  auto densecrf = m.def_submodule("densecrf");
  c2am::python::bind_densecrf(densecrf);
  auto wsol = m.def_submodule("wsol");
  c2am::python::bind_wsol(wsol);
  auto loss = m.def_submodule("loss");
  c2am::python::bind_loss(loss);
  c2am::python::bind_model(m);
}
