#pragma once
// The editor side of the studio: one YAML tab per file (the scenario first, then every
// manifest), live validation through the engine a moment after typing stops, the findings as
// markers in the tabs and in a problems list, autosave of unsaved edits and their recovery
// after a crash. GUI thread only.
#include <QTimer>
#include <QWidget>
#include <map>
#include <vector>

#include "app/studio/models/autosave_store.h"
#include "app/studio/widgets/problems_view.h"
#include "app/studio/widgets/yaml_editor.h"
#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"

class QTabWidget;
class QLabel;
class QPushButton;
class QFrame;

namespace ilab::studio {

class EditorArea : public QWidget {
    Q_OBJECT
  public:
    explicit EditorArea(ProblemsView* problems, QWidget* parent = nullptr);

    // Opens the files (scenario may be ""). Offers recovered edits when an autosave differs.
    void openFiles(const QString& scenario, const QStringList& manifests);
    // The manifest tabs' texts, named by their files (what Apply hot-reloads).
    std::vector<model::ManifestSource> manifestSources() const;
    bool scenarioModified() const;
    bool anyModified() const;
    // Writes modified tabs to their files (atomically); returns the files written.
    QStringList saveAll(QString* error);
    // Shows findings as markers in their tabs and in the problems list.
    void showDiagnostics(const core::Diagnostics& diagnostics);
    void goTo(const QString& file, int line, int column);
    void validateNow();
    // Puts the recovered edits into their tabs (undoable; the tabs are then modified).
    void restoreRecovered();
    // Forgets the recovery copies of the open files (the user chose to discard the edits).
    void discardAutosaves();

    YamlEditor* editorFor(const QString& file) const;
    QString currentFile() const;
    int tabCount() const;
    QString recoveryMessage() const;
    AutosaveStore& autosave() { return autosave_; }

  signals:
    void validated(int errors, int warnings);
    void modifiedChanged(bool any_modified);

  private:
    struct Tab {
        QString file;
        YamlEditor* editor;
        bool scenario;
    };
    void addTab(const QString& file, bool scenario);
    void onEdited(YamlEditor* editor);
    void offerRecovery();
    void autosaveNow();

    QTabWidget* tabs_ = nullptr;
    ProblemsView* problems_ = nullptr;
    QFrame* recovery_bar_ = nullptr;
    QLabel* recovery_text_ = nullptr;
    std::vector<Tab> tab_list_;
    std::vector<AutosaveStore::Recovery> recoveries_;
    QTimer validate_timer_, autosave_timer_;
    AutosaveStore autosave_;
};

std::vector<Problem> problemsFrom(const core::Diagnostics& diagnostics);

}  // namespace ilab::studio
