// The proxy's data plane: Boost.Beast over Asio C++20 coroutines. Every asynchronous call uses
// as_tuple, so no exception crosses the data plane; every stream has a deadline. The session code
// is written once, as templates over the client stream (a Beast TCP stream for HTTP, and an
// ssl_stream over it for HTTPS), and stays in this one translation unit: it is
// the expensive one to compile.
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <future>
#include <list>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "engine/core/http_date.h"
#include "engine/core/random.h"
#include "engine/core/text.h"
#include "engine/dialect/cors.h"
#include "engine/proxy/balancer.h"
#include "engine/proxy/forwarding.h"
#include "engine/proxy/rate_limiter.h"
#include "engine/proxy/request_checks.h"
#include "engine/telemetry/admin_pages.h"
#include "engine/telemetry/prometheus.h"
#include "engine/proxy/proxy.h"
#include "engine/routing/normalize.h"
#include "engine/tls/tls_options.h"
#include "engine/tls/tls_store.h"

namespace ilab::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
// The io_context's own executor type everywhere, not the type-erased any_io_executor: every
// asynchronous operation copies, compares and destroys its executor, and the type-erased one
// cost about 4% of a request's CPU (tests/perf, perf record).
using Executor = asio::io_context::executor_type;
template <class T>
using Task = asio::awaitable<T, Executor>;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>, Executor>;
using TcpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using PlainStream = TcpStream;
using TlsStream = beast::ssl_stream<TcpStream>;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable_t<Executor>{});

enum class Scheme { Http, Https, Admin };

// An upstream connection's read buffer: a response head (Beast's 8 KiB limit) or a chunk-size
// line or trailer section must fit; under Beast's 65,535-byte field limit.
constexpr std::size_t kUpstreamBufferBytes = 64 * 1024 - 1;

// The admin listener answers GETs; a body is read only to keep the connection in step.
constexpr std::uint64_t kAdminBodyLimit = 64 * 1024;

// OpenSSL recognises a plain HTTP request where a ClientHello should be.
bool plainHttpOnTlsPort(const boost::system::error_code& ec) {
    return ec.category() == asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
}

// The TCP stream under a client stream: where its deadline and its socket are.
template <class Stream>
TcpStream& tcpOf(Stream& client) {
    return beast::get_lowest_layer(client);
}

// A request head the client got wrong (malformed, smuggling, too long) rather than a connection
// that closed, timed out or broke: only those deserve an answer.
bool malformedRequest(const boost::system::error_code& ec) {
    static const boost::system::error_category& http_errors =
        http::make_error_code(http::error::end_of_stream).category();
    return ec.category() == http_errors && ec != http::error::end_of_stream;
}

// http::async_read_header, with the head limit over the whole head. Beast 1.81 applies
// header_limit only to the part of the head it has not parsed yet, and the fields it parsed
// leave the buffer: a client sending its fields a few at a time got a head of any size into
// memory (tests/integration/hostile_client_test.cpp). Returns header_limit past `limit` bytes.
template <class Stream, class Parser>
Task<std::tuple<beast::error_code, std::size_t>> readHead(Stream& stream,
                                                          beast::flat_buffer& buffer,
                                                          Parser& parser, std::size_t limit) {
    std::size_t head_bytes = 0;  // parsed and consumed
    while (true) {
        beast::error_code ec;
        if (buffer.size() > 0) {
            const std::size_t n = parser.put(buffer.data(), ec);
            head_bytes += n;
            buffer.consume(n);
            if (ec && ec != http::error::need_more) co_return std::tuple{ec, head_bytes};
            if (head_bytes > limit)
                co_return std::tuple{beast::error_code{http::error::header_limit}, head_bytes};
            if (parser.is_header_done()) co_return std::tuple{beast::error_code{}, head_bytes};
        }
        // Still in the head: everything buffered belongs to it.
        if (head_bytes + buffer.size() >= limit || buffer.size() == buffer.max_size())
            co_return std::tuple{beast::error_code{http::error::header_limit}, head_bytes};
        auto [read_ec, n] = co_await stream.async_read_some(
            buffer.prepare(beast::read_size(buffer, 65536)), kNoThrow);
        if (read_ec == asio::error::eof) {
            if (!parser.got_some())
                co_return std::tuple{beast::error_code{http::error::end_of_stream}, head_bytes};
            parser.put_eof(ec);
            if (!ec) ec = http::error::partial_message;
            co_return std::tuple{ec, head_bytes};
        }
        if (read_ec) co_return std::tuple{read_ec, head_bytes};
        buffer.commit(n);
    }
}

// The Date header, formatted once per second: it goes on every response.
std::string httpDate() {
    static thread_local std::time_t cached_second = 0;
    static thread_local std::string cached;
    const auto now = std::chrono::system_clock::now();
    const std::time_t second = std::chrono::system_clock::to_time_t(now);
    if (second != cached_second) {
        cached = core::httpDate(now);
        cached_second = second;
    }
    return cached;
}

bool idempotent(http::verb method) {
    switch (method) {
        case http::verb::post:
        case http::verb::patch:
        case http::verb::lock:
            return false;
        default:
            return true;
    }
}

// Methods whose request carries a body, so Content-Length goes upstream even when it is 0.
bool expectsBody(http::verb method) {
    return method == http::verb::post || method == http::verb::put ||
           method == http::verb::patch;
}

// A keep-alive connection to a pod and its read buffer, pooled together.
struct UpstreamConnection {
    TcpStream stream;
    beast::flat_buffer buffer;
};

// A request body relayed to the pod as it arrives (proxy-request-buffering off, or no
// proxy-body-size): the client's parser, past the head, and its read buffer.
struct StreamingBody {
    http::request_parser<http::buffer_body>* parser = nullptr;
    beast::flat_buffer* buffer = nullptr;
    bool chunked = false;
    std::uint64_t limit = 0;  // proxy-body-size; 0: none
};

// The request as the backend gets it, serialised once for every try.
struct UpstreamRequest {
    std::string head;  // request line and headers, with the blank line
    std::string body;
    bool head_method = false;  // HEAD: the response has no body whatever its headers say
};

bool allows(const dialect::RetryPolicy& retry, std::string_view condition) {
    return std::find(retry.conditions.begin(), retry.conditions.end(), condition) !=
           retry.conditions.end();
}

// The decision core asks the live cluster which backends have ready pods right now.
class ClusterOracle final : public routing::EndpointOracle {
  public:
    explicit ClusterOracle(const cluster::Cluster& cluster) : cluster_(cluster) {}
    std::size_t readyEndpoints(const routing::BackendRef& b) const override {
        return cluster_.endpointList(b.namespace_, b.service, b.port)->size();
    }

  private:
    const cluster::Cluster& cluster_;
};

// How an Ingress's policies balance its backend.
BalancerConfig balancerConfig(const dialect::IngressPolicies& policies) {
    BalancerConfig config;
    config.load_balance = policies.load_balance;
    config.affinity = policies.affinity;
    return config;
}

std::string backendId(const routing::BackendRef& backend) {
    return backend.namespace_ + "/" + backend.service + ":" + backend.port;
}

// An Ingress's policies in the table, or null.
const dialect::IngressPolicies* policiesOf(const routing::RouteTable& table,
                                           const std::string& ingress) {
    const auto it = table.policies().find(ingress);
    return it == table.policies().end() ? nullptr : it->second.get();
}

// The balancers of a canaried location's two backends: the main one balances with its own
// Ingress's settings, the canary with canaryBalancerConfig (the main's affinity when sticky,
// its own with affinity-canary-behavior: legacy).
struct CanaryBalancing {
    BalancerConfig main, canary;
};
CanaryBalancing canaryBalancing(const dialect::IngressPolicies& main,
                                const dialect::IngressPolicies* canary) {
    CanaryBalancing b;
    b.main = balancerConfig(main);
    b.canary = canaryBalancerConfig(
        b.main, canary ? balancerConfig(*canary) : BalancerConfig{},
        canary ? canary->canary.affinity_behavior : dialect::AffinityCanaryBehavior::Sticky);
    return b;
}

