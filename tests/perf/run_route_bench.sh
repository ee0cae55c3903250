#!/usr/bin/env bash
# The decision-core benchmark beside `nginx -t`, in one run (docs/benchmarks.md).
#
#   tests/perf/run_route_bench.sh [BENCH_BINARY [extra Google Benchmark flags...]]
#
# BENCH_BINARY defaults to build/release/tests/perf/ilab_route_bench; this script builds nothing.
# Writes tests/perf/out/ (gitignored): route_bench.json (Google Benchmark), nginx_t.tsv and
# table.txt. Environment:
#   NGINX=/usr/sbin/nginx    the nginx to time
#   NGINX_REPS=3             nginx -t runs per conf, best of
#   NGINX_PER_SERVICE=0      skip the per-service-upstream confs (nginx -t ~30 s at N=10,000)
#   KEEP_CONFS=1             keep the generated confs in out/nginx-*/ (~90 MB at N=10,000)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bench="${1:-$root/build/release/tests/perf/ilab_route_bench}"
[[ $# -gt 0 ]] && shift
nginx="${NGINX:-/usr/sbin/nginx}"
reps="${NGINX_REPS:-3}"
per_service="${NGINX_PER_SERVICE:-1}"
out="$here/out"
sizes=(100 1000 10000)

if [[ ! -x "$bench" ]]; then
    echo "no benchmark binary at $bench; build it first, e.g." >&2
    echo "  cmake --build build/release --target ilab_route_bench -j2" >&2
    exit 2
fi
command -v "$nginx" >/dev/null || { echo "nginx not found ($nginx)" >&2; exit 2; }
mkdir -p "$out"

echo "== $(date -u +%FT%TZ) on $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== lab: $bench"
"$bench" --benchmark_format=console \
    --benchmark_out="$out/route_bench.json" --benchmark_out_format=json "$@"

# Best of $reps wall-clock runs of nginx -t; a run over 10 s is not repeated (the spread of a
# run that long is far below the differences it is compared with).
time_nginx_t() {
    local dir="$1" best="" ms start
    for ((r = 0; r < reps; r++)); do
        start=$(date +%s%N)
        if ! "$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"; then
            echo "nginx -t failed on $dir/nginx.conf; see $dir/error.log" >&2
            exit 1
        fi
        ms=$((($(date +%s%N) - start) / 1000000))
        if [[ -z "$best" || $ms -lt $best ]]; then best=$ms; fi
        if ((ms > 10000)); then break; fi
    done
    echo "$best"
}

modes=(balancer)
[[ "$per_service" == 1 ]] && modes+=(per-service)
printf 'n\tmode\tnginx_t_ms\tconf_bytes\n' > "$out/nginx_t.tsv"
for n in "${sizes[@]}"; do
    for mode in "${modes[@]}"; do
        dir="$out/nginx-$mode-$n"
        rm -rf "$dir"
        python3 "$here/gen_nginx_conf.py" --upstreams "$mode" "$n" "$dir" > /dev/null
        echo "== nginx -t, $n Ingresses, $mode upstreams ($("$nginx" -v 2>&1 | sed 's/.*: //'))"
        ms=$(time_nginx_t "$dir")
        printf '%s\t%s\t%s\t%s\n' "$n" "$mode" "$ms" "$(stat -c %s "$dir/nginx.conf")" >> "$out/nginx_t.tsv"
        [[ "${KEEP_CONFS:-0}" == 1 ]] || rm -rf "$dir"
    done
done

python3 - "$out/route_bench.json" "$out/nginx_t.tsv" <<'EOF' | tee "$out/table.txt"
import json, re, sys

scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
lab = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("error_occurred"):
        print(f"!! {b['name']}: {b.get('error_message')}")
        continue
    ns = b["real_time"] * scale[b["time_unit"]]
    m = re.match(r"BM_(\w+)/ingresses:(\d+)(?:/trace:(\d))?", b["name"])
    if m:
        lab[(m[1], int(m[2]), m[3])] = ns
    m = re.match(r"BM_MatchRegexHost/miss:(\d)/trace:(\d)", b["name"])
    if m:
        lab[("Regex", m[1], m[2])] = ns
nginx = {}
for line in open(sys.argv[2]).read().splitlines()[1:]:
    n, mode, ms, _ = line.split("\t")
    nginx[(int(n), mode)] = float(ms)

def cell(v, fmt):
    return "-" if v is None else format(v, fmt)

head = ("N", "lab load ms", "lab compile ms", "match ns (trace off/on)", "match ns, 100 hot hosts",
        "miss ns (off/on)",
        "nginx -t ms", "ratio", "nginx -t ms, per-service upstreams", "ratio")
rows = []
for n in (100, 1000, 10000):
    load, comp = lab.get(("LoadManifests", n, None)), lab.get(("Compile", n, None))
    total = load + comp if load is not None and comp is not None else None
    t_bal, t_svc = nginx.get((n, "balancer")), nginx.get((n, "per-service"))
    ratio = lambda t: None if t is None or not total else t / (total / 1e6)
    rows.append((f"{n:,}", cell(load and load / 1e6, ".1f"), cell(comp and comp / 1e6, ".1f"),
                 f"{cell(lab.get(('Match', n, '0')), '.0f')} / {cell(lab.get(('Match', n, '1')), '.0f')}",
                 cell(lab.get(("MatchHotHosts", n, None)), ".0f"),
                 f"{cell(lab.get(('MatchMiss', n, '0')), '.0f')} / {cell(lab.get(('MatchMiss', n, '1')), '.0f')}",
                 cell(t_bal, ".0f"), cell(ratio(t_bal), ".2f"), cell(t_svc, ".0f"), cell(ratio(t_svc), ".2f")))
print()
print("ratio = nginx -t / (lab load + lab compile); wall-clock times, lab figures are Google Benchmark means")
print("| " + " | ".join(head) + " |")
print("|" + "|".join("---" for _ in head) + "|")
for r in rows:
    print("| " + " | ".join(r) + " |")
regex = [lab.get(("Regex", miss, trace)) for miss in "01" for trace in "01"]
if any(v is not None for v in regex):
    print()
    print("regex-mode host, 100 regex locations (beside 1,000 plain hosts), ns trace off/on: "
          f"hit {cell(regex[0], '.0f')} / {cell(regex[1], '.0f')}, "
          f"miss (404) {cell(regex[2], '.0f')} / {cell(regex[3], '.0f')}")
EOF
echo "== written: $out/route_bench.json $out/nginx_t.tsv $out/table.txt"
