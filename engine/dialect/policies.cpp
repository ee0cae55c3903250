#include "engine/dialect/policies.h"

namespace ilab::dialect {

std::string_view backendProtocolName(BackendProtocol protocol) {
    switch (protocol) {
        case BackendProtocol::Http:
            return "HTTP";
        case BackendProtocol::Https:
            return "HTTPS";
        case BackendProtocol::AutoHttp:
            return "AUTO_HTTP";
        case BackendProtocol::Grpc:
            return "GRPC";
        case BackendProtocol::Grpcs:
            return "GRPCS";
        case BackendProtocol::Fcgi:
            return "FCGI";
    }
    return "HTTP";
}

}  // namespace ilab::dialect
