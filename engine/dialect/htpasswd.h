#pragma once
// Basic authentication as nginx's auth_basic does it, as pure functions: the credentials of an
// `Authorization: Basic` header (ngx_http_auth_basic_user() in src/http/ngx_http_core_module.c),
// the htpasswd user file (ngx_http_auth_basic_handler() in
// src/http/modules/ngx_http_auth_basic_module.c) and the password hashes it accepts
// (ngx_crypt() in src/core/ngx_crypt.c: $apr1$, {PLAIN}, {SSHA} and {SHA} itself, anything else
// through the C library's crypt_r()).
//
// The C library is the one of ingress-nginx's controller image, Alpine's musl: its crypt_r()
// knows $1$, $2a$/$2b$/$2x$/$2y$ (bcrypt), $5$, $6$ and DES (traditional and _ extended), and
// fails every other setting, so a yescrypt ($y$) line never lets anyone in. The lab computes
// those formats with libxcrypt's crypt_rn() and refuses the rest the way musl does.
//
// Everything here is thread-safe (no state) and never throws on what a client or a manifest
// sends. A check costs what the hash costs: bcrypt at cost 10 is tens to hundreds of
// milliseconds of CPU, spent on the calling thread, as nginx spends it in its worker.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ilab::dialect {

// The user and password of an Authorization header, as ngx_http_auth_basic_user() splits them:
// "Basic" in any case, then spaces, then base64 (decoded up to its first character outside the
// alphabet), split at the first ':'. nullopt (nginx: "no user/password was provided") for any
// other scheme, bad base64, no ':' or an empty user.
struct BasicCredentials {
    std::string user;
    std::string password;
};
std::optional<BasicCredentials> parseBasicAuthorization(std::string_view header_value);

enum class HashFormat {
    Plain,        // {PLAIN}password
    Sha,          // {SHA}base64(sha1(password))
    Ssha,         // {SSHA}base64(sha1(password salt) salt)
    Apr1,         // $apr1$: Apache's MD5 crypt (htpasswd -m)
    Md5Crypt,     // $1$
    Bcrypt,       // $2a$, $2b$, $2x$, $2y$ (htpasswd -B)
    Sha256Crypt,  // $5$
    Sha512Crypt,  // $6$
    Des,          // 13 characters, the first two the salt (htpasswd -d)
    ExtendedDes,  // _ then 19 characters (BSDi)
    Unsupported,  // anything else: musl's crypt_r() fails it, so it never matches
};
HashFormat hashFormat(std::string_view hash);
std::string_view hashFormatName(HashFormat format);

// Why a hash can never match any password, or "" when it can: a hash of a known format whose
// shape is wrong (a {SHA} that is not 20 bytes, a bcrypt hash cut short, an empty hash), or one
// of a format the controller cannot compute.
std::string hashProblem(std::string_view hash);

// nginx's ngx_crypt(): the password hashed with the salt and parameters `hash` holds, for
// comparison with `hash`. The password ends at its first NUL, as nginx passes a C string.
// nullopt when the format is Unsupported or crypt refuses the setting (musl then returns a
// string that matches nothing).
std::optional<std::string> cryptPassword(std::string_view password, std::string_view hash);

// Does `password` hash to `hash`? The comparison takes the same time wherever the two differ.
bool passwordMatches(std::string_view password, std::string_view hash);

struct HtpasswdEntry {
    std::string user;
    std::string hash;
    std::size_t source = 0;       // which text it came from (Htpasswd::read)
    std::size_t line = 0;         // 1-based, in that text
    std::size_t hash_column = 0;  // 1-based column of the hash
};

// Something in a user file that makes a line never match, found when it is read.
struct HtpasswdIssue {
    enum class Kind {
        Malformed,        // no ':', no user name, no hash, a hash of the wrong shape
        UnsupportedHash,  // a format the controller's crypt() cannot compute
        ShadowedUser,     // a second line for a user: nginx stops at the first
    };
    Kind kind = Kind::Malformed;
    std::size_t source = 0;
    std::size_t line = 0;
    std::size_t column = 0;
    std::string message;
};

// How ngx_http_auth_basic_handler() answers one set of credentials.
enum class BasicAuthResult {
    Allowed,
    UnknownUser,    // no line for the user: 401
    WrongPassword,  // the first line for the user has another password (or a hash that never
                    // matches): 401
};

// An htpasswd user file. Lines are read as nginx scans them: a line starting with '#' or CR is
// skipped, the user name runs to the first ':' and is compared byte for byte, the hash runs to
// the next ':', CR or LF (what follows is a comment), and the first line with the user's name
// decides. Immutable once read; safe to share between threads.
class Htpasswd {
  public:
    // Appends the lines of `text` (one user file, or one auth-map key written out as
    // "user:hash"), tagging entries and issues with `source`. Issues go to `issues` when given.
    void read(std::string_view text, std::size_t source, std::vector<HtpasswdIssue>* issues);

    // The line that decides for `user` (the first one naming it); nullptr when none does.
    const HtpasswdEntry* find(std::string_view user) const;
    BasicAuthResult check(const BasicCredentials& credentials) const;

    const std::vector<HtpasswdEntry>& entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }

  private:
    struct UserHash {  // looks names up as string_views, without a std::string per request
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::vector<HtpasswdEntry> entries_;  // every user line, in file order
    std::unordered_map<std::string, std::size_t, UserHash, std::equal_to<>> first_;  // user -> entry
};

}  // namespace ilab::dialect
