#pragma once
// The web UI's built files (app/web/ui/dist), embedded into the binary at build time
// (cmake/EmbedFiles.cmake writes the table), so `serve` needs no Node.js or files at run time.
#include <span>
#include <string_view>

namespace ilab::web {

struct Asset {
    std::string_view path;  // "/index.html", "/assets/index-3f2a1c.js"
    std::string_view content_type;
    std::string_view data;
    bool immutable = false;  // a content-hashed name: cache it for a year
};

std::span<const Asset> webAssets();

}  // namespace ilab::web
