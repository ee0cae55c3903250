// engine/dialect/htpasswd: the Authorization header, the user file and every hash format as
// nginx reads them. Vectors for the password "myPassword" from Apache's
// password_encryptions.html, and from `openssl passwd -1/-5/-6/-apr1 -salt saltsalt` and
// `htpasswd -nbm/-nbs/-nbd/-nbB` (apache2-utils 2.4.71, Debian 12).
#include "engine/dialect/htpasswd.h"

#include <ctime>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ilab::dialect {
namespace {

using ::testing::HasSubstr;
using Kind = HtpasswdIssue::Kind;

struct Vector {
    const char* hash;
    HashFormat format;
};

const Vector kMyPassword[] = {
    {"$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", HashFormat::Apr1},      // Apache's docs
    {"$apr1$Q3lcjuwg$.K5NYNEkBmrO3rYR2b/lG0", HashFormat::Apr1},      // htpasswd -m
    {"$apr1$saltsalt$8ZVuJuE66YPuWXIA2kJ4D0", HashFormat::Apr1},      // openssl passwd -apr1
    {"{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=", HashFormat::Sha},           // Apache's docs, -s
    {"{SSHA}24aTXnNgujT0E47G63zGchciQvQBAgMEYWJjZA==", HashFormat::Ssha},
    {"{PLAIN}myPassword", HashFormat::Plain},
    {"rqXexS6ZhobKA", HashFormat::Des},                               // Apache's docs
    {"eRpADlMPBz6n2", HashFormat::Des},                               // htpasswd -d
    {"$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC", HashFormat::Bcrypt},
    {"$2y$05$VyTJmm70Lq1udNBsM72Oqu2A4HhStrRJvb07x/V.4KJRH8cjL.TPC", HashFormat::Bcrypt},
    {"$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0", HashFormat::Md5Crypt},     // openssl passwd -1
    {"$5$saltsalt$OJSxPe6LHaPuWqFjBl/xMCCyk7DWOlte4cPNgCdIbwD", HashFormat::Sha256Crypt},
    {"$5$Ax824VV/GcZVg4aS$6ZKZlsKNsgJUGS/UQLeBtdY/Knn5YEM.sxH/RwxodY.", HashFormat::Sha256Crypt},
    {"$6$saltsalt$REpTllT9/S/gg33eAxbXKSVehttBRbY4OJ0jTp669YREedbYCJp8tD90LctevwvdnnuZN0qTJQVuU"
     "qDzHImPf1",
     HashFormat::Sha512Crypt},
    {"$6$PM6ltB6duhalkLP2$ngAbpvKeNs1T.jUvyPncpl0uqBXxkfAKJHnDE1RtPUvOjI8RBGo2tKnU.hyUQhPnZ0E4H"
     "KYXjx7pOnXDOclFH0",
     HashFormat::Sha512Crypt},
};

TEST(HtpasswdTest, EveryFormatNginxAcceptsMatchesItsPasswordOnly) {
    for (const Vector& v : kMyPassword) {
        EXPECT_EQ(hashFormat(v.hash), v.format) << v.hash;
        EXPECT_EQ(hashProblem(v.hash), "") << v.hash;
        EXPECT_TRUE(passwordMatches("myPassword", v.hash)) << v.hash;
        EXPECT_FALSE(passwordMatches("mypassword", v.hash)) << v.hash;
        EXPECT_FALSE(passwordMatches("", v.hash)) << v.hash;
    }
}

TEST(HtpasswdTest, Apr1IsComputedHereAndMatchesApache) {
    // libxcrypt has no $apr1$: the module computes it on OpenSSL's MD5.
    EXPECT_EQ(cryptPassword("myPassword", "$apr1$r31.....$"), "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/");
    // The salt stops at 8 characters or the first '$'.
    EXPECT_EQ(cryptPassword("myPassword", "$apr1$saltsaltXX$whatever"),
              "$apr1$saltsalt$8ZVuJuE66YPuWXIA2kJ4D0");
    // A password longer than 16 bytes takes the alternate-sum loop more than once.
    const std::string long_password(40, 'x');
    const auto hash = cryptPassword(long_password, "$apr1$abcdefgh$");
    ASSERT_TRUE(hash);
    EXPECT_TRUE(passwordMatches(long_password, *hash));
    EXPECT_FALSE(passwordMatches(std::string(39, 'x'), *hash));
}

TEST(HtpasswdTest, DesReadsOnlyTheFirstEightCharacters) {
    // htpasswd -d warns "Password truncated to 8 characters by CRYPT algorithm".
    EXPECT_TRUE(passwordMatches("myPasswo", "eRpADlMPBz6n2"));
    EXPECT_TRUE(passwordMatches("myPassword-and-more", "eRpADlMPBz6n2"));
}

TEST(HtpasswdTest, ThePasswordEndsAtItsFirstNul) {
    // nginx hands crypt() a C string.
    EXPECT_TRUE(passwordMatches(std::string("myPassword\0tail", 15), "{PLAIN}myPassword"));
    EXPECT_TRUE(passwordMatches(std::string("myPassword\0tail", 15),
                                "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"));
}

TEST(HtpasswdTest, FormatsTheControllersCryptDoesNotKnowNeverMatch) {
    // Alpine's musl crypt_r(): $1$, $2?$, $5$, $6$, DES; Debian's libxcrypt also knows
    // yescrypt, but the controller does not, so the lab refuses it.
    const char* yescrypt = "$y$j9T$abcdefghijklmnop$K57AyUOg/L3tE8iYLVfLKVD58/uz01EBweroXVPWPT1";
    EXPECT_EQ(hashFormat(yescrypt), HashFormat::Unsupported);
    EXPECT_THAT(hashProblem(yescrypt), HasSubstr("musl"));
    EXPECT_FALSE(passwordMatches("myPassword", yescrypt));
    for (const char* other : {"*", "!", "$x$abc", "$md5$abc", "", " rqXexS6ZhobKA"}) {
        EXPECT_FALSE(passwordMatches("myPassword", other)) << other;
        EXPECT_NE(hashProblem(other), "") << other;
    }
}

TEST(HtpasswdTest, AHashOfTheWrongShapeIsAProblem) {
    for (const char* hash : {
             "{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE",          // padding missing
             "{SHA}c2hvcnQ=",                              // not 20 bytes
             "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA",       // checksum cut short
             "$apr1$toolongsalt$HqJZimcKQFAMYayBlzkrA/",    // salt over 8
             "$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRq",  // 59 characters
             "$2y$99$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",  // cost
             "$2z$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC",  // variant
             "$5$rounds=10$saltsalt$OJSxPe6LHaPuWqFjBl/xMCCyk7DWOlte4cPNgCdIbwD",
             "$6$saltsalt$short",
             "myPassword",  // htpasswd -p: clear text is DES to crypt()
         }) {
        EXPECT_NE(hashProblem(hash), "") << hash;
        EXPECT_FALSE(passwordMatches("myPassword", hash)) << hash;
    }
    EXPECT_THAT(hashProblem("myPassword"), HasSubstr("{PLAIN}"));
}

TEST(HtpasswdTest, BasicCredentialsAreDecodedAsNginxDoes) {
    const auto foo = parseBasicAuthorization("Basic Zm9vOmJhcg==");
    ASSERT_TRUE(foo);
    EXPECT_EQ(foo->user, "foo");
    EXPECT_EQ(foo->password, "bar");
    // Scheme in any case, spaces before the token, decoding up to the first non-base64 byte.
    EXPECT_EQ(parseBasicAuthorization("bAsIc    Zm9vOmJhcg==")->user, "foo");
    EXPECT_EQ(parseBasicAuthorization("Basic Zm9vOmJhcg==trailing junk")->password, "bar");
    EXPECT_EQ(parseBasicAuthorization("Basic Zm9vOmJhcg")->password, "bar");
    // The password may hold ':' (only the first splits) and may be empty.
    EXPECT_EQ(parseBasicAuthorization("Basic Zm9vOmE6Yg==")->password, "a:b");  // foo:a:b
    EXPECT_EQ(parseBasicAuthorization("Basic Zm9vOg==")->password, "");         // foo:
    for (const char* declined : {"", "Basic", "Basic ", "Basic    ", "Bearer Zm9vOmJhcg==",
                                 "BasicZm9vOmJhcg==", "Basic Zm9v",  // no ':'
                                 "Basic OmJhcg==",                   // empty user
                                 "Basic Z", "Basic !!!!"})
        EXPECT_FALSE(parseBasicAuthorization(declined)) << declined;
}

TEST(HtpasswdTest, TheFileIsReadLineByLineAsNginxScansIt) {
    Htpasswd users;
    std::vector<HtpasswdIssue> issues;
    users.read("# a comment\n"
               "\n"
               "\r\n"
               "foo:{PLAIN}first:a comment after the hash\r\n"
               "bar:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/\n"
               "foo:{PLAIN}second\n"
               " baz:{PLAIN}x\n"
               "last:{PLAIN}no-newline",
               0, &issues);
    ASSERT_EQ(users.entries().size(), 5u);
    EXPECT_EQ(users.find("foo")->hash, "{PLAIN}first");
    EXPECT_EQ(users.find("foo")->line, 4u);
    EXPECT_EQ(users.find("foo")->hash_column, 5u);
    EXPECT_EQ(users.find(" baz")->hash, "{PLAIN}x");  // the name is compared byte for byte
    EXPECT_EQ(users.find("baz"), nullptr);
    EXPECT_EQ(users.find("last")->hash, "{PLAIN}no-newline");
    EXPECT_EQ(users.check({"foo", "first"}), BasicAuthResult::Allowed);
    EXPECT_EQ(users.check({"foo", "second"}), BasicAuthResult::WrongPassword);
    EXPECT_EQ(users.check({"bar", "myPassword"}), BasicAuthResult::Allowed);
    EXPECT_EQ(users.check({"nobody", "myPassword"}), BasicAuthResult::UnknownUser);
    ASSERT_EQ(issues.size(), 1u);
    EXPECT_EQ(issues[0].kind, Kind::ShadowedUser);
    EXPECT_EQ(issues[0].line, 6u);
    EXPECT_THAT(issues[0].message, HasSubstr("line 4"));
}

TEST(HtpasswdTest, LinesThatNeverMatchAreIssuesWithTheirPosition) {
    Htpasswd users;
    std::vector<HtpasswdIssue> issues;
    users.read("foo:\n"                     // X04: no hash
               "no-colon-here\n"
               ":{PLAIN}nobody\n"
               "des:plaintext\n"
               "yes:$y$j9T$abcdefghijklmnop$K57AyUOg/L3tE8iYLVfLKVD58/uz01EBweroXVPWPT1\n",
               3, &issues);
    ASSERT_EQ(issues.size(), 5u);
    auto at = [&](std::size_t i) {
        return std::to_string(issues[i].line) + ":" + std::to_string(issues[i].column);
    };
    EXPECT_EQ(at(0), "1:5");
    EXPECT_EQ(issues[0].kind, Kind::Malformed);
    EXPECT_EQ(at(1), "2:1");
    EXPECT_EQ(at(2), "3:1");
    EXPECT_EQ(at(3), "4:5");
    EXPECT_EQ(issues[3].kind, Kind::Malformed);
    EXPECT_EQ(at(4), "5:5");
    EXPECT_EQ(issues[4].kind, Kind::UnsupportedHash);
    for (const auto& issue : issues)
        EXPECT_EQ(issue.source, 3u);
    // Nothing about them lets anyone in.
    EXPECT_EQ(users.check({"foo", ""}), BasicAuthResult::WrongPassword);
    EXPECT_EQ(users.check({"foo", "bar"}), BasicAuthResult::WrongPassword);
    EXPECT_EQ(users.check({"des", "plaintext"}), BasicAuthResult::WrongPassword);
    EXPECT_EQ(users.check({"yes", "myPassword"}), BasicAuthResult::WrongPassword);
    EXPECT_EQ(users.check({"no-colon-here", ""}), BasicAuthResult::UnknownUser);
}

TEST(HtpasswdTest, ABcryptCheckCostsWhatItsCostSays) {
    // Not a benchmark: a record of the price nginx pays in its worker on every request, since
    // neither nginx nor the lab caches a verified password. Cost 5 is 32 rounds of the key
    // schedule, cost 10 is 1024.
    const char* cost5 = "$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC";
    const char* cost10 = "$2y$10$B2z3ch76gQZzyeuefL64weDFsJLq6.zpbj849qRJp9BMShvKQ5ayi";
    auto cpuMs = [] {  // this thread's CPU time: what the check costs, whatever else runs
        timespec t{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
    };
    auto time = [&](const char* hash) {
        const double start = cpuMs();
        EXPECT_TRUE(passwordMatches("myPassword", hash));
        return cpuMs() - start;
    };
    const double fast = time(cost5), slow = time(cost10);
    RecordProperty("bcrypt_cost5_cpu_ms", std::to_string(fast));
    RecordProperty("bcrypt_cost10_cpu_ms", std::to_string(slow));
    RecordProperty("apr1_cpu_ms", std::to_string(time("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/")));
    EXPECT_GT(slow, fast);
}

}  // namespace
}  // namespace ilab::dialect
