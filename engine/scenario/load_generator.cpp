// The load generator's data plane: Beast clients over Asio coroutines on one thread, with a
// keep-alive connection pool per (scheme, server name, client address). The one Beast-heavy
// translation unit of the scenario module.
#include "engine/scenario/load_generator.h"

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include "engine/core/random.h"
#include "engine/proxy/forwarding.h"
#include "engine/scenario/open_schedule.h"

namespace ilab::scenario {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

namespace {

// One client connection, plain or TLS, with its read buffer.
struct Connection {
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
    beast::flat_buffer buffer;
    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

std::string serverName(const std::string& host) {
    if (!host.empty() && host.front() == '[') return host.substr(1, host.find(']') - 1);
    return host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
}

}  // namespace

struct LoadGenerator::Impl {
    LoadTarget target;
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    asio::ssl::context tls_context{asio::ssl::context::tls_client};
    core::SeededRandom random;
    std::thread thread;

    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> in_flight{0};
    std::mutex records_mutex;
    std::vector<RequestRecord> records;
    std::vector<TrafficProfile> profiles;
    std::mutex paused_mutex;
    std::vector<std::string> paused;  // profile names; "" pauses all
    std::uint64_t next_id = 0;        // io thread only
    std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // io thread

    Impl(LoadTarget t, std::uint64_t seed) : target(std::move(t)), random(seed) {
        tls_context.set_verify_mode(asio::ssl::verify_none);  // the lab's own certificates
        thread = std::thread([this] { io.run(); });
    }

    bool isPaused(const std::string& profile) {
        std::lock_guard lock(paused_mutex);
        return std::find(paused.begin(), paused.end(), profile) != paused.end() ||
               std::find(paused.begin(), paused.end(), "") != paused.end();
    }

    void keep(RequestRecord record) {
        std::lock_guard lock(records_mutex);
        records.push_back(std::move(record));
    }

    // nginx's $request_id format; the counter half keeps ids unique within a run.
    std::string newRequestId() { return proxy::newRequestId(random.next(), ++next_id); }

    // Never called with an empty mix: start() skips such profiles.
    const RequestSpec& pick(const TrafficProfile& p, int& index) {
        double total = 0;
        for (const auto& r : p.requests) total += r.weight;
        double draw = static_cast<double>(random.next() >> 11) / 9007199254740992.0 * total;
        for (std::size_t i = 0; i < p.requests.size(); ++i) {
            draw -= p.requests[i].weight;
            if (draw < 0 || i + 1 == p.requests.size()) {
                index = static_cast<int>(i);
                return p.requests[i];
            }
        }
        index = 0;
        return p.requests.front();
    }

    // The listener of the request's controller; 0 when that controller does not serve it.
    std::uint16_t portFor(const RequestSpec& spec, bool https) const {
        if (spec.controller.empty()) return https ? target.https_port : target.http_port;
        const auto it = target.controllers.find(spec.controller);
        if (it == target.controllers.end()) return 0;
        return https ? it->second.https : it->second.http;
    }

    asio::awaitable<std::unique_ptr<Connection>> connect(const RequestSpec& spec, bool https,
                                                         std::string& error) {
        auto c = std::make_unique<Connection>();
        boost::system::error_code ec;
        const auto server = asio::ip::make_address(target.address, ec);
        const tcp::endpoint endpoint(server, portFor(spec, https));
        if (https) {
            c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io, tls_context);
        } else {
            c->plain = std::make_unique<beast::tcp_stream>(io);
        }
        beast::tcp_stream& stream = c->lowest();
        stream.socket().open(endpoint.protocol(), ec);
        if (!ec && !spec.client_ip.empty())
            stream.socket().bind(tcp::endpoint(asio::ip::make_address(spec.client_ip, ec), 0), ec);
        if (ec) {
            error = "cannot bind " + spec.client_ip + ": " + ec.message();
            co_return nullptr;
        }
        stream.expires_after(target.request_timeout);
        auto [connect_ec] = co_await stream.async_connect(endpoint, kNoThrow);
        if (connect_ec) {
            error = connect_ec == beast::error::timeout ? "connect timeout" : connect_ec.message();
            co_return nullptr;
        }
        stream.socket().set_option(tcp::no_delay(true), ec);
        if (https) {
            const std::string name = serverName(spec.host);
            // SSL_set_tlsext_host_name without its macro's C-style cast.
            SSL_ctrl(c->tls->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                     TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
            auto [handshake_ec] =
                co_await c->tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
            if (handshake_ec) {
                error = "TLS handshake: " + handshake_ec.message();
                co_return nullptr;
            }
        }
        co_return c;
    }

