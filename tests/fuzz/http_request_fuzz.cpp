// libFuzzer harness: the live proxy's request parsing over any bytes a client can send, split
// into reads wherever the fuzzer chooses. The parser is configured as
// engine/proxy/http_proxy.cpp's serveOne() configures it: a request_parser<string_body> with
// the head limit of ProxyLimits and no body limit for the head (read with eager off, as
// async_read_header does); then proxy-body-size as the body limit and either the whole body
// read into the string (eager on, as async_read does) or, with proxy-request-buffering off or
// no body limit, the parser moved into a request_parser<buffer_body> and the body taken in
// 16 KiB slices as streamBody() does. Requests that keep the connection alive are followed by
// the next one in the same buffer (pipelining), as serveRequests() does.
//
// Checked beyond "no crash, no leak, no undefined behaviour" (ASan, UBSan):
//  - a head over max_header_bytes is refused (431) as serveOne() refuses it;
//  - a body never delivers more than proxy-body-size, nor more or less than its Content-Length;
//  - the read buffer is bounded as the proxy's (max_header_bytes + max_chunk_meta_bytes): no
//    chunk extension is taken past it;
//  - engine/proxy/request_checks.h answers 0, 400 or 501, and a head the checks accept has one
//    framing the parser agrees on (Transfer-Encoding accepted only when the parser reads the
//    body chunked, never beside a Content-Length: no request smuggling past the checks).
//
// Input: [k][k little-endian u16 offsets where a read ends][mode], then the bytes on the wire.
// k is taken modulo 8. mode bit 0: stream the body; bits 1-2: proxy-body-size 1 MiB (the
// default), 0 (none: always streamed), 64 bytes, 4096 bytes. tests/fuzz/run_fuzz.sh makes the
// seed corpus from the plain requests in tests/fuzz/corpus/http/ with such a prefix.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "engine/proxy/proxy.h"
#include "engine/proxy/request_checks.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t kStreamSlice = 16384;  // streamBody()'s chunk
constexpr int kMaxRequestsPerConnection = 8;

// The client's bytes, handed out one read at a time up to the next cut.
class Wire {
  public:
    Wire(const std::uint8_t* data, std::size_t size, std::vector<std::size_t> cuts)
        : data_(data), size_(size), cuts_(std::move(cuts)) {}

    bool atEnd() const { return pos_ >= size_; }

    // One read into `buffer`, sized as Beast's read_some sizes it (beast::read_size: what the
    // buffer holds without growing but at least 512 bytes, at most 64 KiB and its room), never
    // past the next cut. Returns the bytes read (0 at the end).
    std::size_t readSome(beast::flat_buffer& buffer) {
        std::size_t end = size_;
        for (std::size_t cut : cuts_)
            if (cut > pos_ && cut < end) end = cut;
        const std::size_t n = std::min(end - pos_, beast::read_size(buffer, 65536));
        auto space = buffer.prepare(n);
        std::memcpy(space.data(), data_ + pos_, n);
        buffer.commit(n);
        pos_ += n;
        return n;
    }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::vector<std::size_t> cuts_;
    std::size_t pos_ = 0;
};

[[noreturn]] void broken(const char* what) {
    std::fprintf(stderr, "http_request_fuzz: %s\n", what);
    std::abort();
}

// The most the proxy's read buffer holds (serveRequests()): the head and, once the head is
// parsed, a chunk-size line with its extensions or a trailer section, which Beast keeps whole.
std::size_t readBufferLimit(const ilab::proxy::ProxyLimits& limits) {
    return std::size_t{limits.max_header_bytes} + limits.max_chunk_meta_bytes;
}

// http::read's loop (read_some_op) over a flat_buffer: feed what is buffered, read more on
// need_more, put_eof at the end of the stream. Stops when `done` holds or on an error.
template <class Parser, class Done>
beast::error_code readUntil(Wire& wire, beast::flat_buffer& buffer, Parser& parser, Done done,
                            std::size_t* head_bytes = nullptr) {
    beast::error_code ec;
    while (!done()) {
        if (buffer.size() > 0) {
            const bool in_head = !parser.is_header_done();
            const std::size_t n = parser.put(buffer.data(), ec);
            if (head_bytes && in_head) *head_bytes += n;
            buffer.consume(n);
            if (ec == http::error::need_buffer) return ec;  // a buffer_body slice is full
            if (ec && ec != http::error::need_more) return ec;
            if (!ec) continue;
        }
        if (wire.atEnd()) {
            if (!parser.got_some()) return http::error::end_of_stream;
            parser.put_eof(ec);
            if (!ec && !done()) ec = http::error::partial_message;
            return ec;
        }
        if (buffer.size() == buffer.max_size()) return http::error::buffer_overflow;
        wire.readSome(buffer);
    }
    return ec;
}

// The facts serveOne() gives checkRequestHead(), gathered from the parsed head.
ilab::proxy::RequestHeadFacts factsOf(const http::request<http::string_body>& head) {
    ilab::proxy::RequestHeadFacts facts;
    facts.method = head.method_string();
    facts.version = head.version();
    for (const auto& field : head) {
        switch (field.name()) {
            case http::field::host:
                if (facts.host_count++ == 0) facts.host = field.value();
                break;
            case http::field::content_length:
                if (facts.content_length_count++ == 0) facts.content_length = field.value();
                break;
            case http::field::transfer_encoding:
                if (facts.transfer_encoding_count++ == 0) facts.transfer_encoding = field.value();
                break;
            default:
                break;
        }
    }
    return facts;
}

