#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (libFuzzer + ASan + UBSan) and runs each for a
# bounded time. CI runs it (.ci/run); it exits non-zero when a fuzzer finds a crash, undefined
# behaviour, a broken check, a hang (-timeout) or runaway memory (-rss_limit_mb).
#
#   tests/fuzz/run_fuzz.sh [SECONDS [FUZZER...]]     (default: 60 s each, every fuzzer)
#
#   manifest_fuzz       any bytes as a manifest file: load, lint, match (seeds: scenarios/)
#   http_request_fuzz   any bytes from a client: the proxy's request parser, in reads split
#                       where the fuzzer chooses (seeds: tests/fuzz/corpus/http/)
#
# Everything lands in build/fuzz/<fuzzer>/: the corpus it grew, its log and, on a failure,
# the reproducer (crash-*, timeout-*, oom-*); replay one with build/fuzz/<fuzzer>/<fuzzer> FILE.
# Objects are compiled through ccache when it is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
[[ $# -gt 0 ]] && shift
fuzzers=("$@")
((${#fuzzers[@]})) || fuzzers=(manifest_fuzz http_request_fuzz)
out=build/fuzz
jobs="$(nproc)"

# clang 14 + libstdc++: the same headers as the g++ build; yaml-cpp and PCRE2 come from Debian.
cxx=(clang++)
command -v ccache >/dev/null && cxx=(ccache clang++)
# BOOST_ENABLE_ASSERT_DEBUG_HANDLER as in CMakeLists.txt (engine/core/boost_assert.cpp).
flags=(-std=c++20 -O1 -g -I. -DBOOST_ENABLE_ASSERT_DEBUG_HANDLER -fsanitize=address,undefined -fno-sanitize-recover=undefined)
# libcrypt: htpasswd crypt(3) hashes (engine/dialect); always there with libc6-dev.
libs=($(pkg-config --libs yaml-cpp libpcre2-8) -lssl -lcrypto -lcrypt -pthread)

# The engine modules the harnesses reach, instrumented for coverage, in one archive so each
# harness links only the objects it uses.
# The controllers read TLS settings (ssl-protocols, ssl-ciphers, hsts): tls_options and what it uses.
sources=(engine/core/*.cpp engine/model/*.cpp engine/dialect/*.cpp engine/routing/*.cpp
         engine/controllers/*.cpp engine/lint/*.cpp engine/proxy/request_checks.cpp
         engine/tls/tls_options.cpp engine/tls/openssl_types.cpp engine/tls/hsts.cpp)
rm -rf "$out/obj"
mkdir -p "$out/obj"
echo "run_fuzz: compiling ${#sources[@]} engine sources with clang (${jobs} jobs)"
export FUZZ_COMPILE="${cxx[*]} ${flags[*]} -fsanitize=fuzzer-no-link $(pkg-config --cflags yaml-cpp libpcre2-8)"
export FUZZ_OBJ="$out/obj"
printf '%s\n' "${sources[@]}" |
  xargs -P "$jobs" -n 1 sh -c '$FUZZ_COMPILE -c "$1" -o "$FUZZ_OBJ/$(echo "$1" | tr / _).o"' sh
rm -f "$out/libengine.a"
ar rcs "$out/libengine.a" "$out"/obj/*.o

status=0
for fuzzer in "${fuzzers[@]}"; do
  dir="$out/$fuzzer"
  mkdir -p "$dir/corpus" "$dir/seeds"
  # Inputs that once failed stay in the seeds (tests/fuzz/regressions/<fuzzer>/).
  if [[ -d "tests/fuzz/regressions/$fuzzer" ]]; then
    cp "tests/fuzz/regressions/$fuzzer"/* "$dir/seeds/"
  fi
  "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/$fuzzer.cpp" "$out/libengine.a" \
    "${libs[@]}" -o "$dir/$fuzzer"
  extra=()
  case "$fuzzer" in
    manifest_fuzz)
      for f in scenarios/*/*.yaml; do cp "$f" "$dir/seeds/$(echo "$f" | tr / _)"; done ;;
    http_request_fuzz)
      # Each plain request twice, with the harness's prefix: [k][k u16 cuts][mode]. Once in a
      # single read, buffered under the default proxy-body-size; once cut after 5 bytes and
      # in the middle, streamed with a 64-byte proxy-body-size.
      for f in tests/fuzz/corpus/http/*.http; do
        name="$(basename "$f" .http)"
        mid=$(($(stat -c %s "$f") / 2))
        { printf '\x00\x00'; cat "$f"; } > "$dir/seeds/$name-whole"
        { printf '\x02\x05\x00'"$(printf '\\x%02x\\x%02x' $((mid & 255)) $((mid >> 8)))"'\x05'
          cat "$f"; } > "$dir/seeds/$name-split"
      done
      extra=(-dict=tests/fuzz/http.dict) ;;
  esac
  echo "run_fuzz: $fuzzer for ${seconds}s"
  # Bounded: libFuzzer's defaults (2 GB RSS, leak checks on OOM) can stall for minutes here.
  if ASAN_OPTIONS=detect_leaks=1 timeout $((seconds + 120)) "$dir/$fuzzer" "$dir/corpus" "$dir/seeds" \
       -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=512 \
       -max_len=65536 -artifact_prefix="$dir/" -print_final_stats=1 "${extra[@]}" \
       > "$dir/log" 2>&1; then
    summary="$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$dir/log" | tail -1 || true)"
    eps="$(grep -E '^stat::average_exec_per_sec' "$dir/log" | awk '{print $2}')"
    echo "run_fuzz: $fuzzer passed: $summary; $eps execs/s"
  else
    echo "run_fuzz: $fuzzer FAILED; reproducer and log in $dir/" >&2
    pattern='^==[0-9]+==|runtime error|_fuzz: |deadly signal'
    if grep -q -E "$pattern" "$dir/log"; then
      grep -E -A40 "$pattern" "$dir/log" | head -80 >&2
    else
      tail -60 "$dir/log" >&2
    fi
    status=1
  fi
done
exit "$status"
