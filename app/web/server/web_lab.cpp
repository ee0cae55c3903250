#include "app/web/server/web_lab.h"

#include <utility>  // before Asio: Boost 1.74's coroutine support needs it (toolchain.md)

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sstream>
#include <thread>

#include "app/web/server/api_input.h"
#include "app/web/server/assets.h"
#include "app/web/server/json_views.h"
#include "engine/core/atomic_file.h"
#include "engine/core/cidr.h"
#include "engine/core/input_file.h"
#include "engine/lab/lab.h"
#include "engine/scenario/report.h"
#include "engine/telemetry/admin_pages.h"
#include "engine/telemetry/prometheus.h"

namespace ilab::web {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kRecentEvents = 1000;
constexpr std::size_t kEventsPerMessage = 500;
constexpr std::int64_t kSeriesSeconds = 120;
constexpr std::size_t kReadBufferBytes = 32 * 1024;  // request head (16 KiB) and chunk metadata

Response jsonResponse(http::status status, const Json& body) {
    Response res{status, 11};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    return res;
}

Response errorResponse(http::status status, const std::string& code, const std::string& message) {
    return jsonResponse(status, {{"error", message}, {"code", code}});
}

// A body refused before anything changed: which field, and why.
Response fieldErrorResponse(const FieldError& e) {
    return jsonResponse(http::status::bad_request,
                        {{"error", e.message}, {"code", e.code}, {"field", e.field}});
}

// Splits "/api/v1/files/a.yaml?token=x" into the path and one query parameter's value.
std::string queryValue(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return std::string(pair.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return {};
}

// "a%20b.yaml" -> "a b.yaml"; a malformed escape stays as written (and then names no file).
std::string percentDecoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

bool sameToken(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// "http://127.0.0.1:9090" -> "127.0.0.1:9090"
std::string_view originHost(std::string_view origin) {
    const auto scheme = origin.find("://");
    return scheme == std::string_view::npos ? origin : origin.substr(scheme + 3);
}

struct TokenBucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last{};
};

// One browser (or script) on the event stream. Messages queue here and one writer sends them.
struct Client {
    explicit Client(tcp::socket socket) : ws(std::move(socket)), wake(ws.get_executor()) {}
    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer wake;
    std::deque<std::shared_ptr<const std::string>> queue;
    std::size_t dropped_events = 0;
    bool closed = false;
};

}  // namespace

std::string makeToken() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

bool isLoopbackAddress(const std::string& address) {
    auto ip = core::IpAddress::parse(address);
    return ip && (core::Cidr::parse("127.0.0.0/8")->contains(*ip) ||
                  core::Cidr::parse("::1/128")->contains(*ip));
}

struct WebLab::Impl {
    WebLabOptions options;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    std::thread thread;
    std::unique_ptr<workbench::Workbench> bench;
    std::uint16_t port = 0;
    std::string base;  // the lab's folder: API paths are relative to it

    // The io thread's state.
    std::deque<Json> recent_events;
    Json pending_events = Json::array();
    std::size_t pending_dropped = 0;
    workbench::EdgeStatsWindow edge_stats;
    workbench::TopologyGraph graph;
    std::shared_ptr<const routing::RouteTable> graph_table;
    bool graph_dirty = true;
    std::shared_ptr<const telemetry::Snapshot> snapshot;
    std::vector<std::shared_ptr<Client>> clients;
    std::map<std::string, TokenBucket> buckets;
    asio::steady_timer events_timer{io}, stats_timer{io};
    bool stopped = false;

    // --- The workbench's updates, on the io thread ---

    void drain() {
        if (!bench) return;
        workbench::Update update = bench->takeUpdate();
        using Kind = workbench::Notice::Kind;
        for (const auto& n : update.notices)
            if (n.kind == Kind::LabChanged) labChanged();
        if (update.generation == bench->generation()) {
            if (update.snapshot) snapshot = update.snapshot;
            const workbench::LabRoutes routes = bench->routes();
            if (!routes.empty() && snapshot)
                for (const auto& batch : update.batches)
                    for (const auto& e : batch->events) {
                        const workbench::Flow flow = workbench::flowFor(e, routes);
                        edge_stats.add(flow, std::chrono::duration_cast<std::chrono::seconds>(
                                                 e.complete - snapshot->epoch).count());
                        Json j = eventJson(e, flow, snapshot->epoch);
                        if (pending_events.size() < kEventsPerMessage)
                            pending_events.push_back(j);
                        else
                            ++pending_dropped;
                        recent_events.push_back(std::move(j));
                        if (recent_events.size() > kRecentEvents) recent_events.pop_front();
                    }
            if (!update.cluster_events.empty()) graph_dirty = true;
        }
        for (const auto& n : update.notices) {
            switch (n.kind) {
                case Kind::LabChanged: break;
                case Kind::TrafficChanged: broadcast({{"type", "lab"}, {"lab", labInfo()}}); break;
                case Kind::FaultsChanged:
                    broadcast(faultsMessage());
                    graph_dirty = true;
                    break;
                case Kind::Judged:
                    broadcast({{"type", "expectation"}, {"result", expectationJson(*n.judged, base)}});
                    break;
                case Kind::Progress:
                    broadcast({{"type", "progress"},
                               {"elapsed", n.progress->elapsed_s},
                               {"planned", n.progress->planned_s},
                               {"requests", n.progress->requests},
                               {"errors", n.progress->errors}});
                    break;
                case Kind::RunFinished:
                    broadcast({{"type", "run"}, {"state", "finished"}, {"passed", n.run_passed}});
                    broadcast({{"type", "lab"}, {"lab", labInfo()}});
                    break;
                case Kind::Problem: broadcast({{"type", "notice"}, {"text", n.text}}); break;
            }
        }
    }

