#pragma once
// Access log lines in ingress-nginx's default format (its ConfigMap's log-format-upstream,
// internal/ingress/controller/config/config.go):
//
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
//   [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length
//   $upstream_response_time $upstream_status $req_id
//
// (one line). Values are rendered and escaped as nginx's log module does: "-" for a value
// that is not set, times in seconds with millisecond resolution, one comma-separated entry
// per upstream try, and `"`, `\` and bytes outside 0x20..0x7E written as \xHH. Pure
// functions; any thread.
#include <chrono>
#include <optional>
#include <string>

#include "engine/telemetry/request_event.h"

namespace ilab::telemetry {

struct AccessLogOptions {
    // $time_local's offset from UTC. Unset: the process's local time zone at that instant, as
    // nginx does; set it for reproducible output.
    std::optional<std::chrono::minutes> utc_offset;
};

// One line, without the trailing newline.
std::string formatAccessLog(const RequestEvent& event, const AccessLogOptions& options = {});

// nginx's $time_local: "10/Oct/2000:13:55:36 -0700".
std::string formatTimeLocal(WallTime when, std::chrono::minutes utc_offset);

}  // namespace ilab::telemetry
