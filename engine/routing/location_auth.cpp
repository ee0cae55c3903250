#include "engine/routing/location_auth.h"

#include <algorithm>

#include "engine/core/text.h"

namespace ilab::routing {
namespace {

const char* codeOf(dialect::HtpasswdIssue::Kind kind) {
    switch (kind) {
        case dialect::HtpasswdIssue::Kind::Malformed:
            return "ILAB-AUTH-002";
        case dialect::HtpasswdIssue::Kind::UnsupportedHash:
            return "ILAB-AUTH-003";
        case dialect::HtpasswdIssue::Kind::ShadowedUser:
            return "ILAB-AUTH-004";
    }
    return "ILAB-AUTH-002";
}

const char* hintOf(dialect::HtpasswdIssue::Kind kind) {
    switch (kind) {
        case dialect::HtpasswdIssue::Kind::Malformed:
            return "write one user:hash per line, e.g. htpasswd -nbB user password";
        case dialect::HtpasswdIssue::Kind::UnsupportedHash:
            return "use bcrypt (htpasswd -B), $apr1$ (htpasswd -m) or $6$ (openssl passwd -6)";
        case dialect::HtpasswdIssue::Kind::ShadowedUser:
            return "keep one line per user";
    }
    return "";
}

}  // namespace

std::shared_ptr<const LocationAuth> LocationAuthResolver::resolve(
    const model::Ingress& ingress, const dialect::AuthPolicy& policy) {
    if ((policy.type != "basic" && policy.type != "digest") || !policy.secret) return nullptr;
    auto auth = std::make_shared<LocationAuth>();
    auth->type = policy.type;
    auth->realm = policy.realm.value_or("");
    const std::string ingress_name = ingress.meta.qualifiedName();
    auto annotationAt = [&](std::string_view name) {
        const auto it = ingress.meta.annotation_locations.find(std::string(prefix_) +
                                                               std::string(name));
        return it == ingress.meta.annotation_locations.end() ? ingress.meta.location : it->second;
    };
    auto deny = [&](std::string why, std::string hint) {
        auth->denied = why;
        if (findings_)
            findings_->add({core::Severity::Error, "ILAB-AUTH-001",
                            why + ": ingress-nginx denies the Ingress's locations (503)",
                            std::move(hint), annotationAt("auth-secret"),
                            "Ingress " + ingress_name});
        return auth;
    };

    // cache.SplitMetaNamespaceKey: "name" or "namespace/name", nothing else.
    const std::string& written = *policy.secret;
    const std::vector<std::string> parts = core::split(written, '/');
    if (parts.size() > 2 || parts.back().empty())
        return deny("auth-secret " + core::quoted(written) + " is not a name or namespace/name",
                    "write the Secret as name or namespace/name");
    const std::string ns =
        parts.size() == 2 && !parts[0].empty() ? parts[0] : ingress.meta.namespace_;
    const std::string& name = parts.back();
    auth->secret = ns + "/" + name;
    if (ns != ingress.meta.namespace_ && !allow_cross_namespace_)
        return deny("auth-secret " + core::quoted(auth->secret) +
                        " is in another namespace and allow-cross-namespace-resources is false",
                    "put the Secret in namespace " + core::quoted(ingress.meta.namespace_));
    const model::Secret* secret = manifests_.findSecret(ns, name);
    if (!secret)
        return deny("auth-secret " + core::quoted(auth->secret) + " does not exist",
                    "create the Secret, e.g. kubectl create secret generic " + name +
                        " --from-file=auth");
    if (policy.secret_type != "auth-map" && !secret->data.count("auth"))
        return deny("Secret " + core::quoted(auth->secret) + " has no key \"auth\"",
                    "put the htpasswd text under the key auth, or set auth-secret-type: auth-map");
    if (auth->type == "digest") {
        // An htdigest file (user:realm:md5) is not an htpasswd one: it is not read at all.
        if (findings_)
            findings_->add({core::Severity::Warning, "ILAB-AUTH-005",
                            "auth-type \"digest\" (nginx-http-auth-digest, RFC 2617) is not "
                            "simulated: the lab answers 401 to every request of this Ingress",
                            "use auth-type: basic in the lab", annotationAt("auth-type"),
                            "Ingress " + ingress_name});
        return auth;
    }
    auth->users = readUsers(*secret, policy.secret_type, ingress_name);
    return auth;
}

std::shared_ptr<const dialect::Htpasswd> LocationAuthResolver::readUsers(
    const model::Secret& secret, const std::string& secret_type, const std::string& ingress) {
    const std::string key = secret.meta.qualifiedName() + " " + secret_type;
    if (auto it = read_.find(key); it != read_.end()) return it->second;
    auto users = std::make_shared<dialect::Htpasswd>();
    std::vector<dialect::HtpasswdIssue> issues;
    // The values read, in source order; for auth-map ingress-nginx writes each key out as
    // "key:value\n" (dumpSecretAuthMap), so a finding's column is shifted by the key and ':'.
    std::vector<std::pair<const std::string*, const model::SecretValue*>> sources;
    if (secret_type == "auth-map") {
        for (const auto& [user, value] : secret.data) {
            sources.emplace_back(&user, &value);
            users->read(user + ":" + value.value + "\n", sources.size() - 1, &issues);
        }
    } else {
        const model::SecretValue& auth = secret.data.at("auth");
        sources.emplace_back(nullptr, &auth);
        users->read(auth.value, 0, &issues);
    }
    const std::string object = "Secret " + secret.meta.qualifiedName() +
                               " (auth-secret of Ingress " + ingress + ")";
    if (findings_) {
        for (const dialect::HtpasswdIssue& issue : issues) {
            const auto& [user, value] = sources[issue.source];
            std::size_t column = issue.column;
            if (user && issue.line == 1) column = column > user->size() + 1 ? column - user->size() - 1 : 1;
            findings_->add({core::Severity::Warning, codeOf(issue.kind), issue.message,
                            hintOf(issue.kind), value->at(issue.line, column), object});
        }
        if (users->empty())
            findings_->add({core::Severity::Warning, "ILAB-AUTH-006",
                            "Secret " + core::quoted(secret.meta.qualifiedName()) +
                                " holds no user: every request is refused (401)",
                            "add user:hash lines, e.g. htpasswd -nbB user password",
                            sources.empty() ? secret.meta.location : sources.front().second->location,
                            object});
    }
    read_.emplace(key, users);
    return users;
}

}  // namespace ilab::routing
