"""Writes tests/data/parity_poolnet_tiny.safetensors: the saliency network
that refines the WSSS background cues (PoolNet as the C²AM release trains it
on VOC), computed by PyTorch, against which test_saliency_parity checks c2am.

The release's own network files (backseason/PoolNet networks/poolnet.py,
networks/deeplab_resnet.py) depend on their repository's layout, so the
topology is rebuilt here from their description, with PoolNet's module and
parameter names: DeepLab's ResNet-50 (stride on a bottleneck's first 1×1
convolution, ceil-mode stem pooling, layer4 at stride 1 dilated by 2, frozen
BatchNorm), the global guidance module (ppms_pre, 1/3/5 bins, ppm_cat,
infos), the 1×1 converters, five feature-aggregation modules (2/4/8 average
pools) and the score layer, every upsampling bilinear with
align_corners=True — at every channel count divided by DIVISOR.

Everything is computed in float64: a ReLU network's float32 gradients flip
with rounding wherever a pre-activation is within rounding of 0 (both
PyTorch's and c2am's, differently), so float32 gradients of two correct
implementations can differ by ~1e-3 on some tensors; in float64 they agree
to ~1e-12. c2am's float64 path is checked against every value, its float32
forward against the logits.

The model runs in evaluation mode, as the release's solver leaves it;
the loss is binary_cross_entropy_with_logits(reduction="sum") / ITER_SIZE
against a {0, 1} cue; one Adam step (lr 5e-5, weight decay 5e-4) over the
parameters PoolNet trains (not the backbone's BatchNorm).

    python3 -m pip install torch safetensors
    python3 tools/make_poolnet_fixture.py
"""
import pathlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

DIVISOR = 32
HEIGHT, WIDTH = 128, 144
ITER_SIZE = 10
LR, WEIGHT_DECAY = 5e-5, 5e-4
SEED = 2019


def up(x, like):
    return F.interpolate(x, like.shape[2:], mode="bilinear", align_corners=True)


class Bottleneck(nn.Module):
    def __init__(self, inplanes, planes, stride, dilation, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False)  # the stride here (Caffe)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.downsample(x) if self.downsample is not None else x))


class DeepLabResNet50(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.inplanes = width
        self.layer1 = self.make_layer(width, 3, 1, 1)
        self.layer2 = self.make_layer(width * 2, 4, 2, 1)
        self.layer3 = self.make_layer(width * 4, 6, 2, 1)
        self.layer4 = self.make_layer(width * 8, 3, 1, 2)

    def make_layer(self, planes, blocks, stride, dilation):
        downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride=stride, bias=False),
                                   nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, dilation, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes, 1, dilation, None) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        stem = F.relu(self.bn1(self.conv1(x)))
        l1 = self.layer1(self.maxpool(stem))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return [stem, l1, l2, l3, self.layer4(l3)]


class Base(nn.Module):
    def __init__(self, width, guidance, infos):
        super().__init__()
        self.resnet = DeepLabResNet50(width)
        self.ppms_pre = nn.Conv2d(width * 32, guidance, 1, bias=False)
        self.ppms = nn.ModuleList(nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(guidance, guidance, 1, bias=False),
                                                nn.ReLU()) for b in (1, 3, 5))
        self.ppm_cat = nn.Sequential(nn.Conv2d(4 * guidance, guidance, 3, padding=1, bias=False), nn.ReLU())
        self.infos = nn.ModuleList(nn.Sequential(nn.Conv2d(guidance, o, 3, padding=1, bias=False), nn.ReLU())
                                   for o in infos)

    def forward(self, x):
        xs = self.resnet(x)
        top = self.ppms_pre(xs[4])
        guidance = self.ppm_cat(torch.cat([top] + [up(p(top), top) for p in self.ppms], dim=1))
        return xs, [info(up(guidance, xs[3 - k])) for k, info in enumerate(self.infos)]


class DeepPool(nn.Module):
    def __init__(self, k, k_out, need_x2, need_fuse):
        super().__init__()
        self.pools = [nn.AvgPool2d(s, stride=s) for s in (2, 4, 8)]
        self.convs = nn.ModuleList(nn.Conv2d(k, k, 3, padding=1, bias=False) for _ in range(3))
        self.conv_sum = nn.Conv2d(k, k_out, 3, padding=1, bias=False)
        self.need_x2, self.need_fuse = need_x2, need_fuse
        if need_fuse:
            self.conv_sum_c = nn.Conv2d(k_out, k_out, 3, padding=1, bias=False)

    def forward(self, x, x2=None, x3=None):
        resl = x
        for pool, conv in zip(self.pools, self.convs):
            resl = resl + up(conv(pool(x)), x)
        resl = F.relu(resl)
        if self.need_x2:
            resl = up(resl, x2)
        resl = self.conv_sum(resl)
        if self.need_fuse:
            resl = self.conv_sum_c(resl + x2 + x3)
        return resl


