#include "app/studio/models/autosave_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <algorithm>

namespace ilab::studio {
namespace {

constexpr auto kSuffix = ".autosave";
constexpr int kFormat = 1;

QByteArray sha1Hex(const QByteArray& bytes) {
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha1).toHex();
}

// The same file reached through a symlink or "../" gets the same key once it exists.
QString normalPath(const QString& file_path) {
    const QFileInfo info(file_path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

// Contents of the file on disk; nullopt when it does not exist or cannot be read.
std::optional<QByteArray> diskContents(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
    return file.readAll();
}

}  // namespace

AutosaveStore::AutosaveStore(QString directory) : directory_(std::move(directory)) {
    if (directory_.isEmpty()) {
        directory_ = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                     QStringLiteral("/autosave");
    }
}

QString AutosaveStore::directory() const {
    return directory_;
}
QString AutosaveStore::lastError() const {
    return last_error_;
}

QString AutosaveStore::entryPath(const QString& file_path) const {
    const QByteArray key = sha1Hex(normalPath(file_path).toUtf8());
    return directory_ + u'/' + QString::fromLatin1(key) + QLatin1String(kSuffix);
}

bool AutosaveStore::save(const QString& file_path, const QString& text) {
    last_error_.clear();
    if (!QDir().mkpath(directory_)) {
        last_error_ = QStringLiteral("cannot create autosave folder %1").arg(directory_);
        return false;
    }
    const QString path = normalPath(file_path);
    const QString entry_path = entryPath(path);
    // Keep the disk hash from the first autosave of this editing session, not the latest one:
    // it tells whether the file changed underneath the edit.
    QByteArray disk_sha1;
    if (auto previous = read(entry_path)) {
        disk_sha1 = previous->disk_sha1;
    } else if (auto disk = diskContents(path)) {
        disk_sha1 = sha1Hex(*disk);
    }
    last_error_.clear();  // an unreadable old copy is simply replaced
    QJsonObject header{{"format", kFormat},
                       {"path", path},
                       {"saved_at", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
                       {"disk_sha1", QString::fromLatin1(disk_sha1)}};
    QSaveFile file(entry_path);
    if (!file.open(QIODevice::WriteOnly)) {
        last_error_ = QStringLiteral("cannot write %1: %2").arg(entry_path, file.errorString());
        return false;
    }
    file.write(QJsonDocument(header).toJson(QJsonDocument::Compact));
    file.write("\n");
    file.write(text.toUtf8());
    if (!file.commit()) {
        last_error_ = QStringLiteral("cannot write %1: %2").arg(entry_path, file.errorString());
        return false;
    }
    return true;
}

bool AutosaveStore::discard(const QString& file_path) {
    last_error_.clear();
    QFile file(entryPath(file_path));
    if (!file.exists() || file.remove()) return true;
    last_error_ = QStringLiteral("cannot remove %1: %2").arg(file.fileName(), file.errorString());
    return false;
}

std::optional<AutosaveStore::Entry> AutosaveStore::read(const QString& entry_path) const {
    QFile file(entry_path);
    if (!file.open(QIODevice::ReadOnly)) return std::nullopt;
    const QByteArray bytes = file.readAll();
    const auto newline = bytes.indexOf('\n');
    if (newline < 0) {
        last_error_ = QStringLiteral("%1: no header").arg(entry_path);
        return std::nullopt;
    }
    QJsonParseError error{};
    const QJsonObject header = QJsonDocument::fromJson(bytes.left(newline), &error).object();
    if (error.error != QJsonParseError::NoError || header.value("format").toInt() != kFormat) {
        last_error_ = QStringLiteral("%1: unreadable header").arg(entry_path);
        return std::nullopt;
    }
    Entry entry;
    entry.recovery.file_path = header.value("path").toString();
    entry.recovery.text = QString::fromUtf8(bytes.mid(newline + 1));
    entry.recovery.saved_at =
        QDateTime::fromString(header.value("saved_at").toString(), Qt::ISODateWithMs);
    entry.disk_sha1 = header.value("disk_sha1").toString().toLatin1();
    return entry;
}

std::optional<AutosaveStore::Recovery> AutosaveStore::pending(const QString& file_path) const {
    last_error_.clear();
    return check(entryPath(file_path));
}

std::optional<AutosaveStore::Recovery> AutosaveStore::check(const QString& entry_path) const {
    auto entry = read(entry_path);
    if (!entry) return std::nullopt;
    const auto disk = diskContents(entry->recovery.file_path);
    if (disk && *disk == entry->recovery.text.toUtf8()) {
        QFile::remove(entry_path);  // nothing to recover: the edit reached the disk
        return std::nullopt;
    }
    const QByteArray disk_sha1 = disk ? sha1Hex(*disk) : QByteArray();
    entry->recovery.disk_changed = disk_sha1 != entry->disk_sha1;
    return entry->recovery;
}

std::vector<AutosaveStore::Recovery> AutosaveStore::all() const {
    last_error_.clear();
    std::vector<Recovery> recoveries;
    const QDir dir(directory_);
    const QStringList names =
        dir.entryList({QStringLiteral("*") + QLatin1String(kSuffix)}, QDir::Files, QDir::Name);
    for (const QString& name : names) {
        // Checked by its own file name: a path that became a symlink since keeps its copy.
        if (auto recovery = check(dir.filePath(name))) recoveries.push_back(std::move(*recovery));
    }
    std::sort(recoveries.begin(), recoveries.end(),
              [](const Recovery& a, const Recovery& b) { return a.saved_at > b.saved_at; });
    return recoveries;
}

}  // namespace ilab::studio
