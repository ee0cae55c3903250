// The only Beast TU of the cluster (compiling it costs most of the module's build time): keep
// the policy elsewhere and this file about bytes on sockets.
#include "engine/cluster/pod_server.h"
#include "engine/core/http_date.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace ilab::cluster {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Longer than ingress-nginx's upstream keepalive_timeout (60 s), so the proxy, not the pod,
// closes idle pooled connections, as with most real backends.
constexpr std::chrono::seconds kIdleTimeout{120};
constexpr std::chrono::seconds kBodyTimeout{300};
constexpr std::chrono::seconds kWriteTimeout{300};  // per chunk: a stalled reader, not a slow one
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::size_t kChunk = 64 * 1024;

const std::string& filler() {
    static const std::string bytes(kChunk, 'x');
    return bytes;
}

std::string_view sv(beast::string_view s) {
    return {s.data(), s.size()};
}

// A request body that is counted, never stored: a pod can take a 10 GB chunked upload in
// constant memory.
struct CountingBody {
    using value_type = std::uint64_t;

    class reader {
      public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields>&, value_type& count) : count_(count) {
            count_ = 0;  // Beast leaves a scalar body uninitialised
        }
        void init(const boost::optional<std::uint64_t>&, beast::error_code& ec) { ec = {}; }
        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
            const std::size_t n = beast::buffer_bytes(buffers);
            count_ += n;
            ec = {};
            return n;
        }
        void finish(beast::error_code& ec) { ec = {}; }

      private:
        value_type& count_;
    };
};

using Request = http::request<CountingBody>;

struct Connection {
    Connection(tcp::socket socket, const Strand& strand)
        : stream(std::move(socket)), timer(strand) {}
    beast::tcp_stream stream;
    asio::steady_timer timer;  // delays and throttling, cancelled on close
    bool idle = true;          // waiting for the next request: drain may close it at once
};

// The client sent something that is not HTTP/1.x (rather than closing or timing out).
bool isProtocolError(const beast::error_code& ec) {
    static const auto& category = http::make_error_code(http::error::bad_target).category();
    return ec.category() == category && ec != http::error::end_of_stream &&
           ec != http::error::partial_message;
}

class PodServerImpl final : public PodServer, public std::enable_shared_from_this<PodServerImpl> {
  public:
    PodServerImpl(asio::io_context& io, std::shared_ptr<const PodInfo> info, Callbacks callbacks)
        : strand_(asio::make_strand(io)),
          info_(std::move(info)),
          callbacks_(std::move(callbacks)) {}

    std::uint16_t listen(std::uint16_t container_port, std::uint16_t port,
                         std::string& error) override {
        beast::error_code ec;
        const auto address = asio::ip::make_address(info_->ip, ec);
        if (ec) {
            error = "not an IP address: " + info_->ip;
            return 0;
        }
        // A fresh acceptor is touched by no one else until it is posted to the strand.
        auto acceptor = std::make_shared<tcp::acceptor>(strand_);
        const tcp::endpoint endpoint(address, port);
        acceptor->open(endpoint.protocol(), ec);
        // Restarting pods rebind their port while old connections sit in TIME_WAIT.
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec) acceptor->bind(endpoint, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        std::uint16_t bound = 0;
        if (!ec) bound = acceptor->local_endpoint(ec).port();
        if (ec) {
            error = ec.message();
            return 0;
        }
        asio::post(strand_, [self = shared_from_this(), acceptor, container_port] {
            if (self->closing_ || self->draining_) {
                beast::error_code ignored;
                acceptor->close(ignored);
                return;
            }
            auto& slot = self->listeners_[container_port];
            if (slot) {
                beast::error_code ignored;
                slot->close(ignored);
            }
            slot = acceptor;
            ++self->live_;
            asio::co_spawn(self->strand_, acceptLoop(self, acceptor, container_port),
                           asio::detached);
        });
        return bound;
    }

    void closeListener(std::uint16_t container_port) override {
        asio::post(strand_, [self = shared_from_this(), container_port] {
            auto it = self->listeners_.find(container_port);
            if (it == self->listeners_.end()) return;
            beast::error_code ignored;
            it->second->close(ignored);
            self->listeners_.erase(it);
        });
    }

