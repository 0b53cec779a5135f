"""Writes tests/data/parity_resnet18_tiny.safetensors: a tiny C²AM model run by
PyTorch, against which test_parity checks the C++ forward pass, loss and every
gradient.

The backbone is torchvision's own ResNet code (its BasicBlock and _make_layer)
at a small base width with C²AM's stage strides [1, 2, 2, 1]; the head, the
pooled embeddings and the loss are written here from SPEC §1–2. Parameters and
BatchNorm statistics are random (not torchvision's initial values) so that
every term matters. The fixture also lists the parameter and buffer names and
shapes of torchvision's ResNet-18/34/50/101, for the naming test.

Needs torch and torchvision from the Python index (CPU execution is enough);
only needed to regenerate the fixture:

    python3 -m pip install torch torchvision safetensors numpy
    python3 tools/make_parity_fixture.py
"""
import json
import pathlib

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from safetensors.torch import save_file

from tiny_resnet import TinyResNet, randomize

DEPTH = 18
BASE_WIDTH = 4
STRIDES = (1, 2, 2, 1)
ALPHA = 0.25
BATCH, SIZE = 4, 64
SEED = 2022


class C2amBackbone(TinyResNet):
    """The tiny ResNet at C²AM's strides, its layer4 and layer3 concatenated."""

    def __init__(self):
        super().__init__(BASE_WIDTH, STRIDES)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x3 = self.layer3(self.layer2(self.layer1(x)))
        x4 = self.layer4(x3)
        return torch.cat([x4, x3], dim=1)


class Head(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.activation_head = nn.Conv2d(channels, 1, kernel_size=3, padding=1, bias=False)
        self.bn_head = nn.BatchNorm2d(1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = C2amBackbone()
        self.ac_head = Head(BASE_WIDTH * 12)

    def forward(self, images):
        z = self.backbone(images)
        p = torch.sigmoid(self.ac_head.bn_head(self.ac_head.activation_head(z)))
        n, c, h, w = z.shape
        zf = z.reshape(n, c, h * w)
        pf = p.reshape(n, 1, h * w)
        fg = (pf * zf).sum(dim=2) / (h * w)
        bg = ((1 - pf) * zf).sum(dim=2) / (h * w)
        return fg, bg, p


def similarity(a, b):
    a = F.normalize(a, dim=1, eps=1e-12)
    b = F.normalize(b, dim=1, eps=1e-12)
    return torch.clamp(a @ b.t(), 0.0005, 0.9995)


def sim_max(a):
    s = similarity(a, a)
    # Rank: position in the row sorted descending (stable: ties to the lower
    # column), minus one. Weights are constants.
    order = torch.sort(s.detach(), dim=1, descending=True, stable=True).indices
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(s.shape[1]).expand_as(order).contiguous())
    weights = torch.exp(-ALPHA * (rank.to(s.dtype) - 1))
    return (weights * -torch.log(s)).mean()


def sim_min(a, b):
    return (-torch.log(1 - similarity(a, b))).mean()


def torchvision_names():
    out = {}
    for depth in (18, 34, 50, 101):
        model = getattr(torchvision.models, f"resnet{depth}")(weights=None)
        out[str(depth)] = {k: list(v.shape) for k, v in model.state_dict().items() if not k.startswith("fc.")}
    return out


def main():
    torch.manual_seed(SEED)
    net = Net()
    randomize(net)
    initial = {f"param.{k}": v.detach().clone() for k, v in net.state_dict().items()}
    images = torch.randn(BATCH, 3, SIZE, SIZE)

    net.train()
    fg, bg, p = net(images)
    bg_bg, bg_fg, fg_fg = sim_max(bg), sim_min(bg, fg), sim_max(fg)
    total = bg_bg + bg_fg + fg_fg
    total.backward()

    tensors = dict(initial)
    tensors["input"] = images
    tensors.update({"out.fg": fg, "out.bg": bg, "out.map": p})
    tensors.update({"loss.bg_bg": bg_bg, "loss.bg_fg": bg_fg, "loss.fg_fg": fg_fg, "loss.total": total})
    for name, param in net.named_parameters():
        tensors[f"grad.{name}"] = param.grad
    for name, buf in net.named_buffers():
        tensors[f"after.{name}"] = buf
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}

    metadata = {
        "depth": str(DEPTH),
        "base_width": str(BASE_WIDTH),
        "strides": json.dumps(STRIDES),
        "alpha": repr(ALPHA),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "torchvision_names": json.dumps(torchvision_names()),
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "parity_resnet18_tiny.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(tensors)} tensors), loss {total.item():.6f}")


if __name__ == "__main__":
    main()
