#!/usr/bin/env bash
# CTest entry `python`: runs python/tests with pytest against the module in
# the build tree. The interpreter is the project's virtual environment
# (scripts/make-python-venv.sh) when it exists, else the one CMake built the
# module for. Exit 77 (CTest: skipped) when that interpreter lacks pytest or
# numpy, saying how to get them.
# usage: run_pytest.sh PYTHON VENV PACKAGE_ROOT TESTS PYTHON_VERSION
set -euo pipefail
python="$1" venv="$2" package_root="$3" tests="$4" built_for="$5"
if [ -x "$venv/bin/python" ]; then python="$venv/bin/python"; fi
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "$built_for" ]; then
  echo "python tests: $python is Python $version, but c2am._core was built for Python $built_for;" \
       "reconfigure with -DPython3_EXECUTABLE=$python" >&2
  exit 1
fi
if ! "$python" -c 'import pytest, numpy' 2>/dev/null; then
  echo "python tests skipped: $python has no pytest or numpy (scripts/make-python-venv.sh makes .venv-python with both)"
  exit 77
fi
export PYTHONPATH="$package_root${PYTHONPATH:+:$PYTHONPATH}"
export C2AM_CLI="${C2AM_CLI:-$(cd "$package_root/.." && pwd)/c2am}"
export C2AM_SOURCE_DIR="$(cd "$tests/../.." && pwd)"
cd "$package_root"
exec "$python" -m pytest -q -p no:cacheprovider "$tests"