    void labChanged() {
        edge_stats.clear();
        recent_events.clear();
        pending_events = Json::array();
        pending_dropped = 0;
        snapshot = bench->snapshot();
        graph_dirty = true;
        broadcast({{"type", "lab"}, {"lab", labInfo()}});
        broadcast(faultsMessage());  // the history follows the shown lab; the list stays whole
        if (bench->scenarioPlaying()) broadcast({{"type", "run"}, {"state", "started"}});
    }

    // Lab as the API shows it: its files are the ones the API serves (inside the folder).
    Json labInfo() const {
        Json lab = labJson(*bench, base);
        Json files = Json::array();
        for (const auto& [name, real] : labFiles())
            files.push_back({{"path", name}, {"kind", isScenarioFile(real) ? "scenario" : "manifest"}});
        // The scenario first, as the studio orders its tabs.
        std::stable_sort(files.begin(), files.end(), [](const Json& a, const Json& b) {
            return a["kind"] == "scenario" && b["kind"] != "scenario";
        });
        lab["files"] = files;
        return lab;
    }

    Json faultsMessage() const {
        return {{"type", "faults"},
                {"faults", faultsJson(bench->activeFaults())},
                {"history", faultsJson(bench->faultHistory())}};
    }

    void rebuildGraph() {
        const auto table = bench->routeTable();
        if (!table) return;
        graph_table = table;
        graph = workbench::buildTopology(bench->routes(), bench->pods(), bench->faultTexts());
        graph_dirty = false;
    }

    Json statsMessage() {
        Json canary = Json::array();
        for (const auto& split : workbench::canarySplits(graph))
            canary.push_back({{"main", split.main_service},
                              {"canary", split.canary_service},
                              {"configuredPercent", split.configured_percent}});
        const std::int64_t now = snapshot ? snapshot->current_second - 1 : 0;
        return {{"type", "stats"},
                {"second", now},
                {"edges", edgeStatsJson(edge_stats.edgeStats(graph, now))},
                {"nodes", healthJson(edge_stats.nodeHealth(now))},
                {"series", snapshot ? seriesJson(*snapshot, kSeriesSeconds) : Json::object()},
                {"canary", canary}};
    }

    // --- Broadcasting; a slow client loses event batches, never the engine's time ---

    void broadcast(const Json& message) {
        if (clients.empty()) return;
        send(std::make_shared<const std::string>(
                 message.dump(-1, ' ', false, Json::error_handler_t::replace)),
             false);
    }

    void send(std::shared_ptr<const std::string> text, bool droppable) {
        for (const auto& c : clients) {
            if (c->closed) continue;
            if (droppable && c->queue.size() >= 4) {
                ++c->dropped_events;
                continue;
            }
            if (c->queue.size() >= 256) {  // not reading at all: let it go
                closeClient(*c);
                continue;
            }
            c->queue.push_back(text);
            c->wake.cancel();
        }
    }

    void closeClient(Client& c) {
        c.closed = true;
        beast::error_code ignored;
        beast::get_lowest_layer(c.ws).socket().close(ignored);
        c.wake.cancel();
    }

