#pragma once
// What `serve --watch` compares between looks: the path, size and modification time of every
// file it watches (folders recursively). Any difference is a change: an edit, a file added or
// removed, a rename, an editor's save that swaps the file, even one that keeps the old mtime.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ilab::cli {

class ManifestWatch {
  public:
    // Takes the first look. "-" (standard input) is not watched.
    explicit ManifestWatch(std::vector<std::string> paths);
    // Looks again; true when anything differs from the previous look. One thread.
    bool changed();

  private:
    struct Stamp {
        std::string path;
        std::uintmax_t size = 0;
        std::filesystem::file_time_type time;
        bool operator==(const Stamp&) const = default;
    };
    std::vector<Stamp> look() const;

    std::vector<std::string> paths_;
    std::vector<Stamp> last_;
};

}  // namespace ilab::cli
