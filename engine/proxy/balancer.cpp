#include "engine/proxy/balancer.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>
#include <cmath>
#include <cstdio>

#include <boost/crc.hpp>
#include <openssl/evp.h>

#include "engine/core/cidr.h"
#include "engine/core/text.h"

namespace ilab::proxy {
namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

bool isNameChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// nginx's $http_NAME: the header name lower-cased with '-' as '_'.
bool headerNameMatches(std::string_view header, std::string_view variable_suffix) {
    if (header.size() != variable_suffix.size()) return false;
    for (std::size_t i = 0; i < header.size(); ++i) {
        char h = static_cast<char>(std::tolower(static_cast<unsigned char>(header[i])));
        const char v =
            static_cast<char>(std::tolower(static_cast<unsigned char>(variable_suffix[i])));
        if (h == '-') h = '_';
        if (h != v) return false;
    }
    return true;
}

std::string_view hostWithoutPort(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        return close == std::string_view::npos ? host : host.substr(0, close + 1);
    }
    const auto colon = host.find(':');
    return colon == std::string_view::npos ? host : host.substr(0, colon);
}

std::string queryArgument(std::string_view args, std::string_view name) {
    std::size_t start = 0;
    while (start <= args.size()) {
        const auto end = std::min(args.find('&', start), args.size());
        const std::string_view item = args.substr(start, end - start);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && core::iequals(item.substr(0, eq), name))
            return std::string(item.substr(eq + 1));
        start = end + 1;
    }
    return {};
}

std::string variable(std::string_view raw_name, const RequestView& r) {
    const std::string name = core::toLower(raw_name);
    if (name == "request_uri") return std::string(r.request_uri);
    if (name == "uri" || name == "document_uri") return std::string(r.uri);
    if (name == "args" || name == "query_string") return std::string(r.args);
    if (name == "is_args") return r.args.empty() ? "" : "?";
    if (name == "host") return core::toLower(hostWithoutPort(r.host));
    if (name == "remote_addr") return std::string(r.remote_addr);
    if (name == "scheme") return std::string(r.scheme);
    if (name == "request_method") return std::string(r.method);
    if (name == "binary_remote_addr") {
        const auto ip = core::IpAddress::parse(r.remote_addr);
        if (!ip) return {};
        const auto* bytes = reinterpret_cast<const char*>(ip->bytes.data());
        return ip->v4 ? std::string(bytes + 12, 4) : std::string(bytes, 16);
    }
    if (core::startsWith(name, "http_") && r.headers) {
        const std::string_view wanted = std::string_view(name).substr(5);
        for (const auto& [key, value] : *r.headers)
            if (headerNameMatches(key, wanted)) return value;
        return {};
    }
    if (core::startsWith(name, "cookie_")) {
        // Cookie names keep their case: take it from the pattern, not the lower-cased copy.
        const auto value = r.cookie(raw_name.substr(7));
        return value ? std::string(*value) : std::string();
    }
    if (core::startsWith(name, "arg_")) return queryArgument(r.args, name.substr(4));
    // $1..$9 are captures of a regex location, which the balancer does not see; anything else
    // is a variable ingress-nginx would also find empty or the lab does not model.
    return {};
}

// A key for a trace line: raw bytes ($binary_remote_addr) shown as \xNN.
std::string printable(std::string_view key) {
    std::string out;
    for (const char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        }
    }
    return out;
}

// --- Consistent-hash ring ---------------------------------------------------------------------

// lua-resty-balancer's resty.chash, which ingress-nginx's chash, chashsubset and
// sticky_balanced balancers use: 160 points per node (weight 1); point i of node `id` is
// crc32(id .. le32(point i-1)), point -1 being 0; a key goes to the first point whose hash is at
// least crc32(key), wrapping to the first point. The same ring as nginx's own `hash ...
// consistent` (ketama), so keys move only between the nodes that changed.
class HashRing {
  public:
    static constexpr std::uint32_t kPointsPerNode = 160;

