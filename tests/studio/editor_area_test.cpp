// Saving the editor's tabs (EditorArea::saveAll) as the web lab saves files: through a symlink
// to the file it leads to, keeping that file's mode, and never over something not a file.
#include "app/studio/widgets/editor_area.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <QTemporaryDir>

#include <gtest/gtest.h>

#include "app/studio/widgets/problems_view.h"
#include "app/studio/widgets/yaml_editor.h"

namespace ilab::studio {
namespace {

namespace fs = std::filesystem;

TEST(EditorAreaTest, SavingThroughASymlinkKeepsTheLinkAndTheFilesMode) {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::ofstream(root / "secret.yaml") << "kind: Secret\n";
    fs::permissions(root / "secret.yaml", fs::perms::owner_read | fs::perms::owner_write);
    fs::create_symlink("secret.yaml", root / "manifests.yaml");

    ProblemsView problems;
    EditorArea area(&problems);
    const QString link = QString::fromStdString((root / "manifests.yaml").string());
    area.openFiles("", {link});
    ASSERT_NE(area.editorFor(link), nullptr);
    area.editorFor(link)->replaceText("kind: Secret\nmetadata: {name: s}\n");
    QString error;
    EXPECT_EQ(area.saveAll(&error), QStringList{link}) << error.toStdString();

    EXPECT_TRUE(fs::is_symlink(root / "manifests.yaml"));
    std::ifstream in(root / "secret.yaml");
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text, "kind: Secret\nmetadata: {name: s}\n");
    struct stat st {};
    ASSERT_EQ(::stat((root / "secret.yaml").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(EditorAreaTest, AFolderWhereTheFileWasIsNotReplaced) {
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    std::ofstream(root / "manifests.yaml") << "a: 1\n";
    ProblemsView problems;
    EditorArea area(&problems);
    const QString file = QString::fromStdString((root / "manifests.yaml").string());
    area.openFiles("", {file});
    area.editorFor(file)->replaceText("a: 2\n");
    fs::remove(root / "manifests.yaml");
    fs::create_directory(root / "manifests.yaml");  // replaced behind the editor's back
    QString error;
    EXPECT_TRUE(area.saveAll(&error).isEmpty());
    EXPECT_TRUE(error.contains("directory")) << error.toStdString();
    EXPECT_TRUE(fs::is_directory(root / "manifests.yaml"));
}

}  // namespace
}  // namespace ilab::studio
