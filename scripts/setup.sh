#!/usr/bin/env bash
# Installs what weir needs to build and test: Debian packages and a project-local
# Python venv (.venv) whose pinned pyarrow wheel carries the Arrow C++ headers and
# libraries we link against. Idempotent: a second run does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

DEB_PACKAGES=(g++ cmake ninja-build make pkg-config python3-venv
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev libspdlog-dev libedit-dev
  rapidjson-dev libssl-dev zlib1g-dev libzstd-dev maven openjdk-17-jre-headless
  clang-format)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
REQ=scripts/requirements.txt
STAMP=.venv/.requirements.stamp
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
if [ ! -f "$STAMP" ] || ! cmp -s "$REQ" "$STAMP"; then
  echo "setup: installing Python packages from $REQ"
  .venv/bin/pip install -q --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$STAMP"
fi

# librdkafka 2.12 from source (scripts/librdkafka.sh says why).
bash scripts/librdkafka.sh

# The weir Python package, editable: python/ on the venv's path (the native module
# python/weir/_weir*.so is built in place by the CMake build, `make build`).
SITE=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
PTH="$SITE/weir-editable.pth"
if [ ! -f "$PTH" ] || [ "$(cat "$PTH")" != "$PWD/python" ]; then
  echo "$PWD/python" > "$PTH"
fi
