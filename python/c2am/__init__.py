"""c2am for Python: the dense CRF, the WSOL evaluators, the C²AM contrastive
loss and trained C²AM models, from c2am's C++/CUDA library.

Submodules:
  c2am.densecrf  pydensecrf's DenseCRF2D API (a drop-in subset) and a batched call
  c2am.wsol      box extraction, wsolevaluation's and the release's protocols
  c2am.loss      the contrastive loss as a torch.autograd.Function
  c2am.Model     a trained model (c2am train's model.safetensors) returning maps

Errors from the library are raised as c2am.Error (a ValueError). See docs/python.md.
"""
from . import _core
from ._core import Error, __version__
from . import densecrf, wsol, loss
from .model import Model


def cuda_compiled() -> bool:
    """Whether this build of the module has c2am's CUDA backend compiled in."""
    return bool(_core.cuda_compiled())


def cuda_available() -> bool:
    """Whether this build has CUDA and a GPU is usable now."""
    return bool(_core.cuda_available())


__all__ = ["Error", "Model", "densecrf", "wsol", "loss", "cuda_compiled", "cuda_available", "__version__"]
