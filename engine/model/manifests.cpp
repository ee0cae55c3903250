#include "engine/model/manifests.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <set>
#include <unordered_map>

#include "engine/core/input_file.h"
#include "engine/core/text.h"
#include "engine/model/decode.h"
#include "engine/model/external_name.h"
#include "engine/model/pods.h"
#include "engine/model/validation.h"

namespace ilab::model {
namespace fs = std::filesystem;

namespace {

bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
    if (selector.empty()) return false;  // a Service without a selector gets no pods
    return std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
        auto it = labels.find(kv.first);
        return it != labels.end() && it->second == kv.second;
    });
}

bool isManifestFile(const fs::path& path) {
    const std::string ext = core::toLower(path.extension().string());
    return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void addParsed(Manifests& m, const core::YamlParseResult& parsed) {
    if (parsed.diagnostics.hasErrors()) m.input_unreadable = true;
    m.diagnostics.append(parsed.diagnostics);
    for (const auto& doc : parsed.documents)
        decodeDocument(doc.root, m);
}

template <typename T>
void appendShifted(std::vector<T>& to, const std::vector<T>& from, std::size_t load_offset) {
    for (const T& object : from) {  // no reserve: growing by one file each time copies O(n²)
        to.push_back(object);
        to.back().meta.load_order += load_offset;
    }
}

// Adds a file's objects decoded on their own (ParseCache) as if decoded here, in this place.
void appendDecoded(Manifests& m, const Manifests& part) {
    const std::size_t offset = m.objects_read;
    appendShifted(m.ingresses, part.ingresses, offset);
    appendShifted(m.ingress_classes, part.ingress_classes, offset);
    appendShifted(m.services, part.services, offset);
    appendShifted(m.workloads, part.workloads, offset);
    appendShifted(m.pods, part.pods, offset);
    appendShifted(m.secrets, part.secrets, offset);
    appendShifted(m.endpoints, part.endpoints, offset);
    appendShifted(m.namespaces, part.namespaces, offset);
    m.ignored.insert(m.ignored.end(), part.ignored.begin(), part.ignored.end());
    m.diagnostics.append(part.diagnostics);
    m.input_unreadable = m.input_unreadable || part.input_unreadable;
    m.objects_read += part.objects_read;
}

// Whether `path` leads (symlinks followed) inside `folder`.
bool leadsInside(const fs::path& path, const std::string& folder) {
    std::error_code ec;
    const fs::path root = fs::weakly_canonical(fs::absolute(folder, ec), ec);
    if (ec) return false;
    const fs::path real = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec) return false;
    const fs::path relative = real.lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
}

void readFile(Manifests& m, const fs::path& path, const LoadOptions& options,
              ParseCache* cache) {
    auto file = std::make_shared<const std::string>(path.string());
    if (!options.confine_to.empty() && !leadsInside(path, options.confine_to)) {
        m.diagnostics.error("ILAB-INPUT-004",
                            core::quoted(path.string()) + " leads outside the scenario's folder",
                            {file, 0, 0},
                            "copy the file into the scenario's folder instead of linking to it");
        m.input_unreadable = true;
        return;
    }
    core::InputText input = core::readInputFile(path, options.yaml.max_bytes);
    if (!input.ok()) {
        core::addInputError(m.diagnostics, input, {file, 0, 0});
        m.input_unreadable = true;
        return;
    }
    if (!cache) {
        addManifestText(m, input.text, path.string(), options);
        return;
    }
    m.files.push_back(path.string());
    appendDecoded(m, *cache->decode(path.string(), input.text, options.yaml));
}

template <typename T>
void dropDuplicates(std::vector<T>& objects, std::string_view kind, core::Diagnostics& d) {
    // kubectl apply of the same object twice: the later definition is what the cluster keeps.
    std::unordered_map<std::string, std::size_t> seen;
    seen.reserve(objects.size());
    std::vector<bool> replaced(objects.size(), false);
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const auto key = objects[i].meta.qualifiedName();
        if (const auto [it, first] = seen.try_emplace(key, i); !first) {
            replaced[it->second] = true;
            auto& diag = d.warning("ILAB-MODEL-002",
                                   std::string(kind) + " " + core::quoted(key) +
                                       " is defined twice; this definition replaces the one at " +
                                       objects[it->second].meta.location.str(),
                                   objects[i].meta.location);
            diag.object = std::string(kind) + " " + key;
            // The replacement keeps the age of the object it updates.
            objects[i].meta.load_order = objects[it->second].meta.load_order;
            it->second = i;
        }
    }
    if (std::find(replaced.begin(), replaced.end(), true) == replaced.end()) return;
    std::vector<T> kept;
    kept.reserve(objects.size());
    for (std::size_t i = 0; i < objects.size(); ++i)
        if (!replaced[i]) kept.push_back(std::move(objects[i]));
    objects = std::move(kept);
}