    asio::awaitable<void> eventsLoop() {
        while (!stopped) {
            events_timer.expires_after(std::chrono::milliseconds(100));
            co_await events_timer.async_wait(kNoThrow);
            if (stopped) break;
            if (pending_events.empty()) continue;
            Json message = {{"type", "events"}, {"events", std::move(pending_events)},
                            {"dropped", pending_dropped}};
            pending_events = Json::array();
            pending_dropped = 0;
            // Clients that missed batches get a copy that says how many events they lost.
            const auto shared = std::make_shared<const std::string>(
                message.dump(-1, ' ', false, Json::error_handler_t::replace));
            for (const auto& c : clients) {
                if (c->closed) continue;
                if (c->queue.size() >= 4) {
                    c->dropped_events += message["events"].size() + message["dropped"].get<std::size_t>();
                    continue;
                }
                if (c->dropped_events > 0) {
                    Json own = message;
                    own["dropped"] = message["dropped"].get<std::size_t>() + c->dropped_events;
                    c->dropped_events = 0;
                    c->queue.push_back(std::make_shared<const std::string>(
                        own.dump(-1, ' ', false, Json::error_handler_t::replace)));
                } else {
                    c->queue.push_back(shared);
                }
                c->wake.cancel();
            }
        }
    }

    asio::awaitable<void> statsLoop() {
        while (!stopped) {
            stats_timer.expires_after(std::chrono::seconds(1));
            co_await stats_timer.async_wait(kNoThrow);
            if (stopped || !bench) break;
            if (!snapshot) snapshot = bench->snapshot();
            if (graph_dirty || bench->routeTable() != graph_table) {
                rebuildGraph();
                broadcast({{"type", "graph"}, {"graph", toJson(graph)}});
            }
            if (!clients.empty()) broadcast(statsMessage());
        }
    }

    // --- HTTP ---

    asio::awaitable<void> acceptLoop() {
        while (!stopped) {
            auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
            if (ec) {
                if (stopped) break;
                continue;
            }
            asio::co_spawn(io, session(std::move(socket)), asio::detached);
        }
    }

    bool allowed(const std::string& ip) {
        const auto now = options.clock ? options.clock() : std::chrono::steady_clock::now();
        if (buckets.size() > 1024) buckets.clear();  // many addresses: start over, stay bounded
        auto [it, fresh] = buckets.try_emplace(ip);
        TokenBucket& b = it->second;
        if (fresh) {
            b.tokens = options.api_burst;
            b.last = now;
        }
        b.tokens = std::min(options.api_burst,
                            b.tokens + options.api_calls_per_second *
                                           std::chrono::duration<double>(now - b.last).count());
        b.last = now;
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    }

    // On a loopback bind nothing needs a token, so a page elsewhere must not reach the lab by
    // pointing its own name at 127.0.0.1 (DNS rebinding): only loopback names are answered.
    bool hostAllowed(const Request& req) const {
        if (!options.token.empty()) return true;  // off loopback the token guards every call
        std::string_view host = req[http::field::host];
        if (host.starts_with('[')) host = host.substr(0, host.find(']') + 1);
        else host = host.substr(0, host.find(':'));
        return host == "localhost" || host == "[::1]" || host == options.address ||
               (host.starts_with("127.") && isLoopbackAddress(std::string(host)));
    }

    // A browser names the page that sent a call; a call from another site's page is refused
    // (no cross-site request forgery), scripts that send no Origin are not affected.
    static bool sameOrigin(const Request& req) {
        const auto origin = req[http::field::origin];
        return origin.empty() || originHost(origin) == req[http::field::host];
    }

    bool authorised(const Request& req) const {
        if (options.token.empty()) return true;
        const auto auth = req[http::field::authorization];
        if (auth.starts_with("Bearer ") && sameToken(std::string(auth.substr(7)), options.token))
            return true;
        return sameToken(queryValue(req.target(), "token"), options.token);
    }

    asio::awaitable<void> session(tcp::socket socket) {
        beast::error_code ec_ip;
        const std::string ip = socket.remote_endpoint(ec_ip).address().to_string();
        beast::tcp_stream stream(std::move(socket));
        // Bounded: Beast keeps a chunk-size line and a trailer section whole in the buffer, and
        // throws (ending the process) on a trailer field over 64 KiB; past this limit the read
        // fails with buffer_overflow and the client gets 400.
        beast::flat_buffer buffer(kReadBufferBytes);
        while (!stopped) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(16 * 1024);
            parser.body_limit(options.max_body_bytes);
            stream.expires_after(std::chrono::seconds(30));
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
            if (ec == http::error::body_limit) {
                co_await write(stream, errorResponse(http::status::payload_too_large, "too-large",
                                                     "the body is larger than the API takes"),
                               false);
                co_await lingeringClose(stream);
                co_return;
            }
            if (ec == http::error::buffer_overflow || ec == http::error::bad_chunk ||
                ec == http::error::bad_chunk_extension) {
                co_await write(stream, errorResponse(http::status::bad_request, "bad-request",
                                                     "malformed or oversized chunked body"),
                               false);
                co_await lingeringClose(stream);
                co_return;
            }
            if (ec) break;
            Request req = parser.release();
            const std::string path(req.target().substr(0, req.target().find('?')));
            if (websocket::is_upgrade(req)) {
                if (path != "/api/v1/stream") break;
                const auto refusal = checkUpgrade(req);
                if (refusal) {
                    co_await write(stream, *refusal, false);
                    break;
                }
                co_await streamSession(stream.release_socket(), std::move(req));
                co_return;
            }
            Response res = co_await handle(req, path, ip);
            const bool keep = req.keep_alive();
            if (!co_await write(stream, std::move(res), keep, req.method() == http::verb::head) || !keep)
                break;
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }

