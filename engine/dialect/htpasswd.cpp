#include "engine/dialect/htpasswd.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "engine/core/text.h"

namespace ilab::dialect {
namespace {

// crypt(3)'s alphabet for hashes and salts (DES, MD5 crypt, SHA crypt).
constexpr std::string_view kItoa64 =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// bcrypt's own order of the same characters.
constexpr std::string_view kBcrypt64 =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool allIn(std::string_view text, std::string_view alphabet) {
    return std::all_of(text.begin(), text.end(),
                       [&](char c) { return alphabet.find(c) != std::string_view::npos; });
}

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// ngx_decode_base64(): the text up to its first character outside the alphabet ('=' included)
// is decoded; a length that leaves one lone character is an error.
std::optional<std::string> decodeBase64(std::string_view text) {
    std::size_t length = 0;
    while (length < text.size() && base64Value(text[length]) >= 0)
        ++length;
    if (length % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(length / 4 * 3 + 2);
    unsigned bits = 0;
    int count = 0;
    for (std::size_t i = 0; i < length; ++i) {
        bits = (bits << 6) | static_cast<unsigned>(base64Value(text[i]));
        count += 6;
        if (count >= 8) {
            count -= 8;
            out.push_back(static_cast<char>((bits >> count) & 0xff));
        }
    }
    return out;
}

std::string encodeBase64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return out;
}

std::string sha1(std::string_view a, std::string_view b = {}) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      EVP_MD_CTX_free);
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) ||
        !EVP_DigestUpdate(ctx.get(), a.data(), a.size()) ||
        !EVP_DigestUpdate(ctx.get(), b.data(), b.size()) ||
        !EVP_DigestFinal_ex(ctx.get(), digest.data(), &length))
        return {};
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