    template <class Stream>
    asio::awaitable<boost::system::error_code> roundTrip(Stream& stream, Connection& c,
                                                         http::request<http::string_body>& req,
                                                         http::response<http::string_body>& res,
                                                         bool& got_bytes) {
        c.lowest().expires_after(target.request_timeout);
        auto [write_ec, written] = co_await http::async_write(stream, req, kNoThrow);
        if (write_ec) co_return write_ec;
        http::response_parser<http::string_body> parser;
        parser.body_limit(256 * 1024 * 1024);
        if (req.method() == http::verb::head) parser.skip(true);
        auto [read_ec, n] = co_await http::async_read(stream, c.buffer, parser, kNoThrow);
        got_bytes = n > 0;
        if (read_ec) co_return read_ec;
        res = parser.release();
        co_return boost::system::error_code{};
    }

    // Sends one request, reusing a pooled connection when there is one.
    asio::awaitable<RequestRecord> perform(const RequestSpec& spec, SteadyTime intended,
                                           bool keep_body) {
        RequestRecord rec;
        rec.intended = intended;
        rec.sent = Clock::now();
        rec.request_id = newRequestId();
        const bool https = spec.scheme == "https";
        if (portFor(spec, https) == 0) {
            rec.error = std::string(https ? "the lab serves no HTTPS" : "the lab serves no HTTP") +
                        (spec.controller.empty() ? "" : " on controller " + spec.controller);
            rec.done = Clock::now();
            co_return rec;
        }
        http::request<http::string_body> req;
        req.method_string(spec.method);
        req.target(spec.target);
        req.version(11);
        req.set(http::field::host, spec.host);
        for (const auto& [name, value] : spec.headers) req.insert(name, value);
        // The scenario's own User-Agent replaces the lab's, as a client's would: a second one
        // would never be seen (nginx's $http_user_agent is the first).
        if (req.find(http::field::user_agent) == req.end())
            req.set(http::field::user_agent, "ingress-lab-scenario");
        if (!spec.cookies.empty()) {
            std::string cookie;
            for (const auto& [name, value] : spec.cookies)
                cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
            req.set(http::field::cookie, cookie);
        }
        if (req.find("X-Request-ID") == req.end()) req.set("X-Request-ID", rec.request_id);
        else rec.request_id = std::string(req.find("X-Request-ID")->value());
        if (spec.body_bytes > 0) req.body().assign(spec.body_bytes, 'x');
        req.prepare_payload();
        req.keep_alive(true);

        const std::string key = (https ? "s|" : "p|") + std::to_string(portFor(spec, https)) + "|" +
                                serverName(spec.host) + "|" + spec.client_ip;
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::unique_ptr<Connection> c;
            auto& pool = idle[key];
            const bool reused = !pool.empty();
            if (reused) {
                c = std::move(pool.back());
                pool.pop_back();
            } else {
                c = co_await connect(spec, https, rec.error);
                if (!c) break;
            }
            http::response<http::string_body> res;
            bool got_bytes = false;
            const auto ec = https ? co_await roundTrip(*c->tls, *c, req, res, got_bytes)
                                  : co_await roundTrip(*c->plain, *c, req, res, got_bytes);
            if (ec) {
                if (reused && !got_bytes && ec != beast::error::timeout) continue;  // stale
                rec.error = ec == beast::error::timeout ? "timeout" : ec.message();
                break;
            }
            rec.status = static_cast<int>(res.result_int());
            if (auto it = res.find(http::field::location); it != res.end())
                rec.location = std::string(it->value());
            rec.body_bytes = res.body().size();
            if (keep_body) rec.body = std::move(res.body());
            if (res.keep_alive() && !stopping) {
                c->lowest().expires_never();
                idle[key].push_back(std::move(c));
            }
            break;
        }
        rec.done = Clock::now();
        co_return rec;
    }

    asio::awaitable<void> sendOne(int profile, SteadyTime intended) {
        int index = 0;
        const RequestSpec& spec = pick(profiles[static_cast<std::size_t>(profile)], index);
        RequestRecord rec = co_await perform(spec, intended, false);
        rec.profile = profile;
        rec.request = index;
        --in_flight;
        keep(std::move(rec));
    }