    void build(const std::vector<std::string>& ids) {
        points_.clear();
        points_.reserve(ids.size() * kPointsPerNode);
        for (std::uint32_t node = 0; node < ids.size(); ++node) {
            // resty.chash hashes the id once and continues a copy of that CRC state with each
            // point's bytes (ngx_crc32_update on a saved base), hence the copy per point.
            boost::crc_32_type base;
            base.process_bytes(ids[node].data(), ids[node].size());
            std::uint32_t prev = 0;
            for (std::uint32_t i = 0; i < kPointsPerNode; ++i) {
                const std::array<unsigned char, 4> le = {
                    static_cast<unsigned char>(prev & 0xff),
                    static_cast<unsigned char>((prev >> 8) & 0xff),
                    static_cast<unsigned char>((prev >> 16) & 0xff),
                    static_cast<unsigned char>((prev >> 24) & 0xff)};
                boost::crc_32_type point = base;
                point.process_bytes(le.data(), le.size());
                const std::uint32_t hash = point.checksum();
                points_.push_back({hash, node});
                prev = hash;
            }
        }
        std::stable_sort(points_.begin(), points_.end(),
                         [](const Point& a, const Point& b) { return a.hash < b.hash; });
    }

    // The node a key lands on; kNone for an empty ring.
    std::size_t find(std::string_view key) const {
        if (points_.empty()) return kNone;
        const std::uint32_t hash = crc32(key);
        const auto it =
            std::lower_bound(points_.begin(), points_.end(), hash,
                             [](const Point& p, std::uint32_t h) { return p.hash < h; });
        return (it == points_.end() ? points_.front() : *it).node;
    }

  private:
    struct Point {
        std::uint32_t hash;
        std::uint32_t node;
    };
    std::vector<Point> points_;
};

struct CookieValue {
    std::string_view upstream_key, backend_key;
};

// sticky.lua get_cookie_parsed: split on '|' skipping empty chunks (util/split.lua); the first
// chunk names the endpoint, the second the backend.
CookieValue parseCookie(std::string_view value) {
    CookieValue out;
    int chunk = 0;
    std::size_t start = 0;
    while (start <= value.size() && chunk < 2) {
        const auto end = std::min(value.find('|', start), value.size());
        if (end > start) {
            (chunk == 0 ? out.upstream_key : out.backend_key) = value.substr(start, end - start);
            ++chunk;
        }
        start = end + 1;
    }
    return out;
}

Pick noPick(std::string note) {
    Pick pick;
    pick.note = std::move(note);
    return pick;
}

bool contains(std::span<const std::string> keys, std::string_view key) {
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// --- Balancers --------------------------------------------------------------------------------

// balancer/round_robin.lua over resty.roundrobin: with equal weights, each endpoint in turn,
// starting at a random one (so nginx workers do not move in lockstep).
class RoundRobinBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::RoundRobin; }

    Pick pick(const PickContext&) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::size_t index = next_ % keys_.size();
        next_ = index + 1;
        last_key_ = keys_[index];
        return pickAt(index, "round robin");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        if (keys_.empty()) return;
        if (!started_) {
            next_ = static_cast<std::size_t>(random_.uniform(0, keys_.size() - 1));
            started_ = true;
            return;
        }
        // Carry on after the endpoint served last, so a readiness flap neither restarts the
        // rotation nor skips anyone.
        const std::size_t at = indexOf(last_key_);
        if (at != kNone) next_ = at + 1;
    }

  private:
    std::size_t next_ = 0;
    bool started_ = false;
    std::string last_key_;
};