// MD5 digests one after another on one context. The algorithm is fetched once: OpenSSL 3's
// implicit fetch by EVP_md5() on each of apr1's 1002 digests tripled its cost (0.5 ms).
class Md5 {
  public:
    Md5() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {}
    bool ok() const { return ctx_ != nullptr && algorithm(); }
    void begin() { EVP_DigestInit_ex(ctx_.get(), algorithm(), nullptr); }
    void add(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
    std::array<unsigned char, 16> end() {
        std::array<unsigned char, 16> digest{};
        unsigned int length = 0;
        EVP_DigestFinal_ex(ctx_.get(), digest.data(), &length);
        return digest;
    }

  private:
    static const EVP_MD* algorithm() {
        static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);  // kept for good
        return md5;
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

std::string_view bytesOf(const std::array<unsigned char, 16>& digest, std::size_t n = 16) {
    return {reinterpret_cast<const char*>(digest.data()), n};
}

// Poul-Henning Kamp's MD5 crypt with the `magic` hashed in ("$apr1$" for Apache's variant,
// which is why libxcrypt's "$1$" cannot stand in for it). The salt is at most 8 characters and
// ends at the first '$'.
std::string md5Crypt(std::string_view password, std::string_view hash, std::string_view magic) {
    std::string_view salt = hash.substr(magic.size());
    salt = salt.substr(0, std::min(salt.find('$'), std::size_t{8}));
    Md5 md5;
    if (!md5.ok()) return {};
    md5.begin();
    md5.add(password);
    md5.add(salt);
    md5.add(password);
    const auto alternate = md5.end();
    md5.begin();
    md5.add(password);
    md5.add(magic);
    md5.add(salt);
    for (std::size_t left = password.size(); left > 0; left -= std::min(left, std::size_t{16}))
        md5.add(bytesOf(alternate, std::min(left, std::size_t{16})));
    for (std::size_t i = password.size(); i != 0; i >>= 1)
        md5.add((i & 1) ? std::string_view("\0", 1) : password.substr(0, 1));
    auto digest = md5.end();
    // 1000 rounds, "to make brute force a little slower" as the original says.
    for (int round = 0; round < 1000; ++round) {
        md5.begin();
        if (round & 1)
            md5.add(password);
        else
            md5.add(bytesOf(digest));
        if (round % 3) md5.add(salt);
        if (round % 7) md5.add(password);
        if (round & 1)
            md5.add(bytesOf(digest));
        else
            md5.add(password);
        digest = md5.end();
    }
    std::string out(magic);
    out.append(salt).push_back('$');
    auto to64 = [&](unsigned value, int characters) {
        for (; characters > 0; --characters, value >>= 6)
            out.push_back(kItoa64[value & 0x3f]);
    };
    static constexpr int kGroups[5][3] = {{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}};
    for (const auto& g : kGroups)
        to64((unsigned{digest[g[0]]} << 16) | (unsigned{digest[g[1]]} << 8) | digest[g[2]], 4);
    to64(digest[11], 2);
    OPENSSL_cleanse(digest.data(), digest.size());
    return out;
}

// libxcrypt's crypt_rn() for the formats musl's crypt_r() also computes. Its 32 KB of state
// lives on the stack, zeroed before (as crypt_rn requires) and after (it held the password).
std::optional<std::string> libcCrypt(const std::string& password, const std::string& hash) {
    crypt_data data;
    std::memset(&data, 0, sizeof data);
    const char* result = crypt_rn(password.c_str(), hash.c_str(), &data, sizeof data);
    std::optional<std::string> out;
    if (result) out = std::string(result);
    OPENSSL_cleanse(&data, sizeof data);
    return out;
}

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// "$1$salt$checksum" and "$apr1$salt$checksum": a salt of up to 8 characters, 22 of checksum.
std::string md5CryptShape(std::string_view hash, std::string_view magic) {
    const std::string_view rest = hash.substr(magic.size());
    const auto dollar = rest.find('$');
    if (dollar == std::string_view::npos || dollar > 8)
        return "the salt after " + std::string(magic) +
               " must be at most 8 characters and end with '$'";
    const std::string_view checksum = rest.substr(dollar + 1);
    if (checksum.size() != 22 || !allIn(checksum, kItoa64))
        return "the checksum after the salt must be 22 characters of [./0-9A-Za-z], found " +
               std::to_string(checksum.size());
    return {};
}

// "$5$[rounds=N$]salt$checksum": a salt of up to 16 characters; 43 or 86 of checksum.
std::string shaCryptShape(std::string_view hash, std::size_t checksum_size) {
    std::string_view rest = hash.substr(3);
    if (startsWith(rest, "rounds=")) {
        const auto dollar = rest.find('$');
        const std::string_view digits = rest.substr(7, dollar == std::string_view::npos
                                                           ? std::string_view::npos
                                                           : dollar - 7);
        if (dollar == std::string_view::npos || digits.empty() || digits.size() > 9 ||
            !allIn(digits, "0123456789") || std::stoul(std::string(digits)) < 1000)
            return "rounds= must be a number from 1000 and end with '$'";
        rest = rest.substr(dollar + 1);
    }
    const auto dollar = rest.find('$');
    if (dollar == std::string_view::npos || dollar > 16)
        return "the salt must be at most 16 characters and end with '$'";
    const std::string_view checksum = rest.substr(dollar + 1);
    if (checksum.size() != checksum_size || !allIn(checksum, kItoa64))
        return "the checksum after the salt must be " + std::to_string(checksum_size) +
               " characters of [./0-9A-Za-z], found " + std::to_string(checksum.size());
    return {};
}

}  // namespace

std::optional<BasicCredentials> parseBasicAuthorization(std::string_view value) {
    if (value.size() < 6 || !core::iequals(value.substr(0, 6), "Basic ")) return std::nullopt;
    value.remove_prefix(6);
    while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
    if (value.empty()) return std::nullopt;
    const auto decoded = decodeBase64(value);
    if (!decoded) return std::nullopt;
    const auto colon = decoded->find(':');
    if (colon == 0 || colon == std::string::npos) return std::nullopt;
    return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

HashFormat hashFormat(std::string_view hash) {
    // ngx_crypt()'s own formats first, in its order; then musl's crypt_r() dispatch.
    if (startsWith(hash, "$apr1$")) return HashFormat::Apr1;
    if (startsWith(hash, "{PLAIN}")) return HashFormat::Plain;
    if (startsWith(hash, "{SSHA}")) return HashFormat::Ssha;
    if (startsWith(hash, "{SHA}")) return HashFormat::Sha;
    if (startsWith(hash, "$1$")) return HashFormat::Md5Crypt;
    if (hash.size() >= 4 && hash[0] == '$' && hash[1] == '2' && hash[3] == '$')
        return HashFormat::Bcrypt;
    if (startsWith(hash, "$5$")) return HashFormat::Sha256Crypt;
    if (startsWith(hash, "$6$")) return HashFormat::Sha512Crypt;
    if (startsWith(hash, "_")) return HashFormat::ExtendedDes;
    // Anything else is DES to musl, which fails a salt outside the alphabet ("$y$" included).
    if (hash.size() >= 2 && allIn(hash.substr(0, 2), kItoa64)) return HashFormat::Des;
    return HashFormat::Unsupported;
}

std::string_view hashFormatName(HashFormat format) {
    switch (format) {
        case HashFormat::Plain:
            return "{PLAIN}";
        case HashFormat::Sha:
            return "{SHA}";
        case HashFormat::Ssha:
            return "{SSHA}";
        case HashFormat::Apr1:
            return "$apr1$ (Apache MD5)";
        case HashFormat::Md5Crypt:
            return "$1$ (MD5 crypt)";
        case HashFormat::Bcrypt:
            return "bcrypt";
        case HashFormat::Sha256Crypt:
            return "$5$ (SHA-256 crypt)";
        case HashFormat::Sha512Crypt:
            return "$6$ (SHA-512 crypt)";
        case HashFormat::Des:
            return "DES crypt";
        case HashFormat::ExtendedDes:
            return "extended DES crypt";
        case HashFormat::Unsupported:
            break;
    }
    return "unsupported";
}

std::string hashProblem(std::string_view hash) {
    if (hash.empty()) return "no hash after the ':'";
    if (hash.front() == ' ' || hash.front() == '\t')
        return "the hash begins with a space (everything after the ':' is the hash)";
    const HashFormat format = hashFormat(hash);
    switch (format) {
        case HashFormat::Plain:
            return {};
        case HashFormat::Sha:
        case HashFormat::Ssha: {
            const std::string_view encoded = hash.substr(format == HashFormat::Sha ? 5 : 6);
            const auto decoded = decodeBase64(encoded);
            const bool sized = decoded && (format == HashFormat::Sha ? decoded->size() == 20
                                                                     : decoded->size() >= 20);
            if (!sized || encodeBase64(*decoded) != encoded)
                return std::string(hashFormatName(format)) +
                       (format == HashFormat::Sha
                            ? " must be the base64 of a 20-byte SHA-1 digest"
                            : " must be the base64 of a 20-byte SHA-1 digest and its salt");
            return {};
        }
        case HashFormat::Apr1:
            return md5CryptShape(hash, "$apr1$");
        case HashFormat::Md5Crypt:
            return md5CryptShape(hash, "$1$");
        case HashFormat::Sha256Crypt:
            return shaCryptShape(hash, 43);
        case HashFormat::Sha512Crypt:
            return shaCryptShape(hash, 86);
        case HashFormat::Bcrypt: {
            if (std::string_view("abxy").find(hash[2]) == std::string_view::npos)
                return "bcrypt hashes begin $2a$, $2b$, $2x$ or $2y$";
            const bool cost = hash.size() > 6 && hash[4] >= '0' && hash[4] <= '3' &&
                              hash[5] >= '0' && hash[5] <= '9' && hash[6] == '$';
            const int rounds = cost ? (hash[4] - '0') * 10 + (hash[5] - '0') : 0;
            if (!cost || rounds < 4 || rounds > 31)
                return "the bcrypt cost must be two digits from 04 to 31, then '$'";
            if (hash.size() != 60 || !allIn(hash.substr(7), kBcrypt64))
                return "a bcrypt hash is 60 characters, found " + std::to_string(hash.size());
            break;
        }
        case HashFormat::Des:
            if (hash.size() != 13 || !allIn(hash, kItoa64))
                return "a DES crypt hash is 13 characters of [./0-9A-Za-z], found " +
                       std::to_string(hash.size()) +
                       " (a password written in clear needs {PLAIN} before it)";
            break;
        case HashFormat::ExtendedDes:
            if (hash.size() != 20 || !allIn(hash.substr(1), kItoa64))
                return "an extended DES hash is '_' and 19 characters of [./0-9A-Za-z]";
            break;
        case HashFormat::Unsupported:
            if (startsWith(hash, "$y$") || startsWith(hash, "$7$") || startsWith(hash, "$gy$"))
                return "yescrypt and scrypt hashes are not computed by the controller image's "
                       "crypt() (Alpine's musl)";
            return "not a format nginx or the controller image's crypt() computes ($apr1$, "
                   "{PLAIN}, {SHA}, {SSHA}, $1$, $2y$, $5$, $6$, DES)";
    }
    // libxcrypt must also accept the parameters musl would.
    const int verdict = crypt_checksalt(std::string(hash).c_str());
    if (verdict == CRYPT_SALT_INVALID || verdict == CRYPT_SALT_METHOD_DISABLED)
        return "the C library refuses the hash's parameters";
    return {};
}

std::optional<std::string> cryptPassword(std::string_view password, std::string_view hash) {
    password = password.substr(0, password.find('\0'));  // nginx passes a C string
    switch (hashFormat(hash)) {
        case HashFormat::Plain:
            return "{PLAIN}" + std::string(password);
        case HashFormat::Sha:
            return "{SHA}" + encodeBase64(sha1(password));
        case HashFormat::Ssha: {
            // ngx_crypt_ssha(): the salt is what the stored value holds past its 20-byte digest;
            // an undecodable or short value has none.
            std::string decoded = decodeBase64(hash.substr(6)).value_or(std::string());
            if (decoded.size() < 20) decoded.resize(20);
            decoded.replace(0, 20, sha1(password, std::string_view(decoded).substr(20)));
            return "{SSHA}" + encodeBase64(decoded);
        }
        case HashFormat::Apr1:
            return md5Crypt(password, hash, "$apr1$");
        case HashFormat::Md5Crypt:
        case HashFormat::Bcrypt:
        case HashFormat::Sha256Crypt:
        case HashFormat::Sha512Crypt:
        case HashFormat::Des:
        case HashFormat::ExtendedDes:
            return libcCrypt(std::string(password), std::string(hash));
        case HashFormat::Unsupported:
            break;
    }
    return std::nullopt;
}

bool passwordMatches(std::string_view password, std::string_view hash) {
    std::optional<std::string> computed = cryptPassword(password, hash);
    if (!computed) return false;
    // Lengths are not secret (the format fixes them); the bytes are compared in constant time.
    const bool same = computed->size() == hash.size() &&
                      CRYPTO_memcmp(computed->data(), hash.data(), hash.size()) == 0;
    OPENSSL_cleanse(computed->data(), computed->size());
    return same;
}

void Htpasswd::read(std::string_view text, std::size_t source,
                    std::vector<HtpasswdIssue>* issues) {
    auto issue = [&](HtpasswdIssue::Kind kind, std::size_t line, std::size_t column,
                     std::string message) {
        if (issues) issues->push_back({kind, source, line, column, std::move(message)});
    };
    std::size_t number = 0;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        ++number;
        // ngx_http_auth_basic_handler skips empty lines and lines starting with '#' or CR.
        if (line.empty() || line.front() == '#' || line.front() == '\r') continue;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            issue(HtpasswdIssue::Kind::Malformed, number, 1,
                  "htpasswd line has no ':' between user and hash: nginx never matches it");
            continue;
        }
        if (colon == 0) {
            issue(HtpasswdIssue::Kind::Malformed, number, 1,
                  "htpasswd line has no user name before ':': nginx never matches it");
            continue;
        }
        const std::string_view user = line.substr(0, colon);
        std::string_view hash = line.substr(colon + 1);
        hash = hash.substr(0, hash.find_first_of(":\r"));
        HtpasswdEntry entry{std::string(user), std::string(hash), source, number, colon + 2};
        const auto [first, inserted] = first_.try_emplace(entry.user, entries_.size());
        if (!inserted) {
            const HtpasswdEntry& earlier = entries_[first->second];
            issue(HtpasswdIssue::Kind::ShadowedUser, number, 1,
                  "second line for user " + core::quoted(entry.user) +
                      ": nginx stops at the first (line " + std::to_string(earlier.line) +
                      " of the user file) and never reads this one");
        } else if (const std::string problem = hashProblem(hash); !problem.empty()) {
            const bool unsupported =
                !hash.empty() && hashFormat(hash) == HashFormat::Unsupported;
            issue(unsupported ? HtpasswdIssue::Kind::UnsupportedHash
                              : HtpasswdIssue::Kind::Malformed,
                  number, entry.hash_column,
                  "user " + core::quoted(entry.user) + ": " + problem +
                      "; nginx refuses every password (401)");
        }
        entries_.push_back(std::move(entry));
    }
}

const HtpasswdEntry* Htpasswd::find(std::string_view user) const {
    const auto it = first_.find(user);
    return it == first_.end() ? nullptr : &entries_[it->second];
}

BasicAuthResult Htpasswd::check(const BasicCredentials& credentials) const {
    const HtpasswdEntry* entry = find(credentials.user);
    if (!entry) return BasicAuthResult::UnknownUser;
    return passwordMatches(credentials.password, entry->hash) ? BasicAuthResult::Allowed
                                                              : BasicAuthResult::WrongPassword;
}

}  // namespace ilab::dialect