    // After refusing a body the client is still sending, read and drop the rest for a moment
    // before closing (as nginx's lingering_close does): closing at once would reset the
    // connection and the client would lose the 413 it has not read yet.
    asio::awaitable<void> lingeringClose(beast::tcp_stream& stream) {
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        char sink[16384];
        std::size_t drained = 0;
        stream.expires_after(std::chrono::seconds(1));
        while (drained < 4 * options.max_body_bytes) {
            auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kNoThrow);
            if (rec) break;
            drained += n;
        }
        stream.socket().close(ec);
    }

    // A HEAD request gets the head GET would have had (its Content-Length included), no body.
    asio::awaitable<bool> write(beast::tcp_stream& stream, Response res, bool keep,
                                bool head_only = false) {
        res.set(http::field::server, "ingress-lab");
        res.keep_alive(keep);
        res.prepare_payload();
        stream.expires_after(std::chrono::seconds(30));
        if (head_only) {
            http::response_serializer<http::string_body> serializer(res);
            auto [ec, n] = co_await http::async_write_header(stream, serializer, kNoThrow);
            co_return !ec;
        }
        auto [ec, n] = co_await http::async_write(stream, res, kNoThrow);
        co_return !ec;
    }

    std::optional<Response> checkUpgrade(const Request& req) {
        if (!hostAllowed(req))
            return errorResponse(http::status::forbidden, "host", "this lab answers to its own address only");
        if (!authorised(req))
            return errorResponse(http::status::unauthorized, "token", "this lab needs its token");
        const auto origin = req[http::field::origin];
        if (!origin.empty() && originHost(origin) != req[http::field::host])
            return errorResponse(http::status::forbidden, "origin",
                                 "WebSocket from another origin refused");
        std::size_t open = 0;
        for (const auto& c : clients) open += !c->closed;
        if (open >= options.max_clients)
            return errorResponse(http::status::service_unavailable, "clients",
                                 "too many clients on this lab's stream");
        return std::nullopt;
    }

    asio::awaitable<void> streamSession(tcp::socket socket, Request req) {
        auto client = std::make_shared<Client>(std::move(socket));
        client->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        client->ws.read_message_max(4096);  // the client has nothing to say
        auto [ec] = co_await client->ws.async_accept(req, kNoThrow);
        if (ec) co_return;
        std::erase_if(clients, [](const auto& c) { return c->closed; });
        clients.push_back(client);
        if (graph_dirty) rebuildGraph();
        Json hello = {{"type", "hello"},
                      {"lab", labInfo()},
                      {"graph", toJson(graph)},
                      {"faults", faultsJson(bench->activeFaults())},
                      {"history", faultsJson(bench->faultHistory())}};
        client->queue.push_back(std::make_shared<const std::string>(
            hello.dump(-1, ' ', false, Json::error_handler_t::replace)));
        asio::co_spawn(io, writer(client), asio::detached);
        beast::flat_buffer incoming;
        while (!client->closed) {
            auto [rec, n] = co_await client->ws.async_read(incoming, kNoThrow);
            if (rec) break;
            incoming.consume(incoming.size());
        }
        client->closed = true;
        client->wake.cancel();
        std::erase_if(clients, [&](const auto& c) { return c == client; });
    }

    asio::awaitable<void> writer(std::shared_ptr<Client> client) {
        while (!client->closed) {
            if (client->queue.empty()) {
                client->wake.expires_at(asio::steady_timer::time_point::max());
                co_await client->wake.async_wait(kNoThrow);
                continue;
            }
            const auto text = client->queue.front();
            client->queue.pop_front();
            client->ws.text(true);
            auto [ec, n] = co_await client->ws.async_write(asio::buffer(*text), kNoThrow);
            if (ec) {
                client->closed = true;
                break;
            }
        }
    }

    // --- The API ---

    // The lab's files by their path relative to `base`: the only ones the API reads or writes.
    // labFiles() names files by their canonical path; the workbench by the path it was given.
    bool isScenarioFile(const std::string& real) const {
        std::error_code ec;
        return !bench->scenarioPath().empty() && std::filesystem::equivalent(real, bench->scenarioPath(), ec);
    }