void stampClasses(Manifests& m, const LoadOptions& options) {
    const bool has_own_class = std::any_of(
        m.ingress_classes.begin(), m.ingress_classes.end(),
        [&](const IngressClass& c) { return c.meta.name == options.default_class_name; });
    if (!has_own_class) {
        // The lab runs ingress-nginx as its Helm chart installs it: with IngressClass "nginx"
        // (not marked default). Its location stays unknown: nobody wrote it.
        IngressClass implicit;
        implicit.meta.name = options.default_class_name;
        implicit.meta.namespace_.clear();
        implicit.controller = options.controller;
        m.ingress_classes.push_back(std::move(implicit));
    }
    std::vector<const IngressClass*> defaults;
    for (const auto& c : m.ingress_classes)
        if (c.is_default) defaults.push_back(&c);

    for (Ingress& ing : m.ingresses) {
        auto annotation = ing.meta.annotations.find("kubernetes.io/ingress.class");
        if (annotation != ing.meta.annotations.end()) {
            auto& d = m.diagnostics.warning(
                "ILAB-MODEL-004",
                "annotation kubernetes.io/ingress.class is deprecated; it wins over "
                "spec.ingressClassName here, as ingress-nginx reads it",
                ing.meta.annotation_locations[annotation->first],
                "use spec.ingressClassName: " + annotation->second);
            d.object = "Ingress " + ing.meta.qualifiedName();
            ing.effective_class = annotation->second;
            ing.class_source = ClassSource::Annotation;
        } else if (ing.ingress_class_name) {
            ing.effective_class = *ing.ingress_class_name;
            ing.class_source = ClassSource::Field;
        } else if (defaults.size() == 1) {
            ing.effective_class = defaults.front()->meta.name;  // admission stamps it on create
            ing.class_source = ClassSource::DefaultClass;
        } else if (defaults.size() > 1) {
            auto& d = m.diagnostics.error(
                "ILAB-API-008",
                std::to_string(defaults.size()) +
                    " default IngressClasses were found, only 1 allowed: admission refuses an "
                    "Ingress without spec.ingressClassName",
                ing.meta.location,
                "mark only one IngressClass as default, or set ingressClassName");
            d.object = "Ingress " + ing.meta.qualifiedName();
            ing.rejected = true;
        }
    }
    claimIngresses(m, options);
}

}  // namespace

void claimIngresses(Manifests& m, const LoadOptions& options) {
    for (Ingress& ing : m.ingresses) {
        ing.excluded_by.clear();
        if (options.claim_every_ingress) {
            ing.claimed = true;
        } else if (ing.class_source == ClassSource::None) {
            ing.claimed = options.watch_ingress_without_class;
        } else if (const IngressClass* cls = m.findIngressClass(ing.effective_class)) {
            // store.go ingressClassEventHandler: by spec.controller, or by name with
            // --ingress-class-by-name.
            ing.claimed = cls->controller == options.controller ||
                          (options.ingress_class_by_name &&
                           cls->meta.name == options.default_class_name);
        } else {
            // Its own class name when no IngressClass defines it: the one its chart installs
            // (stampClasses() adds it for the controller loading; a second controller in the
            // lab re-claims here), or ingress-nginx's --ingress-class in the annotation.
            ing.claimed = ing.effective_class == options.default_class_name;
        }
        // The controller's store skips these before anything else (store.go, New: the
        // informers' namespace and the catch-all filter).
        if (!ing.claimed || options.claim_every_ingress) continue;
        if (!options.watch_namespace.empty() && ing.meta.namespace_ != options.watch_namespace) {
            ing.claimed = false;
            ing.excluded_by = "--watch-namespace=" + options.watch_namespace;
        } else if (options.disable_catch_all && ing.default_backend) {
            ing.claimed = false;
            ing.excluded_by = "--disable-catch-all (it has a spec.defaultBackend)";
        }
    }
}

namespace {

std::string indexKey(std::string_view a, std::string_view b, std::string_view c = {}) {
    std::string key;
    key.reserve(a.size() + b.size() + c.size() + 2);
    key.append(a).push_back('\0');
    key.append(b).push_back('\0');
    key.append(c);
    return key;
}

}  // namespace