// balancer/ewma.lua (ingress-nginx v1.15, after Finagle's PeakEwma): each endpoint keeps an
// exponentially weighted moving average of connect + response time that decays with
// weight exp(-elapsed / 10 s); a pick shuffles two endpoints not yet tried by this request to
// the front ("power of two choices") and takes the one whose average, decayed to now, is lower
// (the first on a tie). Unlike Finagle, ingress-nginx does not multiply by in-flight requests.
class EwmaBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    static constexpr double kDecaySeconds = 10;  // ewma.lua DECAY_TIME
    static constexpr std::size_t kPickSetSize = 2;

    BalancerKind kind() const override { return BalancerKind::Ewma; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        if (keys_.size() == 1) return pickAt(0, "ewma: single endpoint");
        std::vector<std::size_t> candidates;
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (!contains(context.tried, keys_[i])) candidates.push_back(i);
        std::string note = "ewma";
        if (candidates.empty()) {
            note += " (every endpoint already tried)";
            for (std::size_t i = 0; i < keys_.size(); ++i)
                candidates.push_back(i);
        }
        if (candidates.size() == 1)
            return pickAt(candidates.front(), note + ": the only untried endpoint");
        const std::size_t k = std::min(kPickSetSize, candidates.size());
        for (std::size_t i = 0; i < k; ++i)
            std::swap(
                candidates[i],
                candidates[static_cast<std::size_t>(random_.uniform(i, candidates.size() - 1))]);
        std::size_t best = candidates[0];
        double best_score = score(keys_[best], context.now);
        char buf[128];
        std::snprintf(buf, sizeof buf, ": %s %.4fs", keys_[best].c_str(), best_score);
        note += buf;
        for (std::size_t i = 1; i < k; ++i) {
            const double s = score(keys_[candidates[i]], context.now);
            std::snprintf(buf, sizeof buf, " vs %s %.4fs", keys_[candidates[i]].c_str(), s);
            note += buf;
            if (s < best_score) {
                best = candidates[i];
                best_score = s;
            }
        }
        return pickAt(best, note);
    }

    void record(std::string_view endpoint_key, std::chrono::duration<double> rtt,
                SteadyTime now) override {
        // A try that finished after its endpoint left the list would only leave a stale entry.
        if (indexOf(endpoint_key) == kNone) return;
        Stat& stat = stats_[std::string(endpoint_key)];
        stat.ewma = decayed(stat, rtt.count(), now);
        stat.touched = now;
    }

    double score(std::string_view key, SteadyTime now) const override {
        const auto it = stats_.find(std::string(key));
        return it == stats_.end() ? 0.0 : decayed(it->second, 0.0, now);
    }

  protected:
    // ewma.lua sync: forget removed endpoints; start new ones at the average of the others,
    // touched now, so a fresh pod does not look infinitely fast and take every request.
    void onEndpointsChanged(const std::vector<std::string>& old_keys, SteadyTime now) override {
        for (const std::string& key : old_keys)
            if (indexOf(key) == kNone) stats_.erase(key);
        double total = 0;
        std::size_t with_stats = 0;
        for (const std::string& key : keys_) {
            const auto it = stats_.find(key);
            if (it == stats_.end()) continue;
            total += it->second.ewma;
            ++with_stats;
        }
        if (with_stats == 0) return;
        for (const std::string& key : keys_)
            if (std::find(old_keys.begin(), old_keys.end(), key) == old_keys.end())
                stats_[key] = Stat{total / static_cast<double>(with_stats), now};
    }

  private:
    struct Stat {
        double ewma = 0;
        std::optional<SteadyTime> touched;  // never: as if touched at time 0, fully decayed
    };

    static double decayed(const Stat& stat, double rtt, SteadyTime now) {
        double weight = 0;
        if (stat.touched) {
            const double elapsed =
                std::max(0.0, std::chrono::duration<double>(now - *stat.touched).count());
            weight = std::exp(-elapsed / kDecaySeconds);
        }
        return stat.ewma * weight + rtt * (1.0 - weight);
    }

    std::unordered_map<std::string, Stat> stats_;
};

// balancer/chash.lua: upstream-hash-by expanded per request and looked up on the ring of
// endpoint keys. Retries hash to the same endpoint, as in ingress-nginx.
class ConsistentHashBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::ConsistentHash; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::string key = context.request ? expandHashKey(hashBy(), *context.request) : "";
        return pickAt(ring_.find(key), "upstream-hash-by " + hashBy() + " = \"" + printable(key) +
                                           "\": consistent hash");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        ring_.build(keys_);
    }

  private:
    std::string hashBy() const { return config_.load_balance.hash_by.value_or(""); }
    HashRing ring_;
};