// The decision core asks, for a canaried location, whether the request's affinity cookie was
// issued by the main or the canary backend's balancer.
class BalancerAffinity final : public routing::CanaryAffinity {
  public:
    BalancerAffinity(const BalancerSet& balancers, const routing::RouteTable& table)
        : balancers_(balancers), table_(table) {}
    Pin pin(const routing::Request& request, const routing::Location& loc) const override {
        if (!loc.canary || !loc.policies || !loc.backend.shared_ref ||
            !loc.canary->backend.shared_ref)
            return Pin::None;
        // Without an affinity cookie on either Ingress nothing can pin: skip the copies.
        const dialect::IngressPolicies* canary = policiesOf(table_, loc.canary->ingress);
        if (!loc.policies->affinity.cookie && !(canary && canary->affinity.cookie))
            return Pin::None;
        const CanaryBalancing b = canaryBalancing(*loc.policies, canary);
        if (!b.main.sticky() && !b.canary.sticky()) return Pin::None;
        const RequestView view = RequestView::from(request);
        switch (balancers_.affinityPin(view, backendId(*loc.backend.shared_ref), b.main,
                                       backendId(*loc.canary->backend.shared_ref), b.canary)) {
            case AffinityPin::Main:
                return Pin::Main;
            case AffinityPin::Canary:
                return Pin::Canary;
            case AffinityPin::None:
                break;
        }
        return Pin::None;
    }

  private:
    const BalancerSet& balancers_;
    const routing::RouteTable& table_;
};

// Why an upstream attempt failed, in proxy-next-upstream's terms.
// Intercepted: the upstream answered with a code the location's custom-http-errors lists.
// BadBody and TooLarge: the client's streamed body was malformed or over proxy-body-size (the
// client gets 400 or 413, as from nginx, and the request is not retried).
enum class Failure { None, Error, Timeout, Intercepted, BadBody, TooLarge };

class ProxyImpl final : public Proxy {
  public:
    ProxyImpl(asio::io_context& io, const cluster::Cluster& cluster, ProxyOptions options)
        : io_(io),
          cluster_(cluster),
          oracle_(cluster),
          options_(std::move(options)),
          random_(options_.seed),
          flusher_([this] { flushEvery50ms(); }) {}

    ~ProxyImpl() override { stopFlusher(); }

    void setRouteTable(std::shared_ptr<const routing::RouteTable> table) override {
        std::atomic_store(&table_, std::move(table));
    }
    std::shared_ptr<const routing::RouteTable> routeTable() const override {
        return std::atomic_load(&table_);
    }

    void setTlsStore(std::shared_ptr<const tls::TlsStore> store) override {
        tls_slot_.publish(std::move(store));
    }
    std::shared_ptr<const tls::TlsStore> tlsStore() const override { return tls_slot_.current(); }

    std::uint16_t listenHttp(const ListenerSpec& spec, core::Diagnostics& diagnostics) override {
        return listen(spec, Scheme::Http, diagnostics);
    }

    std::uint16_t listenAdmin(const ListenerSpec& spec, core::Diagnostics& diagnostics) override {
        return listen(spec, Scheme::Admin, diagnostics);
    }

    telemetry::Telemetry& telemetry() override { return telemetry_; }

    std::uint16_t listenHttps(const ListenerSpec& spec, core::Diagnostics& diagnostics) override {
        {
            std::lock_guard lock(acceptors_mutex_);
            if (!ssl_context_) {
                // One listener context for every HTTPS listener; its ClientHello callback moves
                // each connection to the context the current store picks for the SNI name.
                const auto store = tls_slot_.current();
                const tls::TlsOptions tls_options = store ? store->options() : tls::TlsOptions{};
                std::string error;
                tls::SslCtxPtr listener = tls::makeServerContext(tls_options, &error);
                if (!listener) {
                    diagnostics.error("ILAB-TLS-004", "cannot set up the HTTPS listener: " + error,
                                      {});
                    return 0;
                }
                tls::installSniCallback(listener.get(), &tls_slot_);
                ssl_context_ = std::make_unique<asio::ssl::context>(listener.release());
            }
        }
        const std::uint16_t port = listen(spec, Scheme::Https, diagnostics);
        if (port != 0 && https_port_ == 0) https_port_ = port;
        return port;
    }

    void stop() override {
        stopFlusher();
        std::promise<void> done;
        asio::post(io_, [this, &done] {
            stopping_ = true;
            {
                std::lock_guard lock(acceptors_mutex_);
                for (auto& acceptor : acceptors_)
                    acceptor->close();
            }
            for (TcpStream* stream : sessions_)
                stream->socket().close();
            pool_.clear();
            telemetry_.flush(telemetry::Clock::now());  // what was served is counted
            done.set_value();
        });
        done.get_future().wait();
    }

    ProxyCounters counters() const override {
        ProxyCounters c;
        c.requests = counters_.requests.load(std::memory_order_relaxed);
        c.status_2xx = counters_.status_2xx.load(std::memory_order_relaxed);
        c.status_3xx = counters_.status_3xx.load(std::memory_order_relaxed);
        c.status_4xx = counters_.status_4xx.load(std::memory_order_relaxed);
        c.status_5xx = counters_.status_5xx.load(std::memory_order_relaxed);
        c.upstream_connects = counters_.upstream_connects.load(std::memory_order_relaxed);
        c.upstream_retries = counters_.upstream_retries.load(std::memory_order_relaxed);
        c.tls_handshakes = counters_.tls_handshakes.load(std::memory_order_relaxed);
        c.tls_handshake_failures =
            counters_.tls_handshake_failures.load(std::memory_order_relaxed);
        return c;
    }

  private:
    struct RequestContext {
        ClientInfo client;
        std::shared_ptr<const routing::RouteTable> table;  // the table this request matched
        std::string server_name;  // the TLS SNI name ("" without TLS or SNI)
        // Set when this response gets Strict-Transport-Security: the store whose ConfigMap
        // settings say which (hstsHeader()).
        std::shared_ptr<const tls::TlsStore> hsts;
        // What the location's policies add to this response (enable-cors, custom-headers),
        // replacing the pod's headers of the same names.
        HeaderList policy_headers;
        telemetry::RequestEvent event;  // filled as the request goes; recorded when answered
        std::optional<telemetry::TimePoint> tls_done;  // handshake end, for the first request
        std::optional<std::string> affinity_cookie;  // Set-Cookie of the try that answered
        bool close_after = false;  // the response had to be delimited by closing the connection
        int last_status = 0;       // of the last response written on this connection
        // Close lingering (nginx's lingering_close auto): only when the client may still be
        // sending, after an error answer or with unread bytes; a clean close skips the extra
        // read, which cost about a tenth of a new connection's CPU (tests/perf).
        bool linger = false;
        // limit-rate and limit-rate-after in bytes (0: no limit), for relayed responses.
        std::uint64_t rate_bytes = 0, rate_after_bytes = 0;
    };

