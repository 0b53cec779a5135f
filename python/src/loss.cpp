// c2am._core.loss: the C²AM contrastive loss with c2am's own autograd kept
// between a forward and a backward call, for c2am.loss.contrastive (a
// torch.autograd.Function) and for NumPy callers.
#include <pybind11/stl.h>

#include "arrays.hpp"
#include "c2am/autograd/grad_mode.hpp"
#include "c2am/loss/contrastive.hpp"

namespace c2am::python {

namespace {

// One forward pass: the inputs (views of the caller's memory, as leaves) and
// the graph behind the total, until backward() consumes it.
class ContrastiveGraph {
 public:
  ContrastiveGraph(const py::object& fg, const py::object& bg, double alpha, const std::string& path,
                   bool needs_grad)
      : like_(fg) {
    fg_ = tensor_from_object(fg, "loss.contrastive (fg)");
    bg_ = tensor_from_object(bg, "loss.contrastive (bg)");
    check(fg_.dim() == 2 && bg_.dim() == 2 && fg_.shape() == bg_.shape(), "loss.contrastive",
          "fg and bg must both be N x C, got ", fg_.describe(), " and ", bg_.describe());
    check(fg_.dtype() == bg_.dtype() && fg_.device() == bg_.device(), "loss.contrastive",
          "fg and bg must share dtype and device, got ", fg_.describe(), " and ", bg_.describe());
    check(is_compute_type(fg_.dtype()), "loss.contrastive", "embeddings must be float32 or float64, got ",
          fg_.describe());
    const LossPath which = parse_loss_path(path);
    py::gil_scoped_release released;
    const bool previous = is_grad_enabled();
    set_grad_enabled(needs_grad);
    try {
      if (needs_grad) {
        fg_.set_requires_grad(true);
        bg_.set_requires_grad(true);
      }
      terms_ = contrastive_loss(fg_, bg_, alpha, which);
    } catch (...) {
      set_grad_enabled(previous);
      throw;
    }
    set_grad_enabled(previous);
  }

  py::object total() const { return to_caller(terms_.total.detach(), like_); }

  py::dict terms() const {
    py::dict out;
    out["total"] = terms_.total.item();
    out["bg_bg"] = terms_.bg_bg.item();
    out["bg_fg"] = terms_.bg_fg.item();
    out["fg_fg"] = terms_.fg_fg.item();
    return out;
  }

  // d total / d fg and d total / d bg, scaled by `grad` (the gradient of the
  // total, a scalar). Once per forward: the graph's saved tensors are freed.
  py::tuple backward(const py::object& grad_object) {
    check(fg_.requires_grad(), "loss.contrastive", "backward of a forward run without gradient recording");
    check(!used_, "loss.contrastive", "backward called twice on one forward (run the forward again)");
    Tensor grad = tensor_from_object(grad_object, "loss.contrastive (gradient)");
    check(grad.numel() == 1, "loss.contrastive", "the gradient of the loss must be a scalar, got ", grad.describe());
    {
      py::gil_scoped_release released;
      grad = grad.to(terms_.total.device()).to(terms_.total.dtype()).reshape(terms_.total.shape()).contiguous();
      terms_.total.backward(grad);
    }
    used_ = true;
    return py::make_tuple(to_caller(fg_.grad(), like_), to_caller(bg_.grad(), like_));
  }

 private:
  py::object like_;  // the caller's fg: results come back as its kind (torch or NumPy)
  Tensor fg_, bg_;
  ContrastiveLossTerms terms_;
  bool used_ = false;
};

}  // namespace

void bind_loss(py::module_& m) {
  py::class_<ContrastiveGraph>(m, "ContrastiveGraph")
      .def(py::init<const py::object&, const py::object&, double, const std::string&, bool>(), py::arg("fg"),
           py::arg("bg"), py::arg("alpha"), py::arg("path") = "automatic", py::arg("needs_grad") = true)
      .def("total", &ContrastiveGraph::total)
      .def("terms", &ContrastiveGraph::terms)
      .def("backward", &ContrastiveGraph::backward, py::arg("grad"));
}

}  // namespace c2am::python
