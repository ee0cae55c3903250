#!/usr/bin/env bash
# SIGINT during `ingress-lab run`: the run stops early, still judges and writes what it
# measured, marks it incomplete and exits 1. Usage: interrupt.sh LAB SCENARIO OUT_DIR
set -euo pipefail
lab="$1" scenario="$2" out="$3"
mkdir -p "$out"
rm -f "$out/interrupted.json" "$out/interrupted.xml"
"$lab" run "$scenario" --quiet --json "$out/interrupted.json" --junit "$out/interrupted.xml" &
pid=$!
sleep 3
kill -INT "$pid"
set +e
wait "$pid"
code=$?
set -e
[[ $code -eq 1 ]] || { echo "exit code $code, expected 1"; exit 1; }
grep -q '"incomplete": true' "$out/interrupted.json" || { echo "JSON not marked incomplete"; exit 1; }
grep -q 'the run was cut short' "$out/interrupted.xml" || { echo "JUnit has no error case"; exit 1; }
requests=$(grep -o '"requests": [0-9]*' "$out/interrupted.json" | head -1 | grep -o '[0-9]*')
[[ $requests -gt 0 ]] || { echo "nothing measured"; exit 1; }
echo "interrupted: exit 1, incomplete, $requests requests measured"
