#pragma once
// The diagnostics of every open file in one list (Severity, File, Line:Col, Code, Message),
// errors first, with a summary line on top ("2 errors, 1 warning"). Clicking a row or pressing
// Enter on it asks the owner to open that place. GUI thread only.
#include <QString>
#include <QTimer>
#include <QWidget>
#include <vector>

#include "app/studio/widgets/yaml_editor.h"

class QLabel;
class QModelIndex;
class QStandardItemModel;
class QTreeView;

namespace ilab::studio {

struct Problem {
    QString file;  // full path; the list shows the base name
    EditorDiagnostic diagnostic;
};

class ProblemsView : public QWidget {
    Q_OBJECT
  public:
    explicit ProblemsView(QWidget* parent = nullptr);
    ~ProblemsView() override;

    // Replaces the list, sorted by severity (errors first), then file, line and column.
    void setProblems(const std::vector<Problem>& problems);
    int count() const;
    // "2 errors, 1 warning", "3 info", or "No problems".
    QString summary() const;
    // The rows in display order, for tests.
    const std::vector<Problem>& problems() const;
    QTreeView* treeView() const;

  signals:
    // line and column are 1-based as in the diagnostic (0: whole file / whole line).
    void problemActivated(const QString& file, int line, int column);

  private:
    void activate(const QModelIndex& index);

    QLabel* summary_label_ = nullptr;
    QTreeView* tree_ = nullptr;
    QStandardItemModel* model_ = nullptr;
    std::vector<Problem> problems_;
    QTimer relayout_;
};

}  // namespace ilab::studio
