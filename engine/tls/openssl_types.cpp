#include "engine/tls/openssl_types.h"

#include <limits>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace ilab::tls {
namespace {

std::string memoryBioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

BioPtr readOnlyBio(std::string_view text) {
    return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// OpenSSL's default password callback reads the terminal: an encrypted key in a Secret would
// block the lab on a prompt. Refusing every passphrase makes it an ordinary unreadable key.
int refusePassphrase(char*, int, int, void*) {
    return 0;
}

}  // namespace

SharedSslCtx shareSslCtx(SslCtxPtr ctx) {
    return SharedSslCtx(ctx.release(), OpenSslDeleter<&SSL_CTX_free>());
}

std::string takeOpenSslErrors(std::string_view fallback) {
    std::string out;
    while (const unsigned long code = ERR_get_error()) {
        const char* reason = ERR_reason_error_string(code);
        char buffer[256];
        if (!reason) {
            ERR_error_string_n(code, buffer, sizeof buffer);
            reason = buffer;
        }
        if (out.find(reason) != std::string::npos) continue;  // the same reason from each layer
        if (!out.empty()) out += "; ";
        out += reason;
    }
    return out.empty() ? std::string(fallback) : out;
}

std::string toPem(const X509* certificate) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) return {};
    return memoryBioText(bio.get());
}

std::string toPem(const EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return {};
    return memoryBioText(bio.get());
}

X509Ptr certificateFromPem(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
    BioPtr bio = readOnlyBio(pem);
    if (!bio) return nullptr;
    return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, refusePassphrase, nullptr));
}

EvpPkeyPtr privateKeyFromPem(std::string_view pem) {
    if (pem.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
    BioPtr bio = readOnlyBio(pem);
    if (!bio) return nullptr;
    return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, refusePassphrase, nullptr));
}

}  // namespace ilab::tls
