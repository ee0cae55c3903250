#include "app/web/server/api_input.h"

#include <cmath>
#include <map>
#include <sstream>

namespace ilab::web {
namespace {

std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string at(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

std::string shown(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// Reads the members of one JSON object; the first problem is kept and later reads do nothing.
// A member that is absent or null counts as not given.
class FieldReader {
  public:
    FieldReader(const Json& object, std::string path, FieldError& error)
        : object_(object), path_(std::move(path)), error_(error) {
        if (!object_.is_object()) failType(path_, "a JSON object", object_);
    }

    bool failed() const { return failed_; }

    const Json* member(const char* key) {
        if (failed_) return nullptr;
        const auto it = object_.find(key);
        return it == object_.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<std::string> string(const char* key) {
        const Json* v = member(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) {
            failType(join(path_, key), "a string", *v);
            return std::nullopt;
        }
        return v->get<std::string>();
    }

    // A finite number within [low, high]; `integral`: a whole number.
    std::optional<double> number(const char* key, double low, double high, bool integral = false) {
        const Json* v = member(key);
        if (!v) return std::nullopt;
        return checkedNumber(*v, join(path_, key), low, high, integral);
    }

    std::optional<double> checkedNumber(const Json& v, const std::string& field, double low,
                                        double high, bool integral = false) {
        if (!v.is_number()) {
            failType(field, "a number", v);
            return std::nullopt;
        }
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < low || d > high || (integral && d != std::floor(d))) {
            fail("range", field,
                 "must be " + std::string(integral ? "a whole number " : "") + shown(low) + ".." +
                     shown(high) + ", not " + v.dump());
            return std::nullopt;
        }
        return d;
    }

    const Json* array(const char* key) {
        const Json* v = member(key);
        if (!v) return nullptr;
        if (!v->is_array()) {
            failType(join(path_, key), "an array", *v);
            return nullptr;
        }
        return v;
    }

    // `message` follows the field's name.
    void fail(std::string code, std::string field, const std::string& message) {
        if (failed_) return;
        failed_ = true;
        std::string text = (field.empty() ? std::string("the body") : field) + " " + message;
        error_ = {std::move(code), std::move(field), std::move(text)};
    }

    void failType(const std::string& field, const std::string& expected, const Json& found) {
        fail("type", field, "must be " + expected + ", not " + typeName(found));
    }

    static std::string typeName(const Json& j) {
        switch (j.type()) {
            case Json::value_t::null:
                return "null";
            case Json::value_t::object:
                return "an object";
            case Json::value_t::array:
                return "an array";
            case Json::value_t::string:
                return "a string";
            case Json::value_t::boolean:
                return "a boolean";
            case Json::value_t::number_integer:
            case Json::value_t::number_unsigned:
            case Json::value_t::number_float:
                return "a number";
            default:
                return "something else";
        }
    }

  private:
    const Json& object_;
    std::string path_;
    FieldError& error_;
    bool failed_ = false;
};

bool isControl(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

// [[name, value], ...] as the composer sends headers and cookies.
std::vector<std::pair<std::string, std::string>> readPairs(FieldReader& r, const char* key,
                                                           bool cookies) {
    std::vector<std::pair<std::string, std::string>> out;
    const Json* list = r.array(key);
    if (!list) return out;
    for (std::size_t i = 0; i < list->size() && !r.failed(); ++i) {
        const Json& p = (*list)[i];
        const std::string field = at(key, i);
        if (!p.is_array() || p.size() != 2) {
            r.fail("type", field, "must be a [name, value] pair of two strings");
            break;
        }
        for (std::size_t k = 0; k < 2; ++k)
            if (!p[k].is_string()) r.failType(at(field, k), "a string", p[k]);
        if (r.failed()) break;
        std::string name = p[0].get<std::string>(), value = p[1].get<std::string>();
        if (!isToken(name)) {
            r.fail("characters", at(field, 0),
                   std::string(cookies ? "(a cookie name)" : "(a header name)") +
                       " must be a token: letters, digits and !#$%&'*+-.^_`|~, no spaces, "
                       "colons or control characters");
            break;
        }
        for (const char ch : value) {
            const auto c = static_cast<unsigned char>(ch);
            if ((isControl(c) && !(c == '\t' && !cookies)) || (cookies && c == ';')) {
                r.fail("characters", at(field, 1),
                       std::string(cookies ? "(a cookie value) must not hold ';' or "
                                           : "(a header value) must not hold ") +
                           "control characters (CR, LF, NUL, ...)");
                break;
            }
        }
        out.emplace_back(std::move(name), std::move(value));
    }
    return out;
}

}  // namespace

bool isToken(std::string_view text) {
    if (text.empty()) return false;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(ch) == std::string_view::npos)
            return false;
    }
    return true;
}

std::optional<cluster::FaultSpec> faultFromJson(const Json& body, FieldError& error) {
    using Kind = cluster::FaultSpec::Kind;
    static const std::map<std::string, Kind> kinds = {
        {"kill", Kind::Kill},         {"unready", Kind::Unready},
        {"latency", Kind::Latency},   {"status", Kind::Status},
        {"reset", Kind::Reset},       {"blackhole", Kind::BlackHole},
        {"throttle", Kind::Throttle}, {"closeAfterHeaders", Kind::CloseAfterHeaders}};
    static const std::map<std::string, cluster::Target::Kind> targets = {
        {"pod", cluster::Target::Kind::Pod},
        {"workload", cluster::Target::Kind::Workload},
        {"service", cluster::Target::Kind::Service}};
    FieldReader r(body, "", error);
    const auto kind = r.string("kind");
    if (r.failed()) return std::nullopt;
    if (!kind || !kinds.count(*kind)) {
        error = {"fault", "kind",
                 "kind must be one of kill, unready, latency, status, reset, blackhole, throttle, "
                 "closeAfterHeaders"};
        return std::nullopt;
    }
    const Json* target = r.member("target");
    if (!target) {
        error = {"fault", "target",
                 "target must be {\"kind\": pod|workload|service, \"namespace\", \"name\"}"};
        return std::nullopt;
    }
    FieldReader t(*target, "target", error);
    const auto target_kind = t.string("kind");
    const auto target_name = t.string("name");
    const auto target_namespace = t.string("namespace");
    if (t.failed()) return std::nullopt;
    if (!target_kind || !targets.count(*target_kind) || !target_name) {
        error = {"fault", "target",
                 "target must be {\"kind\": pod|workload|service, \"namespace\", \"name\"}"};
        return std::nullopt;
    }
    cluster::FaultSpec f;
    f.kind = kinds.at(*kind);
    f.target.kind = targets.at(*target_kind);
    f.target.name = *target_name;
    f.target.namespace_ = target_namespace.value_or("default");
    f.probability = r.number("probability", 0, 1).value_or(1.0);
    f.status = static_cast<int>(r.number("status", 100, 599, true).value_or(503));
    f.latency_ms = r.number("latencyMs", 0, 3600e3).value_or(0);
    f.jitter_ms = r.number("jitterMs", 0, 3600e3).value_or(0);
    f.bytes_per_second =
        static_cast<std::uint64_t>(r.number("bytesPerSecond", 0, 1e12).value_or(0));
    if (const auto d = r.number("durationMs", 0, 7 * 24 * 3600e3))
        f.duration = cluster::Millis(static_cast<long long>(*d));
    if (r.failed()) return std::nullopt;
    return f;
}

std::optional<scenario::RequestSpec> requestFromJson(const Json& body, FieldError& error) {
    FieldReader r(body, "", error);
    scenario::RequestSpec spec;
    const auto url = r.string("url");
    if (r.failed()) return std::nullopt;
    if (!url) {
        error = {"request", "url", "url is required"};
        return std::nullopt;
    }
    spec.url = *url;
    spec.method = r.string("method").value_or("GET");
    if (r.failed()) return std::nullopt;
    if (!isToken(spec.method)) {
        error = {"characters", "method",
                 "method must be a token such as GET or PURGE: letters, digits and "
                 "!#$%&'*+-.^_`|~, no spaces or control characters"};
        return std::nullopt;
    }
    for (const char ch : spec.url) {
        const auto c = static_cast<unsigned char>(ch);
        if (isControl(c) || c == ' ') {
            error = {"characters", "url",
                     "url must not hold spaces or control characters (CR, LF, NUL, ...): "
                     "percent-encode them"};
            return std::nullopt;
        }
    }
    spec.headers = readPairs(r, "headers", false);
    spec.cookies = readPairs(r, "cookies", true);
    if (r.failed()) return std::nullopt;
    scenario::RequestSpec check = spec;
    if (!scenario::splitUrl(check)) {
        error = {"request", "url", "url must be http://host/path or https://host/path"};
        return std::nullopt;
    }
    return spec;
}

std::optional<TrafficChange> trafficFromJson(const Json& body, std::size_t mix_entries,
                                             FieldError& error) {
    TrafficChange change;
    if (body.is_null()) return change;  // no body: nothing to change
    FieldReader r(body, "", error);
    change.action = r.string("action").value_or("");
    if (r.failed()) return std::nullopt;
    if (!change.action.empty() && change.action != "start" && change.action != "pause" &&
        change.action != "resume" && change.action != "stop") {
        error = {"action", "action", "action must be start, pause, resume or stop"};
        return std::nullopt;
    }
    change.rate = r.number("rate", 0, kMaxTrafficRate);
    if (const Json* weights = r.array("weights")) {
        change.has_weights = true;
        if (weights->size() > mix_entries) {
            r.fail("range", "weights",
                   "has " + std::to_string(weights->size()) + " entries; the traffic mix has " +
                       std::to_string(mix_entries));
        }
        for (std::size_t i = 0; i < weights->size() && !r.failed(); ++i)
            if (const auto w =
                    r.checkedNumber((*weights)[i], at("weights", i), 0, kMaxTrafficWeight))
                change.weights.push_back(*w);
    }
    if (r.failed()) return std::nullopt;
    return change;
}

}  // namespace ilab::web
