#!/usr/bin/env bash
# Installs the Debian packages c2am needs to build and test, skipping those
# already present. The CUDA toolkit and cuDNN are optional and never installed
# here: when they are found at configure time the CUDA parts are built.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libeigen3-dev   # dense linear algebra for the CPU GEMM
  catch2          # unit tests (Catch2 v2 on Debian 12)
  libstb-dev      # stb_image / stb_image_write
  nlohmann-json3-dev  # JSON headers of safetensors files and reports
  libtinyxml2-dev     # Pascal-VOC XML annotations
  libpng-dev          # label maps read as class ids (palette, 16-bit gray)
  libjpeg62-turbo-dev # JPEG decoded as Pillow (the reference code) decodes it
  libcli11-dev        # the c2am command line
  libdnnl-dev         # oneDNN: float32 convolution and batch norm on the CPU
  libopenmpi-dev openmpi-bin  # MPI: data-parallel training across processes (and its test)
  pybind11-dev        # the Python module (c2am._core)
  libdlpack-dev       # dlpack.h: torch tensors in and out of the Python module without copies
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
