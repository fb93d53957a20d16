#!/usr/bin/env bash
# `npm run setup:peers`: the honest peers for the benchmark and the Keras interop tests — the
# Keras example's own stack (TensorFlow 2.21 + Keras 3) and current PyTorch — in a venv at
# .venv-peers (MNIST_STUDIO_PEERS_VENV overrides), never in the system Python. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${MNIST_STUDIO_PEERS_VENV:-.venv-peers}
packages=(tensorflow-cpu==2.21.0 keras==3.15.1 torch==2.13.0 h5py)
probe='import tensorflow, keras, torch, h5py; assert tensorflow.__version__.startswith("2.21") and keras.__version__.startswith("3.15")'

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$probe" 2>/dev/null; then
  echo "mnist-studio: peers ready in $venv"
  exit 0
fi

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "mnist-studio: $python is missing; install Python 3.10+ to set up the peers." >&2; exit 1; }
"$python" -m venv "$venv"

# Where pip has a configured local index (offline machines), ask it first: pip would otherwise
# retry the unreachable public index for minutes before it falls back.
index_args=()
read -r -a indexes <<<"$("$venv/bin/python" -m pip config get global.extra-index-url 2>/dev/null || true)"
if [ "${#indexes[@]}" -gt 0 ]; then
  index_args+=(--index-url "${indexes[0]}")
  for url in "${indexes[@]:1}"; do index_args+=(--extra-index-url "$url"); done
fi

echo "mnist-studio: installing ${packages[*]} into $venv"
"$venv/bin/python" -m pip install -qq --disable-pip-version-check "${index_args[@]}" "${packages[@]}"
"$venv/bin/python" -c "$probe"
echo "mnist-studio: peers ready in $venv"
