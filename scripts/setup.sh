#!/usr/bin/env bash
# Set up everything docintake needs on a fresh Debian/Ubuntu machine: Tesseract with the
# English, Japanese and orientation models, the fonts the sample renderer uses, and the Python
# environment in .venv; `setup.sh test` adds what only the tests need (headless Chromium).
# Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t APT_PACKAGES < <(grep -v -e '^#' -e '^$' scripts/debian-packages.txt)
if [ "${1:-}" = "test" ]; then
  APT_PACKAGES+=(chromium chromium-driver)  # the upload page is tested in headless Chromium
fi
PYTHON=${PYTHON:-python3}

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "setup: installing Debian packages with sudo: ${missing[*]}"
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: install them as root, then run this again:" >&2
    echo "    sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "setup: docintake needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version)." >&2
  echo "setup: run with PYTHON=/path/to/python3.11 make ..." >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the project's dependencies changed since the last install.
stamp=.venv/.docintake-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  # tesserocr from source, against the Tesseract installed above (see debian-packages.txt).
  .venv/bin/python -m pip install -q -c constraints.txt --no-binary tesserocr -e '.[dev]'
  # The bench's peer reader; --no-deps: see the dev extras in pyproject.toml.
  .venv/bin/python -m pip install -q -c constraints.txt --no-deps passporteye
  touch "$stamp"
fi
