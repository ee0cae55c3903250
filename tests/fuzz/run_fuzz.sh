#!/usr/bin/env bash
# Builds the manifest fuzzer with clang's libFuzzer + ASan + UBSan and runs it for a while.
#   tests/fuzz/run_fuzz.sh [SECONDS]      (default 60)
# The corpus starts from the bundled scenarios; crashes land in build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
out=build/fuzz
mkdir -p "$out/corpus"
cp scenarios/*/*.yaml "$out/corpus/" 2>/dev/null || true

sources=$(ls engine/core/*.cpp engine/model/*.cpp engine/dialect/*.cpp engine/routing/*.cpp engine/lint/*.cpp)
# clang 14 + libstdc++: same headers as the g++ build; yaml-cpp and PCRE2 come from Debian.
clang++ -std=c++20 -O1 -g -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  tests/fuzz/manifest_fuzz.cpp $sources \
  $(pkg-config --cflags --libs yaml-cpp libpcre2-8) -lssl -lcrypto -o "$out/manifest_fuzz"

# Bounded: libFuzzer's defaults (2 GB RSS, leak checks on OOM) can stall for minutes here.
ASAN_OPTIONS=detect_leaks=0 timeout $((seconds + 60)) "$out/manifest_fuzz" "$out/corpus" \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -malloc_limit_mb=512 \
  -max_len=65536 -artifact_prefix="$out/" -print_final_stats=1
