// ingress-lab serve [SCENARIO | -f PATH...] [--http ADDRESS:PORT] [--https ADDRESS:PORT | --no-https]
//                   [--admin ADDRESS:PORT | --no-admin] [--access-log PATH] [--watch] [--seed N]
//                   [--pod-network 127.N.0.0/16] [--no-traffic]
// The admin listener serves /metrics, /healthz and the web lab (the UI and its API).
// SIGHUP reloads the manifests (as --watch does on a change); SIGINT and SIGTERM drain and stop.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <ostream>

#include "app/cli/access_log_writer.h"
#include "app/cli/commands.h"
#include "app/cli/controller_option.h"
#include "app/cli/manifest_watch.h"
#include "engine/core/cidr.h"
#include "engine/core/text.h"
#include "engine/lab/lab.h"
#include "engine/tls/tls_store.h"
#include "engine/workbench/workspace.h"
#if ILAB_WITH_WEB
#include "app/web/server/web_lab.h"
#endif

namespace ilab::cli {
namespace {

struct ServeOptions {
    std::string scenario;
    std::vector<std::string> files;
    std::string http = "127.0.0.1:8080";
    std::string https = "127.0.0.1:8443";
    bool no_https = false;
    std::string admin = "127.0.0.1:9090";
    bool no_admin = false;
    std::string access_log;  // "" none, "-" standard output, else a file (appended)
    bool watch = false;
    bool watch_without_class = false;
    std::string configmap;
    std::optional<std::uint64_t> seed;  // unset: the scenario's, else 1
    std::string pod_network;            // "": the first free 127.N.0.0/16
    bool no_traffic = false;            // the web lab opens idle instead of sending traffic
    std::vector<std::string> also;      // more controllers, by id or controller name
    std::string values;                 // the ingress-nginx chart's values file
};


// "127.91.0.0/16" -> "127.91.0.0": a /16 of the loopback network, as pod addresses count.
bool parsePodNetwork(const std::string& text, std::string& base, std::string& error) {
    const auto cidr = core::Cidr::parse(text);
    const auto loopback = core::Cidr::parse("127.0.0.0/8");
    if (!cidr || !cidr->base.v4 || cidr->prefix_length != 16 ||
        text.find('/') == std::string::npos || !loopback->contains(cidr->base)) {
        error = core::quoted(text) + " is not a /16 of the loopback network, such as 127.91.0.0/16";
        return false;
    }
    base = cidr->base.str();
    if (!base.ends_with(".0.0")) {
        error = core::quoted(text) + " has host bits set: write 127.N.0.0/16";
        return false;
    }
    return true;
}

bool parseListen(const std::string& text, proxy::ListenerSpec& spec, std::string& error) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
        error = core::quoted(text) + " is not ADDRESS:PORT";
        return false;
    }
    std::string address = text.substr(0, colon);
    if (address.size() > 1 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    if (!core::IpAddress::parse(address)) {
        error = core::quoted(address) + " is not an IP address";
        return false;
    }
    // The whole rest must be the number: "8080x" is no port (std::stoi read it as 8080).
    const std::string digits = text.substr(colon + 1);
    int port = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 0 ||
        port > 65535) {
        error = core::quoted(text.substr(colon + 1)) + " is not a port";
        return false;
    }
    spec.address = address;
    spec.port = static_cast<std::uint16_t>(port);
    return true;
}

bool isLoopback(const std::string& address) {
    auto ip = core::IpAddress::parse(address);
    return ip && (core::Cidr::parse("127.0.0.0/8")->contains(*ip) ||
                  core::Cidr::parse("::1/128")->contains(*ip));
}

void printDiagnostics(std::ostream& out, const core::Diagnostics& diagnostics) {
    for (const auto& d : diagnostics.items())
        if (d.severity != core::Severity::Info) out << core::formatDiagnostic(d) << '\n';
}

// "[::1]" for an IPv6 address, as URLs and curl's --resolve write it.
std::string urlAddress(const std::string& address) {
    return address.find(':') == std::string::npos ? address : "[" + address + "]";
}

// Where HTTPS listens, the CA to trust, and a curl line that verifies against it: for a host the
// default certificate covers (the lab CA issued it). Hosts whose own Secret serves them verify
// only against that certificate's issuer, which the lab cannot know, so they are listed apart.
// Where the lab serves plain HTTP: one line, or one per controller when it runs several (its
// name, where it listens, what it is and which class it claims).
void printListeners(std::ostream& out, const lab::Lab& lab, const std::string& address) {
    const auto controllers = lab.controllers();
    if (controllers.size() < 2) {
        out << "ingress-lab: serving HTTP on http://" << urlAddress(address) << ":"
            << lab.httpPort() << '\n';
        return;
    }
    for (const auto& c : controllers) {
        out << "ingress-lab: controller " << c.name << " on http://" << urlAddress(address) << ":"
            << c.http_port;
        if (c.https_port) out << " and https://" << urlAddress(address) << ":" << c.https_port;
        out << ": " << c.title << ", class " << c.ingress_class << " (" << c.controller_name
            << ")\n";
    }
}