    std::uint16_t listen(const ListenerSpec& spec, Scheme scheme, core::Diagnostics& diagnostics) {
        const std::string flag = scheme == Scheme::Https   ? "--https"
                                 : scheme == Scheme::Admin ? "--admin"
                                                           : "--http";
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(spec.address, ec);
        if (ec) {
            diagnostics.error(
                "ILAB-PROXY-001",
                "cannot listen on " + core::quoted(spec.address) + ": not an IP address", {});
            return 0;
        }
        auto acceptor = std::make_unique<Acceptor>(io_);
        const tcp::endpoint endpoint(address, spec.port);
        acceptor->open(endpoint.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(endpoint, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            diagnostics.error("ILAB-PROXY-001",
                              "cannot listen on " + spec.address + ":" + std::to_string(spec.port) +
                                  ": " + ec.message(),
                              {}, "pick another port with " + flag + " ADDRESS:PORT");
            return 0;
        }
        const std::uint16_t port = acceptor->local_endpoint().port();
        Acceptor* raw = acceptor.get();
        {
            std::lock_guard lock(acceptors_mutex_);
            acceptors_.push_back(std::move(acceptor));
        }
        asio::co_spawn(io_, acceptLoop(*raw, port, scheme), asio::detached);
        return port;
    }

    Task<void> acceptLoop(Acceptor& acceptor, std::uint16_t port, Scheme scheme) {
        while (!stopping_) {
            auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
            if (ec) {
                if (ec == asio::error::operation_aborted || stopping_) break;
                continue;  // e.g. EMFILE: keep accepting once descriptors free up
            }
            socket.set_option(tcp::no_delay(true), ec);
            if (scheme == Scheme::Https)
                asio::co_spawn(io_, serveTlsClient(std::move(socket), port), asio::detached);
            else if (scheme == Scheme::Admin)
                asio::co_spawn(io_, serveAdmin(std::move(socket)), asio::detached);
            else
                asio::co_spawn(io_, servePlainClient(std::move(socket), port), asio::detached);
        }
    }

    RequestContext newContext(TcpStream& stream, std::uint16_t server_port, Scheme scheme) {
        RequestContext ctx;
        boost::system::error_code ec;
        const auto remote = stream.socket().remote_endpoint(ec);
        ctx.client.ip = ec ? "0.0.0.0" : remote.address().to_string();
        ctx.client.port = ec ? 0 : remote.port();
        ctx.client.scheme = scheme == Scheme::Https ? "https" : "http";
        ctx.client.server_port = server_port;
        return ctx;
    }

    Task<void> servePlainClient(Socket socket, std::uint16_t server_port) {
        PlainStream client(std::move(socket));
        sessions_.insert(&client);
        RequestContext ctx = newContext(client, server_port, Scheme::Http);
        co_await serveRequests(client, ctx);
        if (ctx.linger) {
            co_await lingeringClose(client);
        } else {
            boost::system::error_code ec;
            client.socket().shutdown(Socket::shutdown_send, ec);
        }
        sessions_.erase(&client);
    }

    // nginx's lingering close: after our last response, stop sending but keep reading (and
    // dropping) what the client still sends, for a while. Closing with unread bytes in the
    // receive queue makes the kernel send a reset, which can destroy the response (a 400 or a
    // 413) before the client has read it.
    Task<void> lingeringClose(PlainStream& client) {
        boost::system::error_code ec;
        client.socket().shutdown(Socket::shutdown_send, ec);
        if (ec || stopping_) co_return;
        const auto until = std::chrono::steady_clock::now() + options_.limits.lingering_time;
        char sink[16384];
        while (!stopping_ && std::chrono::steady_clock::now() < until) {
            client.expires_after(options_.limits.lingering_timeout);
            auto [read_ec, n] = co_await client.async_read_some(asio::buffer(sink), kNoThrow);
            if (read_ec) break;  // the client's end of stream, a timeout or an error
        }
    }

    Task<void> serveTlsClient(Socket socket, std::uint16_t server_port) {
        TlsStream client(PlainStream(std::move(socket)), *ssl_context_);
        TcpStream& lowest = tcpOf(client);
        sessions_.insert(&lowest);
        RequestContext ctx = newContext(lowest, server_port, Scheme::Https);
        // The certificate is chosen during the handshake (installSniCallback); the deadline
        // covers a client that connects and never finishes its ClientHello.
        lowest.expires_after(options_.limits.handshake_timeout);
        auto [handshake_ec] =
            co_await client.async_handshake(asio::ssl::stream_base::server, kNoThrow);
        if (handshake_ec) {
            // A refused protocol version, no shared cipher or ALPN protocol, a timeout: OpenSSL
            // has already sent its alert.
            count(counters_.tls_handshake_failures);
            if (plainHttpOnTlsPort(handshake_ec)) {
                // nginx's answer to http://host:443/: a readable 400 instead of TLS garbage.
                http::response<http::string_body> res{http::status::bad_request, 11};
                res.set(http::field::content_type, "text/html");
                res.body() = errorPage(400);
                co_await write(lowest, ctx, res, false);
            }
        } else {
            count(counters_.tls_handshakes);
            ctx.tls_done = telemetry::Clock::now();
            if (const char* name =
                    SSL_get_servername(client.native_handle(), TLSEXT_NAMETYPE_host_name))
                ctx.server_name = name;
            co_await serveRequests(client, ctx);
            // Close as nginx does: send our close_notify but do not wait for the client's, which
            // many clients never send; marking it received makes SSL_shutdown finish once ours
            // is written.
            SSL* ssl = client.native_handle();
            SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_RECEIVED_SHUTDOWN);
            lowest.expires_after(options_.limits.tls_shutdown_timeout);
            co_await client.async_shutdown(kNoThrow);  // the connection ends either way
        }
        boost::system::error_code ec;
        lowest.socket().shutdown(Socket::shutdown_send, ec);
        sessions_.erase(&lowest);
    }

    // One client connection: read a request head, decide, answer or forward, repeat while the
    // connection is kept alive.
    template <class Stream>
    Task<void> serveRequests(Stream& client, RequestContext& ctx) {
        // Bounded: Beast needs a whole chunk-size line (with its extensions) and a whole trailer
        // section in the buffer, so an unbounded one grew by whatever a client sent.
        beast::flat_buffer buffer(clientBufferBytes());
        bool first = true;
        while (!stopping_) {
            const bool keep = co_await serveOne(client, buffer, ctx, first);
            ctx.table.reset();  // an idle connection must not keep a replaced table alive
            first = false;
            if (!keep) break;
        }
        ctx.linger = ctx.last_status >= 400 || buffer.size() > 0;
    }

