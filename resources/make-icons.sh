#!/usr/bin/env bash
# Renders the app icons from icon.svg. Debian: apt-get install -y librsvg2-bin imagemagick icnsutils
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -r "$work"' EXIT
for size in 16 24 32 48 64 128 256 512 1024; do rsvg-convert -w "$size" -h "$size" icon.svg -o "$work/$size.png"; done
cp "$work/512.png" icon.png
cp "$work/256.png" icon-256.png
mkdir -p icons
for size in 16 32 48 64 128 256 512; do cp "$work/$size.png" "icons/${size}x${size}.png"; done
convert "$work"/{16,24,32,48,64,128,256}.png icon.ico
png2icns icon.icns "$work"/{16,32,48,128,256,512,1024}.png >/dev/null
