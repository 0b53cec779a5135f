"""Tests tools/convert_weights.py on checkpoints it builds itself, in each
shape the recipes start from, and feeds every result to `c2am train
--weights` (run by CTest as `convert_weights`; skipped where torch is not
installed):

    python tools/test_convert_weights.py BUILD/c2am WORKDIR

The torchvision-named ResNet-18 state dict comes from c2am itself (a one-step
run's model file, "backbone." removed), so every shape is exact.
"""

import os
import subprocess
import sys
from collections import OrderedDict

import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convert_weights  # noqa: E402

TINY = ["--backbone", "resnet18", "--base-width", "4", "--batch", "8", "--resize", "72", "--crop", "64",
        "--no-progress"]


def run(c2am, *args):
    done = subprocess.run([c2am, *args], capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    c2am, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    status, out = run(c2am, "train", "--data", "synthetic:8", "--max-steps", "1", "--overwrite", "--out",
                      f"{work}/source", *TINY)
    check(status == 0, out)
    model = load_file(f"{work}/source/model.safetensors")
    torchvision = OrderedDict((k[len("backbone."):], v) for k, v in model.items() if k.startswith("backbone."))
    check(len(torchvision) > 50, f"unexpected model file: {list(model)[:5]}")
    torchvision["fc.weight"] = torch.zeros(1000, 32)  # torchvision's classifier, ignored by c2am
    torchvision["fc.bias"] = torch.zeros(1000)

    def prefixed(prefix):
        return OrderedDict((prefix + k, v) for k, v in torchvision.items())

    shapes = {
        # name: (checkpoint, --strip-prefix, the prefix `c2am train` must report stripping)
        "torchvision": (torchvision, "", None),
        "dataparallel": (prefixed("module."), "", "module."),
        "moco_v2": ({"epoch": 800, "arch": "resnet50", "state_dict": prefixed("module.encoder_q."),
                     "optimizer": {"state": {}, "param_groups": [{"lr": 0.03, "params": [0, 1]}]}}, "",
                    "module.encoder_q."),
        "detco": ({"state_dict": prefixed("module.backbone."), "meta": {"epoch": 200}}, "", "module.backbone."),
        "moco_stripped": ({"state_dict": prefixed("module.encoder_q.")}, "module.encoder_q.", None),
        "model_key": ({"model": prefixed("backbone.")}, "", "backbone."),
    }
    for name, (checkpoint, strip, reported) in shapes.items():
        source, target = f"{work}/{name}.pth", f"{work}/{name}.safetensors"
        torch.save(checkpoint, source)
        report = convert_weights.convert(source, target, strip)
        converted = load_file(target)
        names = list(converted)
        if strip:
            check(set(names) == set(torchvision), f"{name}: names {names[:3]} after stripping {strip}")
        for key, value in converted.items():
            original = key[len(reported):] if reported and not strip else key
            check(torch.equal(value, torchvision[original]), f"{name}: {key} changed in conversion")
        check(len(converted) == len(torchvision), f"{name}: {len(converted)} of {len(torchvision)} tensors: {report}")
        if isinstance(checkpoint, dict) and "optimizer" in checkpoint:
            check("left out: arch, epoch, optimizer" in report, f"{name}: report does not say what was left out: {report}")
        status, out = run(c2am, "train", "--data", "synthetic:8", "--max-steps", "1", "--overwrite", "--weights",
                          target, "--out", f"{work}/train-{name}", *TINY)
        check(status == 0, f"{name}: c2am train refused the converted file:\n{out}")
        check("loaded" in out, f"{name}: no load report:\n{out}")
        if reported:
            check(reported in out, f"{name}: c2am did not report stripping {reported}:\n{out}")
        print(f"ok: {name}: {report}")

    # Refused: a pickled module (not a plain state dict), a dict without tensors, NaN.
    torch.save(torch.nn.Linear(2, 2), f"{work}/module.pth")
    try:
        convert_weights.convert(f"{work}/module.pth", f"{work}/module.safetensors")
        raise AssertionError("a pickled nn.Module was converted")
    except convert_weights.ConversionError as e:
        check("weights_only=True" in str(e) and "module.pth" in str(e), str(e))
    torch.save({"epoch": 3, "arch": "resnet50"}, f"{work}/empty.pth")
    try:
        convert_weights.convert(f"{work}/empty.pth", f"{work}/empty.safetensors")
        raise AssertionError("a checkpoint without tensors was converted")
    except convert_weights.ConversionError as e:
        check("no state dict found" in str(e) and "arch, epoch" in str(e), str(e))
    bad = OrderedDict(torchvision)
    bad["conv1.weight"] = bad["conv1.weight"].clone()
    bad["conv1.weight"].view(-1)[5] = float("nan")
    torch.save(bad, f"{work}/nan.pth")
    try:
        convert_weights.convert(f"{work}/nan.pth", f"{work}/nan.safetensors")
        raise AssertionError("NaN weights were converted")
    except convert_weights.ConversionError as e:
        check("conv1.weight holds NaN or infinity (first at flat index 5)" in str(e), str(e))
    check(not os.path.exists(f"{work}/nan.safetensors"), "a refused conversion left an output")
    check(not [f for f in os.listdir(work) if ".tmp-" in f], "temporary files left behind")
    print("ok: refusals")


if __name__ == "__main__":
    main()
