"""c2am.loss.contrastive against the same loss written in PyTorch (SPEC §2),
and torch's finite-difference gradcheck in float64."""
import numpy as np
import pytest

import c2am

torch = pytest.importorskip("torch")


def torch_loss(fg, bg, alpha):
    """The C²AM loss in plain PyTorch: clamped cosine similarities, rank
    weights exp(-alpha * (rank - 1)) with ties to the lower column (a stable
    descending sort), SimMax(bg) + SimMin(bg, fg) + SimMax(fg)."""
    def similarity(a, b):
        a = a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)
        b = b / b.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return (a @ b.t()).clamp(0.0005, 0.9995)

    def sim_max(x):
        s = similarity(x, x)
        order = torch.argsort(s.detach(), dim=1, descending=True, stable=True)
        ranks = torch.empty_like(order)
        ranks.scatter_(1, order, torch.arange(s.shape[1]).expand_as(order).contiguous())
        weights = torch.exp(-alpha * (ranks.to(s.dtype) - 1))
        return (weights * -torch.log(s)).mean()

    def sim_min(a, b):
        return (-torch.log(1 - similarity(a, b))).mean()

    return sim_max(bg) + sim_min(bg, fg) + sim_max(fg)


def embeddings(n, c, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    fg = torch.rand(n, c, generator=g, dtype=dtype) + 0.05 * torch.randn(n, c, generator=g, dtype=dtype)
    bg = torch.rand(n, c, generator=g, dtype=dtype)
    return fg.requires_grad_(), bg.requires_grad_()


@pytest.mark.parametrize("dtype,tolerance", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("path", ["composed", "fused"])
def test_value_and_gradients_equal_pytorch(dtype, tolerance, path):
    fg, bg = embeddings(12, 20, dtype, 1)
    ours = c2am.loss.contrastive(fg, bg, 0.25, path=path)
    ours.backward()
    fg2, bg2 = fg.detach().clone().requires_grad_(), bg.detach().clone().requires_grad_()
    theirs = torch_loss(fg2, bg2, 0.25)
    theirs.backward()
    assert ours.dtype == dtype and ours.shape == ()
    torch.testing.assert_close(ours, theirs, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(fg.grad, fg2.grad, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(bg.grad, bg2.grad, rtol=tolerance, atol=tolerance)


def test_gradcheck_float64():
    fg, bg = embeddings(6, 5, torch.float64, 2)
    assert torch.autograd.gradcheck(lambda a, b: c2am.loss.contrastive(a, b, 0.05), (fg, bg), eps=1e-6, atol=1e-7)


def test_chain_rule_and_partial_inputs():
    fg, bg = embeddings(8, 6, torch.float64, 3)
    (3.0 * c2am.loss.contrastive(fg * 2, bg, 0.25)).backward()
    fg2, bg2 = fg.detach().clone().requires_grad_(), bg.detach().clone().requires_grad_()
    (3.0 * torch_loss(fg2 * 2, bg2, 0.25)).backward()
    torch.testing.assert_close(fg.grad, fg2.grad, rtol=1e-12, atol=1e-12)
    frozen = bg.detach()
    fg.grad = None
    c2am.loss.contrastive(fg, frozen, 0.25).backward()
    assert fg.grad is not None


def test_terms_and_numpy():
    fg, bg = embeddings(10, 4, torch.float64, 4)
    terms = c2am.loss.contrastive_terms(fg, bg, 0.25)
    assert abs(terms["bg_bg"] + terms["bg_fg"] + terms["fg_fg"] - terms["total"]) < 1e-12
    value = c2am.loss.contrastive(fg.detach().numpy(), bg.detach().numpy(), 0.25)
    assert isinstance(value, np.ndarray) and abs(float(value) - terms["total"]) < 1e-12
    with pytest.raises(c2am.Error, match="N x C"):
        c2am.loss.contrastive(fg.detach().numpy(), bg.detach().numpy()[:5], 0.25)
    with pytest.raises(ValueError, match="path must be one of"):
        c2am.loss.contrastive(fg, bg, 0.25, path="fast")


def test_in_place_change_after_forward_is_refused():
    fg, bg = embeddings(6, 4, torch.float64, 5)
    x = fg * 1.0
    loss = c2am.loss.contrastive(x, bg, 0.25)
    with torch.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


@pytest.mark.skipif(not c2am.cuda_available(), reason="no GPU")
def test_cuda_fused_equals_cpu():
    fg, bg = embeddings(64, 32, torch.float32, 6)
    cpu = c2am.loss.contrastive(fg, bg, 0.25)
    cpu.backward()
    fgc, bgc = fg.detach().cuda().requires_grad_(), bg.detach().cuda().requires_grad_()
    gpu = c2am.loss.contrastive(fgc, bgc, 0.25)
    gpu.backward()
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(fgc.grad.cpu(), fg.grad, rtol=1e-3, atol=1e-6)


def test_refusals_name_the_problem():
    fg, bg = embeddings(6, 4, torch.float32, 7)
    with pytest.raises(c2am.Error, match="float16 tensors are not supported.*float"):
        c2am.loss.contrastive(fg.detach().half(), bg.detach().half(), 0.25)
    with pytest.raises(c2am.Error, match="bfloat16 tensors are not supported"):
        c2am.loss.contrastive(fg.detach().bfloat16(), bg.detach().bfloat16(), 0.25)
    with pytest.raises(ValueError, match="both be torch tensors or both arrays"):
        c2am.loss.contrastive(fg, bg.detach().numpy(), 0.25)
    loss = c2am.loss.contrastive(fg, bg, 0.25)
    (grad,) = torch.autograd.grad(loss, fg, create_graph=True)
    with pytest.raises(RuntimeError):  # first derivatives only, said rather than wrong
        grad.sum().backward()
