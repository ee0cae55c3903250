#include "engine/tls/certificate_authority.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/atomic_file.h"

namespace ilab::tls {
namespace {

constexpr const char* kCode = "ILAB-TLS-003";

core::SourceLocation fileLocation(const std::filesystem::path& path) {
    core::SourceLocation location;
    location.file = std::make_shared<const std::string>(path.string());
    return location;
}

EvpPkeyPtr newP256Key() {
    return EvpPkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
}

bool addNameEntry(X509_NAME* name, const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
}

// A positive random serial below 2^159: RFC 5280 allows 20 octets, and browsers want at least
// 64 bits of randomness so that no two lab certificates share an issuer and serial.
bool setRandomSerial(X509* certificate) {
    unsigned char bytes[20];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;  // never zero, never with leading zero octets
    std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>> number(
        BN_bin2bn(bytes, sizeof bytes, nullptr));
    return number && BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate));
}

bool addExtension(X509* certificate, X509V3_CTX* context, int nid, const char* value) {
    X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

// Validity from an hour ago, so that a client whose clock is a little behind still accepts a
// certificate made a moment before it connects.
bool setValidity(X509* certificate, std::chrono::seconds validity) {
    return X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) &&
           X509_time_adj_ex(X509_getm_notAfter(certificate),
                            static_cast<int>(validity.count() / 86400),
                            static_cast<long>(validity.count() % 86400), nullptr);
}

// subjectAltName from names: IP addresses as iPAddress entries, everything else as dNSName.
bool addSubjectAltNames(X509* certificate, const std::vector<std::string>& names) {
    GeneralNamesPtr general_names(sk_GENERAL_NAME_new_null());
    if (!general_names) return false;
    for (const std::string& name : names) {
        GENERAL_NAME* entry = nullptr;
        if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str())) {
            entry = GENERAL_NAME_new();
            if (!entry) {
                ASN1_OCTET_STRING_free(ip);
                return false;
            }
            GENERAL_NAME_set0_value(entry, GEN_IPADD, ip);
        } else {
            ERR_clear_error();  // a2i_IPADDRESS queues an error for every non-address
            ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
            if (!dns || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
                ASN1_IA5STRING_free(dns);
                return false;
            }
            entry = GENERAL_NAME_new();
            if (!entry) {
                ASN1_IA5STRING_free(dns);
                return false;
            }
            GENERAL_NAME_set0_value(entry, GEN_DNS, dns);
        }
        if (sk_GENERAL_NAME_push(general_names.get(), entry) <= 0) {
            GENERAL_NAME_free(entry);
            return false;
        }
    }
    return X509_add1_ext_i2d(certificate, NID_subject_alt_name, general_names.get(), 0,
                             X509V3_ADD_DEFAULT) == 1;
}

// Holds an exclusive flock on a directory for the life of the object, so that two lab processes
// starting together do not each write half of a CA pair.
class DirectoryLock {
public:
    explicit DirectoryLock(const std::filesystem::path& directory)
        : fd_(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (fd_ >= 0) {
            while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
            }
        }
    }
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;
    ~DirectoryLock() {
        if (fd_ >= 0) ::close(fd_);  // closing releases the lock
    }

private:
    int fd_;
};

}  // namespace

std::filesystem::path defaultCaDirectory() {
    // XDG: a relative XDG_DATA_HOME is invalid and must be ignored.
    if (const char* data = std::getenv("XDG_DATA_HOME"); data && data[0] == '/')
        return std::filesystem::path(data) / "ingress-lab";
    std::string home;
    if (const char* env = std::getenv("HOME"); env && env[0] == '/') {
        home = env;
    } else {
        struct passwd entry {};
        struct passwd* found = nullptr;
        char buffer[4096];
        if (::getpwuid_r(::getuid(), &entry, buffer, sizeof buffer, &found) == 0 && found &&
            found->pw_dir && found->pw_dir[0] == '/')
            home = found->pw_dir;
    }
    if (home.empty()) return {};
    return std::filesystem::path(home) / ".local" / "share" / "ingress-lab";
}

