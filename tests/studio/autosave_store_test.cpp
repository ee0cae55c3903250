#include "app/studio/models/autosave_store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

void writeFile(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

class AutosaveStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(temp_.isValid());
        root_ = QDir(temp_.path()).canonicalPath();  // recoveries report canonical paths
        manifest_ = root_ + "/ingress.yaml";
        writeFile(manifest_, "kind: Ingress\n");
    }
    QString autosaveDir() const { return root_ + "/autosave"; }
    QStringList autosaveFiles() const {
        return QDir(autosaveDir()).entryList(QDir::Files | QDir::Hidden | QDir::System);
    }

    QTemporaryDir temp_;
    QString root_;
    QString manifest_;
};

TEST_F(AutosaveStoreTest, SaveThenPendingReturnsTheText) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "kind: Ingress\nspec: {}\n"))
        << store.lastError().toStdString();
    const auto recovery = store.pending(manifest_);
    ASSERT_TRUE(recovery.has_value());
    EXPECT_EQ(recovery->text, "kind: Ingress\nspec: {}\n");
    EXPECT_EQ(recovery->file_path, manifest_);
    EXPECT_TRUE(recovery->saved_at.isValid());
    EXPECT_LE(recovery->saved_at.secsTo(QDateTime::currentDateTimeUtc()), 60);
    EXPECT_FALSE(recovery->disk_changed);
}

TEST_F(AutosaveStoreTest, RecoveryIsKeyedBySha1OfTheAbsolutePath) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "edited\n"));
    const QByteArray key = QCryptographicHash::hash(manifest_.toUtf8(), QCryptographicHash::Sha1);
    EXPECT_EQ(autosaveFiles(), QStringList{QString::fromLatin1(key.toHex()) + ".autosave"});
    // Another spelling of the same path finds the same copy.
    const auto recovery = store.pending(root_ + "/./sub/../ingress.yaml");
    ASSERT_TRUE(recovery.has_value());
    EXPECT_EQ(recovery->text, "edited\n");
}

TEST_F(AutosaveStoreTest, TextIdenticalToDiskIsDiscardedSilently) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "kind: Ingress\n"));
    EXPECT_FALSE(store.pending(manifest_).has_value());
    EXPECT_TRUE(store.lastError().isEmpty());
    EXPECT_TRUE(autosaveFiles().isEmpty());
}

TEST_F(AutosaveStoreTest, DiscardRemovesTheRecovery) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "edited\n"));
    EXPECT_TRUE(store.discard(manifest_));
    EXPECT_FALSE(store.pending(manifest_).has_value());
    EXPECT_TRUE(autosaveFiles().isEmpty());
    EXPECT_TRUE(store.discard(manifest_));  // nothing left is not an error
}

TEST_F(AutosaveStoreTest, AllListsEveryPendingRecoveryNewestFirst) {
    const QString scenario = root_ + "/scenario.yaml";
    const QString unsaved = root_ + "/never-saved.yaml";  // no file on disk yet
    writeFile(scenario, "steps: []\n");
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "edited manifest\n"));
    ASSERT_TRUE(store.save(scenario, "steps: [wait]\n"));
    ASSERT_TRUE(store.save(unsaved, "new: true\n"));
    const auto recoveries = store.all();
    ASSERT_EQ(recoveries.size(), 3u);
    QStringList paths;
    for (const auto& r : recoveries)
        paths << r.file_path;
    paths.sort();
    EXPECT_EQ(paths, (QStringList{manifest_, unsaved, scenario}));
    EXPECT_GE(recoveries.front().saved_at, recoveries.back().saved_at);
}

TEST_F(AutosaveStoreTest, AtomicWriteLeavesNoTemporaryFiles) {
    AutosaveStore store(autosaveDir());
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(store.save(manifest_, QString("edit %1\n").arg(i)));
    EXPECT_EQ(autosaveFiles().size(), 1);
    EXPECT_EQ(store.pending(manifest_)->text, "edit 2\n");
}

TEST_F(AutosaveStoreTest, FileChangedOnDiskAfterTheEditIsFlagged) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "edited\n"));
    writeFile(manifest_, "kind: Ingress\nchanged: elsewhere\n");
    ASSERT_TRUE(store.save(manifest_, "edited again\n"));  // keeps the hash from the first save
    const auto recovery = store.pending(manifest_);
    ASSERT_TRUE(recovery.has_value());
    EXPECT_TRUE(recovery->disk_changed);
}

TEST_F(AutosaveStoreTest, UnwritableDirectoryFailsWithAnError) {
    // A regular file in the way blocks the folder even for root, unlike permission bits.
    AutosaveStore store(root_ + "/ingress.yaml/autosave");
    EXPECT_FALSE(store.save(manifest_, "edited\n"));
    EXPECT_FALSE(store.lastError().isEmpty());
    EXPECT_FALSE(store.pending(manifest_).has_value());
    EXPECT_TRUE(store.all().empty());
}

TEST_F(AutosaveStoreTest, CorruptCopyIsNotOfferedAndReportsAnError) {
    AutosaveStore store(autosaveDir());
    ASSERT_TRUE(store.save(manifest_, "edited\n"));
    const QString entry = QDir(autosaveDir()).filePath(autosaveFiles().front());
    writeFile(entry, "garbage without a header");
    EXPECT_FALSE(store.pending(manifest_).has_value());
    EXPECT_FALSE(store.lastError().isEmpty());
    EXPECT_TRUE(store.save(manifest_, "edited\n"));  // replaced by the next autosave
    EXPECT_TRUE(store.pending(manifest_).has_value());
}

TEST_F(AutosaveStoreTest, DefaultDirectoryIsUnderAppData) {
    const AutosaveStore store;
    EXPECT_EQ(store.directory(),
              QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave");
}

}  // namespace
}  // namespace ilab::studio
