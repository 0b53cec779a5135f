"""The C²AM rank-weighted contrastive loss from c2am's library (formula: docs/python.md).

contrastive(fg, bg, alpha) with torch tensors is a torch.autograd.Function:
the loss and its gradients come from c2am (the fused CUDA kernels for float32
CUDA tensors, c2am's CPU implementation otherwise), and torch's autograd
carries them on. Inputs are shared with c2am through DLPack, not copied.
With NumPy arrays it returns the loss's value (no gradient).
"""
import numpy as np

from . import _core

PATHS = ("automatic", "composed", "fused")


def _is_torch(x):
    return type(x).__module__.startswith("torch") and hasattr(x, "__dlpack__")


def _function():
    import torch
    from torch.autograd.function import once_differentiable

    class ContrastiveLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, fg, bg, alpha, path):
            needs_grad = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
            graph = _core.loss.ContrastiveGraph(fg.detach(), bg.detach(), float(alpha), path, needs_grad)
            ctx.graph = graph
            ctx.unit_grads = None
            # Saved so that torch refuses a backward after fg or bg changed in place.
            ctx.save_for_backward(fg, bg)
            return graph.total()

        @staticmethod
        @once_differentiable  # c2am gives first derivatives only: a double backward raises
        def backward(ctx, grad_total):
            fg, _ = ctx.saved_tensors  # torch's in-place check
            # The loss is a scalar: its gradients for an upstream gradient g
            # are g times those for 1. c2am's graph is run once (it frees its
            # saved tensors); later backward passes over a retained graph
            # (torch.autograd.gradcheck, retain_graph=True) reuse the result.
            if ctx.unit_grads is None:
                ctx.unit_grads = ctx.graph.backward(torch.ones((), dtype=fg.dtype, device=fg.device))
                ctx.graph = None
            grad_fg, grad_bg = ctx.unit_grads
            return grad_total * grad_fg, grad_total * grad_bg, None, None

    return ContrastiveLoss


_CONTRASTIVE = None


def contrastive(fg, bg, alpha, path="automatic"):
    """L = SimMax(bg) + SimMin(bg, fg) + SimMax(fg).

    fg, bg: (N, C) embeddings, float32 or float64, same dtype and device
        (torch tensors on the CPU or a GPU, or NumPy arrays).
    alpha: the rank weighting's rate (0.05 in the CUB recipe, 0.25 for
        ImageNet and VOC).
    path: "automatic" (fused for float32 on a GPU, composed otherwise),
        "composed" or "fused".

    Returns a 0-d tensor of the inputs' kind; with torch inputs it is
    differentiable with respect to fg and bg (first derivatives only: a double
    backward raises). float16/bfloat16 inputs are refused: convert with .float().
    """
    if path not in PATHS:
        raise ValueError("loss.contrastive: path must be one of %s, got %r" % (PATHS, path))
    if _is_torch(fg) != _is_torch(bg):
        raise ValueError("loss.contrastive: fg and bg must both be torch tensors or both arrays, got %s and %s"
                         % (type(fg).__name__, type(bg).__name__))
    if _is_torch(fg):
        global _CONTRASTIVE
        if _CONTRASTIVE is None:
            _CONTRASTIVE = _function()
        return _CONTRASTIVE.apply(fg, bg, alpha, path)
    graph = _core.loss.ContrastiveGraph(np.asarray(fg), np.asarray(bg), float(alpha), path, False)
    return graph.total()


def contrastive_terms(fg, bg, alpha, path="automatic"):
    """The loss's three terms as floats: {"total", "bg_bg", "bg_fg", "fg_fg"}
    (SimMax(bg), SimMin(bg, fg), SimMax(fg)), for logging. No gradient."""
    if _is_torch(fg):
        fg, bg = fg.detach(), bg.detach()
    else:
        fg, bg = np.asarray(fg), np.asarray(bg)
    return _core.loss.ContrastiveGraph(fg, bg, float(alpha), path, False).terms()


__all__ = ["contrastive", "contrastive_terms"]
