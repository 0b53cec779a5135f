"""Converts a PyTorch checkpoint into a safetensors file that
`c2am train --weights` reads: torchvision's ResNet .pth files, the MoCo-v2 and
DetCo checkpoints the C²AM recipes start from ({"state_dict": {...}} with
"module.encoder_q." and similar prefixes), DataParallel's "module." names.

    python tools/convert_weights.py resnet50-0676ba61.pth resnet50.safetensors
    python tools/convert_weights.py moco_v2_800ep_pretrain.pth.tar moco.safetensors --strip-prefix module.encoder_q.

The checkpoint is loaded with torch.load(..., weights_only=True): only plain
containers of tensors are accepted, never arbitrary pickled objects (a
pickled nn.Module or a custom class is refused with the reason). The state
dict is found at the top level or under "state_dict", "model" or
"model_state"; everything else (optimizer state, epoch, arch) is reported
and left out. Names are kept as they are unless --strip-prefix is given:
`c2am train --weights` detects and strips the usual wrappers itself and
prints what it loaded. Tensors holding NaN or infinity are refused. The
output is written atomically (a temporary file beside it, then renamed).

Needs torch and safetensors from the Python index (the project itself does
not use PyTorch; see tools/README.md).
"""

import argparse
import math
import os
import sys
import tempfile

STATE_DICT_KEYS = ("state_dict", "model", "model_state")


class ConversionError(Exception):
    pass


def find_state_dict(checkpoint, path):
    """The {name: tensor} mapping inside a checkpoint, and where it was."""
    import torch

    def is_state_dict(value):
        return isinstance(value, dict) and value and all(isinstance(v, torch.Tensor) for v in value.values())

    if is_state_dict(checkpoint):
        return checkpoint, "the top level"
    if isinstance(checkpoint, dict):
        for key in STATE_DICT_KEYS:
            if key in checkpoint:
                value = checkpoint[key]
                tensors = {k: v for k, v in value.items() if isinstance(v, torch.Tensor)} if isinstance(value, dict) else {}
                if tensors:
                    return tensors, f'"{key}"'
        keys = ", ".join(sorted(map(str, checkpoint))[:8])
        raise ConversionError(f"{path}: no state dict found (looked at the top level and under "
                              f"{', '.join(STATE_DICT_KEYS)}); its keys: {keys}")
    raise ConversionError(f"{path}: holds a {type(checkpoint).__name__}, not a dict of tensors")


def convert(source, target, strip_prefix=""):
    """Returns a one-paragraph report; raises ConversionError with the reason."""
    import torch
    from safetensors.torch import save_file

    try:
        checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConversionError(f"{source}: no such file")
    except Exception as e:  # weights_only refuses anything but plain containers of tensors
        raise ConversionError(f"{source}: not a plain state dict, refused by torch.load(weights_only=True) "
                              f"({type(e).__name__}: {str(e).splitlines()[0]}). Re-save it with "
                              f"torch.save(model.state_dict(), path) where it was made")
    tensors, where = find_state_dict(checkpoint, source)
    left_out = sorted(k for k in checkpoint if k not in STATE_DICT_KEYS) if isinstance(checkpoint, dict) and where != "the top level" else []
    out = {}
    for name, tensor in tensors.items():
        if strip_prefix:
            if not name.startswith(strip_prefix):
                continue
            name = name[len(strip_prefix):]
        tensor = tensor.detach().contiguous().clone()  # shared storage is refused by safetensors
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor.reshape(-1))).nonzero()[0])
            raise ConversionError(f"{source}: tensor {name} holds NaN or infinity (first at flat index {bad})")
        out[name] = tensor
    if not out:
        raise ConversionError(f"{source}: no tensor name starts with --strip-prefix '{strip_prefix}' "
                              f"(the first names: {', '.join(list(tensors)[:3])})")
    folder = os.path.dirname(os.path.abspath(target))
    handle, temporary = tempfile.mkstemp(prefix=os.path.basename(target) + ".tmp-", dir=folder)
    os.close(handle)
    try:
        save_file(out, temporary, metadata={"converted_from": os.path.basename(source)})
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    total = sum(t.numel() for t in out.values())
    report = (f"wrote {target}: {len(out)} tensors ({total:,} values) from {where} of {source}"
              + (f", prefix '{strip_prefix}' stripped" if strip_prefix else "")
              + (f"; left out: {', '.join(left_out)}" if left_out else ""))
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a PyTorch checkpoint (.pth, .pt, .pth.tar)")
    parser.add_argument("output", help="the safetensors file to write")
    parser.add_argument("--strip-prefix", default="", help="keep only tensors whose name starts with it, without it")
    args = parser.parse_args(argv)
    try:
        print(convert(args.checkpoint, args.output, args.strip_prefix))
    except ConversionError as e:
        print(f"convert_weights: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