// balancer/chashsubset.lua: endpoints in list order are cut into subsets of
// upstream-hash-by-subset-size (the last one padded with the first endpoints); the key picks a
// subset on the ring of "set1".."setN", then a random member serves.
class ConsistentHashSubsetBalancer final : public Balancer {
  public:
    using Balancer::Balancer;
    BalancerKind kind() const override { return BalancerKind::ConsistentHashSubset; }

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::string hash_by = config_.load_balance.hash_by.value_or("");
        const std::string key = context.request ? expandHashKey(hash_by, *context.request) : "";
        const std::size_t set = ring_.find(key);
        const std::vector<std::size_t>& members = subsets_[set];
        const auto member = static_cast<std::size_t>(random_.uniform(0, members.size() - 1));
        return pickAt(members[member], "upstream-hash-by " + hash_by + " = \"" + printable(key) +
                                           "\": subset " + std::to_string(set + 1) + " of " +
                                           std::to_string(subsets_.size()) + ", random member");
    }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        subsets_.clear();
        std::vector<std::string> ids;
        if (!keys_.empty()) {
            const std::size_t size =
                static_cast<std::size_t>(std::max(1, config_.load_balance.hash_by_subset_size));
            const std::size_t sets = (keys_.size() + size - 1) / size;
            for (std::size_t s = 0; s < sets; ++s) {
                std::vector<std::size_t> members;
                for (std::size_t m = 0; m < size; ++m)
                    members.push_back((s * size + m) % keys_.size());
                subsets_.push_back(std::move(members));
                ids.push_back("set" + std::to_string(s + 1));
            }
        }
        ring_.build(ids);
    }

  private:
    HashRing ring_;
    std::vector<std::vector<std::size_t>> subsets_;
};

// balancer/sticky.lua: the affinity cookie "<endpoint key>|<backend key>". A request whose
// cookie finds an endpoint goes there (and gets no new cookie); otherwise, or after a failed
// try with session-cookie-change-on-failure, a new endpoint is chosen avoiding the ones tried,
// and the cookie is issued where the location's Ingress declared affinity.
class StickyBalancer : public Balancer {
  public:
    using Balancer::Balancer;

    Pick pick(const PickContext& context) override {
        if (keys_.empty()) return noPick("no ready endpoints");
        const std::string& name = config_.affinity.cookie_name;
        std::size_t from_cookie = kNone;
        std::string note;
        if (context.request) {
            if (const auto value = context.request->cookie(name)) {
                const CookieValue parsed = parseCookie(*value);
                if (!parsed.upstream_key.empty()) from_cookie = find(parsed.upstream_key);
                note = from_cookie == kNone
                           ? "cookie " + name + " names no current endpoint: new session"
                           : "cookie " + name;
            }
        }
        const bool failed = !context.tried.empty();
        if (from_cookie != kNone && !(failed && config_.affinity.change_on_failure))
            return pickAt(from_cookie, note + " keeps the session");
        if (from_cookie != kNone) note += ": previous try failed, change-on-failure";
        const auto fresh = pickNew(context);
        if (!fresh)
            return noPick((note.empty() ? "" : note + "; ") +
                          "no untried endpoint for a new session");
        Pick pick = pickAt(fresh->first, note.empty() ? "new session" : note);
        if (context.cookie.issue) pick.set_cookie = setCookie(fresh->second, context);
        return pick;
    }

  protected:
    virtual std::size_t find(std::string_view upstream_key) const = 0;
    // The endpoint for a new session and the key its cookie carries; nullopt when none is left.
    virtual std::optional<std::pair<std::size_t, std::string>> pickNew(
        const PickContext& context) = 0;

  private:
    std::string setCookie(const std::string& upstream_key, const PickContext& context) const {
        const dialect::AffinityPolicy& a = config_.affinity;
        if (backend_key_.empty()) backend_key_ = affinityBackendKey(backend_id_);
        // lua-resty-cookie's attribute order.
        std::string cookie = a.cookie_name + "=" + upstream_key + "|" + backend_key_;
        if (a.cookie_expires)
            cookie += "; Expires=" + cookieTime(context.unix_seconds + *a.cookie_expires);
        if (a.cookie_max_age) cookie += "; Max-Age=" + std::to_string(*a.cookie_max_age);
        if (a.cookie_domain && !a.cookie_domain->empty()) cookie += "; Domain=" + *a.cookie_domain;
        const std::string_view path =
            a.cookie_path ? std::string_view(*a.cookie_path) : context.cookie.location_path;
        if (!path.empty()) cookie += "; Path=" + std::string(path);
        // sticky.lua: secure stays nil unless the annotation says true, and nil means "on
        // HTTPS", so false cannot take Secure off an HTTPS response (B11).
        if (a.cookie_secure || context.cookie.https) cookie += "; Secure";
        cookie += "; HttpOnly";
        if (a.cookie_samesite) {
            const auto agent =
                context.request ? context.request->header("User-Agent") : std::nullopt;
            const bool drop = a.conditional_samesite_none && *a.cookie_samesite == "None" &&
                              agent && !sameSiteNoneCompatible(*agent);
            if (!drop) cookie += "; SameSite=" + *a.cookie_samesite;
        }
        return cookie;
    }
};