void printHttps(std::ostream& out, lab::Lab& lab, const std::string& address) {
    const std::string port = std::to_string(lab.httpsPort());
    out << "ingress-lab: serving HTTPS on https://" << urlAddress(address) << ":" << port
        << " (certificate by SNI)\n";
    out << "ingress-lab: lab CA certificate (trust it once): " << lab.caCertificatePath() << '\n';
    const auto store = lab.tlsStore();
    const auto table = lab.routeTable();
    if (!store || !table) return;
    // A host the lab CA vouches for, preferably one whose "/" reaches a pod.
    const auto& covered = store->defaultCertificateNames();
    std::string host = "localhost";
    bool forwards = false;
    for (const auto& server : table->servers()) {
        if (server.name == "_" || server.wildcard ||
            std::find(covered.begin(), covered.end(), server.name) == covered.end())
            continue;
        routing::Request request;
        request.scheme = "https";
        request.host = server.name;
        const bool reaches = table->match(request, nullptr).action == routing::Action::Forward;
        if (host == "localhost" || (reaches && !forwards)) host = server.name;
        forwards = forwards || reaches;
        if (forwards) break;
    }
    out << "  curl --cacert " << lab.caCertificatePath() << " --resolve " << host << ":" << port
        << ":" << urlAddress(address) << " https://" << host << ":" << port << "/\n";
    for (const auto& binding : store->bindings()) {
        if (binding.secret.empty()) continue;
        out << "  " << binding.host << " presents Secret " << binding.secret
            << ": verify it against that certificate's own CA, not the lab's\n";
    }
}

void printPods(std::ostream& out, lab::Lab& lab) {
    for (const auto& pod : lab.cluster().pods()) {
        std::string ports;
        for (const auto& [container, bound] : pod.ports)
            ports += (ports.empty() ? "" : ",") + std::to_string(bound);
        out << "  pod " << std::left << std::setw(40) << (pod.namespace_ + "/" + pod.name) << pod.ip
            << ":" << ports << (pod.ready ? "" : "  (not ready)") << '\n';
    }
}

}  // namespace

