#pragma once
// Checks on a parsed request head that Beast's parser leaves to the server and that nginx
// makes before anything else (src/http/ngx_http_request.c, ngx_http_parse.c): a request nginx
// refuses must not reach a pod through the lab, or the lab teaches a desync that a real
// controller does not have. Pure functions, no Beast: unit-tested and fuzzed without sockets.
#include <string>
#include <string_view>

namespace ilab::proxy {

// What the head says about itself, gathered in one pass over its fields.
struct RequestHeadFacts {
    std::string_view method;
    unsigned version = 11;  // 10 or 11
    int host_count = 0;
    std::string_view host;  // the first Host value
    int content_length_count = 0;
    std::string_view content_length;  // the first Content-Length value
    int transfer_encoding_count = 0;
    std::string_view transfer_encoding;  // the first Transfer-Encoding value
};

struct HeadVerdict {
    int status = 0;      // 0: acceptable; else 400 or 501, and the connection closes
    std::string reason;  // nginx's error-log wording, for the trace and the access log
    bool ok() const { return status == 0; }
};

// nginx's order: the method (request line), duplicate Host, Content-Length and
// Transfer-Encoding lines (unique headers), then ngx_http_process_request_header(): a Host
// that ngx_http_validate_host() refuses, a missing Host on HTTP/1.1, a Content-Length that is
// not a number, then Transfer-Encoding: 400 on HTTP/1.0 or beside Content-Length, 501 unless it
// is exactly "chunked" (RFC 9112 6.3: anything else cannot be framed safely).
HeadVerdict checkRequestHead(const RequestHeadFacts& head);

// nginx's request-line parser takes only A-Z, '_' and '-' in a method ("get" is 400).
bool validMethod(std::string_view method);

// ngx_http_validate_host(): no empty name, no "..", no '/', no control characters or spaces.
bool validHost(std::string_view host);

// Expect: 100-continue (case-insensitive), the only expectation nginx answers
// (ngx_http_test_expect(): HTTP/1.1 only, "100 Continue" sent before the body is read).
bool expectsContinue(std::string_view expect_value);

// A Host naming this machine's loopback: "localhost", an IPv4 127.x.y.z address or "[::1]",
// with or without a port. HTTP/1.0 without Host counts (""), since no browser sends that.
bool loopbackHostName(std::string_view host);

}  // namespace ilab::proxy
