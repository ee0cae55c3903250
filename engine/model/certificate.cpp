#include "engine/model/certificate.h"

#include <ctime>
#include <memory>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace ilab::model {
namespace {

long long toEpoch(const ASN1_TIME* time) {
    struct tm tm {};
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
    return static_cast<long long>(timegm(&tm));
}

std::string subjectOf(X509* cert) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

}  // namespace

CertificateInfo readCertificate(std::string_view pem) {
    CertificateInfo info;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
    if (!cert) {
        info.error = "tls.crt holds no PEM certificate";
        return info;
    }
    info.parsed = true;
    info.subject = subjectOf(cert.get());
    info.not_before = toEpoch(X509_get0_notBefore(cert.get()));
    info.not_after = toEpoch(X509_get0_notAfter(cert.get()));

    auto* names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
    if (names) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
            if (name->type != GEN_DNS) continue;
            const ASN1_STRING* dns = name->d.dNSName;
            info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                        static_cast<std::size_t>(ASN1_STRING_length(dns)));
        }
        GENERAL_NAMES_free(names);
    }
    if (info.dns_names.empty()) {
        // Legacy certificates without SANs: clients fall back to the common name.
        X509_NAME* subject = X509_get_subject_name(cert.get());
        const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        if (index >= 0) {
            const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
            info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                        static_cast<std::size_t>(ASN1_STRING_length(cn)));
        }
    }
    return info;
}

}  // namespace ilab::model