Action addServeCommand(CLI::App& app) {
    auto opts = std::make_shared<ServeOptions>();
    CLI::App* cmd =
        app.add_subcommand("serve", "Run the lab: a real proxy in front of simulated pods");
    cmd->add_option("scenario", opts->scenario,
                    "Scenario file or folder: its manifests, behaviours and traffic in the web lab");
    cmd->add_option("-f,--filename", opts->files, "File or directory (recursive) of manifests");
    cmd->add_option("--http", opts->http,
                    "Plain-HTTP listener, ADDRESS:PORT (default 127.0.0.1:8080)");
    CLI::Option* https =
        cmd->add_option("--https", opts->https,
                        "HTTPS listener, ADDRESS:PORT (default 127.0.0.1:8443); certificates by "
                        "SNI from the Ingresses' TLS Secrets, else one the lab CA issues");
    cmd->add_flag("--no-https", opts->no_https, "Serve plain HTTP only")->excludes(https);
    CLI::Option* admin = cmd->add_option(
        "--admin", opts->admin,
        "Admin listener for the web lab, /metrics (Prometheus) and /healthz, ADDRESS:PORT "
        "(default 127.0.0.1:9090); off loopback the web lab needs the token it prints");
    cmd->add_flag("--no-admin", opts->no_admin, "No admin listener (and no web lab)")->excludes(admin);
    cmd->add_option("--access-log", opts->access_log,
                    "Write ingress-nginx's access log to a file (appended), or - for stdout");
    cmd->add_flag("--watch", opts->watch, "Reload when the manifest files change");
    cmd->add_option("--seed", opts->seed, "Seed for canary draws and pod behaviour");
    cmd->add_option("--pod-network", opts->pod_network,
                    "Pod addresses, 127.N.0.0/16 (default: the first of 127.77.0.0/16 to "
                    "127.126.0.0/16 no other lab on this machine holds)");
    cmd->add_flag("--no-traffic", opts->no_traffic,
                  "Open the web lab idle: no traffic until Start (by default the scenario's "
                  "traffic, or one request per rule, starts at once)");
    cmd->add_flag("--watch-ingress-without-class", opts->watch_without_class,
                  "Serve Ingresses that name no class (ingress-nginx flag)");
    addConfigMapOption(*cmd, opts->configmap);
    addAlsoControllerOption(*cmd, opts->also);
    addValuesOption(*cmd, opts->values);
    return [opts](Streams s) {
        if (opts->scenario.empty() == opts->files.empty()) {
            s.err << "ingress-lab serve: give a scenario or -f manifests (one of them)\n";
            return kExitBadInput;
        }
        if (!ILAB_WITH_WEB && !opts->scenario.empty()) {
            s.err << "ingress-lab serve: this ingress-lab was built without the web lab "
                     "(ILAB_BUILD_WEB=OFF), where scenarios run: serve the scenario's manifests "
                     "with -f, or run it headless with `ingress-lab run`\n";
            return kExitBadInput;
        }
        if (!opts->scenario.empty() && opts->no_admin) {
            s.err << "ingress-lab serve: a scenario runs in the web lab, which needs the admin "
                     "listener: drop --no-admin, or serve its manifests with -f\n";
            return kExitBadInput;
        }
        lab::LabOptions options;
        options.files = opts->files;
        options.load.watch_ingress_without_class = opts->watch_without_class;
        options.compile.configuration = opts->configmap;
        options.proxy.seed = opts->seed.value_or(1);
        options.cluster.seed = opts->seed.value_or(1);
        std::string error;
        options.cluster.address_base.clear();  // choose a free pod network
        if (!opts->pod_network.empty() &&
            !parsePodNetwork(opts->pod_network, options.cluster.address_base, error)) {
            s.err << "ingress-lab serve: --pod-network " << error << '\n';
            return kExitBadInput;
        }
        if (!parseListen(opts->http, options.http, error)) {
            s.err << "ingress-lab serve: --http " << error << '\n';
            return kExitBadInput;
        }
        if (!opts->no_https) {
            proxy::ListenerSpec https_spec;
            if (!parseListen(opts->https, https_spec, error)) {
                s.err << "ingress-lab serve: --https " << error << '\n';
                return kExitBadInput;
            }
            options.https = https_spec;
        }
        if (!opts->no_admin) {
            proxy::ListenerSpec admin_spec;
            if (!parseListen(opts->admin, admin_spec, error)) {
                s.err << "ingress-lab serve: --admin " << error << '\n';
                return kExitBadInput;
            }
            options.admin = admin_spec;
        }
        if (!opts->values.empty()) {
            core::Diagnostics values_findings;
            const bool usable = applyValues(opts->values, controllers::controllerFor(options.load),
                                            options.load, options.compile, values_findings);
            printDiagnostics(s.err, values_findings);
            if (!usable) {
                s.err << "ingress-lab serve: --values " << opts->values << " cannot be used\n";
                return kExitBadInput;
            }
        }
        for (const auto& id : opts->also) {  // on free ports beside the first's
            lab::ControllerSpec more;
            more.controller = id;
            more.name = uniqueControllerName(id, options);
            more.http = {options.http.address, 0};
            if (options.https) more.https = proxy::ListenerSpec{options.https->address, 0};
            options.more_controllers.push_back(std::move(more));
        }
        for (const proxy::ListenerSpec* spec :
             {&options.http, options.https ? &*options.https : nullptr,
              options.admin ? &*options.admin : nullptr}) {
            if (spec && !isLoopback(spec->address))
                s.err << "warning: listening on " << spec->address
                      << ", which is not a loopback address: anyone who can reach it can use the "
                         "lab\n";
        }

        // Block the stop signals before any thread starts, then wait for them here.
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        sigaddset(&stop_signals, SIGHUP);  // reload, as `nginx -s reload` sends it
        pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

        // The first look before the lab reads the files: an edit made while it starts is a
        // change to reload, not the state it started from. With a scenario, its whole folder.
        std::vector<std::string> watched = opts->files;
        if (!opts->scenario.empty()) {
            const auto folder =
                std::filesystem::path(workbench::resolveScenarioPath(opts->scenario)).parent_path();
            watched = {folder.empty() ? std::string(".") : folder.string()};
        }
        ManifestWatch watch(opts->watch ? watched : std::vector<std::string>{});

        core::Diagnostics diagnostics;
        std::unique_ptr<lab::Lab> own_lab;
#if ILAB_WITH_WEB
        std::unique_ptr<web::WebLab> web_lab;
#else
        const bool web_lab = false;  // the lab's own admin listener serves /metrics and /healthz
#endif
        lab::Lab* lab = nullptr;
        if (ILAB_WITH_WEB && options.admin) {
#if ILAB_WITH_WEB
            // The web lab owns the lab (through the workbench the studio shares) and serves
            // /metrics itself on the admin listener.
            web::WebLabOptions w;
            w.address = options.admin->address;
            w.port = options.admin->port;
            w.bench.load = options.load;
            w.bench.compile = options.compile;
            w.bench.seed = opts->seed;
            w.bench.https = options.https.has_value();
            w.bench.http_address = options.http.address;
            w.bench.http_port = options.http.port;
            if (options.https) w.bench.https_port = options.https->port;
            w.bench.pod_address_base = options.cluster.address_base;
            // A first view with requests flowing, not a grey idle graph (issue 14, item 12).
            w.bench.traffic_on_open = !opts->no_traffic;
            w.bench.more_controllers = options.more_controllers;
            web_lab = web::WebLab::start(w, opts->scenario, opts->files, diagnostics);
            if (web_lab) lab = web_lab->lab();
#endif
        } else {
            own_lab = lab::Lab::start(options, diagnostics);
            lab = own_lab.get();
        }
        printDiagnostics(s.err, diagnostics);
        if (!lab) {
            s.err << "ingress-lab serve: the lab did not start\n";
            return kExitBadInput;
        }
        printListeners(s.out, *lab, options.http.address);
        if (lab->httpsPort() != 0)
            printHttps(s.out, *lab, options.https->address);
        else if (options.https)
            s.out << "ingress-lab: HTTPS is off: the lab CA cannot be used (see above)\n";
#if ILAB_WITH_WEB
        if (web_lab) {
            s.out << "ingress-lab: metrics on http://" << urlAddress(options.admin->address) << ":"
                  << web_lab->port() << "/metrics\n";
            s.out << "ingress-lab: web lab on " << web_lab->url() << '\n';
        }
#endif
        if (!web_lab && lab->adminPort() != 0)
            s.out << "ingress-lab: metrics on http://" << urlAddress(options.admin->address) << ":"
                  << lab->adminPort() << "/metrics\n";
        s.out << "ingress-lab: pods on " << lab->cluster().addressBase() << "/16 ("
              << (opts->pod_network.empty() ? "free on this machine; --pod-network chooses"
                                            : "--pod-network")
              << ")\n";
        printPods(s.out, *lab);
        if (const auto table = lab->routeTable())
            if (const std::string why = workbench::nothingRoutable(*table); !why.empty())
                s.out << "ingress-lab: nothing to route: " << why << '\n';
        s.out << "Stop with Ctrl-C." << std::endl;

        std::ofstream log_file;
        std::unique_ptr<AccessLogWriter> access_log;
        std::vector<telemetry::SubscriptionId> log_subscriptions;
        if (!opts->access_log.empty()) {
            if (opts->access_log != "-") {
                log_file.open(opts->access_log, std::ios::app);
                if (!log_file) s.err << "warning: cannot open the access log " << opts->access_log << '\n';
            }
            if (opts->access_log == "-" || log_file) {
                access_log = std::make_unique<AccessLogWriter>(opts->access_log == "-" ? s.out : log_file);
                for (std::size_t i = 0; i < lab->controllers().size(); ++i)
                    log_subscriptions.push_back(lab->telemetry(i).subscribe(
                        [writer = access_log.get()](const telemetry::Delivery& d) {
                            writer->enqueue(d);
                        }));
            }
        }

        while (true) {
            timespec tick{1, 0};
            const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
            if (sig == SIGINT || sig == SIGTERM) break;
            if (sig != SIGHUP && (!opts->watch || !watch.changed())) continue;
            const auto started = std::chrono::steady_clock::now();
            core::Diagnostics reload;
            const bool ok = lab->reload(reload);
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            printDiagnostics(s.err, reload);
            if (ok)
                s.out << "ingress-lab: reloaded in " << ms << " ms\n" << std::flush;
            else
                s.out << "ingress-lab: change rejected; the previous configuration keeps serving\n"
                      << std::flush;
        }
        s.out << "ingress-lab: draining and stopping\n";
        lab->stop();
        proxy::ProxyCounters counters;
        for (std::size_t i = 0; i < lab->controllers().size(); ++i) {
            counters.requests += lab->counters(i).requests;
            counters.status_5xx += lab->counters(i).status_5xx;
        }
        if (access_log) {
            for (std::size_t i = 0; i < log_subscriptions.size(); ++i)
                lab->telemetry(i).unsubscribe(log_subscriptions[i]);
            access_log.reset();  // writes what is queued
        }
#if ILAB_WITH_WEB
        if (web_lab) web_lab->stop();
#endif
        s.out << "ingress-lab: served " << counters.requests << " requests (" << counters.status_5xx
              << " 5xx)\n";
        return kExitOk;
    };
}

}  // namespace ilab::cli