class Score(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.score = nn.Conv2d(k, 1, 1)

    def forward(self, x, like):
        return up(self.score(x), like)


class Convert(nn.Module):
    def __init__(self, ins, outs):
        super().__init__()
        self.convert0 = nn.ModuleList(nn.Sequential(nn.Conv2d(i, o, 1, bias=False), nn.ReLU()) for i, o in zip(ins, outs))

    def forward(self, xs):
        return [c(x) for c, x in zip(self.convert0, xs)]


class PoolNet(nn.Module):
    def __init__(self, d):
        super().__init__()
        w = 64 // d
        convert = [128 // d, 256 // d, 256 // d, 512 // d, 512 // d]
        pool_in, pool_out = [512 // d, 512 // d, 256 // d, 256 // d, 128 // d], [512 // d, 256 // d, 256 // d, 128 // d, 128 // d]
        self.base = Base(w, 512 // d, [512 // d, 256 // d, 256 // d, 128 // d])
        self.deep_pool = nn.ModuleList(DeepPool(pool_in[i], pool_out[i], 1 <= i <= 3, i <= 3) for i in range(5))
        self.score = Score(128 // d)
        self.convert = Convert([w, 4 * w, 8 * w, 16 * w, 32 * w], convert)

    def forward(self, x):
        xs, infos = self.base(x)
        c = self.convert(xs)[::-1]
        merge = self.deep_pool[0](c[0], c[1], infos[0])
        for k in range(1, 4):
            merge = self.deep_pool[k](merge, c[k + 1], infos[k])
        return self.score(self.deep_pool[4](merge), x)


def frozen(name):
    return name.startswith("base.resnet.") and (".bn" in name or "downsample.1." in name)


def main():
    torch.manual_seed(SEED)
    net = PoolNet(DIVISOR).double()
    with torch.no_grad():  # every term matters: random weights and BatchNorm statistics
        for name, t in net.state_dict().items():
            if name.endswith("num_batches_tracked"):
                t.fill_(0)
            elif frozen(name) or "running" in name:
                if name.endswith("running_var") or name.endswith("weight"):
                    t.uniform_(0.5, 1.5)
                else:
                    t.uniform_(-0.5, 0.5)
            else:
                fan_in = t[0].numel() if t.dim() > 1 else 1
                t.normal_(0.0, (1.0 / fan_in) ** 0.5 if t.dim() > 1 else 0.1)
    tensors = {f"param.{k}": v.detach().clone() for k, v in net.state_dict().items()}
    image = torch.rand(1, 3, HEIGHT, WIDTH, dtype=torch.float64) * 2 - 1  # unit scale keeps activations moderate
    label = (torch.rand(1, 1, HEIGHT, WIDTH) > 0.6).double()
    net.eval()
    trained = [p for n, p in net.named_parameters() if not frozen(n)]
    optimizer = torch.optim.Adam(trained, lr=LR, weight_decay=WEIGHT_DECAY)
    logits = net(image)
    loss = F.binary_cross_entropy_with_logits(logits, label, reduction="sum") / ITER_SIZE
    loss.backward()
    tensors.update({"input": image, "label": label, "logits": logits, "loss": loss})
    for name, p in net.named_parameters():
        if not frozen(name):
            tensors[f"grad.{name}"] = p.grad
    optimizer.step()
    for name, p in net.named_parameters():
        if not frozen(name):
            tensors[f"after.{name}"] = p
    tensors = {k: v.detach().contiguous() for k, v in tensors.items()}
    metadata = {"divisor": str(DIVISOR), "iter_size": str(ITER_SIZE), "lr": repr(LR), "weight_decay": repr(WEIGHT_DECAY),
                "torch": torch.__version__}
    path = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "parity_poolnet_tiny.safetensors"
    save_file(tensors, str(path), metadata=metadata)
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(tensors)} tensors), loss {loss.item():.6f}, "
          f"{sum(p.numel() for p in net.parameters())} parameters")


if __name__ == "__main__":
    main()