    // Returns whether the client connection stays open.
    template <class Stream>
    Task<bool> serveOne(Stream& client, beast::flat_buffer& buffer, RequestContext& ctx,
                                   bool first) {
        const ProxyLimits& limits = options_.limits;
        ctx.hsts.reset();
        ctx.policy_headers.clear();
        ctx.affinity_cookie.reset();
        ctx.close_after = false;
        ctx.rate_bytes = ctx.rate_after_bytes = 0;
        ctx.event = telemetry::RequestEvent{};
        ctx.event.controller = options_.controller_id;
        ctx.event.accepted = telemetry::Clock::now();
        ctx.event.client_address = ctx.client.ip;
        ctx.event.scheme = ctx.client.scheme;
        if (first) ctx.event.tls_done = ctx.tls_done;
        // Records the event on every way out of this request, once an answer was written.
        const EventRecorder recorder{*this, ctx};
        http::request_parser<http::string_body> parser;
        parser.header_limit(limits.max_header_bytes);
        // Beast checks Content-Length against its own 1 MB default as soon as the head is
        // parsed, which would answer 400; the route's proxy-body-size is applied below (413).
        parser.body_limit(boost::none);
        if (!first && buffer.size() == 0) {
            // An idle kept-alive connection: the request begins with its first byte, as
            // nginx's $request_time does, not when the proxy began waiting for it.
            tcpOf(client).expires_after(limits.keepalive_timeout);
            auto [idle_ec, n] = co_await client.async_read_some(buffer.prepare(4096), kNoThrow);
            if (idle_ec) co_return false;  // closed or timed out between requests: no request
            buffer.commit(n);
            ctx.event.accepted = telemetry::Clock::now();
        }
        // The whole head must arrive within the timeout, however slowly it trickles in.
        tcpOf(client).expires_after(limits.header_timeout);
        auto [ec, head_bytes] = co_await readHead(client, buffer, parser, limits.max_header_bytes);
        if (ec) {
            if (ec == http::error::header_limit)
                co_await respondPlain(client, ctx, 431, 11, false);
            else if (malformedRequest(ec))
                co_await respondPlain(client, ctx, 400, 11, false);  // malformed or smuggling
            co_return false;
        }
        auto& head = parser.get();
        if (head.target().size() > limits.max_target_bytes) {
            co_await respondPlain(client, ctx, 414, head.version(), false);
            co_return false;
        }
        std::size_t header_count = 0;
        RequestHeadFacts facts;
        facts.method = head.method_string();
        facts.version = head.version();
        bool expect_continue = false;
        for (const auto& field : head) {
            ++header_count;
            switch (field.name()) {
                case http::field::host:
                    if (facts.host_count++ == 0) facts.host = field.value();
                    break;
                case http::field::content_length:
                    if (facts.content_length_count++ == 0) facts.content_length = field.value();
                    break;
                case http::field::transfer_encoding:
                    if (facts.transfer_encoding_count++ == 0)
                        facts.transfer_encoding = field.value();
                    break;
                case http::field::expect:
                    expect_continue = expect_continue || expectsContinue(field.value());
                    break;
                default:
                    break;
            }
        }
        if (header_count > limits.max_header_count) {
            co_await respondPlain(client, ctx, 431, head.version(), false);
            co_return false;
        }
        // What nginx refuses before routing (bad method, duplicate or invalid Host, a
        // Transfer-Encoding that does not end the framing question): answered, then closed, since
        // the body's end cannot be trusted.
        if (const HeadVerdict verdict = checkRequestHead(facts); !verdict.ok()) {
            ctx.event.decision = "respond " + std::to_string(verdict.status) + ": " + verdict.reason;
            co_await respondPlain(client, ctx, verdict.status, head.version(), false);
            co_return false;
        }
        expect_continue = expect_continue && head.version() == 11;

        routing::Request request = toRoutingRequest(head, ctx);
        describeRequest(ctx.event, head, request);
        ctx.hsts = wantsHsts(request, ctx);
        ctx.table = routeTable();
        if (!ctx.table) {
            co_await respondPlain(client, ctx, 503, head.version(), false);
            co_return false;
        }
        const BalancerAffinity affinity(balancers_, *ctx.table);
        routing::Decision decision = ctx.table->match(
            request, &random_, {.trace = false, .endpoints = &oracle_, .affinity = &affinity});
        ctx.event.routed = telemetry::Clock::now();
        describeDecision(ctx.event, decision);
        const bool has_body = parser.content_length().value_or(0) > 0 || parser.chunked();
        bool keep_alive = head.keep_alive() && !stopping_;

        const auto& policies = policiesFor(*ctx.table, decision);
        // limit_req then limit_conn (nginx's preaccess phase), per Ingress zone and client:
        // after the rewrite phase's redirects, before the access phase's 403 and 401.
        ConnectionSlot connection_slot;
        if (policies && policies->rate_limit.active() && decision.ingress &&
            decision.reached_access_phase) {
            // $binary_remote_addr: the client's address after the realip module.
            const std::string& client_ip =
                decision.client_ip.empty() ? ctx.client.ip : decision.client_ip;
            const RateVerdict verdict = limiter_.admit(*decision.ingress, policies->rate_limit,
                                                       client_ip, std::chrono::steady_clock::now());
            int rejected = verdict.allowed ? 0 : verdict.status;
            if (!rejected) {
                connection_slot = limiter_.acquireConnection(*decision.ingress,
                                                             policies->rate_limit, client_ip);
                rejected = connection_slot.status();
            }
            if (rejected) {
                if (has_body) keep_alive = false;
                co_await respondPlain(client, ctx, rejected, head.version(), keep_alive);
                co_return keep_alive;
            }
        }
        if (decision.action != routing::Action::Forward) {
            // A body we do not read would be taken for the next request: close after answering.
            if (has_body) keep_alive = false;
            co_await respondDecision(client, ctx, decision, head.version(), keep_alive);
            co_return keep_alive;
        }

        if (policies && policies->rate_limit.bandwidthLimited()) {
            ctx.rate_bytes = static_cast<std::uint64_t>(policies->rate_limit.rate_kbytes) * 1024;
            ctx.rate_after_bytes =
                static_cast<std::uint64_t>(std::max(0LL, policies->rate_limit.rate_after_kbytes)) *
                1024;
        }
        if (policies && policies->cors.enabled) {
            const std::string* origin = request.header("Origin");
            dialect::CorsOutcome cors = dialect::evaluateCors(
                policies->cors, origin ? std::optional<std::string_view>(*origin) : std::nullopt,
                request.method);
            if (cors.applies) ctx.policy_headers = std::move(cors.headers);
        }
        if (policies)  // custom-headers: nginx.tmpl's more_set_headers in the location
            for (const auto& header : policies->response_headers.headers)
                ctx.policy_headers.push_back(header);
        const std::uint64_t body_limit = policies ? policies->body_limit.max_bytes : 1024 * 1024;
        if (body_limit > 0)
            parser.body_limit(body_limit);
        else
            parser.body_limit(boost::none);
        // proxy-request-buffering "off", or no proxy-body-size to bound it: the body is streamed
        // to the pod as it arrives instead of being read whole first (nginx would spool it to
        // disk; the lab never holds an unbounded body in memory). Such a request is tried once.
        const bool stream_body =
            has_body && policies && (!policies->retry.request_buffering || body_limit == 0);
        if (expect_continue && has_body) {
            // The client waits for this before sending its body (ngx_http_test_expect()).
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            tcpOf(client).expires_after(limits.send_timeout);
            auto [cec, cw] =
                co_await asio::async_write(client, asio::buffer(kContinue.data(), kContinue.size()), kNoThrow);
            if (cec) co_return false;
        }
        if (stream_body) {
            http::request_parser<http::buffer_body> body_parser(std::move(parser));
            StreamingBody streaming{&body_parser, &buffer, body_parser.chunked(), body_limit};
            const bool ok = co_await forward(client, body_parser.get(), request, decision,
                                             policies.get(), ctx, keep_alive, &streaming);
            co_return ok && keep_alive && !ctx.close_after && body_parser.is_done();
        }
        if (has_body) {
            tcpOf(client).expires_after(limits.body_timeout);
            auto [body_ec, n] = co_await http::async_read(client, buffer, parser, kNoThrow);
            if (body_ec == http::error::body_limit) {
                // A chunked body that grows past proxy-body-size: 413, as nginx does.
                co_await respondPlain(client, ctx, 413, head.version(), false);
                co_return false;
            }
            if (malformedRequest(body_ec)) {
                // A bad chunk size, a chunk-size line or trailer section over the buffer's
                // limit: 400 and close, as nginx does ("client sent invalid chunked body").
                co_await respondPlain(client, ctx, 400, head.version(), false);
                co_return false;
            }
            if (body_ec) co_return false;
        }
        const bool ok = co_await forward(client, parser.get(), request, decision, policies.get(),
                                         ctx, keep_alive);
        co_return ok && keep_alive && !ctx.close_after;
    }

    // ingress-nginx's lua_ingress.header(): HSTS on HTTPS responses when the request's host has
    // a certificate binding (certificate.configured_for_current_request(), which looks up the
    // Host, not the SNI name). Any upstream HSTS header is then replaced, so there is one.
    std::shared_ptr<const tls::TlsStore> wantsHsts(const routing::Request& request,
                                                   const RequestContext& ctx) const {
        if (ctx.client.scheme != "https") return nullptr;
        auto store = tls_slot_.current();
        if (!store || store->hstsHeader().empty()) return nullptr;
        std::string host = routing::normalizeHost(request.host);
        if (host.empty()) host = ctx.server_name;  // HTTP/1.0 without Host
        return store->choose(host).configured() ? store : nullptr;
    }

    static std::shared_ptr<const dialect::IngressPolicies> policiesFor(
        const routing::RouteTable& table, const routing::Decision& decision) {
        if (!decision.ingress) return nullptr;
        auto it = table.policies().find(*decision.ingress);
        return it == table.policies().end() ? nullptr : it->second;
    }