// balancer/sticky_balanced.lua: a new session draws a random key and hashes it onto the ring,
// so scaling up moves about (n-c)/n of the sessions and spreads load; a cookie key always finds
// some endpoint while any is ready.
class StickyBalancedBalancer final : public StickyBalancer {
  public:
    using StickyBalancer::StickyBalancer;
    static constexpr int kMaxChecks = 20;  // MAX_UPSTREAM_CHECKS_COUNT

    BalancerKind kind() const override { return BalancerKind::StickyBalanced; }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        ring_.build(keys_);
    }
    std::size_t find(std::string_view upstream_key) const override {
        return ring_.find(upstream_key);
    }
    std::optional<std::pair<std::size_t, std::string>> pickNew(
        const PickContext& context) override {
        for (int i = 1; i <= kMaxChecks; ++i) {
            // "<ngx.now() + i>.<worker pid>.<random(999999)>"; the lab is one worker, pid 1.
            std::string key = std::to_string(context.unix_seconds + i) + ".1." +
                              std::to_string(random_.uniform(1, 999999));
            const std::size_t index = ring_.find(key);
            if (!contains(context.tried, keys_[index])) return std::pair{index, std::move(key)};
        }
        return std::nullopt;
    }

  private:
    HashRing ring_;
};

// balancer/sticky_persistent.lua with util/nodemap.lua: the cookie carries md5(upstream name ..
// endpoint key), so a session stays on its endpoint however the deployment scales; a cookie for
// an endpoint that left the list starts a new session.
class StickyPersistentBalancer final : public StickyBalancer {
  public:
    using StickyBalancer::StickyBalancer;
    BalancerKind kind() const override { return BalancerKind::StickyPersistent; }

  protected:
    void onEndpointsChanged(const std::vector<std::string>&, SteadyTime) override {
        const std::string salt = upstreamName(backend_id_);
        hashes_.clear();
        by_hash_.clear();
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            hashes_.push_back(md5Hex(salt + keys_[i]));
            by_hash_[hashes_.back()] = i;
        }
    }
    std::size_t find(std::string_view upstream_key) const override {
        const auto it = by_hash_.find(std::string(upstream_key));
        return it == by_hash_.end() ? kNone : it->second;
    }
    std::optional<std::pair<std::size_t, std::string>> pickNew(
        const PickContext& context) override {
        std::vector<std::size_t> valid;
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (!contains(context.tried, keys_[i])) valid.push_back(i);
        if (valid.empty()) return std::nullopt;
        const std::size_t index =
            valid[static_cast<std::size_t>(random_.uniform(0, valid.size() - 1))];
        return std::pair{index, hashes_[index]};
    }

  private:
    std::vector<std::string> hashes_;
    std::unordered_map<std::string, std::size_t> by_hash_;
};

const std::vector<cluster::Endpoint>& emptyList() {
    static const std::vector<cluster::Endpoint> empty;
    return empty;
}

}  // namespace

// --- RequestView ------------------------------------------------------------------------------

RequestView RequestView::from(const routing::Request& request) {
    RequestView view;
    view.method = request.method;
    view.scheme = request.scheme;
    view.host = request.host;
    view.request_uri = request.target;
    const std::string_view target = request.target;
    const auto query = target.find('?');
    view.uri = target.substr(0, query);
    view.args = query == std::string_view::npos ? std::string_view() : target.substr(query + 1);
    view.remote_addr = request.client_ip;
    view.headers = &request.headers;
    return view;
}

std::optional<std::string_view> RequestView::header(std::string_view name) const {
    if (!headers) return std::nullopt;
    for (const auto& [key, value] : *headers)
        if (core::iequals(key, name)) return std::string_view(value);
    return std::nullopt;
}

