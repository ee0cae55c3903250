#pragma once
// Diagnostics as values: every user-input problem the engine finds, with where it is and what to
// do.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ilab::core {

enum class Severity { Info, Warning, Error };

std::string_view severityName(Severity severity);

// A place in a user's file. Line and column are 1-based; 0 means unknown.
struct SourceLocation {
    std::shared_ptr<const std::string> file;
    int line = 0;
    int column = 0;

    std::string fileName() const { return file ? *file : std::string(); }
    bool known() const { return file != nullptr; }
    // "file:line:col", "file" or "" depending on what is known.
    std::string str() const;
};

struct Diagnostic {
    Severity severity = Severity::Error;
    std::string code;     // stable id, documented in docs/diagnostics.md, e.g. ILAB-API-002
    std::string message;  // one line, kubectl-style where the API server has wording
    std::string hint;     // what to do about it; may be empty
    SourceLocation location;
    std::string object;  // "Ingress default/web" when the finding belongs to an object
};

// "file:line:col: severity CODE: message" (the text format of `check`).
std::string formatDiagnostic(const Diagnostic& diagnostic);

// An ordered collection that front ends print and tests inspect.
class Diagnostics {
  public:
    Diagnostic& add(Diagnostic diagnostic);
    Diagnostic& error(std::string code, std::string message, SourceLocation location,
                      std::string hint = {});
    Diagnostic& warning(std::string code, std::string message, SourceLocation location,
                        std::string hint = {});
    Diagnostic& info(std::string code, std::string message, SourceLocation location,
                     std::string hint = {});
    void append(const Diagnostics& other);

    bool hasErrors() const;
    std::size_t count(Severity severity) const;
    bool contains(std::string_view code) const;
    const std::vector<Diagnostic>& items() const { return items_; }
    std::size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    // Stable order for output: by file, line, column, then insertion order.
    void sortByLocation();

  private:
    std::vector<Diagnostic> items_;
};

}  // namespace ilab::core
