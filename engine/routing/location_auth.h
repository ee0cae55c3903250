#pragma once
// Basic and digest authentication of an Ingress, with its Secret read at compile time, as
// ingress-nginx's auth annotation parser does (internal/ingress/annotations/auth/main.go): the
// Secret in the Ingress's namespace (another one only with the ConfigMap's
// allow-cross-namespace-resources), an htpasswd file in its `auth` key (auth-file) or one user
// per key (auth-map), and "location denied" (503) when it cannot be read.
//
// Kept per Ingress (Location::auth, Server::root_auth), never inside the IngressPolicies that
// Ingresses with the same annotations share: the same auth-secret name means another Secret in
// another namespace. Immutable once built; shared by the table's locations and threads.
#include <map>
#include <memory>
#include <string>

#include "engine/core/diagnostic.h"
#include "engine/dialect/htpasswd.h"
#include "engine/dialect/policies.h"
#include "engine/model/manifests.h"

namespace ilab::routing {

struct LocationAuth {
    std::string type;    // "basic" or "digest"
    std::string realm;   // auth-realm ("" by default)
    std::string secret;  // namespace/name
    // Why ingress-nginx denies the Ingress's locations (503): the Secret is missing, has no
    // `auth` key, or is in another namespace. "" when it was read.
    std::string denied;
    std::shared_ptr<const dialect::Htpasswd> users;  // the user file; null when denied
};

// Resolves the auth Secrets of one compile, reading each Secret once however many Ingresses
// name it, and reporting what makes a user line never match (ILAB-AUTH-*) once per Secret.
class LocationAuthResolver {
  public:
    // `annotation_prefix` ("nginx.ingress.kubernetes.io/") locates findings at the annotations.
    LocationAuthResolver(const model::Manifests& manifests, std::string annotation_prefix,
                         bool allow_cross_namespace_resources, core::Diagnostics* findings)
        : manifests_(manifests),
          prefix_(std::move(annotation_prefix)),
          allow_cross_namespace_(allow_cross_namespace_resources),
          findings_(findings) {}

    // nullptr when the Ingress has no basic or digest authentication.
    std::shared_ptr<const LocationAuth> resolve(const model::Ingress& ingress,
                                                const dialect::AuthPolicy& policy);

  private:
    std::shared_ptr<const dialect::Htpasswd> readUsers(const model::Secret& secret,
                                                       const std::string& secret_type,
                                                       const std::string& ingress);

    const model::Manifests& manifests_;
    std::string prefix_;
    bool allow_cross_namespace_;
    core::Diagnostics* findings_;
    std::map<std::string, std::shared_ptr<const dialect::Htpasswd>> read_;  // ns/name type
};

}  // namespace ilab::routing