std::optional<std::string_view> RequestView::cookie(std::string_view name) const {
    if (!headers) return std::nullopt;
    for (const auto& [key, value] : *headers) {
        if (!core::iequals(key, "cookie")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            const std::string_view item = core::trim(rest.substr(0, semi));
            const auto eq = item.find('=');
            if (eq != std::string_view::npos && core::trim(item.substr(0, eq)) == name)
                return item.substr(eq + 1);
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 1);
        }
    }
    return std::nullopt;
}

// --- Free functions ---------------------------------------------------------------------------

std::string expandHashKey(std::string_view pattern, const RequestView& request) {
    // The alternatives of util.parse_complex_value, tried in its order at each position:
    // \$name (kept as written), ${name}, $name, a lone $, or a run of other text. gmatch skips
    // what matches none of them, which is only a backslash not followed by $name.
    std::string out;
    std::size_t i = 0;
    const auto nameEnd = [&](std::size_t from) {
        while (from < pattern.size() && isNameChar(pattern[from]))
            ++from;
        return from;
    };
    while (i < pattern.size()) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 2 < pattern.size() && pattern[i + 1] == '$' && isNameChar(pattern[i + 2])) {
                const std::size_t end = nameEnd(i + 2);
                out.append(pattern.substr(i, end - i));
                i = end;
            } else {
                ++i;
            }
            continue;
        }
        if (c == '$') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '{') {
                const std::size_t end = nameEnd(i + 2);
                if (end > i + 2 && end < pattern.size() && pattern[end] == '}') {
                    out += variable(pattern.substr(i + 2, end - i - 2), request);
                    i = end + 1;
                    continue;
                }
            }
            const std::size_t end = nameEnd(i + 1);
            if (end > i + 1) {
                out += variable(pattern.substr(i + 1, end - i - 1), request);
                i = end;
            } else {
                out += '$';
                ++i;
            }
            continue;
        }
        const std::size_t end = std::min(pattern.find_first_of("$\\", i), pattern.size());
        out.append(pattern.substr(i, end - i));
        i = end;
    }
    return out;
}

std::string endpointKey(const cluster::Endpoint& endpoint) {
    const bool v6 = endpoint.ip.find(':') != std::string::npos;
    return (v6 ? "[" + endpoint.ip + "]" : endpoint.ip) + ":" + std::to_string(endpoint.port);
}

std::string upstreamName(std::string_view backend_id) {
    std::string name(backend_id);
    const auto slash = name.find('/');
    if (slash != std::string::npos) name[slash] = '-';
    const auto colon = name.rfind(':');
    if (colon != std::string::npos) name[colon] = '-';
    return name;
}

std::string affinityBackendKey(std::string_view backend_id) {
    const std::string name = upstreamName(backend_id);
    return md5Hex(md5Hex(name) + name);
}

std::string md5Hex(std::string_view data) {
    // Fetched once: OpenSSL 3's implicit fetch by EVP_md5() on every call costs more than
    // hashing a short name (see engine/dialect/htpasswd.cpp). The default provider always has
    // MD5; only a FIPS-only configuration lacks it.
    static EVP_MD* const kMd5 = EVP_MD_fetch(nullptr, "MD5", nullptr);  // kept for good
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    const bool ok =
        kMd5 && EVP_Digest(data.data(), data.size(), digest.data(), &length, kMd5, nullptr) == 1;
    assert(ok && length == 16);
    if (!ok) return {};
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0x0f];
    }
    return out;
}

// nginx's ngx_crc32_long and zlib's crc32: the reflected 0x04C11DB7 polynomial, initial and
// final value 0xFFFFFFFF, which is what boost::crc_32_type is.
std::uint32_t crc32(std::string_view data) {
    boost::crc_32_type crc;
    crc.process_bytes(data.data(), data.size());
    return crc.checksum();
}

std::string cookieTime(std::int64_t unix_seconds) {
    using namespace std::chrono;
    static constexpr std::array<const char*, 7> kWeek = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const sys_seconds t{seconds(unix_seconds)};
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> time{t - day};
    const int year = static_cast<int>(ymd.year());
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u-%s-%02d %02d:%02d:%02d GMT",
                  kWeek[weekday(day).c_encoding()], static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1], year > 2037 ? year : year % 100,
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buf;
}

