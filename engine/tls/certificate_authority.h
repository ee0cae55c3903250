#pragma once
// The lab's own certificate authority. The user trusts its certificate once (curl --cacert, a
// browser's trust store); every certificate the lab makes up afterwards (the default
// certificate, test servers) is issued by it, so TLS to the lab verifies like TLS to a real
// cluster with a real CA.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/tls/openssl_types.h"

namespace ilab::tls {

// A certificate with its private key.
struct IssuedCertificate {
    X509Ptr certificate;
    EvpPkeyPtr key;

    std::string certificatePem() const { return toPem(certificate.get()); }
    std::string keyPem() const { return toPem(key.get()); }
};

// Where the lab keeps its CA: $XDG_DATA_HOME/ingress-lab, else ~/.local/share/ingress-lab
// (the XDG base directory rules). Empty when neither variable is usable.
std::filesystem::path defaultCaDirectory();

class CertificateAuthority {
public:
    static constexpr const char* kCertificateFile = "ca.crt";  // 0644: meant to be shared
    static constexpr const char* kKeyFile = "ca.key";          // 0600: only the user
    static constexpr const char* kCommonName = "Ingress Lab CA";
    static constexpr std::chrono::hours kValidity{24 * 3650};  // ten years
    static constexpr std::chrono::hours kLeafValidity{24 * 365};

    // A new CA held in memory only: ECDSA P-256, ten years, CN "Ingress Lab CA", CA:TRUE,
    // keyUsage keyCertSign and cRLSign. nullopt (with a diagnostic) only when OpenSSL fails.
    static std::optional<CertificateAuthority> generate(core::Diagnostics& diagnostics);

    // The CA in `directory`: loads ca.crt and ca.key, or, when ca.crt does not exist yet,
    // generates a CA and writes both files atomically (the directory is created 0700). A
    // ca.crt the user may already trust is never overwritten: a missing, unreadable or
    // mismatched key is an ILAB-TLS-003 error and nullopt; callers may fall back to generate().
    // Safe against other lab processes doing the same at once (the directory is locked).
    static std::optional<CertificateAuthority> loadOrCreate(const std::filesystem::path& directory,
                                                            core::Diagnostics& diagnostics);

    // Loads an existing pair without creating anything.
    static std::optional<CertificateAuthority> load(const std::filesystem::path& directory,
                                                    core::Diagnostics& diagnostics);

    // Writes ca.crt (0644) and ca.key (0600) into `directory`, each atomically.
    bool save(const std::filesystem::path& directory, core::Diagnostics& diagnostics) const;

    // A leaf certificate for a server: a fresh ECDSA P-256 key, subjectAltName with a DNS entry
    // per name (IP entries for names that are IP addresses; "*.example.com" wildcards allowed),
    // extendedKeyUsage serverAuth, a random 159-bit serial, valid from an hour ago (clock skew)
    // for `validity`. The common name is the first name that fits (64 characters) unless
    // `common_name` is given. Const and thread-safe: the CA may issue from many threads.
    // nullopt only when OpenSSL fails (or `names` is empty).
    std::optional<IssuedCertificate> issue(const std::vector<std::string>& names,
                                           std::chrono::seconds validity = kLeafValidity,
                                           const std::string& common_name = {},
                                           const std::string& organization = {}) const;

    X509* certificate() const { return certificate_.get(); }
    EVP_PKEY* key() const { return key_.get(); }
    std::string certificatePem() const { return toPem(certificate_.get()); }
    // Where ca.crt is when the CA came from or went to a directory (empty otherwise): what
    // front ends print so the user can trust it.
    const std::filesystem::path& certificatePath() const { return certificate_path_; }

    CertificateAuthority(CertificateAuthority&&) noexcept = default;
    CertificateAuthority& operator=(CertificateAuthority&&) noexcept = default;

private:
    CertificateAuthority(X509Ptr certificate, EvpPkeyPtr key)
        : certificate_(std::move(certificate)), key_(std::move(key)) {}

    std::optional<IssuedCertificate> issueUnchecked(const std::vector<std::string>& names,
                                                    std::chrono::seconds validity,
                                                    const std::string& common_name,
                                                    const std::string& organization) const;

    X509Ptr certificate_;
    EvpPkeyPtr key_;
    std::filesystem::path certificate_path_;
};

}  // namespace ilab::tls
