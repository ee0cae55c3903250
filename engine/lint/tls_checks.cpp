// Do the TLS Secrets that Ingresses name exist, hold a certificate, and cover their hosts?
#include <ctime>

#include "engine/core/text.h"
#include "engine/lint/linter.h"

namespace ilab::lint {
namespace {

using core::quoted;

std::string dateOf(long long epoch) {
    const std::time_t t = static_cast<std::time_t>(epoch);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
    return buffer;
}

}  // namespace

void checkTls(const model::Manifests& m, long long now, core::Diagnostics& out) {
    for (const model::Ingress& ing : m.ingresses) {
        if (ing.rejected || !ing.claimed) continue;
        const std::string object = "Ingress " + ing.meta.qualifiedName();
        auto add = [&](core::Severity s, const char* code, std::string message,
                       const core::SourceLocation& at, std::string hint) {
            out.add({s, code, std::move(message), std::move(hint), at, object});
        };
        for (const model::IngressTls& tls : ing.tls) {
            if (tls.secret_name.empty()) continue;  // SNI only: the default certificate serves
            const model::Secret* secret = m.findSecret(ing.meta.namespace_, tls.secret_name);
            const std::string name = quoted(ing.meta.namespace_ + "/" + tls.secret_name);
            if (!secret) {
                add(core::Severity::Error, "ILAB-LINT-005",
                    "TLS Secret " + name +
                        " does not exist: HTTPS gets the default (fake) certificate",
                    tls.secret_location,
                    "create a kubernetes.io/tls Secret with tls.crt and tls.key");
                continue;
            }
            if (secret->type != "kubernetes.io/tls" || !secret->has_crt || !secret->has_key) {
                std::string what =
                    secret->type != "kubernetes.io/tls"
                        ? "is of type " + quoted(secret->type) + ", not \"kubernetes.io/tls\""
                        : "lacks " + std::string(!secret->has_crt ? "tls.crt" : "tls.key");
                add(core::Severity::Error, "ILAB-LINT-006", "TLS Secret " + name + " " + what,
                    tls.secret_location, "kubectl create secret tls NAME --cert=... --key=...");
                continue;
            }
            const model::CertificateInfo& cert = secret->certificate;
            if (!cert.parsed) {
                add(core::Severity::Error, "ILAB-LINT-006",
                    "TLS Secret " + name + ": " +
                        (cert.error.empty() ? "unreadable certificate" : cert.error),
                    tls.secret_location, "tls.crt must hold a PEM certificate");
                continue;
            }
            if (cert.not_after && cert.not_after < now)
                add(core::Severity::Error, "ILAB-LINT-008",
                    "certificate in " + name + " expired on " + dateOf(cert.not_after),
                    tls.secret_location, "renew the certificate");
            else if (cert.not_before && cert.not_before > now)
                add(core::Severity::Warning, "ILAB-LINT-009",
                    "certificate in " + name + " is not valid before " + dateOf(cert.not_before),
                    tls.secret_location, "check the issuing clock");
            for (std::size_t i = 0; i < tls.hosts.size(); ++i) {
                if (cert.covers(tls.hosts[i])) continue;
                add(core::Severity::Warning, "ILAB-LINT-007",
                    "certificate in " + name + " does not cover host " + quoted(tls.hosts[i]) +
                        " (it names " + core::join(cert.dns_names, ", ") + ")",
                    tls.host_locations[i], "clients will reject the certificate for this host");
            }
        }
    }
}

}  // namespace ilab::lint