void Manifests::buildIndexes() {
    index_ = Index();
    for (const auto& s : services)
        index_.services.try_emplace(indexKey(s.meta.namespace_, s.meta.name), &s);
    for (const auto& s : secrets)
        index_.secrets.try_emplace(indexKey(s.meta.namespace_, s.meta.name), &s);
    for (const auto& p : pods)
        for (const auto& [k, v] : p.meta.labels)
            index_.pod_labels[indexKey(p.meta.namespace_, k, v)].push_back(&p);
    index_.built = true;
}

const Service* Manifests::findService(std::string_view ns, std::string_view name) const {
    if (!index_.built) {
        for (const auto& s : services)
            if (s.meta.namespace_ == ns && s.meta.name == name) return &s;
        return nullptr;
    }
    auto it = index_.services.find(indexKey(ns, name));
    return it == index_.services.end() ? nullptr : it->second;
}

const Secret* Manifests::findSecret(std::string_view ns, std::string_view name) const {
    if (!index_.built) {
        for (const auto& s : secrets)
            if (s.meta.namespace_ == ns && s.meta.name == name) return &s;
        return nullptr;
    }
    auto it = index_.secrets.find(indexKey(ns, name));
    return it == index_.secrets.end() ? nullptr : it->second;
}

const ConfigMap* Manifests::findConfigMap(std::string_view ns, std::string_view name) const {
    for (const auto& c : config_maps)  // few: a controller's own and what custom-headers names
        if (c.meta.namespace_ == ns && c.meta.name == name) return &c;
    return nullptr;
}

const IngressClass* Manifests::findIngressClass(std::string_view name) const {
    for (const auto& c : ingress_classes)
        if (c.meta.name == name) return &c;
    return nullptr;
}

std::vector<const Pod*> Manifests::selectedPods(const Service& service) const {
    std::vector<const Pod*> out;
    if (service.selector.empty()) return out;  // a Service without a selector gets no pods
    if (!index_.built) {
        for (const auto& p : pods)
            if (p.meta.namespace_ == service.meta.namespace_ &&
                selects(service.selector, p.meta.labels))
                out.push_back(&p);
        return out;
    }
    // Start from the rarest selector label, then check the others.
    const std::vector<const Pod*>* fewest = nullptr;
    for (const auto& [k, v] : service.selector) {
        auto it = index_.pod_labels.find(indexKey(service.meta.namespace_, k, v));
        if (it == index_.pod_labels.end()) return out;
        if (!fewest || it->second.size() < fewest->size()) fewest = &it->second;
    }
    for (const Pod* pod : *fewest)
        if (selects(service.selector, pod->meta.labels)) out.push_back(pod);
    return out;
}

std::vector<const ServiceEndpoints*> Manifests::externalEndpoints(const Service& service) const {
    std::vector<const ServiceEndpoints*> out;
    if (!service.selector.empty()) return out;  // the controller manages those: manual ones lose
    for (const auto& e : endpoints)
        if (e.meta.namespace_ == service.meta.namespace_ && e.service == service.meta.name)
            out.push_back(&e);
    return out;
}

void addManifestText(Manifests& m, std::string_view text, const std::string& file_name,
                     const LoadOptions& options) {
    m.files.push_back(file_name);
    addParsed(m, core::parseYamlStream(text, file_name, options.yaml));
}