    // A scenario can name any path; the API only ever reaches regular files inside the lab's
    // folder, whatever the scenario (or a saved edit of it) says.
    std::map<std::string, std::string> labFiles() const {
        namespace fs = std::filesystem;
        std::map<std::string, std::string> files;
        std::error_code ec;
        const fs::path root = fs::weakly_canonical(base, ec);
        auto add = [&](const std::string& file) {
            std::error_code e;
            const fs::path real = fs::weakly_canonical(file, e);
            if (e || !fs::is_regular_file(real, e)) return;
            const fs::path rel = real.lexically_relative(root);
            if (rel.empty() || *rel.begin() == "..") return;
            files[rel.string()] = real.string();
        };
        if (!bench->scenarioPath().empty()) add(bench->scenarioPath());
        for (const auto& f : bench->manifestFiles()) add(f);
        return files;
    }

    std::optional<std::vector<model::ManifestSource>> sourcesFrom(const Json& body, std::string& error,
                                                                 bool manifests_only) {
        if (!body.is_object() || !body.contains("files") || !body["files"].is_array()) {
            error = "files must be a list of {\"path\", \"text\"}";
            return std::nullopt;
        }
        const auto files = labFiles();
        std::vector<model::ManifestSource> sources;
        for (const auto& f : body["files"]) {
            if (!f.is_object() || !f.contains("path") || !f["path"].is_string() ||
                !f.contains("text") || !f["text"].is_string()) {
                error = "each file needs a path and a text";
                return std::nullopt;
            }
            const auto it = files.find(f["path"].get<std::string>());
            if (it == files.end()) {
                error = "not a file of this lab: " + f["path"].get<std::string>();
                return std::nullopt;
            }
            if (f["text"].get<std::string>().size() > options.max_yaml_bytes) {
                error = it->first + " is larger than the lab takes";
                return std::nullopt;
            }
            if (manifests_only && isScenarioFile(it->second)) continue;
            sources.push_back({it->second, f["text"].get<std::string>()});
        }
        return sources;
    }

    asio::awaitable<Response> handle(const Request& req, const std::string& path,
                                     const std::string& ip) {
        const auto method = req.method();
        auto page = [](telemetry::AdminPage p) {
            Response res{static_cast<http::status>(p.status), 11};
            res.set(http::field::content_type, p.content_type);
            res.body() = std::move(p.body);
            return res;
        };
        if (path == telemetry::kHealthzPath) co_return page(telemetry::healthzPage());
        if (!hostAllowed(req))
            co_return errorResponse(http::status::forbidden, "host", "this lab answers to its own address only");
        if (path == telemetry::kMetricsPath) {
            // After the Host check: a rebound page must not read the lab's metrics either.
            if (bench && bench->interactiveLab()) {
                lab::Lab& lab = *bench->interactiveLab();
                co_return page(telemetry::metricsPage(*lab.telemetry().snapshot(),
                                                      lab.controllers().front().controller_name));
            }
            co_return page({200, std::string(telemetry::kPrometheusContentType), ""});
        }
        if (!path.starts_with("/api/")) co_return asset(path);
        if (!sameOrigin(req))
            co_return errorResponse(http::status::forbidden, "origin", "calls from another origin are refused");
        if (!req.body().empty() && !req[http::field::content_type].starts_with("application/json"))
            co_return errorResponse(http::status::unsupported_media_type, "content-type",
                                    "bodies must be application/json");
        if (!authorised(req))
            co_return errorResponse(http::status::unauthorized, "token", "this lab needs its token");
        if (!allowed(ip))
            co_return errorResponse(http::status::too_many_requests, "rate", "too many API calls");
        Json body;
        if (!req.body().empty()) {
            body = Json::parse(req.body(), nullptr, false);
            if (body.is_discarded())
                co_return errorResponse(http::status::bad_request, "json", "the body is not JSON");
        }
        try {
            co_return co_await api(method, path, req, body);
        } catch (const std::exception&) {
            // A wrong type in a body; the message would name library internals, so it stays here.
            co_return errorResponse(http::status::bad_request, "body", "the body does not have the expected shape");
        }
    }