bool sameSiteNoneCompatible(std::string_view agent) {
    const auto has = [&](std::string_view s) { return agent.find(s) != std::string_view::npos; };
    if (has("Chrome/4") || has("Chrome/5") || has("Chrome/6")) return false;
    if (has("CPU iPhone OS 12") || has("iPad; CPU OS 12")) return false;
    if (has("Macintosh") && has("Intel Mac OS X 10_14") && has("Safari") && !has("Chrome"))
        return false;
    return true;
}

std::string_view balancerKindName(BalancerKind kind) {
    switch (kind) {
        case BalancerKind::RoundRobin:
            return "round_robin";
        case BalancerKind::Ewma:
            return "ewma";
        case BalancerKind::ConsistentHash:
            return "chash";
        case BalancerKind::ConsistentHashSubset:
            return "chashsubset";
        case BalancerKind::StickyBalanced:
            return "sticky_balanced";
        case BalancerKind::StickyPersistent:
            return "sticky_persistent";
    }
    return "round_robin";
}

BalancerKind BalancerConfig::kind() const {
    if (affinity.cookie)
        return affinity.mode == "persistent" ? BalancerKind::StickyPersistent
                                             : BalancerKind::StickyBalanced;
    if (load_balance.hash_by && !load_balance.hash_by->empty())
        return load_balance.hash_by_subset ? BalancerKind::ConsistentHashSubset
                                           : BalancerKind::ConsistentHash;
    const std::string& name = load_balance.algorithm;
    if (name == "ewma") return BalancerKind::Ewma;
    if (name == "chash") return BalancerKind::ConsistentHash;
    if (name == "chashsubset") return BalancerKind::ConsistentHashSubset;
    if (name == "sticky_balanced") return BalancerKind::StickyBalanced;
    if (name == "sticky_persistent") return BalancerKind::StickyPersistent;
    return BalancerKind::RoundRobin;
}

bool BalancerConfig::sticky() const {
    const BalancerKind k = kind();
    return k == BalancerKind::StickyBalanced || k == BalancerKind::StickyPersistent;
}

BalancerConfig canaryBalancerConfig(const BalancerConfig& main, const BalancerConfig& canary_own,
                                    dialect::AffinityCanaryBehavior behavior) {
    BalancerConfig config = canary_own;
    // The whole SessionAffinity is copied, so a main backend without affinity also takes the
    // canary's own away.
    if (behavior != dialect::AffinityCanaryBehavior::Legacy) config.affinity = main.affinity;
    return config;
}

std::string_view affinityPinName(AffinityPin pin) {
    switch (pin) {
        case AffinityPin::None:
            return "none";
        case AffinityPin::Main:
            return "main";
        case AffinityPin::Canary:
            return "canary";
    }
    return "none";
}

// --- Balancer ---------------------------------------------------------------------------------

Balancer::Balancer(std::string backend_id, BalancerConfig config, core::Random& random)
    : backend_id_(std::move(backend_id)), config_(std::move(config)), random_(random) {}

void Balancer::sync(const EndpointList& endpoints, SteadyTime now) {
    if (synced_ && endpoints == endpoints_) return;
    synced_ = true;
    std::vector<std::string> keys;
    if (endpoints) {
        keys.reserve(endpoints->size());
        for (const cluster::Endpoint& e : *endpoints)
            keys.push_back(endpointKey(e));
    }
    endpoints_ = endpoints;
    if (keys == keys_) return;  // a new snapshot of the same endpoints
    std::vector<std::string> old = std::move(keys_);
    keys_ = std::move(keys);
    onEndpointsChanged(old, now);
}

const std::vector<cluster::Endpoint>& Balancer::endpoints() const {
    return endpoints_ ? *endpoints_ : emptyList();
}

void Balancer::record(std::string_view, std::chrono::duration<double>, SteadyTime) {}

double Balancer::score(std::string_view, SteadyTime) const {
    return 0;
}

