#include "engine/tls/client_hello.h"

namespace ilab::tls {

std::string_view serverNameFromExtension(const unsigned char* data, std::size_t size) {
    // These bytes come straight from the network: every length is checked against what is left.
    if (!data || size < 2) return {};
    const std::size_t list = static_cast<std::size_t>(data[0]) << 8 | data[1];
    if (list != size - 2) return {};
    data += 2;
    size -= 2;
    constexpr unsigned kHostName = 0;
    while (size >= 3) {
        const unsigned type = data[0];
        const std::size_t length = static_cast<std::size_t>(data[1]) << 8 | data[2];
        if (length > size - 3) return {};
        if (type == kHostName) {
            if (length == 0) return {};
            return std::string_view(reinterpret_cast<const char*>(data + 3), length);
        }
        data += 3 + length;
        size -= 3 + length;
    }
    return {};
}

}  // namespace ilab::tls