    asio::awaitable<Response> api(http::verb method, const std::string& path, const Request& req,
                                  const Json& body) {
        using V = http::verb;
        std::string error;
        if (method == V::get && path == "/api/v1/lab") co_return jsonResponse(http::status::ok, labInfo());
        if (method == V::get && path == "/api/v1/topology") {
            if (graph_dirty || bench->routeTable() != graph_table) rebuildGraph();
            co_return jsonResponse(http::status::ok, toJson(graph));
        }
        if (path.starts_with("/api/v1/files/"))
            co_return fileCall(method, percentDecoded(path.substr(14)), body);
        if (method == V::post && path == "/api/v1/validate") {
            auto sources = sourcesFrom(body, error, false);
            if (!sources) co_return errorResponse(http::status::bad_request, "files", error);
            co_return jsonResponse(http::status::ok, {{"diagnostics", toJson(validate(*sources), base)}});
        }
        if (method == V::post && path == "/api/v1/apply") {
            auto sources = sourcesFrom(body, error, true);
            if (!sources) co_return errorResponse(http::status::bad_request, "files", error);
            if (graph_dirty || bench->routeTable() != graph_table) rebuildGraph();
            const workbench::TopologyGraph before = graph;
            core::Diagnostics d;
            const bool applied = bench->apply(*sources, d);
            // One validation (issue 14, item 6): the answer lists what /validate finds in the
            // same files (the scenario's too, when sent), so "Not applied: N errors" counts
            // the Problems list; apply stops at the API server's errors and would say fewer.
            auto all = sourcesFrom(body, error, false);
            if (all) d = withValidation(std::move(d), validate(*all));
            std::string change;
            if (applied) {
                rebuildGraph();
                change = workbench::describeChange(before, graph);
                broadcast({{"type", "graph"}, {"graph", toJson(graph)}});
            }
            co_return jsonResponse(http::status::ok,
                                   {{"applied", applied}, {"diagnostics", toJson(d, base)}, {"change", change}});
        }
        if (method == V::post && path == "/api/v1/traffic") co_return traffic(body);
        if (method == V::get && path == "/api/v1/faults")
            co_return jsonResponse(http::status::ok, {{"faults", faultsJson(bench->activeFaults())},
                                                      {"history", faultsJson(bench->faultHistory())}});
        if (method == V::post && path == "/api/v1/faults") {
            FieldError refused;
            const auto fault = faultFromJson(body, refused);
            if (!fault) co_return fieldErrorResponse(refused);
            std::string refused_target;
            const auto id = bench->injectFault(*fault, &refused_target);
            if (id == 0) co_return fieldErrorResponse({"fault", "target", refused_target});
            co_return jsonResponse(http::status::created, {{"id", id}});
        }
        if (method == V::delete_ && path.starts_with("/api/v1/faults/")) {
            const std::uint64_t id = std::strtoull(path.c_str() + 15, nullptr, 10);
            bench->clearFault(id);
            Response res{http::status::no_content, 11};
            co_return res;
        }
        if (method == V::post && path == "/api/v1/requests") {
            FieldError refused;
            const auto request = requestFromJson(body, refused);
            if (!request) co_return fieldErrorResponse(refused);
            co_return co_await compose(*request);
        }
        if (method == V::get && path == "/api/v1/events") {
            std::size_t limit = 200;
            if (const auto l = queryValue(req.target(), "limit"); !l.empty())
                limit = std::min<std::size_t>(kRecentEvents, std::strtoull(l.c_str(), nullptr, 10));
            Json events = Json::array();
            const std::size_t skip = recent_events.size() > limit ? recent_events.size() - limit : 0;
            for (std::size_t i = skip; i < recent_events.size(); ++i) events.push_back(recent_events[i]);
            co_return jsonResponse(http::status::ok, {{"events", events}});
        }
        if (method == V::post && path == "/api/v1/scenario/play") {
            if (!bench->playScenario(&error)) co_return errorResponse(http::status::conflict, "run", error);
            co_return jsonResponse(http::status::accepted, {{"playing", true}});
        }
        if (method == V::post && path == "/api/v1/scenario/stop") {
            bench->cancelScenario();
            co_return jsonResponse(http::status::accepted, {{"stopping", true}});
        }
        if (method == V::get && (path == "/api/v1/scenario/result" || path == "/api/v1/scenario/report")) {
            if (!bench->lastRun())
                co_return errorResponse(http::status::not_found, "run", "no scenario run yet");
            Response res{http::status::ok, 11};
            const bool html = path.ends_with("report");
            res.set(http::field::content_type, html ? "text/html; charset=utf-8" : "application/json");
            const scenario::RunResult run = withRelativePaths(*bench->lastRun());
            res.body() = html ? scenario::renderHtml(run) : scenario::renderJson(run);
            co_return res;
        }
        co_return errorResponse(http::status::not_found, "route", "no such API endpoint");
    }

    // The run as the API shows it: file names relative to the lab's folder, never the
    // server's own paths.
    scenario::RunResult withRelativePaths(scenario::RunResult run) const {
        run.file = relativePath(run.file, base);
        for (auto& e : run.expectations)
            if (e.location.known())
                e.location.file = std::make_shared<const std::string>(relativePath(e.location.fileName(), base));
        return run;
    }

