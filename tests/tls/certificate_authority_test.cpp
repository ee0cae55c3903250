#include "engine/tls/certificate_authority.h"

#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <sys/stat.h>

#include "engine/core/atomic_file.h"
#include "tests/tls/tls_test_support.h"

namespace ilab::tls {
namespace {

using testing::makeCa;
using testing::TempDir;

mode_t modeOf(const std::filesystem::path& path) {
    struct stat info {};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
}

std::string subjectField(X509* certificate, int nid) {
    X509_NAME* name = X509_get_subject_name(certificate);
    const int index = X509_NAME_get_index_by_NID(name, nid, -1);
    if (index < 0) return {};
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                       static_cast<std::size_t>(ASN1_STRING_length(value)));
}

// Days from now until the certificate's notAfter.
int daysLeft(X509* certificate) {
    int days = 0, seconds = 0;
    ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate));
    return days;
}

std::string curveOf(X509* certificate) {
    char name[64] = {};
    size_t length = 0;
    EVP_PKEY_get_utf8_string_param(X509_get0_pubkey(certificate), "group", name, sizeof name,
                                   &length);
    return name;
}

// Verifies `leaf` against `ca` as a TLS server certificate, the way a client would.
int verify(X509* ca, X509* leaf, std::string* error = nullptr) {
    X509StorePtr store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca);
    X509StoreCtxPtr context(X509_STORE_CTX_new());
    X509_STORE_CTX_init(context.get(), store.get(), leaf, nullptr);
    X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_SERVER);
    const int rc = X509_verify_cert(context.get());
    if (error) *error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
    return rc;
}

class RestoreEnv {
public:
    explicit RestoreEnv(const char* name) : name_(name) {
        if (const char* value = std::getenv(name)) saved_ = value;
    }
    ~RestoreEnv() {
        if (saved_)
            ::setenv(name_, saved_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> saved_;
};

TEST(CertificateAuthorityTest, GeneratesAnEcdsaP256CaValidForTenYears) {
    CertificateAuthority ca = makeCa();
    X509* cert = ca.certificate();
    EXPECT_EQ(subjectField(cert, NID_commonName), "Ingress Lab CA");
    EXPECT_EQ(X509_check_ca(cert), 1);
    EXPECT_TRUE(X509_get_extension_flags(cert) & EXFLAG_CA);
    EXPECT_TRUE(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN);
    EXPECT_EQ(EVP_PKEY_get_base_id(ca.key()), EVP_PKEY_EC);
    EXPECT_EQ(curveOf(cert), "prime256v1");
    EXPECT_NEAR(daysLeft(cert), 3650, 1);
    EXPECT_EQ(X509_check_issued(cert, cert), X509_V_OK);  // self-signed
    EXPECT_EQ(X509_verify(cert, X509_get0_pubkey(cert)), 1);
    EXPECT_TRUE(ca.certificatePath().empty());  // in memory only
}

TEST(CertificateAuthorityTest, TwoCasNeverShareAKeyOrSerial) {
    CertificateAuthority a = makeCa(), b = makeCa();
    EXPECT_NE(EVP_PKEY_eq(a.key(), b.key()), 1);
    EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a.certificate()),
                               X509_get0_serialNumber(b.certificate())),
              0);
}

TEST(CertificateAuthorityTest, CreatesFilesWithTheirModesAndReloadsTheSameCa) {
    TempDir tmp;
    const auto dir = tmp.path() / "data" / "ingress-lab";
    const mode_t old_umask = ::umask(077);  // the modes must not depend on the user's umask
    core::Diagnostics diagnostics;
    std::optional<CertificateAuthority> created =
        CertificateAuthority::loadOrCreate(dir, diagnostics);
    ::umask(old_umask);
    ASSERT_TRUE(created) << formatDiagnostic(diagnostics.items().at(0));
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(created->certificatePath(), dir / "ca.crt");
    EXPECT_EQ(modeOf(dir / "ca.crt"), 0644);
    EXPECT_EQ(modeOf(dir / "ca.key"), 0600);
    EXPECT_EQ(modeOf(dir), 0700);

    std::optional<CertificateAuthority> loaded =
        CertificateAuthority::loadOrCreate(dir, diagnostics);
    ASSERT_TRUE(loaded);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(X509_cmp(created->certificate(), loaded->certificate()), 0);
    EXPECT_EQ(EVP_PKEY_eq(created->key(), loaded->key()), 1);
    // Loading never rewrites what the user may already trust.
    std::string pem;
    ASSERT_TRUE(core::readWholeFile(dir / "ca.crt", pem));
    EXPECT_EQ(pem, created->certificatePem());
}

TEST(CertificateAuthorityTest, CertificateFromAReloadedCaVerifiesAgainstTheFileOnDisk) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    std::optional<CertificateAuthority> ca = CertificateAuthority::load(tmp.path(), diagnostics);
    ASSERT_TRUE(ca);
    std::optional<IssuedCertificate> leaf = ca->issue({"shop.example.com"});
    ASSERT_TRUE(leaf);
    std::string pem;
    ASSERT_TRUE(core::readWholeFile(tmp.path() / "ca.crt", pem));
    X509Ptr trusted = certificateFromPem(pem);
    ASSERT_TRUE(trusted);
    EXPECT_EQ(verify(trusted.get(), leaf->certificate.get()), 1);
}