    // Open model: arrivals at the profile's rate; a late wake-up sends what was due at once,
    // each with its own intended time.
    asio::awaitable<void> openProfile(int index, SteadyTime run_start, SteadyTime run_end) {
        const TrafficProfile& p = profiles[static_cast<std::size_t>(index)];
        const SteadyTime begin = run_start + p.start;
        const SteadyTime end = p.duration ? std::min(run_end, begin + *p.duration) : run_end;
        asio::steady_timer timer(io);
        for (auto at = firstArrival(p); !stopping && at && begin + *at < end;
             at = nextArrival(p, *at)) {
            const SteadyTime next = begin + *at;
            timer.expires_at(next);
            co_await timer.async_wait(kNoThrow);
            if (stopping) break;
            if (isPaused(p.name)) continue;
            if (in_flight >= target.max_in_flight) {
                RequestRecord rec;
                rec.profile = index;
                rec.intended = rec.sent = rec.done = next;
                rec.error = "not sent: " + std::to_string(target.max_in_flight) +
                            " requests already in flight";
                keep(std::move(rec));
            } else {
                ++in_flight;
                asio::co_spawn(io, sendOne(index, next), asio::detached);
            }
        }
    }

    // Closed model: one virtual user sends, waits for the answer, thinks, sends again.
    asio::awaitable<void> virtualUser(int index, SteadyTime run_start, SteadyTime run_end) {
        const TrafficProfile& p = profiles[static_cast<std::size_t>(index)];
        const SteadyTime begin = run_start + p.start;
        const SteadyTime end = p.duration ? std::min(run_end, begin + *p.duration) : run_end;
        asio::steady_timer timer(io);
        timer.expires_at(begin);
        co_await timer.async_wait(kNoThrow);
        while (!stopping && Clock::now() < end) {
            if (isPaused(p.name)) {
                timer.expires_after(std::chrono::milliseconds(20));
                co_await timer.async_wait(kNoThrow);
                continue;
            }
            ++in_flight;
            co_await sendOne(index, Clock::now());
            if (p.think_time.count() > 0) {
                timer.expires_after(p.think_time);
                co_await timer.async_wait(kNoThrow);
            }
        }
    }
};

LoadGenerator::LoadGenerator(LoadTarget target, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(std::move(target), seed)) {}

LoadGenerator::~LoadGenerator() {
    stop(std::chrono::milliseconds(0));
    impl_->work.reset();
    asio::post(impl_->io, [this] { impl_->idle.clear(); });
    impl_->io.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void LoadGenerator::start(const std::vector<TrafficProfile>& profiles, SteadyTime run_start,
                          std::chrono::milliseconds run_duration) {
    asio::post(impl_->io, [this, profiles, run_start, run_duration] {
        impl_->profiles = profiles;
        const SteadyTime run_end = run_start + run_duration;
        for (std::size_t i = 0; i < profiles.size(); ++i) {
            const int index = static_cast<int>(i);
            if (profiles[i].requests.empty()) continue;  // nothing to pick from: sends nothing
            if (profiles[i].virtual_users > 0) {
                for (int u = 0; u < profiles[i].virtual_users; ++u)
                    asio::co_spawn(impl_->io, impl_->virtualUser(index, run_start, run_end),
                                   asio::detached);
            } else {
                asio::co_spawn(impl_->io, impl_->openProfile(index, run_start, run_end),
                               asio::detached);
            }
        }
    });
}

void LoadGenerator::setPaused(const std::string& profile, bool paused) {
    std::lock_guard lock(impl_->paused_mutex);
    auto& list = impl_->paused;
    if (paused) {
        list.push_back(profile);
    } else if (auto it = std::find(list.begin(), list.end(), profile); it != list.end()) {
        list.erase(it);
    }
}

void LoadGenerator::stop(std::chrono::milliseconds grace) {
    impl_->stopping = true;
    const auto deadline = Clock::now() + grace;
    while (impl_->in_flight > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::vector<RequestRecord> LoadGenerator::takeRecords() {
    std::lock_guard lock(impl_->records_mutex);
    return std::exchange(impl_->records, {});
}

RequestRecord LoadGenerator::send(const RequestSpec& request) {
    std::promise<RequestRecord> result;
    auto future = result.get_future();
    asio::co_spawn(
        impl_->io,
        [this, request, &result]() -> asio::awaitable<void> {
            result.set_value(co_await impl_->perform(request, Clock::now(), true));
        },
        asio::detached);
    return future.get();
}

std::uint64_t LoadGenerator::inFlight() const {
    return impl_->in_flight;
}

}  // namespace ilab::scenario
