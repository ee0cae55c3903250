#!/usr/bin/env python3
"""The lab's live proxy beside nginx and HAProxy under wrk, side by side in one run.

Method (docs/benchmarks.md, "Live proxy"): one backend nginx answering "ok" from memory on
cpu0; each proxy under test with one worker/thread, pinned to cpu1, keeping upstream
connections alive; wrk -t1 on cpu0. Targets alternate rep by rep (lab, nginx, haproxy, lab,
...). Every figure is reported as a ratio to nginx in the same run, because the machine is
shared and noisy: absolute numbers do not hold, ratios and per-CPU-second figures do.

Sections (--sections, comma-separated; default all):
  keepalive  plain and TLS keep-alive, 50 and 200 connections
  newconn    a new connection per request (Connection: close), plain and TLS (full handshakes)
  regex      1 route vs 1,000 regex paths on one host (lab and nginx)
  memory     RSS per idle keep-alive connection (lab, nginx, haproxy)
  reload     a 10,000-host table reloaded three times under load (lab and nginx)

Usage: tests/perf/run_proxy_bench.py [--lab PATH] [--baseline PATH] [--reps 3] [--duration 10]
                                     [--warmup 2] [--sections ...] [--out DIR]
--baseline runs a second lab binary (an older build, kept to compare) as target "lab-base" in
the same alternation, so a change is judged against its predecessor in one run.
Writes DIR/results.json and DIR/table.md (DIR defaults to tests/perf/out/proxy, gitignored).
Needs: nginx, haproxy, wrk, openssl, taskset (packaging/install-deps.sh installs them).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
REGEX_PATHS = 1000
RELOAD_HOSTS = 10000


# --- small helpers -------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU of a process, all its threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def wait_http(port, host="bench.local", timeout=20.0, path="/"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path, headers={"Host": host})
            status = c.getresponse().status
            c.close()
            if status < 500:
                return status
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"nothing answers on 127.0.0.1:{port}")


def median_range(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


UNIT = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def parse_wrk(text):
    """Requests/s, latency percentiles (ms) and errors from wrk --latency output."""
    out = {"rps": 0.0, "p50_ms": None, "p99_ms": None, "errors": 0, "non2xx": 0, "requests": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if m:
            out[key] = float(m.group(1)) * UNIT[m.group(2)]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["errors"] = sum(int(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    return out


def wrk(url, connections, duration, headers=(), script=None, env=None, latency=True):
    cmd = ["taskset", "-c", "0", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    if latency:
        cmd.append("--latency")
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=duration + 60)
    return parse_wrk(res.stdout), res.stdout


# --- the processes under test ----------------------------------------------------------------

class Target:
    def __init__(self, name, pid, http_port, tls_port, stop):
        self.name, self.pid, self.http_port, self.tls_port, self._stop = (
            name, pid, http_port, tls_port, stop)

    def stop(self):
        self._stop()


def fill(template, values):
    for k, v in values.items():
        template = template.replace(f"@{k}@", str(v))
    return template


def make_certs(run):
    d = os.path.join(run, "certs")
    os.makedirs(d)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=bench.local", "-addext", "subjectAltName=DNS:bench.local,IP:127.0.0.1",
                    "-keyout", f"{d}/key.pem", "-out", f"{d}/cert.pem"],
                   check=True, capture_output=True)
    with open(f"{d}/combined.pem", "w") as out:
        for f in ("cert.pem", "key.pem"):
            out.write(open(f"{d}/{f}").read())
    return d


def start_nginx(run, name, conf, cpu):
    d = os.path.join(run, name)
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    subprocess.run(["taskset", "-c", str(cpu), "nginx", "-p", d, "-c", path, "-e",
                    f"{d}/error.log"], check=True)
    pidfile = os.path.join(d, "run.pid")
    for _ in range(100):
        if os.path.exists(pidfile) and open(pidfile).read().strip():
            break
        time.sleep(0.05)
    master = int(open(pidfile).read())
    worker = None
    for _ in range(100):
        kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
        if kids.stdout.split():
            worker = int(kids.stdout.split()[0])
            break
        time.sleep(0.05)

    def stop():
        try:
            os.kill(master, signal.SIGQUIT)
        except ProcessLookupError:
            pass
    return master, worker, stop


def nginx_common(run, name):
    return f"""worker_processes 1;