void finishLoading(Manifests& m, const LoadOptions& options) {
    m.config_maps.insert(m.config_maps.end(), options.installed_config_maps.begin(),
                         options.installed_config_maps.end());
    dropDuplicates(m.ingresses, "Ingress", m.diagnostics);
    dropDuplicates(m.services, "Service", m.diagnostics);
    dropDuplicates(m.secrets, "Secret", m.diagnostics);
    dropDuplicates(m.config_maps, "ConfigMap", m.diagnostics);
    dropDuplicates(m.ingress_classes, "IngressClass", m.diagnostics);
    dropDuplicates(m.workloads, "Workload", m.diagnostics);
    dropDuplicates(m.pods, "Pod", m.diagnostics);

    for (Ingress& ing : m.ingresses)
        if (!ing.rejected) ing.rejected = !validateIngress(ing, m.diagnostics);
    // The API server refuses an invalid Service: it is not stored, so nothing routes to it.
    std::erase_if(m.services,
                  [&m](const Service& s) { return !validateService(s, m.diagnostics); });

    for (Ingress& ing : m.ingresses) {
        auto it = options.overrides.ingress_annotations.find(ing.meta.qualifiedName());
        if (it == options.overrides.ingress_annotations.end()) continue;
        for (const auto& [key, value] : it->second) ing.meta.annotations[key] = value;
    }
    for (const Workload& manifest_workload : m.workloads) {
        Workload w = manifest_workload;
        const auto over = options.overrides.workloads.find(w.meta.qualifiedName());
        if (over != options.overrides.workloads.end() && over->second.replicas)
            w.replicas = *over->second.replicas;
        const int revision = over != options.overrides.workloads.end() ? over->second.revision : 0;
        if (!w.selector.empty() && !selects(w.selector, w.template_labels)) {
            auto& d = m.diagnostics.error(
                "ILAB-API-002",
                "spec.template.metadata.labels: Invalid value: `selector` does not match template "
                "`labels`",
                w.meta.location, "make spec.selector.matchLabels a subset of the template labels");
            d.object = w.kind + " " + w.meta.qualifiedName();
            continue;  // the API server refuses it: no pods
        }
        auto pods = podsFor(w, revision);
        m.pods.insert(m.pods.end(), std::make_move_iterator(pods.begin()),
                      std::make_move_iterator(pods.end()));
        if (revision > 0 && over->second.previous_replicas > 0) {  // a rollout under way
            Workload previous = w;
            previous.replicas = over->second.previous_replicas;
            auto old_pods = podsFor(previous, revision - 1);
            m.pods.insert(m.pods.end(), std::make_move_iterator(old_pods.begin()),
                          std::make_move_iterator(old_pods.end()));
        }
    }
    // After every other pod, so that theirs keep their addresses in the live cluster.
    for (Pod& pod : externalNamePods(m))
        m.pods.push_back(std::move(pod));
    stampClasses(m, options);
    m.buildIndexes();
}

std::shared_ptr<const Manifests> ParseCache::decode(const std::string& path,
                                                   std::string_view text,
                                                   const core::YamlLimits& limits) {
    const std::size_t hash = std::hash<std::string_view>{}(text);
    auto& entry = entries_[path];
    if (!entry.decoded || entry.hash != hash || entry.size != text.size()) {
        auto part = std::make_shared<Manifests>();
        addParsed(*part, core::parseYamlStream(text, path, limits));
        entry.decoded = std::move(part);
        entry.hash = hash;
        entry.size = text.size();
        ++parsed_;
    }
    entry.generation = generation_;
    return entry.decoded;
}

void ParseCache::beginLoad() {
    ++generation_;
    parsed_ = 0;
}

void ParseCache::endLoad() {
    std::erase_if(entries_, [&](const auto& e) { return e.second.generation != generation_; });
}

Manifests loadManifests(const std::vector<std::string>& paths, const LoadOptions& options,
                        ParseCache* cache) {
    Manifests m;
    if (cache) cache->beginLoad();
    for (const std::string& path : paths) {
        if (path == "-") {
            // Capped like a file: `yes |` or `< /dev/zero` would otherwise be read for ever.
            const core::InputText input =
                core::readInputStream(options.standard_input ? *options.standard_input : std::cin,
                                      "standard input", options.yaml.max_bytes);
            if (input.ok()) {
                addManifestText(m, input.text, "<stdin>", options);
            } else {
                core::addInputError(m.diagnostics, input,
                                    {std::make_shared<const std::string>("<stdin>"), 0, 0});
                m.input_unreadable = true;
            }
            continue;
        }
        std::error_code ec;
        const fs::file_status status = fs::status(path, ec);
        if (ec || !fs::exists(status)) {
            m.diagnostics.error("ILAB-INPUT-001",
                                "the path " + core::quoted(path) + " does not exist",
                                {std::make_shared<const std::string>(path), 0, 0});
            m.input_unreadable = true;
        } else if (fs::is_directory(status)) {
            std::vector<fs::path> files;
            for (auto it = fs::recursive_directory_iterator(path, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                std::error_code type_error;  // a vanished or unreadable entry is skipped
                if (it->is_regular_file(type_error) && isManifestFile(it->path()))
                    files.push_back(it->path());
            }
            std::sort(files.begin(), files.end());  // kubectl reads a directory in name order
            for (const auto& file : files)
                readFile(m, file, options, cache);
        } else {
            readFile(m, path, options, cache);
        }
    }
    if (cache) cache->endLoad();
    finishLoading(m, options);
    return m;
}

Manifests loadManifestsFromText(std::string_view text, const std::string& file_name,
                                const LoadOptions& options) {
    Manifests m;
    addManifestText(m, text, file_name, options);
    finishLoading(m, options);
    return m;
}

Manifests loadManifestSources(const std::vector<ManifestSource>& sources,
                              const LoadOptions& options) {
    Manifests m;
    for (const auto& source : sources) addManifestText(m, source.text, source.file_name, options);
    finishLoading(m, options);
    return m;
}

}  // namespace ilab::model