TEST(CertificateAuthorityTest, ConcurrentFirstStartsAgreeOnOneCa) {
    // Two lab processes started together must not each write half of a pair; the directory
    // lock makes all but the first load what the first wrote.
    TempDir tmp;
    const auto dir = tmp.path() / "ingress-lab";
    std::vector<std::string> pems(4);
    std::vector<std::thread> threads;
    for (std::string& pem : pems) {
        threads.emplace_back([&dir, &pem] {
            core::Diagnostics diagnostics;
            if (auto ca = CertificateAuthority::loadOrCreate(dir, diagnostics))
                pem = ca->certificatePem();
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    std::string on_disk;
    ASSERT_TRUE(core::readWholeFile(dir / "ca.crt", on_disk));
    for (const std::string& pem : pems)
        EXPECT_EQ(pem, on_disk);
    core::Diagnostics diagnostics;
    EXPECT_TRUE(CertificateAuthority::load(dir, diagnostics));
}

TEST(CertificateAuthorityTest, WritesNothingButTheTwoFiles) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(tmp.path()))
        names.insert(entry.path().filename().string());
    EXPECT_EQ(names, (std::set<std::string>{"ca.crt", "ca.key"}));
}

TEST(CertificateAuthorityTest, AtomicWriteReplacesTheFileWholeAndLeavesNoTemporary) {
    TempDir tmp;
    const auto path = tmp.path() / "file.pem";
    ASSERT_TRUE(core::writeFileAtomically(path, "old contents\n", 0600));
    std::ifstream reader(path);  // a reader that opened the old file keeps reading it whole
    const mode_t old_umask = ::umask(0);
    std::string error;
    ASSERT_TRUE(core::writeFileAtomically(path, "new contents\n", 0644, &error)) << error;
    ::umask(old_umask);
    std::string old_line;
    std::getline(reader, old_line);
    EXPECT_EQ(old_line, "old contents");
    std::string now;
    ASSERT_TRUE(core::readWholeFile(path, now));
    EXPECT_EQ(now, "new contents\n");
    EXPECT_EQ(modeOf(path), 0644);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(tmp.path()))
        ++files;
    EXPECT_EQ(files, 1u);
}

TEST(CertificateAuthorityTest, AtomicWriteFailureLeavesTheTargetUntouched) {
    TempDir tmp;
    const auto path = tmp.path() / "missing-dir" / "file.pem";
    std::string error;
    EXPECT_FALSE(core::writeFileAtomically(path, "x", 0600, &error));
    EXPECT_NE(error.find("missing-dir"), std::string::npos) << error;
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(CertificateAuthorityTest, CertificateWithoutItsKeyIsAnErrorAndIsNotOverwritten) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    std::string before;
    ASSERT_TRUE(core::readWholeFile(tmp.path() / "ca.crt", before));
    std::filesystem::remove(tmp.path() / "ca.key");

    EXPECT_FALSE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items()[0].code, "ILAB-TLS-003");
    EXPECT_EQ(diagnostics.items()[0].location.fileName(), (tmp.path() / "ca.key").string());
    std::string after;
    ASSERT_TRUE(core::readWholeFile(tmp.path() / "ca.crt", after));
    EXPECT_EQ(before, after);
}

TEST(CertificateAuthorityTest, KeyWithoutACertificateIsReplacedByANewPair) {
    TempDir tmp;
    ASSERT_TRUE(core::writeFileAtomically(tmp.path() / "ca.key", "left over from a crash", 0600));
    core::Diagnostics diagnostics;
    std::optional<CertificateAuthority> ca =
        CertificateAuthority::loadOrCreate(tmp.path(), diagnostics);
    ASSERT_TRUE(ca);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_TRUE(CertificateAuthority::load(tmp.path(), diagnostics));
}

TEST(CertificateAuthorityTest, MismatchedCaKeyIsDetected) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    CertificateAuthority other = makeCa();
    ASSERT_TRUE(core::writeFileAtomically(tmp.path() / "ca.key", toPem(other.key()), 0600));

    EXPECT_FALSE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items()[0].code, "ILAB-TLS-003");
    EXPECT_NE(diagnostics.items()[0].message.find("does not match"), std::string::npos);
}

TEST(CertificateAuthorityTest, CorruptCertificateIsAnError) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    ASSERT_TRUE(core::writeFileAtomically(tmp.path() / "ca.crt", "-----BEGIN CERTIFICATE-----\n", 0644));
    EXPECT_FALSE(CertificateAuthority::load(tmp.path(), diagnostics));
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_NE(diagnostics.items()[0].message.find("no PEM certificate"), std::string::npos);
    EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left on the error queue for the next caller
}

