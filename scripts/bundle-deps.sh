#!/usr/bin/env bash
# Copies the dependencies c2am builds with from this (Debian) machine's
# packages into third_party_copies/ (ignored by git), for machines that have
# a compiler and CUDA but no apt and no network — the GPU machines
# scripts/gpu-check runs on. These are copies of the installed Debian
# packages, made at use time and never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh >/dev/null

dest=third_party_copies
rm -rf "$dest"
mkdir -p "$dest/include" "$dest/lib" "$dest/cmake"
cp -r /usr/include/eigen3 "$dest/eigen3"
cp -r /usr/include/nlohmann "$dest/include/"
cp -r /usr/include/CLI "$dest/include/"
cp -r /usr/include/catch2 "$dest/include/"
cp -r /usr/lib/cmake/Catch2 "$dest/cmake/"
mkdir -p "$dest/include/stb"
cp /usr/include/stb/stb_image.h /usr/include/stb/stb_image_write.h "$dest/include/stb/"
cp /usr/include/tinyxml2.h "$dest/include/"
cp -L /usr/lib/x86_64-linux-gnu/libtinyxml2.so.9 "$dest/lib/libtinyxml2.so.9"
ln -sf libtinyxml2.so.9 "$dest/lib/libtinyxml2.so"
cp /usr/include/libpng16/png.h /usr/include/libpng16/pngconf.h /usr/include/libpng16/pnglibconf.h "$dest/include/"
cp -L /usr/lib/x86_64-linux-gnu/libpng16.so.16 "$dest/lib/libpng16.so.16"
ln -sf libpng16.so.16 "$dest/lib/libpng16.so"
cp /usr/include/jpeglib.h /usr/include/jmorecfg.h /usr/include/jerror.h /usr/include/x86_64-linux-gnu/jconfig.h \
  "$dest/include/"
cp -L /usr/lib/x86_64-linux-gnu/libjpeg.so.62 "$dest/lib/libjpeg.so.62"
ln -sf libjpeg.so.62 "$dest/lib/libjpeg.so"
echo "bundle-deps: $(du -sh "$dest" | cut -f1) in $dest (carry it to the GPU machine)"
