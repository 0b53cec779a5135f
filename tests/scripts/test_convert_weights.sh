#!/usr/bin/env bash
# CTest `convert_weights`: tools/convert_weights.py on checkpoints in every
# shape the recipes start from (tools/test_convert_weights.py). Needs a
# Python with torch and safetensors: $C2AM_TORCH_PYTHON, the project's venv
# (.venv-python, which `make test` makes), the tools venv (.venv-tools), or
# python3; where none has them the test is skipped (77) and says how to run it.
set -euo pipefail
c2am=$1
work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
for python in "${C2AM_TORCH_PYTHON:-}" "$root/.venv-python/bin/python" "$root/.venv-tools/bin/python" python3; do
  [ -n "$python" ] || continue
  if "$python" -c "import torch, safetensors" 2>/dev/null; then
    rm -rf "$work"
    exec "$python" "$root/tools/test_convert_weights.py" "$c2am" "$work"
  fi
done
echo "convert_weights: skipped: no Python with torch and safetensors (scripts/make-python-venv.sh makes" \
     ".venv-python with both, or set C2AM_TORCH_PYTHON)"
exit 77
