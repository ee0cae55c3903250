#pragma once
// The ingress-nginx annotation families (canary, rewrite, redirect, source ranges, upstream,
// proxy, rate limit, balancing, affinity, CORS, auth) read into neutral policies.
#include "engine/dialect/nginx_reader.h"
#include "engine/dialect/policies.h"

namespace ilab::dialect::nginx {

// Reads every family the lab models into `policies`. Invalid values are reported through
// `reader` with ingress-nginx's consequence; the disposition is left to the caller, which
// decides which findings count (a canary Ingress ignores most of them).
void readFamilies(AnnotationReader& reader, IngressPolicies& policies);

}  // namespace ilab::dialect::nginx
