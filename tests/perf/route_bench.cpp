// The decision core under load: load + validate, compile and match over 100, 1,000 and 10,000
// generated Ingresses. Targets (issue): 10,000 Ingresses compile in under 1 s; a match stays
// under 2 µs and flat as the table grows. tests/perf/run_route_bench.sh runs this binary beside
// `nginx -t` on an equivalent nginx.conf (gen_nginx_conf.py) and prints the ratio.
//
// Every Ingress i gets its own host hNNNN.bench.local and three paths, all to Service svcNNNN
// (port 80 -> 8080, a Deployment with 2 replicas, so endpoints exist):
//   /svcNNNN/item   Prefix
//   /svcNNNN/exact  Exact
//   /svcNNNN/impl   ImplementationSpecific (a prefix in ingress-nginx without regex mode)
// gen_nginx_conf.py renders the same names; keep the two in step.
//
// `ilab_route_bench --check-only` checks every corpus and request pool without timing (ctest
// runs it as perf.route_bench.check); other arguments go to Google Benchmark.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/dialect/dialect.h"
#include "engine/model/manifests.h"
#include "engine/routing/request.h"
#include "engine/routing/route_table.h"

namespace {

using namespace ilab;

constexpr int kRegexLocations = 100;
constexpr std::size_t kRequestPool = 8192;  // as tests/perf/random_route.lua; a power of two
constexpr std::uint64_t kSeed = 0x1b9e55;
constexpr int kRegexTableIngresses = 1000;  // plain Ingresses beside the regex-mode host
constexpr int kHotHosts = 100;              // BM_MatchHotHosts: requests go to this many hosts

std::string num4(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", i);
    return buf;
}

std::string hostOf(int i) {
    std::string host = "h";  // appended, not "h" + ...: GCC 12 warns falsely on that (-Wrestrict)
    host += num4(i);
    host += ".bench.local";
    return host;
}

void appendBackend(std::string& y, const std::string& service) {
    y += "        backend:\n          service:\n            name: " + service +
         "\n            port:\n              number: 80\n";
}

void appendServiceAndDeployment(std::string& y, const std::string& name) {
    y += "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " + name +
         "\nspec:\n  selector:\n    app: " + name +
         "\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n";
    y += "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n      - name: app\n        image: bench\n"
         "        ports:\n        - containerPort: 8080\n";
}

// kubectl-style YAML for `n` Ingresses (plus, with `regex_host`, one host in regex mode with
// kRegexLocations regex locations).
std::string generateManifests(int n, bool regex_host) {
    std::string y;
    y.reserve(static_cast<std::size_t>(n) * 1400 + 16384);
    for (int i = 0; i < n; ++i) {
        const std::string id = num4(i), svc = "svc" + id;
        y += "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ing" + id +
             "\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: " + hostOf(i) +
             "\n    http:\n      paths:\n";
        y += "      - path: /" + svc + "/item\n        pathType: Prefix\n";
        appendBackend(y, svc);
        y += "      - path: /" + svc + "/exact\n        pathType: Exact\n";
        appendBackend(y, svc);
        y += "      - path: /" + svc + "/impl\n        pathType: ImplementationSpecific\n";
        appendBackend(y, svc);
        appendServiceAndDeployment(y, svc);
    }
    if (regex_host) {
        y += "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: regex-host\n"
             "  annotations:\n    nginx.ingress.kubernetes.io/use-regex: \"true\"\n"
             "spec:\n  ingressClassName: nginx\n  rules:\n  - host: rx.bench.local\n"
             "    http:\n      paths:\n";
        for (int r = 0; r < kRegexLocations; ++r) {
            char path[64];
            std::snprintf(path, sizeof path, "/rx/r%03d/[a-z]+/[0-9]+", r);
            y += "      - path: '" + std::string(path) +
                 "'\n        pathType: ImplementationSpecific\n";
            appendBackend(y, "rxsvc");
        }
        appendServiceAndDeployment(y, "rxsvc");
    }
    return y;
}

model::LoadOptions loadOptions() {
    model::LoadOptions options;
    // 10,000 Ingresses with their Services and Deployments are ~11 MB of YAML, close to the
    // 16 MB guard meant for hand-written input; the benchmark measures scale, not that guard.
    options.yaml.max_bytes = 256u * 1024 * 1024;
    return options;
}

const dialect::Dialect& nginxDialect() {
    static const std::unique_ptr<dialect::Dialect> d = dialect::makeNginxDialect();
    return *d;
}

// Everything is generated once per (n, regex) and shared by the benchmarks that need it: the
// 10,000 set takes seconds to build and Google Benchmark calls each function several times.
struct Corpus {
    std::string text;
    std::unique_ptr<model::Manifests> manifests;
    std::shared_ptr<const routing::RouteTable> table;
    std::string error;  // why the corpus is unusable ("" when fine)
};

std::string firstError(const core::Diagnostics& diagnostics) {
    for (const auto& d : diagnostics.items())
        if (d.severity == core::Severity::Error) return core::formatDiagnostic(d);
    return {};
}

Corpus& corpus(int n, bool regex_host) {
    static std::map<std::pair<int, bool>, Corpus> cache;
    const auto key = std::make_pair(n, regex_host);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    Corpus& c = cache[key];
    c.text = generateManifests(n, regex_host);
    c.manifests = std::make_unique<model::Manifests>(model::loadManifestsFromText(
        c.text, "bench-" + std::to_string(n) + ".yaml", loadOptions()));
    const std::size_t expected = static_cast<std::size_t>(n) + (regex_host ? 1 : 0);
    if (c.manifests->diagnostics.hasErrors()) {
        c.error =
            "generated manifests do not load cleanly: " + firstError(c.manifests->diagnostics);
        return c;
    }
    if (c.manifests->ingresses.size() != expected) {
        c.error = "loaded " + std::to_string(c.manifests->ingresses.size()) +
                  " Ingresses, expected " + std::to_string(expected);
        return c;
    }
    for (const auto& ing : c.manifests->ingresses) {
        if (!ing.claimed || ing.rejected) {
            c.error = "Ingress " + ing.meta.qualifiedName() + " is not served (claimed " +
                      std::to_string(ing.claimed) + ", rejected " + std::to_string(ing.rejected) +
                      ")";
            return c;
        }
    }
    core::Diagnostics findings;
    c.table = routing::RouteTable::compile(*c.manifests, nginxDialect(), {}, &findings);
    if (findings.hasErrors()) c.error = "compile findings: " + firstError(findings);
    const std::size_t want_locations =
        static_cast<std::size_t>(n) * 3 + (regex_host ? kRegexLocations : 0);
    if (c.error.empty() && c.table->locationCount() != want_locations)
        c.error = "compiled " + std::to_string(c.table->locationCount()) + " locations, expected " +
                  std::to_string(want_locations);
    return c;
}

routing::Request makeRequest(std::string host, std::string target) {
    routing::Request r;
    r.host = std::move(host);
    r.target = std::move(target);
    return r;
}

// Random hits, like random_route.lua (random host, its /svcNNNN/item) but spread over all
// three path types: the Prefix rule as written, a deeper path under it, the Exact path and
// the ImplementationSpecific prefix. `hosts` limits them to the first that many hosts.
std::vector<routing::Request> hitRequests(int n, int hosts) {
    std::mt19937_64 rng(kSeed + static_cast<std::uint64_t>(n));
    std::uniform_int_distribution<int> pick_ingress(0, std::min(n, hosts) - 1), pick_kind(0, 3),
        pick_id(0, 999);
    std::vector<routing::Request> out;
    out.reserve(kRequestPool);
    for (std::size_t k = 0; k < kRequestPool; ++k) {
        const int i = pick_ingress(rng);
        const std::string base = "/svc" + num4(i);
        std::string target;
        switch (pick_kind(rng)) {
            case 0:
                target = base + "/item";
                break;
            case 1:
                target = base + "/item/sub/" + std::to_string(pick_id(rng));
                break;
            case 2:
                target = base + "/exact";
                break;
            default:
                target = base + "/impl/page?id=" + std::to_string(pick_id(rng));
                break;
        }
        out.push_back(makeRequest(hostOf(i), std::move(target)));
    }
    return out;
}

std::vector<routing::Request> missRequests(int n) {
    std::mt19937_64 rng(kSeed ^ static_cast<std::uint64_t>(n));
    std::uniform_int_distribution<int> pick(0, n - 1);
    std::vector<routing::Request> out;
    out.reserve(kRequestPool);
    for (std::size_t k = 0; k < kRequestPool; ++k) {
        const int i = pick(rng);
        out.push_back(
            makeRequest("unknown" + num4(i) + ".bench.local", "/svc" + num4(i) + "/item"));
    }
    return out;
}

std::vector<routing::Request> regexRequests(bool miss) {
    std::mt19937_64 rng(kSeed + 7);
    std::uniform_int_distribution<int> pick(0, kRegexLocations - 1), pick_id(0, 9999);
    std::vector<routing::Request> out;
    out.reserve(kRequestPool);
    for (std::size_t k = 0; k < kRequestPool; ++k) {
        char target[64];
        if (miss)
            std::snprintf(target, sizeof target, "/rx/none/%d", pick_id(rng));
        else
            std::snprintf(target, sizeof target, "/rx/r%03d/books/%d", pick(rng), pick_id(rng));
        out.push_back(makeRequest("rx.bench.local", target));
    }
    return out;
}

// Each pooled request must give the expected answer before it is timed.
std::string checkDecisions(const routing::RouteTable& table,
                           const std::vector<routing::Request>& pool, int want_status) {
    for (const auto& r : pool) {
        const routing::Decision d = table.match(r, nullptr);
        const bool ok = want_status == 0 ? d.action == routing::Action::Forward && d.backend &&
                                               !d.backend->endpoints.empty()
                                         : d.status == want_status;
        if (!ok)
            return "request " + r.host + r.target + " gave status " + std::to_string(d.status) +
                   (d.reason.empty() ? "" : " (" + d.reason + ")");
    }
    return {};
}

// Load/compile iterations: enough to average out a noisy shared machine, few enough that the
// whole run stays well under two minutes.
benchmark::IterationCount slowIterations(int n) {
    return n <= 100 ? 50 : n <= 1000 ? 10 : 3;
}

void setCounters(benchmark::State& state, const Corpus& c, int n) {
    state.counters["ingresses"] = n;
    if (c.table) {
        state.counters["locations"] = static_cast<double>(c.table->locationCount());
        state.counters["servers"] = static_cast<double>(c.table->servers().size());
    }
}

void BM_LoadManifests(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    Corpus& c = corpus(n, false);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    for (auto _ : state) {
        auto m = std::make_unique<model::Manifests>(
            model::loadManifestsFromText(c.text, "bench.yaml", loadOptions()));
        benchmark::DoNotOptimize(m.get());
        state.PauseTiming();  // freeing the old set is not part of loading the new one
        m.reset();
        state.ResumeTiming();
    }
    setCounters(state, c, n);
    state.counters["objects"] =
        static_cast<double>(c.manifests->ingresses.size() + c.manifests->services.size() +
                            c.manifests->workloads.size());
    state.counters["yaml_MB"] = static_cast<double>(c.text.size()) / (1024.0 * 1024.0);
    state.counters["ingresses_per_s"] =
        benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(c.text.size()));
}