// Returns whether the proxy would go on with this head.
bool checkHead(const http::request_parser<http::string_body>& parser) {
    const auto facts = factsOf(parser.get());
    const ilab::proxy::HeadVerdict verdict = ilab::proxy::checkRequestHead(facts);
    if (verdict.status != 0 && verdict.status != 400 && verdict.status != 501)
        broken("checkRequestHead answered a status other than 400 or 501");
    if (!verdict.ok()) return false;
    if (!ilab::proxy::validMethod(facts.method)) broken("an invalid method passed the checks");
    if (facts.host_count > 0 && !ilab::proxy::validHost(facts.host))
        broken("an invalid Host passed the checks");
    // One framing, the one the parser will read: a Transfer-Encoding the checks accept must
    // be read chunked, and never beside a Content-Length.
    if (facts.transfer_encoding_count > 0 && !parser.chunked())
        broken("an accepted Transfer-Encoding is not read as chunked (request smuggling)");
    if (facts.transfer_encoding_count > 0 && facts.content_length_count > 0)
        broken("Content-Length and Transfer-Encoding both accepted");
    if (facts.content_length_count > 1 || facts.host_count > 1)
        broken("a duplicate Content-Length or Host passed the checks");
    (void)ilab::proxy::expectsContinue(parser.get()[http::field::expect]);
    return true;
}

// One request of a connection; returns whether the connection would carry another.
bool serveOne(Wire& wire, beast::flat_buffer& buffer, unsigned mode) {
    const ilab::proxy::ProxyLimits limits;
    http::request_parser<http::string_body> parser;
    parser.header_limit(limits.max_header_bytes);
    parser.body_limit(boost::none);
    parser.eager(false);
    std::size_t head_bytes = 0;
    beast::error_code ec = readUntil(
        wire, buffer, parser, [&] { return parser.is_header_done(); }, &head_bytes);
    if (ec) return false;
    // Beast checks header_limit only on what it has not parsed yet, so a head can pass it by the
    // fields of an earlier read; the proxy's readHead() answers 431 to any head over it.
    if (head_bytes > limits.max_header_bytes) return false;
    const auto& head = parser.get();
    if (head.target().size() > limits.max_target_bytes) return false;  // 414
    if (std::distance(head.begin(), head.end()) >
        static_cast<std::ptrdiff_t>(limits.max_header_count))
        return false;                           // 431
    if (!checkHead(parser)) return false;       // 400 or 501, and the connection closes
    const bool keep_alive = head.keep_alive();  // before the parser (and `head`) may move
    const bool has_body = parser.content_length().value_or(0) > 0 || parser.chunked();
    const boost::optional<std::uint64_t> content_length = parser.content_length();
    static constexpr std::uint64_t kBodyLimits[] = {1024 * 1024, 0, 64, 4096};
    const std::uint64_t body_limit = kBodyLimits[(mode >> 1) & 3];
    // The decision core answers 413 to a Content-Length over proxy-body-size before the body is
    // read (route_matcher.cpp, beforeBackend()): the string body never reserves more.
    if (content_length && body_limit > 0 && *content_length > body_limit) return false;
    if (body_limit > 0)
        parser.body_limit(body_limit);
    else
        parser.body_limit(boost::none);
    const bool stream_body = has_body && ((mode & 1) != 0 || body_limit == 0);
    std::uint64_t delivered = 0;
    bool done = false;
    // A chunk-size line and its extensions are parsed from the read buffer, whole: never more
    // than it holds.
    auto chunk_header = [&](std::uint64_t, std::string_view extensions, beast::error_code&) {
        if (extensions.size() > readBufferLimit(limits))
            broken("a chunk extension past the read buffer");
    };
    if (stream_body) {
        http::request_parser<http::buffer_body> body_parser(std::move(parser));
        body_parser.on_chunk_header(chunk_header);
        body_parser.eager(true);
        char slice[kStreamSlice];
        while (!body_parser.is_done()) {
            body_parser.get().body().data = slice;
            body_parser.get().body().size = sizeof slice;
            ec = readUntil(wire, buffer, body_parser, [&] { return body_parser.is_done(); });
            if (ec == http::error::need_buffer) ec = {};
            const std::size_t n = sizeof slice - body_parser.get().body().size;
            delivered += n;
            if (ec) break;
            if (body_limit > 0 && delivered > body_limit) break;  // streamBody() stops here
            if (n == 0 && !body_parser.is_done()) broken("the streamed body made no progress");
        }
        done = !ec && body_parser.is_done();
        if (body_limit > 0 && delivered > body_limit && done)
            broken("a streamed body past proxy-body-size completed");
    } else if (has_body) {
        parser.on_chunk_header(chunk_header);
        parser.eager(true);
        ec = readUntil(wire, buffer, parser, [&] { return parser.is_done(); });
        delivered = parser.get().body().size();
        done = !ec && parser.is_done();
    } else {
        done = parser.is_done();
        if (!done) broken("a request without a body is not complete after its head");
    }
    if (body_limit > 0 && delivered > body_limit) broken("a body delivered past proxy-body-size");
    if (content_length && delivered > *content_length)
        broken("a body longer than its Content-Length");
    if (content_length && done && delivered != *content_length)
        broken("a complete body differs from its Content-Length");
    return done && keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const ilab::proxy::ProxyLimits limits;
    const std::size_t k = data[0] % 8;
    std::size_t at = 1;
    if (size < at + 2 * k + 1) return 0;
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i < k; ++i, at += 2)
        cuts.push_back(std::size_t{data[at]} | std::size_t{data[at + 1]} << 8);
    const unsigned mode = data[at++];
    Wire wire(data + at, size - at, std::move(cuts));
    beast::flat_buffer buffer(readBufferLimit(limits));  // serveRequests()' buffer
    for (int i = 0; i < kMaxRequestsPerConnection; ++i)
        if (!serveOne(wire, buffer, mode)) break;
    return 0;
}