bool Balancer::isAffinitized(const RequestView& request) const {
    if (!config_.sticky()) return false;
    const auto value = request.cookie(config_.affinity.cookie_name);
    if (!value) return false;
    if (backend_key_.empty()) backend_key_ = affinityBackendKey(backend_id_);
    return parseCookie(*value).backend_key == backend_key_;
}

Pick Balancer::pickAt(std::size_t index, std::string note) const {
    Pick pick;
    if (index >= keys_.size()) {
        pick.note = std::move(note);
        return pick;
    }
    pick.endpoint = &(*endpoints_)[index];
    pick.list = endpoints_;
    pick.index = index;
    pick.endpoint_key = keys_[index];
    pick.note = std::move(note);
    return pick;
}

std::size_t Balancer::indexOf(std::string_view key) const {
    const auto it = std::find(keys_.begin(), keys_.end(), key);
    return it == keys_.end() ? kNone : static_cast<std::size_t>(it - keys_.begin());
}

std::unique_ptr<Balancer> makeBalancer(std::string backend_id, BalancerConfig config,
                                       core::Random& random) {
    switch (config.kind()) {
        case BalancerKind::RoundRobin:
            return std::make_unique<RoundRobinBalancer>(std::move(backend_id), std::move(config),
                                                        random);
        case BalancerKind::Ewma:
            return std::make_unique<EwmaBalancer>(std::move(backend_id), std::move(config), random);
        case BalancerKind::ConsistentHash:
            return std::make_unique<ConsistentHashBalancer>(std::move(backend_id),
                                                            std::move(config), random);
        case BalancerKind::ConsistentHashSubset:
            return std::make_unique<ConsistentHashSubsetBalancer>(std::move(backend_id),
                                                                  std::move(config), random);
        case BalancerKind::StickyBalanced:
            return std::make_unique<StickyBalancedBalancer>(std::move(backend_id),
                                                            std::move(config), random);
        case BalancerKind::StickyPersistent:
            return std::make_unique<StickyPersistentBalancer>(std::move(backend_id),
                                                              std::move(config), random);
    }
    return nullptr;
}

// --- BalancerSet ------------------------------------------------------------------------------

Balancer& BalancerSet::balancer(std::string_view backend_id, const BalancerConfig& config) {
    auto it = balancers_.find(backend_id);
    if (it != balancers_.end()) {
        Balancer& existing = *it->second;
        const bool same = existing.kind() == config.kind() &&
                          (config.kind() != BalancerKind::ConsistentHashSubset ||
                           existing.config().load_balance.hash_by_subset_size ==
                               config.load_balance.hash_by_subset_size);
        if (same) {
            existing.updateConfig(config);
            return existing;
        }
        it->second = makeBalancer(std::string(backend_id), config, random_);
        return *it->second;
    }
    auto made = makeBalancer(std::string(backend_id), config, random_);
    Balancer& ref = *made;
    balancers_.emplace(std::string(backend_id), std::move(made));
    return ref;
}

Pick BalancerSet::pick(std::string_view backend_id, const BalancerConfig& config,
                       const EndpointList& endpoints, const PickContext& context) {
    Balancer& b = balancer(backend_id, config);
    b.sync(endpoints, context.now);
    return b.pick(context);
}

void BalancerSet::record(std::string_view backend_id, std::string_view endpoint_key,
                         std::chrono::duration<double> rtt, SteadyTime now) {
    const auto it = balancers_.find(backend_id);
    if (it != balancers_.end()) it->second->record(endpoint_key, rtt, now);
}

AffinityPin BalancerSet::affinityPin(const RequestView& request, std::string_view main_id,
                                     const BalancerConfig& main, std::string_view canary_id,
                                     const BalancerConfig& canary) const {
    const auto pinned = [&](std::string_view id, const BalancerConfig& config) {
        if (!config.sticky()) return false;
        const auto value = request.cookie(config.affinity.cookie_name);
        if (!value) return false;
        auto it = backend_keys_.find(id);
        if (it == backend_keys_.end())
            it = backend_keys_.emplace(std::string(id), affinityBackendKey(id)).first;
        return parseCookie(*value).backend_key == it->second;
    };
    if (pinned(main_id, main)) return AffinityPin::Main;
    if (pinned(canary_id, canary)) return AffinityPin::Canary;
    return AffinityPin::None;
}

}  // namespace ilab::proxy
