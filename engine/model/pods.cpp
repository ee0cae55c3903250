#include "engine/model/pods.h"

#include <cstdint>
#include <string>

namespace ilab::model {
namespace {

// Kubernetes' rand.SafeEncodeString alphabet: no vowels, no look-alike characters.
constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::uint32_t fnv1a(std::string_view data, std::uint32_t hash = 2166136261u) {
    for (unsigned char c : data) {
        hash ^= c;
        hash *= 16777619u;
    }
    return hash;
}

std::string safeEncode(std::string_view s) {
    std::string out;
    for (unsigned char c : s)
        out.push_back(kSafeAlphabet[c % kSafeAlphabet.size()]);
    return out;
}

// A canonical text of the pod template, standing in for the hash Kubernetes computes over it.
std::string templateText(const Workload& w) {
    std::string text = w.meta.namespace_ + "/" + w.meta.name;
    for (const auto& [k, v] : w.template_labels)
        text += "|" + k + "=" + v;
    for (const auto& p : w.ports)
        text += "|" + p.container + ":" + p.name + ":" + std::to_string(p.container_port);
    return text;
}

}  // namespace

std::vector<Pod> podsFor(const Workload& w, int revision) {
    std::vector<Pod> pods;
    std::string text = templateText(w);
    if (revision > 0) text += "|revision=" + std::to_string(revision);
    const std::string hash = safeEncode(std::to_string(fnv1a(text)));
    for (int i = 0; i < w.replicas; ++i) {
        Pod pod;
        pod.meta.namespace_ = w.meta.namespace_;
        pod.meta.location = w.meta.location;
        pod.meta.labels = w.template_labels;
        pod.owner_kind = w.kind;
        pod.owner_name = w.meta.name;
        pod.ports = w.ports;
        if (w.kind == "StatefulSet") {
            pod.meta.name = w.meta.name + "-" + std::to_string(i);
            pod.meta.labels["statefulset.kubernetes.io/pod-name"] = pod.meta.name;
            pod.meta.labels["apps.kubernetes.io/pod-index"] = std::to_string(i);
        } else {
            std::string suffix;
            std::uint32_t seed = fnv1a(hash + "#" + std::to_string(i));
            for (int c = 0; c < 5; ++c) {
                suffix.push_back(kSafeAlphabet[seed % kSafeAlphabet.size()]);
                seed =
                    seed / static_cast<std::uint32_t>(kSafeAlphabet.size()) ^ fnv1a(suffix, seed);
            }
            pod.meta.name = w.meta.name + "-" + hash + "-" + suffix;
            pod.meta.labels["pod-template-hash"] = hash;
        }
        pods.push_back(std::move(pod));
    }
    return pods;
}

}  // namespace ilab::model
