#!/usr/bin/env bash
# `c2am train` as a user runs it under mpiexec with 2 processes: it trains,
# process 0 alone writes the log, checkpoint and weights, a second run gives
# the same weights byte for byte, a resumed run continues, and an error on
# process 0 (an output path that cannot be made) stops both with its message.
# Usage: train_under_mpi.sh MPIEXEC C2AM WORKDIR
set -euo pipefail
mpiexec=$1 c2am=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
run() { "$mpiexec" -n 2 --oversubscribe "$c2am" train --data synthetic:32 --backbone resnet18 --base-width 8 \
          --batch 8 --resize 72 --crop 64 --workers 0 --no-progress "$@"; }

run --epochs 2 --out "$work/a" > "$work/a.txt" 2>&1 || { cat "$work/a.txt"; exit 1; }
grep -q "data parallel over 2 processes" "$work/a.txt" || { echo "no data-parallel note"; cat "$work/a.txt"; exit 1; }
[ "$(grep -c '^trained' "$work/a.txt")" = 1 ] || { echo "expected one report, from process 0"; cat "$work/a.txt"; exit 1; }
[ "$(wc -l < "$work/a/log.jsonl")" = 8 ] || { echo "expected 8 log lines (32 images, batch 8, 2 epochs)"; exit 1; }

run --epochs 2 --out "$work/b" > /dev/null 2>&1
cmp "$work/a/model.safetensors" "$work/b/model.safetensors" || { echo "two runs differ"; exit 1; }

run --epochs 3 --resume --out "$work/a" > "$work/resume.txt" 2>&1 || { cat "$work/resume.txt"; exit 1; }
[ "$(wc -l < "$work/a/log.jsonl")" = 12 ] || { echo "resumed log should have 12 lines"; exit 1; }

if run --epochs 1 --out /proc/version/x > "$work/bad.txt" 2>&1; then
  echo "an output path that cannot be made was accepted"; exit 1
fi
grep -q "process 0 of 2 stopped: train: cannot create the output directory /proc/version/x" "$work/bad.txt" ||
  { echo "process 1 did not report process 0's error"; cat "$work/bad.txt"; exit 1; }
echo "c2am train under mpiexec -n 2: ok"