    // The validation's findings, then apply's own that it lacks (a pod that cannot bind, say).
    static core::Diagnostics withValidation(core::Diagnostics applied, core::Diagnostics validation) {
        auto same = [](const core::Diagnostic& a, const core::Diagnostic& b) {
            return a.code == b.code && a.message == b.message &&
                   a.location.fileName() == b.location.fileName() && a.location.line == b.location.line;
        };
        const auto known = validation.items();
        for (const auto& d : applied.items())
            if (std::none_of(known.begin(), known.end(), [&](const auto& v) { return same(v, d); }))
                validation.add(d);
        return validation;
    }

    core::Diagnostics validate(const std::vector<model::ManifestSource>& sources) {
        std::optional<model::ManifestSource> scenario;
        std::vector<model::ManifestSource> manifests;
        for (const auto& s : sources) {
            if (isScenarioFile(s.file_name))
                scenario = s;
            else
                manifests.push_back(s);
        }
        return workbench::Workbench::validate(manifests, scenario);
    }

    Response fileCall(http::verb method, const std::string& name, const Json& body) {
        const auto files = labFiles();
        const auto it = files.find(name);
        if (it == files.end())
            return errorResponse(http::status::forbidden, "file", "not a file of this lab");
        if (method == http::verb::get) {
            // labFiles() saw a regular file; read it so that one swapped for a FIFO or a device
            // since is refused, not read on the io thread for ever.
            core::InputText read = core::readInputFile(it->second, options.max_yaml_bytes);
            if (read.error == core::InputError::TooLarge)
                return errorResponse(http::status::payload_too_large, "too-large", name + " is larger than the lab takes");
            if (!read.ok()) return errorResponse(http::status::not_found, "file", "cannot read " + name);
            return jsonResponse(http::status::ok, {{"path", name}, {"text", std::move(read.text)}});
        }
        if (method != http::verb::put)
            return errorResponse(http::status::method_not_allowed, "method", "GET or PUT");
        if (!body.is_object() || !body.contains("text") || !body["text"].is_string())
            return errorResponse(http::status::bad_request, "text", "the body needs a text");
        if (body["text"].get<std::string>().size() > options.max_yaml_bytes)
            return errorResponse(http::status::payload_too_large, "too-large", name + " is larger than the lab takes");
        if (!core::writeFileAtomically(it->second, body["text"].get<std::string>(), core::kKeepExistingMode))
            return errorResponse(http::status::internal_server_error, "write", "cannot save " + name);
        if (isScenarioFile(it->second)) {
            // The scenario's behaviours, traffic and timeline come from it: open it again.
            // Applied to the running lab in place (serve holds on to it); a scenario that does
            // not load leaves the lab as it was and says why.
            core::Diagnostics d;
            const bool ok = bench->reloadScenario(d);
            graph_dirty = true;
            broadcast({{"type", "lab"}, {"lab", labInfo()}});
            return jsonResponse(http::status::ok, {{"saved", true}, {"reopened", ok}, {"diagnostics", toJson(d, base)}});
        }
        return jsonResponse(http::status::ok, {{"saved", true}});
    }

    Response traffic(const Json& body) {
        workbench::TrafficSettings settings = bench->trafficSettings();
        std::size_t entries = 0;
        for (const auto& p : settings.profiles)
            entries += p.requests.size();
        FieldError refused;
        const auto change = trafficFromJson(body, entries, refused);
        if (!change) return fieldErrorResponse(refused);
        const std::string& action = change->action;
        bool changed = false;
        if (change->rate) {
            settings.rate = *change->rate;
            changed = true;
        }
        if (change->has_weights) {
            std::size_t i = 0;
            for (auto& p : settings.profiles)
                for (auto& r : p.requests) {
                    if (i < change->weights.size()) r.weight = change->weights[i];
                    ++i;
                }
            changed = true;
        }
        if (changed) bench->setTraffic(settings);
        if (action == "start") bench->startTraffic();
        else if (action == "pause") bench->pauseTraffic(true);
        else if (action == "resume") bench->pauseTraffic(false);
        else if (action == "stop") bench->stopTraffic();
        return jsonResponse(http::status::ok, trafficJson(*bench));
    }

