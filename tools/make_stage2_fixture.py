"""Writes tests/data/parity_stage2_tiny.safetensors: the second WSOL stage
(PSOL, as the C²AM release's WSOL/PSOL runs it) computed by PyTorch, against
which test_stage2_parity checks c2am's box regressor, classifier, losses and
optimizer.

- Box regressor: torchvision's ResNet code (BasicBlock, _make_layer) at a small
  base width with the standard strides, its fc replaced by the release's head
  (models/models.py: Linear(C, 512), ReLU, Linear(512, 4), Sigmoid). Loss
  50 × MSELoss on (x, y, w, h) targets (training_CUB.py); two SGD steps with
  the release's parameter groups (fc at 2 × lr, the rest at lr), momentum 0.9,
  weight decay 1e-4, lr 0.002, CosineAnnealingLR stepped every iteration.
- Classifier: the same backbone with fc = Linear(C, CLASSES), cross-entropy,
  forward and gradients.
Parameters and BatchNorm statistics are random so that every term matters.
The metadata also lists the state names and shapes of torchvision's
ResNet-50 with the release's regressor head, and of ResNet-18 with its
1000-class fc, for the naming test.

Needs torch and torchvision from the Python index (CPU is enough); only
needed to regenerate the fixture:

    python3 -m pip install torch torchvision safetensors numpy
    python3 tools/make_stage2_fixture.py
"""
import json
import pathlib

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from safetensors.torch import save_file

from tiny_resnet import TinyResNet, randomize

BASE_WIDTH = 4
STRIDES = (1, 2, 2, 2)  # torchvision's
CLASSES = 5
BATCH, SIZE = 4, 64
LR, T_MAX, STEPS = 0.002, 10, 2
SEED = 2020


def release_regressor_head(channels):
    return nn.Sequential(nn.Linear(channels, 512), nn.ReLU(), nn.Linear(512, 4), nn.Sigmoid())


def torchvision_names():
    regressor = torchvision.models.resnet50(weights=None)
    regressor.fc = release_regressor_head(2048)
    classifier = torchvision.models.resnet18(weights=None)
    shapes = lambda m: {k: list(v.shape) for k, v in m.state_dict().items()}
    return {"regressor_resnet50": shapes(regressor), "classifier_resnet18": shapes(classifier)}


def regressor_part(tensors):
    net = TinyResNet(BASE_WIDTH, STRIDES, release_regressor_head(BASE_WIDTH * 8))
    randomize(net)
    tensors.update({f"reg.param.{k}": v.detach().clone() for k, v in net.state_dict().items()})
    images = torch.randn(BATCH, 3, SIZE, SIZE)
    corners = torch.rand(BATCH, 2, 2).sort(dim=1).values  # x0 < x1, y0 < y1
    targets = torch.stack([corners[:, 0, 0], corners[:, 0, 1], corners[:, 1, 0] - corners[:, 0, 0],
                           corners[:, 1, 1] - corners[:, 0, 1]], dim=1)
    tensors["reg.input"], tensors["reg.target"] = images, targets
    head = list(net.fc.parameters())
    head_ids = {id(p) for p in head}
    rest = [p for p in net.parameters() if id(p) not in head_ids]
    optimizer = torch.optim.SGD([{"params": head, "lr": 2 * LR}, {"params": rest, "lr": LR}], LR, momentum=0.9,
                                weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_MAX)
    net.train()
    for step in range(STEPS):
        optimizer.zero_grad()
        out = net(images)
        loss = 50 * F.mse_loss(out, targets)
        loss.backward()
        tensors[f"reg.step{step}.out"] = out
        tensors[f"reg.step{step}.loss"] = loss
        if step == 0:
            for name, p in net.named_parameters():
                tensors[f"reg.step0.grad.{name}"] = p.grad
        optimizer.step()
        scheduler.step()
        for name, t in net.state_dict().items():
            tensors[f"reg.step{step}.after.{name}"] = t.detach().clone()


def classifier_part(tensors):
    net = TinyResNet(BASE_WIDTH, STRIDES, nn.Linear(BASE_WIDTH * 8, CLASSES))
    randomize(net)
    tensors.update({f"cls.param.{k}": v.detach().clone() for k, v in net.state_dict().items()})
    images = torch.randn(BATCH, 3, SIZE, SIZE)
    labels = torch.tensor([3, 0, 4, 3])
    net.train()
    logits = net(images)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    tensors["cls.input"], tensors["cls.labels"] = images, labels
    tensors["cls.logits"], tensors["cls.loss"] = logits, loss
    for name, p in net.named_parameters():
        tensors[f"cls.grad.{name}"] = p.grad


def main():
    torch.manual_seed(SEED)
    tensors = {}
    regressor_part(tensors)
    classifier_part(tensors)
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    metadata = {
        "base_width": str(BASE_WIDTH),
        "classes": str(CLASSES),
        "lr": repr(LR),
        "t_max": str(T_MAX),
        "steps": str(STEPS),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "torchvision_names": json.dumps(torchvision_names()),
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "parity_stage2_tiny.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(tensors)} tensors), "
          f"regressor loss {tensors['reg.step0.loss'].item():.6f}, classifier loss {tensors['cls.loss'].item():.6f}")


if __name__ == "__main__":
    main()
