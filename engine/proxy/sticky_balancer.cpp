// affinity: cookie, balanced and persistent (ingress-nginx's balancer/sticky.lua,
// sticky_balanced.lua, sticky_persistent.lua), and the Set-Cookie it issues.
#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/proxy/balancer_policies.h"

namespace ilab::proxy {
namespace {

using detail::contains;
using detail::CookieValue;
using detail::HashRing;
using detail::kNone;
using detail::noPick;
using detail::parseCookie;

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

}  // namespace

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

std::unique_ptr<Balancer> detail::makeStickyBalancedBalancer(std::string backend_id,
                                                             BalancerConfig config,
                                                             core::Random& random) {
    return std::make_unique<StickyBalancedBalancer>(std::move(backend_id), std::move(config),
                                                    random);
}

std::unique_ptr<Balancer> detail::makeStickyPersistentBalancer(std::string backend_id,
                                                               BalancerConfig config,
                                                               core::Random& random) {
    return std::make_unique<StickyPersistentBalancer>(std::move(backend_id), std::move(config),
                                                      random);
}

}  // namespace ilab::proxy