TEST(CertificateAuthorityTest, WarnsWhenTheKeyIsReadableByOthers) {
    TempDir tmp;
    core::Diagnostics diagnostics;
    ASSERT_TRUE(CertificateAuthority::loadOrCreate(tmp.path(), diagnostics));
    ::chmod((tmp.path() / "ca.key").c_str(), 0644);
    EXPECT_TRUE(CertificateAuthority::load(tmp.path(), diagnostics));
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics.items()[0].severity, core::Severity::Warning);
    EXPECT_NE(diagnostics.items()[0].hint.find("chmod 600"), std::string::npos);
}

TEST(CertificateAuthorityTest, DefaultDirectoryFollowsXdgDataHomeThenHome) {
    RestoreEnv xdg("XDG_DATA_HOME"), home("HOME");
    ::setenv("XDG_DATA_HOME", "/data/me", 1);
    ::setenv("HOME", "/home/me", 1);
    EXPECT_EQ(defaultCaDirectory(), std::filesystem::path("/data/me/ingress-lab"));
    ::setenv("XDG_DATA_HOME", "relative/is/ignored", 1);
    EXPECT_EQ(defaultCaDirectory(), std::filesystem::path("/home/me/.local/share/ingress-lab"));
    ::unsetenv("XDG_DATA_HOME");
    EXPECT_EQ(defaultCaDirectory(), std::filesystem::path("/home/me/.local/share/ingress-lab"));
}

TEST(CertificateAuthorityTest, IssuedLeafVerifiesAgainstTheCaAsATlsServer) {
    CertificateAuthority ca = makeCa();
    std::optional<IssuedCertificate> leaf = ca.issue({"shop.example.com", "*.api.example.com"});
    ASSERT_TRUE(leaf);
    X509* cert = leaf->certificate.get();
    std::string error;
    EXPECT_EQ(verify(ca.certificate(), cert, &error), 1) << error;
    EXPECT_TRUE(testing::hasSubjectAltName(cert, "shop.example.com"));
    EXPECT_TRUE(testing::hasSubjectAltName(cert, "v1.api.example.com"));
    EXPECT_FALSE(testing::hasSubjectAltName(cert, "a.b.api.example.com"));  // one label only
    EXPECT_FALSE(testing::hasSubjectAltName(cert, "other.example.com"));
    EXPECT_TRUE(X509_get_extended_key_usage(cert) & XKU_SSL_SERVER);
    EXPECT_EQ(X509_check_ca(cert), 0);
    EXPECT_EQ(curveOf(cert), "prime256v1");
    EXPECT_NEAR(daysLeft(cert), 365, 1);
    EXPECT_EQ(subjectField(cert, NID_commonName), "shop.example.com");
    EXPECT_EQ(X509_check_private_key(cert, leaf->key.get()), 1);
}

TEST(CertificateAuthorityTest, LeafFromAnotherCaDoesNotVerify) {
    CertificateAuthority ca = makeCa(), other = makeCa();
    std::optional<IssuedCertificate> leaf = other.issue({"shop.example.com"});
    ASSERT_TRUE(leaf);
    EXPECT_NE(verify(ca.certificate(), leaf->certificate.get()), 1);
}

TEST(CertificateAuthorityTest, LeavesGetRandomPositiveSerials) {
    CertificateAuthority ca = makeCa();
    std::set<std::string> serials;
    for (int i = 0; i < 20; ++i) {
        std::optional<IssuedCertificate> leaf = ca.issue({"a.example.com"});
        ASSERT_TRUE(leaf);
        const ASN1_INTEGER* serial = X509_get0_serialNumber(leaf->certificate.get());
        std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>> number(
            ASN1_INTEGER_to_BN(serial, nullptr));
        EXPECT_FALSE(BN_is_negative(number.get()));
        EXPECT_GE(BN_num_bits(number.get()), 150);  // ~159 random bits
        serials.insert(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                                   static_cast<std::size_t>(ASN1_STRING_length(serial))));
    }
    EXPECT_EQ(serials.size(), 20u);
}

TEST(CertificateAuthorityTest, IpAddressesBecomeIpSubjectAltNames) {
    CertificateAuthority ca = makeCa();
    std::optional<IssuedCertificate> leaf = ca.issue({"localhost", "127.0.0.1", "::1"});
    ASSERT_TRUE(leaf);
    EXPECT_EQ(X509_check_ip_asc(leaf->certificate.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(leaf->certificate.get(), "::1", 0), 1);
    EXPECT_EQ(X509_check_host(leaf->certificate.get(), "127.0.0.1", 0, 0, nullptr), 0);
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateAuthorityTest, LongHostsStayOutOfTheCommonName) {
    CertificateAuthority ca = makeCa();
    const std::string long_host = std::string(70, 'a') + ".example.com";
    std::optional<IssuedCertificate> leaf = ca.issue({long_host});
    ASSERT_TRUE(leaf);
    EXPECT_EQ(subjectField(leaf->certificate.get(), NID_commonName), "");
    EXPECT_TRUE(testing::hasSubjectAltName(leaf->certificate.get(), long_host));
}

TEST(CertificateAuthorityTest, IssuingNothingFails) {
    EXPECT_FALSE(makeCa().issue({}));
}

}  // namespace
}  // namespace ilab::tls