    asio::awaitable<Response> compose(const scenario::RequestSpec& request) {
        // The request runs on a worker thread; this coroutine waits on a timer that the
        // answer cancels, so the server keeps serving meanwhile.
        auto done = std::make_shared<asio::steady_timer>(io, asio::steady_timer::time_point::max());
        auto result = std::make_shared<std::optional<workbench::ComposedResult>>();
        const bool started = bench->compose(request, [this, done, result](workbench::ComposedResult r) {
            asio::post(io, [done, result, r = std::move(r)]() mutable {
                *result = std::move(r);
                done->cancel();
            });
        });
        if (!started)
            co_return errorResponse(http::status::service_unavailable, "lab",
                                    bench->isOpen() ? "too many requests under way; try again"
                                                    : "the lab is not running");
        co_await done->async_wait(kNoThrow);
        if (!*result) co_return errorResponse(http::status::service_unavailable, "lab", "the lab is not running");
        const auto& r = **result;
        const auto table = bench->routeTable();
        const workbench::Flow flow = table ? workbench::flowFor(r, *table) : workbench::Flow{};
        co_return jsonResponse(http::status::ok, composedJson(r, &flow));
    }

    Response asset(std::string path) {
        if (path == "/" || path.empty()) path = "/index.html";
        for (const Asset& a : webAssets()) {
            if (a.path != path) continue;
            Response res{http::status::ok, 11};
            res.set(http::field::content_type, a.content_type);
            res.set(http::field::cache_control, a.immutable ? "public, max-age=31536000, immutable" : "no-cache");
            res.set("X-Content-Type-Options", "nosniff");
            res.set("Content-Security-Policy",
                    "default-src 'self'; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; "
                    "img-src 'self' data:");
            res.body() = std::string(a.data);
            return res;
        }
        Response res{http::status::not_found, 11};
        res.set(http::field::content_type, "text/plain");
        res.body() = "not found\n";
        return res;
    }
};

std::unique_ptr<WebLab> WebLab::start(WebLabOptions options, const std::string& scenario,
                                      const std::vector<std::string>& files,
                                      core::Diagnostics& diagnostics) {
    auto impl = std::make_unique<Impl>();
    if (!isLoopbackAddress(options.address) && options.token.empty()) {
        options.token = makeToken();
        if (options.token.empty()) {  // no random source: never serve off loopback without one
            diagnostics.error("ILAB-WEB-002", "cannot make a token for a non-loopback web lab", {});
            return nullptr;
        }
    }
    impl->options = options;
    Impl* self = impl.get();
    impl->bench = std::make_unique<workbench::Workbench>(
        options.bench, [self] { asio::post(self->io, [self] { self->drain(); }); });
    if (!impl->bench->open(scenario, files, diagnostics)) return nullptr;
    const std::string anchor = !impl->bench->scenarioPath().empty()
                                   ? impl->bench->scenarioPath()
                                   : (impl->bench->manifestFiles().empty() ? std::string()
                                                                           : impl->bench->manifestFiles().front());
    impl->base = std::filesystem::absolute(anchor).parent_path().lexically_normal().string();

    beast::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (!ec) impl->acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4(), ec);
    if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor.bind({address, options.port}, ec);
    if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        diagnostics.error("ILAB-WEB-001",
                          "cannot listen on " + options.address + ":" + std::to_string(options.port) +
                              ": " + ec.message(),
                          {});
        return nullptr;
    }
    impl->port = impl->acceptor.local_endpoint().port();
    asio::co_spawn(impl->io, impl->acceptLoop(), asio::detached);
    asio::co_spawn(impl->io, impl->eventsLoop(), asio::detached);
    asio::co_spawn(impl->io, impl->statsLoop(), asio::detached);
    impl->thread = std::thread([self] { self->io.run(); });
    return std::unique_ptr<WebLab>(new WebLab(std::move(impl)));
}

WebLab::WebLab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebLab::~WebLab() {
    stop();
}

std::uint16_t WebLab::port() const {
    return impl_->port;
}

std::string WebLab::url() const {
    const std::string& a = impl_->options.address;
    std::string url = "http://" + (a.find(':') == std::string::npos ? a : "[" + a + "]") + ":" +
                      std::to_string(impl_->port) + "/";
    if (!impl_->options.token.empty()) url += "?token=" + impl_->options.token;
    return url;
}

lab::Lab* WebLab::lab() const {
    return impl_->bench ? impl_->bench->interactiveLab() : nullptr;
}

void WebLab::stop() {
    if (!impl_->thread.joinable()) return;
    Impl* self = impl_.get();
    // Everything the io thread owns is closed on the io thread, the workbench last.
    asio::post(self->io, [self] {
        self->stopped = true;
        beast::error_code ignored;
        self->acceptor.close(ignored);
        self->events_timer.cancel();
        self->stats_timer.cancel();
        for (const auto& c : self->clients) self->closeClient(*c);
        self->bench->close();
        self->io.stop();
    });
    impl_->thread.join();
    impl_->bench.reset();
}

}  // namespace ilab::web