daemon on;
pid {run}/{name}/run.pid;
worker_rlimit_nofile 20000;
events {{ worker_connections 16384; }}
"""


def nginx_http_common(run, name):
    return f"""    access_log off;
    error_log {run}/{name}/error.log warn;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_body_temp_path {run}/{name}/tmp/body;
    proxy_temp_path {run}/{name}/tmp/proxy;
    fastcgi_temp_path {run}/{name}/tmp/fastcgi;
    uwsgi_temp_path {run}/{name}/tmp/uwsgi;
    scgi_temp_path {run}/{name}/tmp/scgi;
"""


def backend_conf(run, port, stub):
    return nginx_common(run, "backend") + "http {\n" + nginx_http_common(run, "backend") + f"""
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{ return 200 "ok"; }}
    }}
    server {{
        listen 127.0.0.1:{stub};
        location / {{ stub_status; }}
    }}
}}
"""


def nginx_proxy_conf(run, ports, certs):
    regex_locations = "\n".join(
        f"        location ~* ^/svc{i:04d}/item {{ proxy_pass http://backend; }}"
        for i in range(REGEX_PATHS))
    return nginx_common(run, "nginx") + "http {\n" + nginx_http_common(run, "nginx") + f"""
    upstream backend {{
        server 127.0.0.1:{ports['backend']};
        keepalive 512;
        keepalive_requests 10000000;
        keepalive_timeout 120s;
    }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    ssl_certificate     {certs}/cert.pem;
    ssl_certificate_key {certs}/key.pem;
    # ingress-nginx's defaults (ssl-protocols, ssl-session-cache 10m, ssl-session-tickets
    # false), which the lab also follows. wrk never resumes a session, so every new connection
    # is a full handshake either way; the cache's cost per handshake is on both sides.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    ssl_session_cache shared:SSL:10m;

    server {{
        listen 127.0.0.1:{ports['nginx_http']} backlog=4096 default_server;
        listen 127.0.0.1:{ports['nginx_tls']} ssl backlog=4096 default_server;
        location / {{ proxy_pass http://backend; }}
    }}
    server {{
        listen 127.0.0.1:{ports['nginx_http']};
        server_name regex.bench;
{regex_locations}
    }}
}}
"""


def haproxy_conf(run, ports, certs):
    return f"""global
    daemon
    nbthread 1
    pidfile {run}/haproxy/run.pid
    maxconn 9000
    ssl-default-bind-options no-tls-tickets   # session cache on (its default), as the others

defaults
    mode http
    maxconn 9000
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 120s

frontend fe_http
    bind 127.0.0.1:{ports['haproxy_http']} backlog 4096
    default_backend be

frontend fe_tls
    bind 127.0.0.1:{ports['haproxy_tls']} ssl crt {certs}/combined.pem backlog 4096
    default_backend be

backend be
    server s1 127.0.0.1:{ports['backend']}
"""


def start_haproxy(run, ports, certs):
    d = os.path.join(run, "haproxy")
    os.makedirs(d)
    path = os.path.join(d, "haproxy.cfg")
    with open(path, "w") as f:
        f.write(haproxy_conf(run, ports, certs))
    subprocess.run(["taskset", "-c", "1", "haproxy", "-f", path], check=True)
    pid = None
    for _ in range(100):
        p = os.path.join(d, "run.pid")
        if os.path.exists(p) and open(p).read().strip():
            pid = int(open(p).read().split()[0])
            break
        time.sleep(0.05)

    def stop():
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, TypeError):
            pass
    return pid, stop


def lab_bench_service(backend_port):
    return f"""apiVersion: v1
kind: Service
metadata: {{name: bench}}
spec:
  ports: [{{name: http, port: 80}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: bench-1
  labels: {{kubernetes.io/service-name: bench}}
addressType: IPv4
endpoints: [{{addresses: [127.0.0.1]}}]
ports: [{{name: http, port: {backend_port}}}]
---
"""


def lab_ingress(name, host, paths, annotations=None):
    ann = ""
    if annotations:
        ann = "  annotations:\n" + "".join(f"    {k}: \"{v}\"\n" for k, v in annotations.items())
    rule_host = f"  - host: {host}\n    http:\n" if host else "  - http:\n"
    body = "".join(f"      - path: {p}\n        pathType: {t}\n        backend:\n"
                   f"          service: {{name: bench, port: {{number: 80}}}}\n"
                   for p, t in paths)
    return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: {name}\n{ann}"
            f"spec:\n  ingressClassName: nginx\n  rules:\n{rule_host}      paths:\n{body}---\n")


def write_lab_manifests(d, backend_port):
    os.makedirs(d)
    with open(os.path.join(d, "bench.yaml"), "w") as f:
        f.write(lab_bench_service(backend_port))
        f.write(lab_ingress("catch-all", "", [("/", "Prefix")]))
        f.write(lab_ingress("regex", "regex.bench",
                            [(f"/svc{i:04d}/item", "ImplementationSpecific")
                             for i in range(REGEX_PATHS)],
                            {"nginx.ingress.kubernetes.io/use-regex": "true"}))


def start_lab(lab, run, name, manifests, http_port, tls_port):
    d = os.path.join(run, name)
    os.makedirs(d, exist_ok=True)
    log = open(os.path.join(d, "serve.log"), "w")
    cmd = ["taskset", "-c", "1", lab, "serve", "-f", manifests, "--http",
           f"127.0.0.1:{http_port}", "--no-admin"]
    cmd += ["--https", f"127.0.0.1:{tls_port}"] if tls_port else ["--no-https"]
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(run, "xdg"))
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the lab exited: see {d}/serve.log")
        if "Stop with Ctrl-C" in open(os.path.join(d, "serve.log")).read():
            break
        time.sleep(0.05)

    def stop():
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc, stop


# --- measurements ----------------------------------------------------------------------------

def measure(target, url, connections, duration, warmup, headers=(), script=None, env=None):
    wrk(url, connections, warmup, headers, script, env, latency=False)
    before = cpu_seconds(target.pid)
    result, _ = wrk(url, connections, duration, headers, script, env)
    cpu = cpu_seconds(target.pid) - before
    result["cpu_s"] = cpu
    result["cpu_share"] = cpu / duration
    result["per_cpu_s"] = result["rps"] * duration / cpu if cpu > 0 else None
    return result


def run_matrix(cases, targets, reps, duration, warmup, log):
    """cases: (case name, fn(target) -> (url, connections, headers, script, env) or None)."""
    results = {}
    for rep in range(reps):
        for case, spec in cases:
            for t in targets:
                s = spec(t)
                if s is None:
                    continue
                url, conns, headers, script, env = s
                r = measure(t, url, conns, duration, warmup, headers, script, env)
                results.setdefault(case, {}).setdefault(t.name, []).append(r)
                log(f"  rep {rep + 1} {case:<18} {t.name:<8} {r['rps']:>9.0f} req/s  "
                    f"{(r['per_cpu_s'] or 0):>9.0f} req/CPU-s  p50 {r['p50_ms']} ms  "
                    f"p99 {r['p99_ms']} ms  cpu {r['cpu_share']:.2f}  "
                    f"errors {r['errors'] + r['non2xx']}")
    return results


def summarize(results):
    out = {}
    for case, by_target in results.items():
        out[case] = {}
        for name, runs in by_target.items():
            out[case][name] = {
                k: median_range([r[k] for r in runs if r[k] is not None])
                for k in ("rps", "per_cpu_s", "p50_ms", "p99_ms", "cpu_share")}
            out[case][name]["errors"] = sum(r["errors"] + r["non2xx"] for r in runs)
    return out


def idle_connection_memory(pid, port, count, tls=False):
    """RSS growth per idle keep-alive connection, each having served one request."""
    socks = []
    time.sleep(0.5)
    before = rss_bytes(pid)
    request = b"GET / HTTP/1.1\r\nHost: bench.local\r\n\r\n"
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"ok"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if len(data) > 8192:
                break
        socks.append(s)
    time.sleep(1.0)
    after = rss_bytes(pid)
    for s in socks:
        s.close()
    return (after - before) / count


# --- reload under load -----------------------------------------------------------------------

def poll_until_served(port, host, start, deadline_s=30.0):
    """Seconds from `start` until `host` is answered 200 (polled over a keep-alive connection)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    while time.perf_counter() - start < deadline_s:
        try:
            conn.request("GET", "/svc0000/item", headers={"Host": host})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        time.sleep(0.001)
    return None


class RssSampler(threading.Thread):
    def __init__(self, pids_fn):
        super().__init__(daemon=True)
        self.pids_fn, self.peak, self.running = pids_fn, 0, True

    def run(self):
        while self.running:
            try:
                total = sum(rss_bytes(p) for p in self.pids_fn())
                self.peak = max(self.peak, total)
            except (FileNotFoundError, ProcessLookupError):
                pass
            time.sleep(0.005)


def nginx_pids(master):
    kids = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [master] + [int(p) for p in kids.stdout.split()]


def reload_bench(args, run, ports, lab, log):
    """Three reloads of a 10,000-host table in 10 s under load, for the lab and nginx."""
    hosts_dir = os.path.join(run, "lab-10k")
    os.makedirs(hosts_dir)
    per_file = 1000
    for f in range(RELOAD_HOSTS // per_file):
        with open(os.path.join(hosts_dir, f"hosts-{f:02d}.yaml"), "w") as out:
            if f == 0:
                out.write(lab_bench_service(ports["backend"]))
            for i in range(f * per_file, (f + 1) * per_file):
                out.write(lab_ingress(f"h{i:04d}", f"h{i:04d}.bench.local", [("/", "Prefix")]))

    def nginx_10k(extra_hosts):
        servers = "".join(
            f"    server {{ listen 127.0.0.1:{ports['nginx10k']}; server_name {h}; "
            f"location / {{ proxy_pass http://backend; }} }}\n"
            for h in [f"h{i:04d}.bench.local" for i in range(RELOAD_HOSTS)] + extra_hosts)
        return nginx_common(run, "nginx10k") + "http {\n" + nginx_http_common(run, "nginx10k") + f"""
    server_names_hash_max_size 65536;
    server_names_hash_bucket_size 128;
    upstream backend {{
        server 127.0.0.1:{ports['backend']};
        keepalive 512;
    }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    server {{ listen 127.0.0.1:{ports['nginx10k']} default_server; return 404; }}
{servers}}}
"""

    env = dict(os.environ, ROUTE_N=str(RELOAD_HOSTS))
    script = os.path.join(HERE, "random_route.lua")
    results = {}
    for name in ("lab", "nginx"):
        if name == "lab":
            proc, stop = start_lab(lab, run, "lab10k", hosts_dir, ports["lab10k"], None)
            pid_fn = lambda: [proc.pid]
            cpu_pid = proc.pid
            port = ports["lab10k"]

            def change(k):
                with open(os.path.join(hosts_dir, f"new-{k}.yaml"), "w") as out:
                    out.write(lab_ingress(f"new{k}", f"new{k}.bench.local", [("/", "Prefix")]))
                os.kill(proc.pid, signal.SIGHUP)
        else:
            master, worker, stop = start_nginx(run, "nginx10k", nginx_10k([]), 1)
            pid_fn = lambda: nginx_pids(master)
            cpu_pid = worker
            port = ports["nginx10k"]
            added = []

            def change(k):
                added.append(f"new{k}.bench.local")
                with open(os.path.join(run, "nginx10k", "nginx.conf"), "w") as out:
                    out.write(nginx_10k(list(added)))
                subprocess.run(["nginx", "-p", os.path.join(run, "nginx10k"), "-c",
                                os.path.join(run, "nginx10k", "nginx.conf"), "-e",
                                os.path.join(run, "nginx10k", "error.log"), "-s", "reload"],
                               check=True, capture_output=True)
        wait_http(port, "h0000.bench.local", 120)
        wrk(f"http://127.0.0.1:{port}/", 50, 2, script=script, env=env, latency=False)
        time.sleep(1.0)
        steady = sum(rss_bytes(p) for p in pid_fn())
        sampler = RssSampler(pid_fn)
        sampler.start()
        load = {}
        loader = threading.Thread(target=lambda: load.update(
            res=wrk(f"http://127.0.0.1:{port}/", 50, 12, script=script, env=env)[0]))
        loader.start()
        time.sleep(1.0)
        served = []
        for k in range(3):
            t0 = time.perf_counter()
            change(k)
            served.append(poll_until_served(port, f"new{k}.bench.local", t0))
            time.sleep(max(0.0, 3.3 - (time.perf_counter() - t0)))
        loader.join()
        sampler.running = False
        sampler.join()
        r = load["res"]
        results[name] = {
            "served_after_s": served,
            "failed_requests": r["errors"] + r["non2xx"],
            "requests": r["requests"],
            "steady_rss_mb": steady / 2**20,
            "peak_rss_mb": sampler.peak / 2**20,
            "peak_over_steady": sampler.peak / steady if steady else None,
        }
        log(f"  reload {name:<6} served after {['%.3f s' % s if s else 'never' for s in served]}"
            f"  failed {results[name]['failed_requests']} of {r['requests']}"
            f"  RSS {results[name]['steady_rss_mb']:.0f} MB -> peak "
            f"{results[name]['peak_rss_mb']:.0f} MB")
        stop()
        time.sleep(1.0)
    return results


# --- main ------------------------------------------------------------------------------------

def ratio(a, b):
    return None if not a or not b else a / b


def render_table(summary, extra):
    lines = ["| case | target | req/s | req per proxy CPU-s | p50 ms | p99 ms | "
             "req/s ÷ nginx | per CPU-s ÷ nginx | p99 ÷ nginx |", "|" + "---|" * 9]
    for case, by_target in summary.items():
        ng = by_target.get("nginx", {})
        for name, s in by_target.items():
            def med(k, src=s):
                v = src.get(k)
                return v["median"] if v else None

            def fmt(v, f="{:.0f}"):
                return "–" if v is None else f.format(v)
            r1 = ratio(med("rps"), med("rps", ng))
            r2 = ratio(med("per_cpu_s"), med("per_cpu_s", ng))
            r3 = ratio(med("p99_ms"), med("p99_ms", ng))
            rng = s.get("per_cpu_s")
            spread = f" ({rng['min']:.0f}..{rng['max']:.0f})" if rng else ""
            lines.append(f"| {case} | {name} | {fmt(med('rps'))} | {fmt(med('per_cpu_s'))}{spread}"
                         f" | {fmt(med('p50_ms'), '{:.2f}')} | {fmt(med('p99_ms'), '{:.2f}')} | "
                         f"{fmt(r1, '{:.2f}')} | {fmt(r2, '{:.2f}')} | {fmt(r3, '{:.2f}')} |")
    for k, v in extra.items():
        lines.append("")
        lines.append(f"**{k}**: `{json.dumps(v)}`")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_lab = next((p for p in (f"{ROOT}/build/release/app/cli/ingress-lab",
                                    f"{ROOT}/build/ci/app/cli/ingress-lab")
                        if os.path.exists(p)), f"{ROOT}/build/release/app/cli/ingress-lab")
    ap.add_argument("--lab", default=default_lab)
    ap.add_argument("--baseline", help="an older ingress-lab binary to run beside --lab")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sections", default="keepalive,newconn,regex,memory,reload")
    # HAProxy's maxconn (9000 here, bounded by the 20,000 descriptors it may open) caps it.
    ap.add_argument("--idle-connections", type=int, default=8000)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "proxy"))
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    for tool in ("nginx", "haproxy", "wrk", "openssl", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: run packaging/install-deps.sh")
    if not os.path.exists(args.lab):
        sys.exit(f"no lab binary at {args.lab}: cmake --build --preset release --target ingress-lab")
    if os.cpu_count() < 2:
        sys.exit("needs 2 CPUs: the proxy on cpu1, wrk and the backend on cpu0")
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "log.txt"), "w")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    run = tempfile.mkdtemp(prefix="ilab-proxy-bench-")
    ports = {k: free_port() for k in ("backend", "stub", "nginx_http", "nginx_tls",
                                      "haproxy_http", "haproxy_tls", "lab_http", "lab_tls",
                                      "nginx10k", "lab10k", "base_http", "base_tls")}
    stops = []
    try:
        certs = make_certs(run)
        _, _, stop = start_nginx(run, "backend", backend_conf(run, ports["backend"],
                                                             ports["stub"]), 0)
        stops.append(stop)
        master, worker, stop = start_nginx(run, "nginx", nginx_proxy_conf(run, ports, certs), 1)
        stops.append(stop)
        ha_pid, stop = start_haproxy(run, ports, certs)
        stops.append(stop)
        write_lab_manifests(os.path.join(run, "lab-main"), ports["backend"])
        lab_proc, stop = start_lab(args.lab, run, "lab", os.path.join(run, "lab-main"),
                                   ports["lab_http"], ports["lab_tls"])
        stops.append(stop)
        targets = [Target("lab", lab_proc.pid, ports["lab_http"], ports["lab_tls"], None),
                   Target("nginx", worker, ports["nginx_http"], ports["nginx_tls"], None),
                   Target("haproxy", ha_pid, ports["haproxy_http"], ports["haproxy_tls"], None)]
        if args.baseline:
            base_proc, stop = start_lab(args.baseline, run, "lab-base",
                                        os.path.join(run, "lab-main"), ports["base_http"],
                                        ports["base_tls"])
            stops.append(stop)
            targets.insert(1, Target("lab-base", base_proc.pid, ports["base_http"],
                                     ports["base_tls"], None))
        for t in targets:
            wait_http(t.http_port)
        log(f"lab {args.lab}; run dir {run}; {args.reps} reps x {args.duration} s "
            f"(+{args.warmup} s warm-up)")
        results, extra = {}, {}
        # First, on fresh processes: memory freed by earlier load (TLS buffers of 200 clients)
        # would otherwise be reused for the idle connections and hide their cost.
        if "memory" in sections:
            for t in targets:
                per = idle_connection_memory(t.pid, t.http_port, args.idle_connections)
                extra[f"RSS per idle keep-alive connection, {t.name} (KiB)"] = round(per / 1024, 2)
                log(f"  memory {t.name:<8} {per / 1024:.2f} KiB per idle connection "
                    f"({args.idle_connections} connections)")
        stub_before = stub_accepts(ports["stub"])

        def url(t, tls):
            return f"https://127.0.0.1:{t.tls_port}/" if tls else f"http://127.0.0.1:{t.http_port}/"

        cases = []
        if "keepalive" in sections:
            for tls in (False, True):
                for c in (50, 200):
                    cases.append((f"{'tls' if tls else 'plain'} keep-alive c{c}",
                                  lambda t, tls=tls, c=c: (url(t, tls), c, (), None, None)))
        if "newconn" in sections:
            for tls in (False, True):
                cases.append((f"{'tls' if tls else 'plain'} new conn c50",
                              lambda t, tls=tls: (url(t, tls), 50, ("Connection: close",),
                                                  None, None)))
        if "regex" in sections:
            script = os.path.join(run, "regex_paths.lua")
            with open(script, "w") as f:
                f.write(REGEX_LUA)
            for label, host in (("1 route", "one.bench"), ("1000 regex", "regex.bench")):
                env = dict(os.environ, BENCH_HOST=host, ROUTE_N=str(REGEX_PATHS))
                cases.append((f"regex {label}",
                              lambda t, env=env, script=script: None if t.name == "haproxy"
                              else (url(t, False), 50, (), script, env)))
        if cases:
            results = run_matrix(cases, targets, args.reps, args.duration, args.warmup, log)
        summary = summarize(results)
        if "regex" in sections:
            for name in ("lab", "nginx"):
                one = summary["regex 1 route"][name]["rps"]["median"]
                many = summary["regex 1000 regex"][name]["rps"]["median"]
                extra[f"1,000 regex paths, throughput lost vs 1 route, {name}"] = \
                    f"{(1 - many / one) * 100:.1f}%"
        if args.baseline:
            for case, by_target in summary.items():
                new, old = by_target.get("lab"), by_target.get("lab-base")
                if new and old and new.get("per_cpu_s") and old.get("per_cpu_s"):
                    extra[f"{case}: lab ÷ lab-base, requests per CPU-s (median)"] = round(
                        new["per_cpu_s"]["median"] / old["per_cpu_s"]["median"], 3)
        stub_after = stub_accepts(ports["stub"])
        extra["new backend connections during the run (stub_status accepts)"] = \
            stub_after - stub_before
        if "reload" in sections:
            extra["reload of a 10,000-host table under load"] = reload_bench(
                args, run, ports, args.lab, log)
        with open(os.path.join(args.out, "results.json"), "w") as f:
            json.dump({"raw": results, "summary": summary, "extra": extra}, f, indent=1)
        table = render_table(summary, extra)
        with open(os.path.join(args.out, "table.md"), "w") as f:
            f.write(table)
        log(table)
    finally:
        for stop in reversed(stops):
            stop()
        time.sleep(0.5)
        shutil.rmtree(run, ignore_errors=True)


def stub_accepts(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/")
    text = c.getresponse().read().decode()
    return int(text.split("\n")[2].split()[0])


# wrk script: a fixed Host (BENCH_HOST), random path /svcNNNN/item of ROUTE_N.
REGEX_LUA = """
local n = tonumber(os.getenv("ROUTE_N") or "1000")
local host = os.getenv("BENCH_HOST") or "bench.local"
local reqs = {}
function init(args)
   math.randomseed(os.time())
   for i = 1, 4096 do
      reqs[i] = wrk.format("GET", string.format("/svc%04d/item", math.random(0, n - 1)),
                           { Host = host })
   end
end
function request() return reqs[math.random(1, 4096)] end
"""

if __name__ == "__main__":
    main()
