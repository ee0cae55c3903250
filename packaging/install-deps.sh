#!/usr/bin/env bash
# Installs every Debian 12 package Ingress Lab needs to build, test and benchmark.
# Idempotent: apt-get skips what is already there. Run as root (or with sudo).
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git
  # engine
  libyaml-cpp-dev libpcre2-dev nlohmann-json3-dev libcli11-dev libssl-dev
  libboost1.81-dev libboost-url1.81-dev libmimalloc-dev libcrypt-dev
  # desktop studio
  qt6-base-dev libqcustomplot-dev libqscintilla2-qt6-dev
  # tests and benchmarks (nginx and HAProxy: the reference proxies tests/perf compares against;
  # wrk drives them)
  libgtest-dev libgmock-dev libbenchmark-dev nginx haproxy wrk
  # the fuzzers (tests/fuzz): clang 14, and libFuzzer with the sanitizer runtimes, which clang
  # only recommends (so --no-install-recommends would leave them out)
  clang libclang-rt-14-dev
  # the web lab's end-to-end tests drive Debian's Chromium (with playwright-core from npm)
  chromium
  # resources/: the studio's desktop entry and AppStream metainfo are validated by ctest
  desktop-file-utils appstream
)
# The web UI is built with npm (its packages are pinned in app/web/ui/package-lock.json). A
# Node.js that is already installed (with its npm) is used as it is; otherwise Debian's.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#packages[@]} packages present"
fi