    routing::Request toRoutingRequest(const http::request<http::string_body>& head,
                                      const RequestContext& ctx) const {
        routing::Request r;
        r.method = std::string(head.method_string());
        r.scheme = ctx.client.scheme;
        r.port = ctx.client.server_port;
        r.target = std::string(head.target());
        r.client_ip = ctx.client.ip;
        for (const auto& field : head) {
            if (field.name() == http::field::host) {
                r.host = std::string(field.value());
                continue;
            }
            r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        if (auto length = head.find(http::field::content_length); length != head.end()) {
            std::uint64_t value = 0;
            auto sv = length->value();
            auto [ptr, err] = std::from_chars(sv.data(), sv.data() + sv.size(), value);
            if (err == std::errc()) r.content_length = value;
        }
        return r;
    }

    // The upstream leg, with retries per proxy-next-upstream. Returns false when the client
    // connection must close.
    template <class Stream, class Body>
    Task<bool> forward(Stream& client, http::request<Body>& req,
                                  const routing::Request& request, routing::Decision& decision,
                                  const dialect::IngressPolicies* policies, RequestContext& ctx,
                                  bool keep_alive, StreamingBody* streaming = nullptr) {
        const routing::BackendRef& backend = *decision.backend;
        // Shared, not copied: the cluster swaps the list whole when readiness changes.
        const auto endpoint_list =
            cluster_.endpointList(backend.namespace_, backend.service, backend.port);
        const std::vector<cluster::Endpoint>& endpoints = *endpoint_list;
        if (endpoints.empty()) {
            co_await respondPlain(client, ctx, 503, req.version(), keep_alive);
            co_return true;
        }
        // Plain assignments, not ?: with a temporary: g++ 12 crashes (ICE in check_noexcept_r)
        // on the latter inside a coroutine template.
        dialect::RetryPolicy retry;
        dialect::TimeoutPolicy timeouts;
        BalancerConfig balancing;
        if (policies) {
            retry = policies->retry;
            timeouts = policies->timeouts;
            balancing = balancerConfig(*policies);
            if (decision.canary && decision.canary_ingress)
                balancing =
                    canaryBalancing(*policies, policiesOf(*ctx.table, *decision.canary_ingress))
                        .canary;
        }
        const int tries = streaming ? 1 : std::max(1, retry.tries);  // a streamed body is gone
        const std::vector<int>* intercept =
            policies && !policies->upstream.custom_http_errors.empty()
                ? &policies->upstream.custom_http_errors
                : nullptr;
        const bool may_resend = idempotent(req.method()) || allows(retry, "non_idempotent");

        const std::string request_id = [&] {
            if (auto it = req.find("X-Request-ID"); it != req.end())
                return std::string(it->value());
            return newRequestId(random_.next(), random_.next());
        }();
        ctx.event.request_id = request_id;

        // Serialised once, written as is on every try.
        UpstreamRequest upstream_req;
        std::optional<std::uint64_t> length;
        if constexpr (std::is_same_v<Body, http::string_body>) {
            upstream_req.body = std::move(req.body());
            if (!upstream_req.body.empty() || expectsBody(req.method()) ||
                req.find(http::field::content_length) != req.end() || req.chunked())
                length = upstream_req.body.size();
        } else if (streaming && !streaming->chunked) {
            length = request.content_length;  // streamed as it comes, with its own length
        }
        // request.headers: the client's headers but Host, copied once by toRoutingRequest.
        upstream_req.head =
            upstreamRequestHead(req.method_string(), decision.upstream.path, request.headers,
                                decision, ctx.client, req.target(), request_id, length);
        if (streaming && streaming->chunked)  // a chunked body goes up chunked
            upstream_req.head.insert(upstream_req.head.size() - 2, "Transfer-Encoding: chunked\r\n");
        upstream_req.head_method = req.method() == http::verb::head;

        const std::string key = backendId(backend);
        Failure last = Failure::Error;
        bool offer_retry = true;
        const RequestView view = RequestView::from(request);
        std::vector<std::string> tried;
        for (int attempt = 0; attempt < tries && offer_retry; ++attempt) {
            PickContext pick_context;
            pick_context.request = &view;
            pick_context.now = std::chrono::steady_clock::now();
            pick_context.unix_seconds = static_cast<std::int64_t>(std::time(nullptr));
            pick_context.tried = tried;
            // ingress-nginx issues the affinity cookie only on the Ingress that declares it.
            // A canary issues it with the affinity it balances with (the main's when sticky).
            pick_context.cookie.issue = policies && balancing.affinity.cookie;
            pick_context.cookie.location_path =
                decision.rule ? std::string_view(decision.rule->path) : std::string_view("/");
            pick_context.cookie.https = ctx.client.scheme == "https";
            const Pick picked = balancers_.pick(key, balancing, endpoint_list, pick_context);
            if (!picked.endpoint) break;
            ctx.affinity_cookie = picked.set_cookie;
            if (attempt > 0) count(counters_.upstream_retries);
            bool sent = false;
            const auto started = std::chrono::steady_clock::now();
            telemetry::UpstreamAttempt& try_event = ctx.event.upstreams.emplace_back();
            try_event.address = picked.endpoint_key;
            try_event.pod = picked.endpoint->pod;
            try_event.start = started;
            last = co_await exchange(client, ctx, upstream_req, *picked.endpoint,
                                     picked.endpoint_key, timeouts, req.version(), keep_alive,
                                     sent, intercept, streaming);
            const auto finished = std::chrono::steady_clock::now();
            ctx.event.upstreams.back().end = finished;
            if (last == Failure::Timeout) ctx.event.upstreams.back().status = 504;
            else if (last == Failure::Error && ctx.event.upstreams.back().status == 0)
                ctx.event.upstreams.back().status = 502;
            balancers_.record(key, picked.endpoint_key, finished - started, finished);
            tried.push_back(picked.endpoint_key);
            if (last == Failure::None) co_return true;
            if (last == Failure::BadBody || last == Failure::TooLarge) {
                co_await respondPlain(client, ctx, last == Failure::BadBody ? 400 : 413,
                                      req.version(), false);
                co_return false;
            }
            if (last == Failure::Intercepted) {
                ctx.event.upstreams.back().status = upstreamStatusOf(ctx);
                co_await serveCustomError(client, ctx, decision, request, request_id,
                                          ctx.event.upstreams.back().status, timeouts,
                                          req.version(), keep_alive);
                co_return true;
            }
            if (last == Failure::Error && sent && !may_resend) break;  // it reached the pod
            if (last == Failure::Timeout && sent && !may_resend) break;
            offer_retry = allows(retry, last == Failure::Timeout ? "timeout" : "error");
        }
        co_await respondPlain(client, ctx, last == Failure::Timeout ? 504 : 502, req.version(),
                              keep_alive);
        co_return true;
    }

    // A client connection's read buffer: a head, or a chunk-size line or trailer section, must
    // fit in it. Never past 65,535 bytes: Beast throws (out of the io thread, ending the
    // process) on a field longer than that, and no field can outgrow the buffer.
    std::size_t clientBufferBytes() const {
        return std::min<std::size_t>(
            std::size_t{options_.limits.max_header_bytes} + options_.limits.max_chunk_meta_bytes,
            65535);
    }

    static int upstreamStatusOf(const RequestContext& ctx) {
        return ctx.event.upstreams.empty() ? 0 : ctx.event.upstreams.back().status;
    }

    // custom-http-errors: the request goes to the default-backend annotation's Service with
    // its URI rewritten to "/" and the X-Code family of headers (nginx.tmpl's
    // @custom_<upstream>_<code> location), and the client gets whatever that Service answers.
    // Without that Service, or when it has no ready endpoint, ingress-nginx's own default
    // backend answers: 404.
    template <class Stream>
    Task<void> serveCustomError(Stream& client, RequestContext& ctx,
                                           const routing::Decision& decision,
                                           const routing::Request& request,
                                           const std::string& request_id, int code,
                                           const dialect::TimeoutPolicy& timeouts,
                                           unsigned version, bool keep_alive) {
        std::shared_ptr<const std::vector<cluster::Endpoint>> endpoints;
        if (decision.fallback)
            endpoints = cluster_.endpointList(decision.fallback->namespace_,
                                              decision.fallback->service, decision.fallback->port);
        if (!endpoints || endpoints->empty()) {
            co_await respondPlain(client, ctx, 404, version, keep_alive);
            co_return;
        }
        const routing::BackendRef& failed = *decision.backend;
        const std::string ingress_name =
            decision.ingress ? decision.ingress->substr(decision.ingress->find('/') + 1) : "";
        HeaderList headers = {{"Host", decision.upstream.host},
                              {"X-Code", std::to_string(code)}};
        if (const std::string* accept = request.header("Accept"))
            headers.emplace_back("X-Format", *accept);
        headers.insert(headers.end(), {{"X-Original-URI", request.target},
                                       {"X-Namespace", failed.namespace_},
                                       {"X-Ingress-Name", ingress_name},
                                       {"X-Service-Name", failed.service},
                                       {"X-Service-Port", failed.port},
                                       {"X-Request-ID", request_id},
                                       {"X-Forwarded-For", ctx.client.ip}});
        UpstreamRequest error_req;
        error_req.head = std::string(request.method) + " / HTTP/1.1\r\n";
        for (const auto& [name, value] : headers)
            error_req.head.append(name).append(": ").append(value).append("\r\n");
        if (expectsBody(http::string_to_verb(request.method)))
            error_req.head.append("Content-Length: 0\r\n");
        error_req.head.append("\r\n");
        error_req.head_method = request.method == "HEAD";

        PickContext pick_context;
        pick_context.now = std::chrono::steady_clock::now();
        const Pick picked =
            balancers_.pick(backendId(*decision.fallback), BalancerConfig{}, endpoints, pick_context);
        if (!picked.endpoint) {
            co_await respondPlain(client, ctx, 404, version, keep_alive);
            co_return;
        }
        telemetry::UpstreamAttempt& attempt = ctx.event.upstreams.emplace_back();
        attempt.address = picked.endpoint_key;
        attempt.pod = picked.endpoint->pod;
        attempt.start = std::chrono::steady_clock::now();
        bool sent = false;
        const Failure failure = co_await exchange(client, ctx, error_req, *picked.endpoint,
                                                  picked.endpoint_key, timeouts, version,
                                                  keep_alive, sent);
        ctx.event.upstreams.back().end = std::chrono::steady_clock::now();
        if (failure != Failure::None)
            co_await respondPlain(client, ctx, failure == Failure::Timeout ? 504 : 502, version,
                                  keep_alive);
    }

    // Relays a request body from the client to the pod as it arrives, re-chunking a chunked
    // one, never holding more than 16 KiB of it. Over proxy-body-size (when set) it stops.
    template <class Stream>
    Task<Failure> streamBody(Stream& client, TcpStream& upstream,
                                        StreamingBody& body, const dialect::TimeoutPolicy& timeouts) {
        char chunk[16384];
        char size_line[24];
        static constexpr std::string_view kCrlf = "\r\n", kLastChunk = "0\r\n\r\n";
        std::uint64_t total = 0;
        auto& parser = *body.parser;
        while (!parser.is_done()) {
            parser.get().body().data = chunk;
            parser.get().body().size = sizeof chunk;
            tcpOf(client).expires_after(options_.limits.body_timeout);
            auto [ec, unused] = co_await http::async_read(client, *body.buffer, parser, kNoThrow);
            if (ec == http::error::need_buffer) ec = {};
            if (ec == http::error::body_limit) co_return Failure::TooLarge;
            if (malformedRequest(ec)) co_return Failure::BadBody;
            if (ec) co_return Failure::Error;
            const std::size_t n = sizeof chunk - parser.get().body().size;
            total += n;
            if (body.limit > 0 && total > body.limit) co_return Failure::TooLarge;
            if (n == 0) continue;
            std::array<asio::const_buffer, 3> out{};
            if (body.chunked) {
                const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
                out[0] = asio::buffer(size_line, static_cast<std::size_t>(len));
                out[2] = asio::buffer(kCrlf.data(), kCrlf.size());
            }
            out[1] = asio::buffer(chunk, n);
            upstream.expires_after(std::chrono::seconds(timeouts.send_seconds));
            auto [wec, w] = co_await asio::async_write(upstream, out, kNoThrow);
            if (wec) co_return wec == beast::error::timeout ? Failure::Timeout : Failure::Error;
        }
        if (body.chunked) {
            upstream.expires_after(std::chrono::seconds(timeouts.send_seconds));
            auto [wec, w] = co_await asio::async_write(
                upstream, asio::buffer(kLastChunk.data(), kLastChunk.size()), kNoThrow);
            if (wec) co_return Failure::Error;
        }
        co_return Failure::None;
    }

    // One attempt: connect (or reuse), send, read the response head, relay the response.
    // Failure::None means the client got the upstream's response.
    template <class Stream>
    Task<Failure> exchange(Stream& client, RequestContext& ctx,
                                      const UpstreamRequest& upstream_req,
                                      const cluster::Endpoint& endpoint,
                                      const std::string& pool_key,  // "ip:port"
                                      const dialect::TimeoutPolicy& timeouts,
                                      unsigned client_version, bool client_keep_alive, bool& sent,
                                      const std::vector<int>* intercept = nullptr,
                                      StreamingBody* streaming = nullptr) {
        for (int fresh = 0; fresh < 2; ++fresh) {
            // By pointer: moving a beast stream allocates a new one (with its timers).
            std::unique_ptr<UpstreamConnection> connection;
            bool reused = false;
            if (fresh == 0) {
                auto& idle = pool_[pool_key];
                if (!idle.empty()) {
                    connection = std::move(idle.back());
                    idle.pop_back();
                    reused = true;
                }
            }
            if (!connection) {
                // Bounded as the client's: an upstream's oversized trailer is a 502, not a
                // Beast exception that ends the process.
                connection.reset(
                    new UpstreamConnection{TcpStream(io_), beast::flat_buffer(kUpstreamBufferBytes)});
                boost::system::error_code addr_ec;
                const tcp::endpoint target(asio::ip::make_address(endpoint.ip, addr_ec),
                                           endpoint.port);
                connection->stream.expires_after(std::chrono::seconds(timeouts.connect_seconds));
                auto [ec] = co_await connection->stream.async_connect(target, kNoThrow);
                count(counters_.upstream_connects);
                if (ec) co_return ec == beast::error::timeout ? Failure::Timeout : Failure::Error;
                connection->stream.socket().set_option(tcp::no_delay(true), ec);
            }
            if (!ctx.event.upstreams.empty()) ctx.event.upstreams.back().connected = telemetry::Clock::now();
            connection->stream.expires_after(std::chrono::seconds(timeouts.send_seconds));
            const std::array<asio::const_buffer, 2> request_buffers{
                asio::buffer(upstream_req.head), asio::buffer(upstream_req.body)};
            auto [write_ec, written] =
                co_await asio::async_write(connection->stream, request_buffers, kNoThrow);
            if (write_ec) {
                if (reused) continue;  // a pooled connection the pod had closed: try a new one
                co_return write_ec == beast::error::timeout ? Failure::Timeout : Failure::Error;
            }
            sent = true;
            if (streaming) {
                const Failure f = co_await streamBody(client, connection->stream, *streaming, timeouts);
                if (f != Failure::None) {
                    ctx.close_after = true;  // the request is cut: neither side can go on
                    co_return f;
                }
            }
            beast::flat_buffer& up_buffer = connection->buffer;  // kept with the connection
            std::optional<http::response_parser<http::buffer_body>> parser_slot;
            boost::system::error_code read_ec;
            std::size_t n = 0;
            // A 1xx is never the answer (RFC 9110 15.2): interim responses (100, 102, 103) are
            // read and dropped, a few at most; the final one follows on the same connection. A
            // 101 without an Upgrade request is a broken upstream.
            for (int interim = 0;; ++interim) {
                parser_slot.emplace();
                parser_slot->body_limit(boost::none);
                if (upstream_req.head_method) parser_slot->skip(true);
                connection->stream.expires_after(std::chrono::seconds(timeouts.read_seconds));
                auto [ec, got] = co_await http::async_read_header(connection->stream, up_buffer,
                                                                  *parser_slot, kNoThrow);
                read_ec = ec;
                if (interim == 0) n = got;
                if (read_ec) break;
                const unsigned code = parser_slot->get().result_int();
                if (code < 100 || code >= 200) break;
                if (code == 101 || interim == 8) {
                    read_ec = http::error::bad_status;
                    break;
                }
            }
            auto& parser = *parser_slot;
            if (read_ec) {
                if (reused && n == 0 && read_ec != beast::error::timeout) {
                    sent = false;  // the pod never saw it: nginx retries a stale keep-alive too
                    continue;
                }
                co_return read_ec == beast::error::timeout ? Failure::Timeout : Failure::Error;
            }
            if (!ctx.event.upstreams.empty()) {
                ctx.event.upstreams.back().first_byte = telemetry::Clock::now();
                ctx.event.upstreams.back().status = static_cast<int>(parser.get().result_int());
            }
            // proxy_intercept_errors: the error page comes from the default backend instead;
            // this connection's unread body makes it unfit for the pool.
            if (intercept && std::find(intercept->begin(), intercept->end(),
                                       static_cast<int>(parser.get().result_int())) !=
                                 intercept->end())
                co_return Failure::Intercepted;
            const bool relayed = co_await relay(client, ctx, connection->stream, up_buffer, parser,
                                                timeouts, client_version, client_keep_alive);
            if (!relayed) co_return Failure::None;  // the client side failed; nothing to retry
            // Pooled only when its response was read to the end and nothing more came: bytes
            // left over would be handed to the next request as its answer.
            if (parser.is_done() && parser.get().keep_alive() && up_buffer.size() == 0) {
                auto& idle = pool_[pool_key];
                if (idle.size() < options_.limits.upstream_idle_per_endpoint) {
                    connection->stream.expires_never();
                    idle.push_back(std::move(connection));
                }
            }
            co_return Failure::None;
        }
        co_return Failure::Error;
    }

    // Streams the upstream response to the client through a fixed buffer: the head rewritten
    // and serialised here, the body never held whole. The head and the first piece of the body
    // go out in one write (one sendmsg, or one TLS record when they fit).
    template <class Stream>
    Task<bool> relay(Stream& client, RequestContext& ctx,
                                TcpStream& upstream, beast::flat_buffer& up_buffer,
                                http::response_parser<http::buffer_body>& parser,
                                const dialect::TimeoutPolicy& timeouts, unsigned client_version,
                                bool client_keep_alive) {
        auto& res = parser.get();
        const unsigned status = res.result_int();
        // The simulated pod says which faults shaped its answer (latency, status, throttle).
        if (const auto fault = res.find("X-Lab-Fault"); fault != res.end())
            ctx.event.faults.emplace_back(fault->value());
        const bool has_length = res.has_content_length();
        const bool bodiless = parser.is_done() && !has_length;  // 204, 304, HEAD without length
        // Re-chunk what has no length (chunked upstream, or read until close) for HTTP/1.1
        // clients; HTTP/1.0 clients get it unframed and the connection closes after it.
        const bool chunked_out = !has_length && !parser.is_done() && client_version == 11;
        const bool framed = has_length || chunked_out || bodiless;
        const bool keep_alive = client_keep_alive && framed;
        std::string head = responseHead(res, ctx, client_version, keep_alive, chunked_out);
        countStatus(status);
        ctx.event.status = static_cast<int>(status);
        ctx.last_status = static_cast<int>(status);

        char chunk[16384];
        char size_line[24];
        static constexpr std::string_view kCrlf = "\r\n", kLastChunk = "0\r\n\r\n";
        bool head_sent = false;
        // limit-rate: read and write in slices of about an eighth of a second's worth, and hold
        // each until the bytes sent stay within limit-rate-after + limit-rate × elapsed.
        const std::size_t slice =
            ctx.rate_bytes ? std::clamp<std::size_t>(ctx.rate_bytes / 8, 512, sizeof chunk)
                           : sizeof chunk;
        std::optional<Timer> pace;
        const auto relay_start = std::chrono::steady_clock::now();
        std::uint64_t bytes_out = 0;
        while (true) {
            std::size_t n = 0;
            if (!parser.is_done()) {
                res.body().data = chunk;
                res.body().size = slice;
                upstream.expires_after(std::chrono::seconds(timeouts.read_seconds));
                auto [ec, unused] = co_await http::async_read(upstream, up_buffer, parser, kNoThrow);
                if (ec == http::error::need_buffer) ec = {};
                if (ec) {
                    // The pod died mid-body: the client cannot get a valid response any more.
                    beast::error_code ignored;
                    tcpOf(client).socket().shutdown(Socket::shutdown_both, ignored);
                    co_return false;
                }
                n = slice - res.body().size;
                ctx.event.body_bytes_sent += n;
                if (!ctx.event.upstreams.empty())
                    ctx.event.upstreams.back().response_length += n;
            }
            const bool done = parser.is_done();
            if (n == 0 && head_sent && !(done && chunked_out)) {
                if (done) break;
                continue;  // a chunk header without data yet
            }
            std::array<asio::const_buffer, 5> out{};
            if (!head_sent) out[0] = asio::buffer(head);
            if (n > 0 && chunked_out) {
                const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
                out[1] = asio::buffer(size_line, static_cast<std::size_t>(len));
                out[3] = asio::buffer(kCrlf.data(), kCrlf.size());
            }
            if (n > 0) out[2] = asio::buffer(chunk, n);
            if (done && chunked_out) out[4] = asio::buffer(kLastChunk.data(), kLastChunk.size());
            const std::size_t size = asio::buffer_size(out);
            if (ctx.rate_bytes && bytes_out + size > ctx.rate_after_bytes) {
                const double due_seconds =
                    static_cast<double>(bytes_out + size - ctx.rate_after_bytes) /
                    static_cast<double>(ctx.rate_bytes);
                const auto due = relay_start + std::chrono::duration_cast<
                                                   std::chrono::steady_clock::duration>(
                                                   std::chrono::duration<double>(due_seconds));
                if (due > std::chrono::steady_clock::now()) {
                    if (!pace) pace.emplace(io_);
                    pace->expires_at(due);
                    co_await pace->async_wait(kNoThrow);
                }
            }
            bytes_out += size;
            tcpOf(client).expires_after(options_.limits.send_timeout);
            auto [wec, w] = co_await asio::async_write(client, out, kNoThrow);
            ctx.event.bytes_sent += w;  // nginx's $bytes_sent: head, framing and body
            if (wec) co_return false;
            head_sent = true;
            if (done) break;
        }
        ctx.close_after = !keep_alive;
        co_return true;
    }

    // The response head the client gets: the upstream's status and end-to-end headers, with
    // Server, Date, HSTS and the location's CORS and affinity headers set by the controller.
    std::string responseHead(const http::response<http::buffer_body>& res,
                             const RequestContext& ctx, unsigned version, bool keep_alive,
                             bool chunked) const {
        std::string head;
        head.reserve(512);
        head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ")
            .append(std::to_string(res.result_int()))
            .append(" ");
        const std::string_view reason = res.reason();
        head.append(reason.empty() ? std::string_view(http::obsolete_reason(res.result()))
                                   : reason);
        head.append("\r\n");
        // Headers the upstream's Connection header names are hop-by-hop too.
        std::vector<std::string> named;
        for (const auto& field : res)
            if (field.name() == http::field::connection)
                for (const std::string& token : core::split(field.value(), ','))
                    named.emplace_back(core::trim(token));
        for (const auto& field : res) {
            switch (field.name()) {
                case http::field::connection:
                case http::field::keep_alive:
                case http::field::proxy_connection:
                case http::field::te:
                case http::field::trailer:
                case http::field::upgrade:
                case http::field::transfer_encoding:
                case http::field::server:
                case http::field::date:
                    continue;
                default:
                    break;
            }
            const std::string_view name = field.name_string();
            if (ctx.hsts && core::iequals(name, tls::kHstsHeaderName)) continue;
            bool replaced = false;
            for (const std::string& token : named)
                replaced = replaced || core::iequals(name, token);
            for (const auto& [set_here, unused] : ctx.policy_headers)
                replaced = replaced || core::iequals(name, set_here);
            if (replaced) continue;
            head.append(name).append(": ").append(field.value()).append("\r\n");
        }
        head.append("Server: ingress-lab\r\nDate: ").append(httpDate()).append("\r\n");
        if (ctx.hsts)
            head.append(tls::kHstsHeaderName).append(": ").append(ctx.hsts->hstsHeader()).append("\r\n");
        for (const auto& [name, value] : ctx.policy_headers)
            head.append(name).append(": ").append(value).append("\r\n");
        if (ctx.affinity_cookie) head.append("Set-Cookie: ").append(*ctx.affinity_cookie).append("\r\n");
        if (chunked) head.append("Transfer-Encoding: chunked\r\n");
        if (version == 11 && !keep_alive) head.append("Connection: close\r\n");
        if (version == 10 && keep_alive) head.append("Connection: keep-alive\r\n");
        head.append("\r\n");
        return head;
    }

    // ingress-nginx redirects HTTP to https://host/... (port 443). A lab whose HTTPS listener is
    // elsewhere names that port, so `curl -L` reaches it; `explain` shows the controller's own
    // answer (docs/proxy.md).
    std::string toLabHttps(const std::string& location) const {
        const std::uint16_t port = https_port_;
        if (port == 0 || port == 443 || !location.starts_with("https://")) return location;
        const std::size_t path = location.find('/', 8);
        std::string host = location.substr(8, path == std::string::npos ? path : path - 8);
        if (host.find(':') != std::string::npos && host.front() != '[') return location;
        return "https://" + host + ":" + std::to_string(port) +
               (path == std::string::npos ? "" : location.substr(path));
    }

    template <class Stream>
    Task<void> respondDecision(Stream& client, RequestContext& ctx,
                                          const routing::Decision& d, unsigned version,
                                          bool keep_alive) {
        http::response<http::string_body> res;
        res.version(version);
        res.result(static_cast<unsigned>(d.status));
        if (d.action == routing::Action::Redirect)
            res.set(http::field::location, d.https_redirect ? toLabHttps(d.location) : d.location);
        for (const auto& [name, value] : d.response_headers)
            res.set(name, value);
        if (d.status != 204 && d.status != 304) {
            res.set(http::field::content_type, "text/html");
            res.body() = errorPage(d.status);
        }
        co_await write(client, ctx, res, keep_alive);
    }

    template <class Stream>
    Task<void> respondPlain(Stream& client, RequestContext& ctx, int status,
                                       unsigned version, bool keep_alive) {
        http::response<http::string_body> res;
        res.version(version == 10 ? 10 : 11);
        res.result(static_cast<unsigned>(status));
        res.set(http::field::content_type, "text/html");
        res.body() = errorPage(status);
        co_await write(client, ctx, res, keep_alive);
    }

    template <class Stream>
    Task<void> write(Stream& client, RequestContext& ctx,
                                http::response<http::string_body>& res, bool keep_alive) {
        res.set(http::field::server, "ingress-lab");
        res.set(http::field::date, httpDate());
        if (ctx.hsts) res.set(tls::kHstsHeaderName, ctx.hsts->hstsHeader());
        addPolicyHeaders(res, ctx);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        countStatus(res.result_int());
        ctx.event.status = static_cast<int>(res.result_int());
        ctx.last_status = ctx.event.status;
        ctx.event.body_bytes_sent = res.body().size();
        tcpOf(client).expires_after(options_.limits.send_timeout);
        auto [ec, written] = co_await http::async_write(client, res, kNoThrow);
        ctx.event.bytes_sent += written;
    }

    // Records ctx.event when the request's scope ends, if an answer was written.
    struct EventRecorder {
        ProxyImpl& proxy;
        RequestContext& ctx;
        ~EventRecorder() {
            if (ctx.event.status == 0) return;  // nothing was answered: no request to count
            ctx.event.complete = telemetry::Clock::now();
            ctx.event.wall_time = std::chrono::system_clock::now();
            proxy.telemetry_.record(std::move(ctx.event));
            ctx.event = telemetry::RequestEvent{};
        }
    };

    static void describeRequest(telemetry::RequestEvent& event,
                                const http::request<http::string_body>& head,
                                const routing::Request& request) {
        event.method = request.method;
        event.target = request.target;
        event.host = routing::normalizeHost(request.host);
        event.http_version = head.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
        if (const std::string* referer = request.header("Referer")) event.referer = *referer;
        if (const std::string* agent = request.header("User-Agent")) event.user_agent = *agent;
        event.remote_user = request.basicUser();  // $remote_user
        std::uint64_t length = head.method_string().size() + head.target().size() + 12;
        for (const auto& field : head) length += field.name_string().size() + field.value().size() + 4;
        event.request_length = length + request.content_length.value_or(0);
    }

    static void describeDecision(telemetry::RequestEvent& event, const routing::Decision& d) {
        if (d.ingress) {
            const auto slash = d.ingress->find('/');
            event.ingress = {d.ingress->substr(0, slash), d.ingress->substr(slash + 1)};
        }
        if (d.rule) event.rule_path = d.rule->path;
        event.canary_draw = d.canary_draw;
        if (d.backend) {
            const telemetry::ServiceRef backend{d.backend->namespace_, d.backend->service, d.backend->port};
            event.canary = d.canary;
            if (d.canary) event.canary_service = backend;
            else event.service = backend;
        }
        event.decision = std::string(routing::actionName(d.action));
        if (d.action != routing::Action::Forward) event.decision += " " + std::to_string(d.status);
        if (!d.reason.empty()) event.decision += ": " + d.reason;
    }

    // Telemetry is aggregated and handed to subscribers on a thread of its own, 20 times a
    // second: on the proxy's thread each flush held every connection up for about a millisecond
    // at 60,000 requests a second, which showed in the p99.
    void flushEvery50ms() {
        std::unique_lock lock(flusher_mutex_);
        while (!flusher_wake_.wait_for(lock, std::chrono::milliseconds(50),
                                       [this] { return flusher_stop_; })) {
            lock.unlock();
            telemetry_.flush(telemetry::Clock::now());
            lock.lock();
        }
    }

    void stopFlusher() {
        {
            std::lock_guard lock(flusher_mutex_);
            flusher_stop_ = true;
        }
        flusher_wake_.notify_all();
        if (flusher_.joinable()) flusher_.join();
    }

    // The admin listener's requests: /metrics and /healthz, plain HTTP, one at a time.
    Task<void> serveAdmin(Socket socket) {
        PlainStream client(std::move(socket));
        sessions_.insert(&client);
        boost::system::error_code local_ec;
        const bool loopback = client.socket().local_endpoint(local_ec).address().is_loopback();
        // Bounded like the proxy's: chunk extensions and trailers cannot grow it.
        beast::flat_buffer buffer(clientBufferBytes());
        while (!stopping_) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(options_.limits.max_header_bytes);
            parser.body_limit(kAdminBodyLimit);
            client.expires_after(options_.limits.keepalive_timeout);
            auto [ec, n] = co_await http::async_read(client, buffer, parser, kNoThrow);
            if (ec) {
                if (malformedRequest(ec)) {
                    http::response<http::string_body> bad{http::status::bad_request, 11};
                    bad.set(http::field::content_type, "text/html");
                    bad.set(http::field::server, "ingress-lab");
                    bad.keep_alive(false);
                    bad.body() = errorPage(400);
                    bad.prepare_payload();
                    client.expires_after(options_.limits.send_timeout);
                    co_await http::async_write(client, bad, kNoThrow);
                }
                break;
            }
            http::request<http::string_body>& req = parser.get();
            http::response<http::string_body> res;
            res.version(req.version());
            const std::string_view path = std::string_view(req.target()).substr(0, req.target().find('?'));
            auto page = [&res](telemetry::AdminPage p) {
                res.result(static_cast<http::status>(p.status));
                res.set(http::field::content_type, p.content_type);
                res.body() = std::move(p.body);
            };
            if (path == telemetry::kHealthzPath) {
                page(telemetry::healthzPage());
            } else if (loopback && !loopbackHostName(req[http::field::host])) {
                // A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) must
                // not read the lab's metrics: on a loopback bind only loopback names answer.
                res.result(http::status::forbidden);
                res.set(http::field::content_type, "text/html");
                res.body() = errorPage(403);
            } else if (path == telemetry::kMetricsPath) {
                page(telemetry::metricsPage(*telemetry_.snapshot(), options_.controller_class));
            } else {
                res.result(http::status::not_found);
                res.set(http::field::content_type, "text/html");
                res.body() = errorPage(404);
            }
            res.set(http::field::server, "ingress-lab");
            res.set(http::field::date, httpDate());
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            client.expires_after(options_.limits.send_timeout);
            auto [wec, w] = co_await http::async_write(client, res, kNoThrow);
            if (wec || !req.keep_alive()) break;
        }
        co_await lingeringClose(client);
        sessions_.erase(&client);
    }