    void drain(std::function<void()> done) override {
        asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
            self->draining_ = true;
            if (done) self->done_.push_back(std::move(done));
            self->closeListeners();
            for (Connection* c : self->connections_)
                if (c->idle) c->stream.close();
            self->maybeDone();
        });
    }

    void close(std::function<void()> done) override {
        asio::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
            self->closing_ = true;
            if (done) self->done_.push_back(std::move(done));
            self->closeListeners();
            for (Connection* c : self->connections_) {
                c->stream.close();
                c->timer.cancel();
            }
            self->maybeDone();
        });
    }

  private:
    // Counts a coroutine out; the last one out runs the drain/close callbacks.
    struct LiveGuard {
        PodServerImpl& server;
        ~LiveGuard() {
            --server.live_;
            server.maybeDone();
        }
    };

    void closeListeners() {
        for (auto& [port, acceptor] : listeners_) {
            beast::error_code ignored;
            acceptor->close(ignored);
        }
        listeners_.clear();
    }

    void maybeDone() {
        if (!(closing_ || draining_) || live_ != 0 || done_.empty()) return;
        auto callbacks = std::move(done_);
        done_.clear();
        for (auto& callback : callbacks)
            callback();
    }

    bool stopping() const { return closing_; }

    static asio::awaitable<void> acceptLoop(std::shared_ptr<PodServerImpl> self,
                                            std::shared_ptr<tcp::acceptor> acceptor,
                                            std::uint16_t container_port) {
        LiveGuard guard{*self};
        for (;;) {
            auto [ec, socket] = co_await acceptor->async_accept(kTuple);
            if (self->closing_ || self->draining_ || !acceptor->is_open()) co_return;
            if (ec) {
                if (ec == asio::error::operation_aborted) co_return;
                // EMFILE and the like: pause instead of spinning on the error.
                asio::steady_timer pause(self->strand_, std::chrono::milliseconds(50));
                co_await pause.async_wait(kTuple);
                continue;
            }
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            ++self->live_;
            asio::co_spawn(self->strand_, session(self, std::move(socket), container_port),
                           asio::detached);
        }
    }

    static asio::awaitable<void> session(std::shared_ptr<PodServerImpl> self, tcp::socket socket,
                                         std::uint16_t container_port) {
        LiveGuard guard{*self};
        Connection conn(std::move(socket), self->strand_);
        self->connections_.insert(&conn);
        struct Unregister {
            PodServerImpl& server;
            Connection* connection;
            ~Unregister() { server.connections_.erase(connection); }
        } unregister{*self, &conn};
        if (self->closing_ || self->draining_) co_return;

        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<CountingBody> parser;
            parser.header_limit(kHeaderLimit);
            parser.body_limit(boost::none);  // counted, never stored
            parser.get().body() = 0;         // a request without a body never creates a reader
            conn.idle = true;
            conn.stream.expires_after(kIdleTimeout);
            auto [ec, n] = co_await http::async_read_header(conn.stream, buffer, parser, kTuple);
            conn.idle = false;
            if (self->closing_) co_return;
            if (ec) {
                if (isProtocolError(ec))
                    co_await self->sendError(conn, ec == http::error::header_limit ? 431 : 400,
                                             ec.message());
                co_return;
            }
            const Request& header = parser.get();
            if (header.version() >= 11 &&
                beast::iequals(header[http::field::expect], "100-continue")) {
                static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                if (!co_await self->write(conn, kContinue.data(), kContinue.size(), 0)) co_return;
            }
            if (!parser.is_done()) {
                conn.stream.expires_after(kBodyTimeout);
                auto [body_ec, body_n] =
                    co_await http::async_read(conn.stream, buffer, parser, kTuple);
                if (self->closing_) co_return;
                if (body_ec) {
                    if (isProtocolError(body_ec))
                        co_await self->sendError(conn, 400, body_ec.message());
                    co_return;
                }
            }
            conn.stream.expires_never();
            if (!co_await self->respond(conn, parser.get(), container_port)) co_return;
        }
    }

    // Answers one request; false when the connection must end.
    asio::awaitable<bool> respond(Connection& conn, const Request& req,
                                  std::uint16_t container_port) {
        const std::string_view target = sv(req.target());
        const std::string_view path = target.substr(0, target.find('?'));
        const LabDirectives directives =
            parseDirectives(path, sv(req["X-Lab-Status"]), sv(req["X-Lab-Delay"]));
        RequestPlan plan =
            callbacks_.plan ? callbacks_.plan(container_port, directives) : RequestPlan{};
        const PodInfo& pod = plan.pod ? *plan.pod : *info_;

        if (plan.action == RequestPlan::Action::Reset) {
            // SO_LINGER 0: close() sends RST instead of FIN, as a crashed process or a
            // conntrack drop would look to the proxy.
            beast::error_code ignored;
            conn.stream.socket().set_option(asio::socket_base::linger(true, 0), ignored);
            conn.stream.socket().close(ignored);
            co_return false;
        }
        if (plan.action == RequestPlan::Action::BlackHole) {
            co_await blackHole(conn);
            co_return false;
        }
        if (plan.delay_ms > 0) {
            conn.timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
                std::chrono::duration<double, std::milli>(plan.delay_ms)));
            auto [ec] = co_await conn.timer.async_wait(kTuple);
            if (ec || closing_) co_return false;
        }

        int status = plan.status;
        BodyPlan body;
        std::string content_type = "application/json";
        if (!directives.error.empty()) {
            status = 400;
            body.head = "{\"error\":\"" + directives.error + "\"}";
        } else if (directives.bytes) {
            body.filler = *directives.bytes;
            content_type = "application/octet-stream";
        } else {
            EchoRequest echo;
            echo.method = sv(req.method_string());
            echo.target = target;
            echo.version = req.version();
            for (const auto& field : req)
                echo.headers.emplace_back(sv(field.name_string()), sv(field.value()));
            echo.body_bytes = req.body();
            body = padJson(echoJson(pod, container_port, plan.service, echo, status),
                           plan.pad_to_bytes);
        }

        const bool close_after_headers = plan.action == RequestPlan::Action::CloseAfterHeaders;
        const bool keep_alive = req.keep_alive() && !plan.close_connection && !plan.crash_after &&
                                !draining_ && !close_after_headers;
        std::vector<std::pair<std::string, std::string>> fields;
        fields.emplace_back("Server", "ilab-pod");
        fields.emplace_back("Date", core::httpDate(std::chrono::system_clock::now()));
        const bool has_body = statusHasBody(status);
        if (has_body) {
            fields.emplace_back("Content-Type", content_type);
            fields.emplace_back("Content-Length", std::to_string(body.size()));
        }
        fields.emplace_back("X-Lab-Pod", pod.namespace_ + "/" + pod.name);
        if (!plan.faults.empty()) fields.emplace_back("X-Lab-Fault", plan.faults);
        if (!keep_alive) {
            fields.emplace_back("Connection", "close");
        } else if (req.version() < 11) {
            fields.emplace_back("Connection", "keep-alive");
        }
        std::string out = responseHead(status, fields);
        const bool send_body = has_body && req.method() != http::verb::head && !close_after_headers;
        // One write for the usual small answer: head and JSON leave in one segment.
        if (send_body) out += body.head;
        const auto bps = plan.throttle_bytes_per_second;
        if (!co_await write(conn, out.data(), out.size(), bps)) co_return false;
        if (close_after_headers) {
            beast::error_code ignored;
            conn.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            conn.stream.socket().close(ignored);
            co_return false;
        }
        if (send_body) {
            if (!co_await write(conn, nullptr, body.filler, bps)) co_return false;
            if (!co_await write(conn, body.tail.data(), body.tail.size(), bps)) co_return false;
        }
        if (plan.crash_after && callbacks_.crash) {
            callbacks_.crash();
            co_return false;
        }
        if (!keep_alive) {
            beast::error_code ignored;
            conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            co_return false;
        }
        co_return true;
    }

    // Keeps reading (and dropping) until the client gives up or the pod goes away. Its own
    // coroutine, so only black-holed connections pay for the sink buffer.
    asio::awaitable<void> blackHole(Connection& conn) {
        std::array<char, 4096> sink;
        for (;;) {
            auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(sink), kTuple);
            if (ec || closing_) co_return;
        }
    }

    // Writes `size` bytes of `data` (nullptr: filler), at most `bps` bytes per second when
    // bps > 0, in slices of a twentieth of a second so the rate is smooth.
    asio::awaitable<bool> write(Connection& conn, const char* data, std::uint64_t size,
                                std::uint64_t bps) {
        const std::uint64_t slice =
            bps > 0 ? std::clamp<std::uint64_t>(bps / 20, 1, kChunk) : kChunk;
        std::uint64_t offset = 0;
        while (offset < size) {
            std::uint64_t n = std::min(size - offset, slice);
            if (data && bps == 0) n = size - offset;
            const char* from = data ? data + offset : filler().data();
            conn.stream.expires_after(kWriteTimeout);
            auto [ec, written] = co_await asio::async_write(
                conn.stream, asio::buffer(from, static_cast<std::size_t>(n)), kTuple);
            if (ec || closing_) co_return false;
            offset += n;
            if (bps > 0 && offset < size) {
                conn.timer.expires_after(
                    std::chrono::microseconds(static_cast<std::int64_t>(n * 1'000'000 / bps)));
                auto [timer_ec] = co_await conn.timer.async_wait(kTuple);
                if (timer_ec || closing_) co_return false;
            }
        }
        conn.stream.expires_never();
        co_return true;
    }

    asio::awaitable<void> sendError(Connection& conn, int status, const std::string& message) {
        std::string body = "{\"error\":\"" + message + "\"}";
        std::string out =
            responseHead(status, {{"Server", "ilab-pod"},
                                  {"Date", core::httpDate(std::chrono::system_clock::now())},
                                  {"Content-Type", "application/json"},
                                  {"Content-Length", std::to_string(body.size())},
                                  {"Connection", "close"}});
        out += body;
        if (co_await write(conn, out.data(), out.size(), 0)) {
            beast::error_code ignored;
            conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    Strand strand_;
    std::shared_ptr<const PodInfo> info_;
    Callbacks callbacks_;
    // Strand-only state.
    std::map<std::uint16_t, std::shared_ptr<tcp::acceptor>> listeners_;
    std::set<Connection*> connections_;
    std::size_t live_ = 0;  // accept loops and sessions spawned and not yet ended
    bool closing_ = false;
    bool draining_ = false;
    std::vector<std::function<void()>> done_;
};

}  // namespace

std::shared_ptr<PodServer> PodServer::create(boost::asio::io_context& io,
                                             std::shared_ptr<const PodInfo> info,
                                             Callbacks callbacks) {
    return std::make_shared<PodServerImpl>(io, std::move(info), std::move(callbacks));
}

}  // namespace ilab::cluster
