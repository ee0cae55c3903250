#pragma once
// Recovery copies of unsaved edits, so that work survives a crash. The owner calls save() on its
// debounced edit timer and discard() after the file is saved or applied, or when the user
// declines a recovery; at startup all() lists what a crash left behind.
//
// One file per edited path, named after the SHA-1 of its absolute path: a one-line JSON header
// (path, time, SHA-1 of the file on disk when editing began) and then the text verbatim, written
// atomically. Never throws: failures return false / nullopt and set lastError(). Not
// thread-safe; use one instance from one thread.
#include <QDateTime>
#include <QString>
#include <optional>
#include <vector>

namespace ilab::studio {

class AutosaveStore {
  public:
    struct Recovery {
        QString file_path;
        QString text;
        QDateTime saved_at;  // UTC
        // The file on disk changed after the edit began: the copy may not fit it any more.
        bool disk_changed = false;
    };

    // An empty directory means <AppDataLocation>/autosave.
    explicit AutosaveStore(QString directory = {});

    QString directory() const;

    // Writes the recovery copy for file_path, creating the directory when needed.
    bool save(const QString& file_path, const QString& text);
    // Forgets the copy; true when none is left (also when there was none).
    bool discard(const QString& file_path);
    // The copy, if there is one that differs from the file's current contents; a copy that
    // equals the file is discarded on the way.
    std::optional<Recovery> pending(const QString& file_path) const;
    // Every pending copy (as pending() decides), newest first.
    std::vector<Recovery> all() const;

    QString lastError() const;

  private:
    struct Entry {
        Recovery recovery;
        QByteArray disk_sha1;
    };
    QString entryPath(const QString& file_path) const;
    std::optional<Entry> read(const QString& entry_path) const;
    std::optional<Recovery> check(const QString& entry_path) const;

    QString directory_;
    mutable QString last_error_;
};

}  // namespace ilab::studio