    // enable-cors headers go on every response of the location, whatever its status; the
    // affinity cookie on the response of the try that answered.
    template <class Fields>
    static void addPolicyHeaders(Fields& res, const RequestContext& ctx) {
        for (const auto& [name, value] : ctx.policy_headers)
            res.set(name, value);
        if (ctx.affinity_cookie) res.insert(http::field::set_cookie, *ctx.affinity_cookie);
    }

    void countStatus(unsigned status) {
        count(counters_.requests);
        count(status < 300   ? counters_.status_2xx
              : status < 400 ? counters_.status_3xx
              : status < 500 ? counters_.status_4xx
                             : counters_.status_5xx);
    }

    static void count(std::atomic<std::uint64_t>& counter) {
        counter.fetch_add(1, std::memory_order_relaxed);
    }

    asio::io_context& io_;
    const cluster::Cluster& cluster_;
    ClusterOracle oracle_;
    ProxyOptions options_;
    core::SeededRandom random_;     // used on the proxy's io thread only
    std::shared_ptr<const routing::RouteTable> table_;
    tls::TlsStoreSlot tls_slot_;  // read by the ClientHello callback, so it outlives handshakes
    std::mutex acceptors_mutex_;  // also guards ssl_context_'s creation
    std::atomic<std::uint16_t> https_port_{0};  // the first HTTPS listener's, for toLabHttps()
    std::vector<std::unique_ptr<Acceptor>> acceptors_;
    std::unique_ptr<asio::ssl::context> ssl_context_;  // every HTTPS listener's
    bool stopping_ = false;
    std::set<TcpStream*> sessions_;
    std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConnection>>>
        pool_;  // idle, by ip:port
    BalancerSet balancers_{random_};  // per backend: round robin, EWMA, hashing, affinity
    RateLimiter limiter_;             // limit-rps/-rpm/-connections zones, per Ingress
    telemetry::Telemetry telemetry_;
    std::mutex flusher_mutex_;
    std::condition_variable flusher_wake_;
    bool flusher_stop_ = false;
    std::thread flusher_;  // last: starts once everything it uses exists
    // ProxyCounters, counted without a lock: read from other threads at any time.
    struct {
        std::atomic<std::uint64_t> requests{0}, status_2xx{0}, status_3xx{0}, status_4xx{0},
            status_5xx{0}, upstream_connects{0}, upstream_retries{0}, tls_handshakes{0},
            tls_handshake_failures{0};
    } counters_;
};

}  // namespace

std::unique_ptr<Proxy> Proxy::create(asio::io_context& io, const cluster::Cluster& cluster,
                                     ProxyOptions options) {
    return std::make_unique<ProxyImpl>(io, cluster, std::move(options));
}

}  // namespace ilab::proxy
