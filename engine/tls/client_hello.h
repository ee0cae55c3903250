#pragma once
// Reading the server name from a ClientHello before OpenSSL has parsed it.
#include <cstddef>
#include <string_view>

namespace ilab::tls {

// The host_name in the body of a server_name extension (RFC 6066 section 3): a uint16 list
// length, then entries of {uint8 type, uint16 length, name}. "" when there is none or the bytes
// are malformed (OpenSSL then refuses the ClientHello with its own alert). The view points into
// `data`. Pure; any thread.
std::string_view serverNameFromExtension(const unsigned char* data, std::size_t size);

}  // namespace ilab::tls