std::optional<CertificateAuthority> CertificateAuthority::generate(core::Diagnostics& diagnostics) {
    auto failed = [&](const std::string& what) {
        diagnostics.error(kCode, "cannot generate the lab CA: " + what + ": " + takeOpenSslErrors(),
                          {});
        return std::nullopt;
    };
    EvpPkeyPtr key = newP256Key();
    if (!key) return failed("key generation");
    X509Ptr certificate(X509_new());
    if (!certificate) return failed("X509_new");
    X509* cert = certificate.get();
    X509_NAME* name = X509_get_subject_name(cert);
    if (X509_set_version(cert, X509_VERSION_3) != 1 || !setRandomSerial(cert) ||
        !setValidity(cert, std::chrono::duration_cast<std::chrono::seconds>(kValidity)) ||
        X509_set_pubkey(cert, key.get()) != 1 || !addNameEntry(name, "O", "Ingress Lab") ||
        !addNameEntry(name, "CN", kCommonName) || X509_set_issuer_name(cert, name) != 1)
        return failed("certificate fields");
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    // pathlen:0 keeps the CA from signing intermediate CAs: it only ever issues servers.
    if (!addExtension(cert, &context, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !addExtension(cert, &context, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !addExtension(cert, &context, NID_subject_key_identifier, "hash"))
        return failed("extensions");
    if (X509_sign(cert, key.get(), EVP_sha256()) <= 0) return failed("signing");
    return CertificateAuthority(std::move(certificate), std::move(key));
}

std::optional<CertificateAuthority> CertificateAuthority::load(
    const std::filesystem::path& directory, core::Diagnostics& diagnostics) {
    const auto cert_path = directory / kCertificateFile;
    const auto key_path = directory / kKeyFile;
    std::string cert_pem, key_pem, error;
    if (!core::readWholeFile(cert_path, cert_pem, &error)) {
        diagnostics.error(kCode, "cannot read the lab CA certificate: " + error,
                          fileLocation(cert_path));
        return std::nullopt;
    }
    if (!core::readWholeFile(key_path, key_pem, &error)) {
        diagnostics.error(kCode, "cannot read the lab CA key: " + error, fileLocation(key_path),
                          "ca.crt exists without its key: move the directory " +
                              directory.string() + " aside to make a new CA (and trust it again)");
        return std::nullopt;
    }
    X509Ptr certificate = certificateFromPem(cert_pem);
    if (!certificate) {
        diagnostics.error(kCode, "ca.crt holds no PEM certificate: " + takeOpenSslErrors(),
                          fileLocation(cert_path));
        return std::nullopt;
    }
    EvpPkeyPtr key = privateKeyFromPem(key_pem);
    if (!key) {
        diagnostics.error(kCode,
                          "ca.key holds no unencrypted PEM private key: " + takeOpenSslErrors(),
                          fileLocation(key_path));
        return std::nullopt;
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        diagnostics.error(kCode, "ca.key does not match ca.crt", fileLocation(key_path),
                          "restore the matching pair or move the directory aside");
        return std::nullopt;
    }
    if (X509_check_ca(certificate.get()) == 0) {
        diagnostics.error(kCode, "ca.crt is not a CA certificate (basicConstraints CA:TRUE)",
                          fileLocation(cert_path));
        return std::nullopt;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(certificate.get())) < 0)
        diagnostics.warning(kCode, "the lab CA certificate has expired: clients will reject it",
                            fileLocation(cert_path),
                            "move the directory aside to make a new CA, then trust it again");
    struct stat info {};
    if (::stat(key_path.c_str(), &info) == 0 && (info.st_mode & 077) != 0)
        diagnostics.warning(kCode, "ca.key is readable by other users", fileLocation(key_path),
                            "chmod 600 " + key_path.string());
    CertificateAuthority ca(std::move(certificate), std::move(key));
    ca.certificate_path_ = cert_path;
    return ca;
}

bool CertificateAuthority::save(const std::filesystem::path& directory,
                                core::Diagnostics& diagnostics) const {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        diagnostics.error(kCode, "cannot create " + directory.string() + ": " + ec.message(),
                          fileLocation(directory));
        return false;
    }
    std::string error;
    // The key first: a ca.crt on disk always has its key beside it, and a stray key without a
    // certificate is simply replaced on the next start (nobody can have trusted it).
    if (!core::writeFileAtomically(directory / kKeyFile, toPem(key_.get()), 0600, &error) ||
        !core::writeFileAtomically(directory / kCertificateFile, toPem(certificate_.get()), 0644,
                             &error)) {
        diagnostics.error(kCode, "cannot write the lab CA: " + error, fileLocation(directory));
        return false;
    }
    return true;
}