void BM_Compile(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    Corpus& c = corpus(n, false);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    for (auto _ : state) {
        core::Diagnostics findings;
        auto table = routing::RouteTable::compile(*c.manifests, nginxDialect(), {}, &findings);
        benchmark::DoNotOptimize(table.get());
        state.PauseTiming();  // the old snapshot is released later, off the reload path
        table.reset();
        state.ResumeTiming();
    }
    setCounters(state, c, n);
    state.counters["ingresses_per_s"] =
        benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
}

void runMatches(benchmark::State& state, const routing::RouteTable& table,
                const std::vector<routing::Request>& pool, bool trace) {
    std::size_t k = 0;
    if (trace) {
        for (auto _ : state) {
            routing::Decision d = table.match(pool[k++ & (kRequestPool - 1)], nullptr);
            benchmark::DoNotOptimize(d);
        }
    } else {
        const routing::RouteTable::MatchOptions off{.trace = false};
        for (auto _ : state) {
            routing::Decision d = table.match(pool[k++ & (kRequestPool - 1)], nullptr, off);
            benchmark::DoNotOptimize(d);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_Match(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const bool trace = state.range(1) != 0;
    Corpus& c = corpus(n, false);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    static std::map<int, std::vector<routing::Request>> pools;
    auto& pool = pools[n];
    if (pool.empty()) {
        pool = hitRequests(n, n);
        if (std::string e = checkDecisions(*c.table, pool, 0); !e.empty()) {
            pool.clear();
            return state.SkipWithError(e.c_str());
        }
    }
    runMatches(state, *c.table, pool, trace);
    setCounters(state, c, n);
}

// The same hits, but only to 100 hosts of the N-host table. Against BM_Match this separates
// the lookup's algorithmic cost (flat: same as N=100) from the cost of touching a table that no
// longer fits in the caches (BM_Match with uniformly random hosts is the worst case for that).
void BM_MatchHotHosts(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    Corpus& c = corpus(n, false);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    static std::map<int, std::vector<routing::Request>> pools;
    auto& pool = pools[n];
    if (pool.empty()) {
        pool = hitRequests(n, kHotHosts);
        if (std::string e = checkDecisions(*c.table, pool, 0); !e.empty()) {
            pool.clear();
            return state.SkipWithError(e.c_str());
        }
    }
    runMatches(state, *c.table, pool, false);
    setCounters(state, c, n);
    state.counters["hot_hosts"] = kHotHosts;
}

void BM_MatchMiss(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const bool trace = state.range(1) != 0;
    Corpus& c = corpus(n, false);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    static std::map<int, std::vector<routing::Request>> pools;
    auto& pool = pools[n];
    if (pool.empty()) {
        pool = missRequests(n);
        if (std::string e = checkDecisions(*c.table, pool, 404); !e.empty()) {
            pool.clear();
            return state.SkipWithError(e.c_str());
        }
    }
    runMatches(state, *c.table, pool, trace);
    setCounters(state, c, n);
}

// One host in regex mode (use-regex) with kRegexLocations regex locations, beside 1,000 plain
// hosts: nginx tries regex locations in order, so a hit costs on average half of them and a
// miss all of them.
void BM_MatchRegexHost(benchmark::State& state) {
    const bool miss = state.range(0) != 0;
    const bool trace = state.range(1) != 0;
    Corpus& c = corpus(kRegexTableIngresses, true);
    if (!c.error.empty()) return state.SkipWithError(c.error.c_str());
    static std::map<bool, std::vector<routing::Request>> pools;
    auto& pool = pools[miss];
    if (pool.empty()) {
        pool = regexRequests(miss);
        if (std::string e = checkDecisions(*c.table, pool, miss ? 404 : 0); !e.empty()) {
            pool.clear();
            return state.SkipWithError(e.c_str());
        }
    }
    runMatches(state, *c.table, pool, trace);
    setCounters(state, c, kRegexTableIngresses);
    state.counters["regex_locations"] = kRegexLocations;
}

void slowArgs(benchmark::internal::Benchmark* b) {
    b->ArgName("ingresses")->Unit(benchmark::kMillisecond);
}

// --check-only (ctest perf.route_bench.check): every corpus and request pool the benchmarks
// time, checked as they would be, without timing anything. A benchmark that finds its corpus
// or pool wrong skips itself with an error; nothing else would notice.
int checkOnly() {
    int failures = 0;
    auto report = [&](const std::string& what, const std::string& error) {
        std::printf("%-44s %s\n", what.c_str(),
                    error.empty() ? "ok" : ("FAILED: " + error).c_str());
        failures += !error.empty();
    };
    for (const int n : {100, 1000, 10000}) {
        const Corpus& c = corpus(n, false);
        const std::string name = std::to_string(n) + " Ingresses";
        report(name + ": load and compile", c.error);
        if (!c.error.empty()) continue;
        report(name + ": hits", checkDecisions(*c.table, hitRequests(n, n), 0));
        report(name + ": hits on hot hosts",
               checkDecisions(*c.table, hitRequests(n, kHotHosts), 0));
        report(name + ": misses are 404", checkDecisions(*c.table, missRequests(n), 404));
    }
    const Corpus& rx = corpus(kRegexTableIngresses, true);
    report("regex-mode host: load and compile", rx.error);
    if (rx.error.empty()) {
        report("regex-mode host: hits", checkDecisions(*rx.table, regexRequests(false), 0));
        report("regex-mode host: misses are 404",
               checkDecisions(*rx.table, regexRequests(true), 404));
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace

BENCHMARK(BM_LoadManifests)->Apply(slowArgs)->Arg(100)->Iterations(slowIterations(100));
BENCHMARK(BM_LoadManifests)->Apply(slowArgs)->Arg(1000)->Iterations(slowIterations(1000));
BENCHMARK(BM_LoadManifests)->Apply(slowArgs)->Arg(10000)->Iterations(slowIterations(10000));
BENCHMARK(BM_Compile)->Apply(slowArgs)->Arg(100)->Iterations(slowIterations(100));
BENCHMARK(BM_Compile)->Apply(slowArgs)->Arg(1000)->Iterations(slowIterations(1000));
BENCHMARK(BM_Compile)->Apply(slowArgs)->Arg(10000)->Iterations(slowIterations(10000));
BENCHMARK(BM_Match)
    ->ArgNames({"ingresses", "trace"})
    ->ArgsProduct({{100, 1000, 10000}, {0, 1}})
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_MatchHotHosts)
    ->ArgName("ingresses")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_MatchMiss)
    ->ArgNames({"ingresses", "trace"})
    ->ArgsProduct({{100, 1000, 10000}, {0, 1}})
    ->Unit(benchmark::kNanosecond);
BENCHMARK(BM_MatchRegexHost)
    ->ArgNames({"miss", "trace"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kNanosecond);

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--check-only") return checkOnly();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
