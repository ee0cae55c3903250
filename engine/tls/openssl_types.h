#pragma once
// Owning handles for the OpenSSL objects the lab uses: every one is freed by its destructor, so no
// code path (early return, failed check) can leak one. Safe to use from any thread; an object
// itself is only as thread-safe as OpenSSL makes it.
#include <memory>
#include <string>
#include <string_view>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ilab::tls {

// Calls an OpenSSL free function; a stateless deleter keeps each handle one pointer wide.
template <auto Free>
struct OpenSslDeleter {
    template <class T>
    void operator()(T* object) const noexcept {
        Free(object);
    }
};

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter<&X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<&X509_STORE_CTX_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter<&SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter<&SSL_free>>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, OpenSslDeleter<&SSL_SESSION_free>>;

// Shares one SSL_CTX between owners (stores of successive generations, the proxy) through
// OpenSSL's own reference count, so each owner may outlive the others.
using SharedSslCtx = std::shared_ptr<SSL_CTX>;
SharedSslCtx shareSslCtx(SslCtxPtr ctx);

// The reasons on this thread's OpenSSL error queue, joined with "; ", and the queue cleared.
// `fallback` when the queue is empty.
std::string takeOpenSslErrors(std::string_view fallback = "unknown OpenSSL error");

// PEM text of a certificate or private key (PKCS#8, unencrypted).
std::string toPem(const X509* certificate);
std::string toPem(const EVP_PKEY* key);

// The first certificate / private key in PEM text, or null.
X509Ptr certificateFromPem(std::string_view pem);
EvpPkeyPtr privateKeyFromPem(std::string_view pem);

}  // namespace ilab::tls