std::optional<CertificateAuthority> CertificateAuthority::loadOrCreate(
    const std::filesystem::path& directory, core::Diagnostics& diagnostics) {
    if (directory.empty()) {
        diagnostics.error(kCode,
                          "no directory for the lab CA: neither XDG_DATA_HOME nor HOME is set", {},
                          "set HOME or XDG_DATA_HOME");
        return std::nullopt;
    }
    std::error_code ec;
    if (!std::filesystem::exists(directory, ec)) {
        std::filesystem::create_directories(directory, ec);
        // The CA key lives here: keep the directory private whatever the umask says.
        if (!ec) std::filesystem::permissions(directory, std::filesystem::perms::owner_all, ec);
        if (ec) {
            diagnostics.error(kCode, "cannot create " + directory.string() + ": " + ec.message(),
                              fileLocation(directory));
            return std::nullopt;
        }
    }
    DirectoryLock lock(directory);
    if (std::filesystem::exists(directory / kCertificateFile, ec))
        return load(directory, diagnostics);
    std::optional<CertificateAuthority> ca = generate(diagnostics);
    if (!ca || !ca->save(directory, diagnostics)) return std::nullopt;
    ca->certificate_path_ = directory / kCertificateFile;
    return ca;
}

std::optional<IssuedCertificate> CertificateAuthority::issue(
    const std::vector<std::string>& names, std::chrono::seconds validity,
    const std::string& common_name, const std::string& organization) const {
    if (names.empty()) return std::nullopt;
    std::optional<IssuedCertificate> issued =
        issueUnchecked(names, validity, common_name, organization);
    // Leave no stale reasons on this thread's error queue for the next, unrelated, caller.
    if (!issued) ERR_clear_error();
    return issued;
}

std::optional<IssuedCertificate> CertificateAuthority::issueUnchecked(
    const std::vector<std::string>& names, std::chrono::seconds validity,
    const std::string& common_name, const std::string& organization) const {
    IssuedCertificate issued;
    issued.key = newP256Key();
    issued.certificate.reset(X509_new());
    X509* cert = issued.certificate.get();
    if (!issued.key || !cert) return std::nullopt;
    std::string cn = common_name;
    if (cn.empty()) {
        // X.509 caps commonName at 64 characters; a longer host lives only in the SANs.
        for (const std::string& name : names) {
            if (name.size() <= 64) {
                cn = name;
                break;
            }
        }
    }
    X509_NAME* subject = X509_get_subject_name(cert);
    if (X509_set_version(cert, X509_VERSION_3) != 1 || !setRandomSerial(cert) ||
        !setValidity(cert, validity) || X509_set_pubkey(cert, issued.key.get()) != 1 ||
        (!organization.empty() && !addNameEntry(subject, "O", organization)) ||
        (!cn.empty() && !addNameEntry(subject, "CN", cn)) ||
        X509_set_issuer_name(cert, X509_get_subject_name(certificate_.get())) != 1)
        return std::nullopt;
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate_.get(), cert, nullptr, nullptr, 0);
    if (!addExtension(cert, &context, NID_basic_constraints, "critical,CA:FALSE") ||
        !addExtension(cert, &context, NID_key_usage, "critical,digitalSignature") ||
        !addExtension(cert, &context, NID_ext_key_usage, "serverAuth") ||
        !addExtension(cert, &context, NID_subject_key_identifier, "hash") ||
        !addExtension(cert, &context, NID_authority_key_identifier, "keyid:always") ||
        !addSubjectAltNames(cert, names))
        return std::nullopt;
    if (X509_sign(cert, key_.get(), EVP_sha256()) <= 0) return std::nullopt;
    return issued;
}

}  // namespace ilab::tls
