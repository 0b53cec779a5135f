#!/usr/bin/env python3
"""The C²AM contrastive loss written in PyTorch, timed like bench/loss_bench.

Forward, backward and forward+backward on the GPU for N in {16 … 4096} x
C in {768, 3072}: median over --repeats runs measured with CUDA events after
five warm-up runs, cycling through input sets larger than L2 together.
With --c2am-json (the JSON of loss_bench) it also prints both side by side
and the issue's targets: at N=128, C=3072 forward+backward <= 20 us and >= 20x
faster than PyTorch; at N=4096 the fused forward within 2x of the three GEMMs.

Usage: loss_bench_torch.py [--repeats N] [--json PATH] [--c2am-json PATH] [--strict-fp32] [--quick]
"""
import argparse
import json
import statistics

import torch
import torch.nn.functional as F


def similarity(a, b):
    return torch.clamp(F.normalize(a, dim=1) @ F.normalize(b, dim=1).T, 0.0005, 0.9995)


def sim_max(x, alpha):
    s = similarity(x, x)
    # Position of each entry in its row sorted descending (ties: lower column), minus one.
    order = torch.sort(s, dim=1, descending=True, stable=True).indices
    rank = torch.argsort(order, dim=1).float() - 1.0
    weights = torch.exp(-alpha * rank).detach()
    return (weights * -torch.log(s)).mean()


def sim_min(a, b):
    return (-torch.log(1 - similarity(a, b))).mean()


def loss(fg, bg, alpha):
    return sim_max(bg, alpha) + sim_min(bg, fg) + sim_max(fg, alpha)


def median_ms(repeats, prepare, body):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for r in range(repeats + 5):
        prepare(r)
        start.record()
        body(r)
        stop.record()
        stop.synchronize()
        if r >= 5:
            times.append(start.elapsed_time(stop))
    return statistics.median(times)


def time_loss(n, c, repeats):
    sets = max(2, min(16, (128 << 20) // (2 * n * c * 4)))
    gen = torch.Generator(device="cuda").manual_seed(1)
    fg = [torch.rand(n, c, device="cuda", generator=gen).requires_grad_() for _ in range(sets)]
    bg = [torch.rand(n, c, device="cuda", generator=gen).requires_grad_() for _ in range(sets)]

    def clear(r):
        fg[r % sets].grad = None
        bg[r % sets].grad = None

    def forward(r):
        with torch.no_grad():
            loss(fg[r % sets], bg[r % sets], 0.25)

    held = {}

    def prepare_backward(r):
        clear(r)
        held["total"] = loss(fg[r % sets], bg[r % sets], 0.25)
        torch.cuda.synchronize()

    return {
        "forward_us": 1e3 * median_ms(repeats, clear, forward),
        "backward_us": 1e3 * median_ms(repeats, prepare_backward, lambda r: held["total"].backward()),
        "forward_backward_us": 1e3 * median_ms(repeats, clear, lambda r: loss(fg[r % sets], bg[r % sets], 0.25).backward()),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json")
    parser.add_argument("--c2am-json")
    parser.add_argument("--strict-fp32", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("loss_bench_torch: no usable GPU; nothing measured")
        return
    torch.backends.cuda.matmul.allow_tf32 = not args.strict_fp32
    ns = [16, 128, 1024] if args.quick else [16, 32, 64, 128, 256, 1024, 4096]
    name = torch.cuda.get_device_name(0)
    print(f"PyTorch {torch.__version__} loss on {name}, {'strict FP32' if args.strict_fp32 else 'TF32'}, "
          f"median of {args.repeats} runs\n")
    print(f"{'N':>6} {'C':>6} {'fwd us':>10} {'bwd us':>10} {'f+b us':>10}")
    rows = []
    for c in (768, 3072):
        for n in ns:
            t = time_loss(n, c, args.repeats)
            rows.append({"n": n, "c": c, **t})
            print(f"{n:>6} {c:>6} {t['forward_us']:>10.1f} {t['backward_us']:>10.1f} {t['forward_backward_us']:>10.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"benchmark": "loss_bench_torch", "gpu": name, "torch": torch.__version__,
                       "tf32": not args.strict_fp32, "rows": rows}, f, indent=2)
    if args.c2am_json:
        compare(rows, args.c2am_json)


def compare(torch_rows, c2am_json):
    with open(c2am_json) as f:
        c2am = json.load(f)
    fused = {(r["n"], r["c"]): r for r in c2am["rows"] if r["impl"] == "fused"}
    print(f"\nside by side (forward+backward, us)\n{'N':>6} {'C':>6} {'c2am fused':>11} {'PyTorch':>10} {'speed-up':>9}")
    for t in torch_rows:
        r = fused.get((t["n"], t["c"]))
        if r:
            print(f"{t['n']:>6} {t['c']:>6} {r['forward_backward_us']:>11.1f} {t['forward_backward_us']:>10.1f} "
                  f"{t['forward_backward_us'] / r['forward_backward_us']:>9.1f}")
    key = (128, 3072)
    if key in fused:
        r = fused[key]
        t = next(t for t in torch_rows if (t["n"], t["c"]) == key)
        ratio = t["forward_backward_us"] / r["forward_backward_us"]
        print(f"\ntarget N=128 C=3072: {r['forward_backward_us']:.1f} us (<= 20: "
              f"{'met' if r['forward_backward_us'] <= 20 else 'NOT met'}), {ratio:.1f}x PyTorch (>= 20: "
              f"{'met' if ratio >= 20 else 'NOT met'})")
    for c in (768, 3072):
        r = fused.get((4096, c))
        if r:
            print(f"target N=4096 C={c}: fused forward / three GEMMs = {r['forward_over_gemms']:.2f} (<= 2: "
                  f"{'met' if r['forward_over_gemms'] <= 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
