#pragma once
// RFC 9110 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), for the Date header every response
// of the proxy and the pods carries.
#include <chrono>
#include <string>

namespace ilab::core {

std::string httpDate(std::chrono::system_clock::time_point when);

}  // namespace ilab::core
