#include "engine/workbench/workspace.h"

#include <algorithm>
#include <filesystem>
#include <string_view>

#include "engine/core/input_file.h"

namespace ilab::workbench {
namespace {

namespace fs = std::filesystem;

bool isLabFile(const fs::path& path) {
    // Read as the loader will read it (capped, regular files only): a line-by-line getline
    // would read a file without newlines whole. One that cannot be read is left in, for the
    // loader to say why.
    const core::InputText input = core::readInputFile(path);
    if (!input.ok()) return false;
    std::size_t line_start = 0;
    for (int i = 0; i < 200 && line_start < input.text.size(); ++i) {
        const std::size_t end = std::min(input.text.find('\n', line_start), input.text.size());
        const std::string_view line(input.text.data() + line_start, end - line_start);
        if (line.find("apiVersion: ingress-lab.dev/") != std::string_view::npos) return true;
        line_start = end + 1;
    }
    return false;
}

bool isManifestFile(const fs::path& path) {
    const auto ext = path.extension().string();
    return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

std::string exampleHost(const std::string& server) {
    if (server == "_") return "lab.local";
    if (server.starts_with("*.")) return "www" + server.substr(1);
    return server;
}

}  // namespace

std::vector<std::string> expandManifestPaths(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    auto add = [&files](const fs::path& p) {
        const std::string s = fs::absolute(p).lexically_normal().string();
        if (std::find(files.begin(), files.end(), s) == files.end()) files.push_back(s);
    };
    for (const auto& p : paths) {
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
            add(p);
            continue;
        }
        std::vector<fs::path> found;
        // increment(ec), not a range-for: an unreadable subfolder must not throw.
        for (auto it = fs::recursive_directory_iterator(p, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code type_error;
            if (it->is_regular_file(type_error) && isManifestFile(it->path()))
                found.push_back(it->path());
        }
        std::sort(found.begin(), found.end());
        for (const auto& f : found)
            if (!isLabFile(f)) add(f);
    }
    return files;
}

std::string resolveScenarioPath(const std::string& path) {
    std::error_code ec;
    if (!path.empty() && fs::is_directory(path, ec)) return (fs::path(path) / "scenario.yaml").string();
    return path;
}

scenario::TrafficProfile trafficForRules(const routing::RouteTable& table) {
    scenario::TrafficProfile p;
    p.name = "every rule";
    p.rate = 20;
    for (const auto& server : table.servers())
        for (const auto& loc : server.locations) {
            if (loc.ingress.empty() || loc.regex) continue;  // a regex has no one URL
            scenario::RequestSpec r;
            r.url = std::string(server.tls ? "https" : "http") + "://" + exampleHost(server.name) +
                    (loc.path.empty() ? "/" : loc.path);
            if (scenario::splitUrl(r)) p.requests.push_back(r);
        }
    return p;
}

std::string nothingRoutable(const routing::RouteTable& table) {
    for (const auto& server : table.servers())
        for (const auto& loc : server.locations)
            if (!loc.ingress.empty()) return {};
    return "no Ingress rule is served, so every request gets the default backend's 404: fix the "
           "errors in the manifests (a misspelled pathType refuses the whole Ingress) or add an "
           "Ingress, then apply";
}

std::string nothingToSend(const std::vector<scenario::TrafficProfile>& profiles,
                          const routing::RouteTable* table) {
    for (const auto& p : profiles)
        if (!p.requests.empty()) return {};
    if (table)
        if (std::string why = nothingRoutable(*table); !why.empty()) return why;
    return "the traffic mix has no request to send (regex paths have no one URL): compose "
           "requests by hand, or give the scenario a traffic profile";
}

std::vector<scenario::TrafficProfile> interactiveProfiles(const scenario::Scenario& s) {
    std::vector<scenario::TrafficProfile> out;
    for (auto p : s.traffic) {
        if (p.rate == 0 && !p.stages.empty()) p.rate = p.stages.back().target;
        p.stages.clear();
        p.start = {};
        p.duration.reset();
        out.push_back(std::move(p));
    }
    return out;
}

double openRate(const std::vector<scenario::TrafficProfile>& profiles) {
    double total = 0;
    for (const auto& p : profiles)
        if (p.virtual_users == 0) total += p.rate;
    return total;
}

}  // namespace ilab::workbench
