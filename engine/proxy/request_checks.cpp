#include "engine/proxy/request_checks.h"

#include "engine/core/text.h"

namespace ilab::proxy {

bool validMethod(std::string_view method) {
    if (method.empty()) return false;
    for (const char c : method)
        if (!((c >= 'A' && c <= 'Z') || c == '_' || c == '-')) return false;
    return true;
}

bool validHost(std::string_view host) {
    // A transcription of ngx_http_validate_host()'s state machine: dots, the port after ':'
    // and an IPv6 literal in brackets are skipped over, nothing is rewritten.
    enum class State { Usual, Literal, Rest } state = State::Usual;
    std::size_t dot_pos = host.size(), host_len = host.size();
    for (std::size_t i = 0; i < host.size(); ++i) {
        const auto c = static_cast<unsigned char>(host[i]);
        switch (c) {
            case '.':
                if (i > 0 && dot_pos == i - 1) return false;  // ".."
                dot_pos = i;
                break;
            case ':':
                if (state == State::Usual) {
                    host_len = i;
                    state = State::Rest;
                }
                break;
            case '[':
                if (i == 0) state = State::Literal;
                break;
            case ']':
                if (state == State::Literal) {
                    host_len = i + 1;
                    state = State::Rest;
                }
                break;
            default:
                if (c == '/' || c <= 0x20 || c == 0x7f) return false;
                break;
        }
    }
    if (host_len > 0 && dot_pos == host_len - 1) --host_len;  // one trailing dot
    return host_len > 0;
}

bool expectsContinue(std::string_view expect_value) {
    return core::iequals(core::trim(expect_value), "100-continue");
}

bool loopbackHostName(std::string_view host) {
    host = core::trim(host);
    if (host.empty()) return true;
    if (host.starts_with('[')) {
        const auto close = host.find(']');
        return close != std::string_view::npos && host.substr(0, close + 1) == "[::1]";
    }
    host = host.substr(0, host.find(':'));
    if (core::iequals(host, "localhost")) return true;
    // 127.0.0.0/8 as a dotted quad: four numbers of at most three digits, the first 127.
    if (!host.starts_with("127.")) return false;
    int dots = 0, digits = 0;
    for (const char c : host) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots;
            digits = 0;
        } else if (c >= '0' && c <= '9' && ++digits <= 3) {
            continue;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

namespace {

bool allDigits(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

HeadVerdict refuse(int status, std::string reason) { return {status, std::move(reason)}; }

}  // namespace

HeadVerdict checkRequestHead(const RequestHeadFacts& head) {
    if (!validMethod(head.method)) return refuse(400, "client sent invalid method");
    if (head.host_count > 1) return refuse(400, "client sent duplicate header line: Host");
    if (head.content_length_count > 1)
        return refuse(400, "client sent duplicate header line: Content-Length");
    if (head.transfer_encoding_count > 1)
        return refuse(400, "client sent duplicate header line: Transfer-Encoding");
    if (head.host_count == 1 && !validHost(head.host))
        return refuse(400, "client sent invalid host header");
    if (head.version >= 11 && head.host_count == 0)
        return refuse(400, "client sent HTTP/1.1 request without \"Host\" header");
    if (head.content_length_count == 1 && !allDigits(core::trim(head.content_length)))
        return refuse(400, "client sent invalid \"Content-Length\" header");
    if (head.transfer_encoding_count == 1) {
        if (head.version < 11)
            return refuse(400, "client sent HTTP/1.0 request with \"Transfer-Encoding\" header");
        if (!core::iequals(core::trim(head.transfer_encoding), "chunked"))
            return refuse(501, "client sent unknown \"Transfer-Encoding\": \"" +
                                   std::string(head.transfer_encoding) + "\"");
        if (head.content_length_count > 0)
            return refuse(400,
                          "client sent \"Content-Length\" and \"Transfer-Encoding\" headers");
    }
    return {};
}

}  // namespace ilab::proxy
