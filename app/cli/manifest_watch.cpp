#include "app/cli/manifest_watch.h"

#include <algorithm>

namespace ilab::cli {

namespace fs = std::filesystem;

ManifestWatch::ManifestWatch(std::vector<std::string> paths)
    : paths_(std::move(paths)), last_(look()) {}

bool ManifestWatch::changed() {
    auto now = look();
    if (now == last_) return false;
    last_ = std::move(now);
    return true;
}

// Whole stamps, compared for equality: the newest mtime alone misses a file removed or
// swapped for an older one, and the newest-so-far started from file_time_type{}, which
// libstdc++'s file clock puts in 2174, so no real edit was ever newer (the --watch that
// never reloaded).
std::vector<ManifestWatch::Stamp> ManifestWatch::look() const {
    std::vector<Stamp> stamps;
    auto add = [&stamps](const fs::path& path) {
        std::error_code ec;
        Stamp s{path.string(), 0, {}};
        s.size = fs::file_size(path, ec);  // a path that vanished stamps as size 0, time {}
        if (ec) s.size = 0;
        s.time = fs::last_write_time(path, ec);
        if (ec) s.time = {};
        stamps.push_back(std::move(s));
    };
    for (const std::string& path : paths_) {
        if (path == "-") continue;
        std::error_code ec;
        if (!fs::is_directory(path, ec)) {
            add(path);
            continue;
        }
        for (auto it = fs::recursive_directory_iterator(path, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code type_error;
            if (it->is_regular_file(type_error)) add(it->path());
        }
    }
    // Directory order is the file system's: sorted, two looks at the same files compare equal.
    std::sort(stamps.begin(), stamps.end(),
              [](const Stamp& a, const Stamp& b) { return a.path < b.path; });
    return stamps;
}

}  // namespace ilab::cli
