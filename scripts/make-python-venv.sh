#!/usr/bin/env bash
# Makes (or brings up to date) the project's Python environment .venv-python
# at the repository root with python/requirements-test.txt from the Python
# index: pytest, numpy, torch, pydensecrf2, opencv-python-headless and the
# build tools of `pip install .`. `make test` calls it; CMake builds the
# module c2am._core for this interpreter when it exists before the first
# configure. PYTHON chooses the base interpreter (default: python3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-python"
requirements="$root/python/requirements-test.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "make-python-venv: no $python on PATH (set PYTHON=...)" >&2
  exit 1
fi
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "make-python-venv: $venv up to date"
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "make-python-venv: creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv" || {
    echo "make-python-venv: '$python -m venv' failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
fi
echo "make-python-venv: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$requirements"
echo "$wanted" > "$stamp"
echo "make-python-venv: ready ($("$venv/bin/python" -c 'import torch, numpy; print("torch", torch.__version__, "numpy", numpy.__version__)'))"
