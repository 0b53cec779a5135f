"""torchvision's ResNet-18 topology at a small base width, built from
torchvision's own BasicBlock and _make_layer, and the random parameters the
parity fixtures give it. Shared by make_parity_fixture.py (C²AM's strides)
and make_stage2_fixture.py (torchvision's strides, an fc head)."""
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock, ResNet


class TinyResNet(ResNet):
    """ResNet-18 layout at `base_width` with the given stage strides; `fc`
    (optional) is applied to the average-pooled layer4 as torchvision does."""

    def __init__(self, base_width, strides, fc=None):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = base_width
        self.dilation = 1
        self.groups = 1
        self.base_width = 64  # BasicBlock insists on its default group width
        self.conv1 = nn.Conv2d(3, base_width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(BasicBlock, base_width, 2, stride=strides[0])
        self.layer2 = self._make_layer(BasicBlock, base_width * 2, 2, stride=strides[1])
        self.layer3 = self._make_layer(BasicBlock, base_width * 4, 2, stride=strides[2])
        self.layer4 = self._make_layer(BasicBlock, base_width * 8, 2, stride=strides[3])
        if fc is not None:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = fc


def randomize(net):
    """Random parameters and BatchNorm statistics, so that every term matters:
    BatchNorm weights and variances in [0.5, 1.5], biases and means in
    [-0.5, 0.5], other tensors normal with He scaling of their fan-in."""
    with torch.no_grad():
        for name, t in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(3)
            elif "bn" in name or "downsample.1" in name:
                if name.endswith("running_var") or name.endswith("weight"):
                    t.uniform_(0.5, 1.5)
                else:
                    t.uniform_(-0.5, 0.5)
            else:
                fan_in = t[0].numel() if t.dim() > 1 else t.numel()
                t.normal_(0.0, (2.0 / fan_in) ** 0.5)
