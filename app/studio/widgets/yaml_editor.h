#pragma once
// A YAML editor for manifests and scenario files on QScintilla: highlighting, line numbers,
// folding, undo/redo, the engine's diagnostics as margin markers and squiggles (hover shows the
// message), light and dark colours following the palette. GUI thread only.
#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

class QsciLexerYAML;
class QsciScintilla;

namespace ilab::studio {

// One diagnostic as the editor shows it; line and column are 1-based as the engine reports
// (columns count characters, not UTF-8 bytes).
struct EditorDiagnostic {
    enum class Severity { Error, Warning, Info };
    Severity severity = Severity::Error;
    int line = 0;    // 0: the whole file (no marker)
    int column = 0;  // 0: the whole line
    QString code;    // "ILAB-MODEL-004"
    QString message;
};

class YamlEditor : public QWidget {
    Q_OBJECT
  public:
    explicit YamlEditor(QWidget* parent = nullptr);
    ~YamlEditor() override;

    // Resets undo history and the modified flag; the current diagnostics are drawn again on the
    // new text (the owner replaces them after validating).
    void setText(const QString& text);
    QString text() const;
    bool isModified() const;
    // Scintilla can only mark the text unmodified (a save point): use replaceText() to put
    // text in as an edit.
    void setModified(bool modified);
    // Replaces the whole text as one undoable edit: the editor is then modified (restoring
    // recovered edits, tests).
    void replaceText(const QString& text);

    // Replaces the markers and squiggles.
    void setDiagnostics(const std::vector<EditorDiagnostic>& diagnostics);
    const std::vector<EditorDiagnostic>& diagnostics() const;
    // Lines (1-based) holding an error marker, for tests.
    std::vector<int> errorMarkerLines() const;

    // Puts the cursor at 1-based line/column, scrolls there and focuses the editor.
    void goTo(int line, int column);
    QsciScintilla* scintilla() const;

  signals:
    void textEdited();  // every user change (the owner debounces validation and autosave)
    void modificationChanged(bool modified);

  protected:
    void changeEvent(QEvent* event) override;  // palette change: recolour

  private:
    void applyColours();
    void placeDiagnostics();
    void updateLineNumberWidth();
    void indentAfterKey(int character);
    void onDwellStart(int position, int x, int y);
    QStringList messagesOnLine(int line) const;  // 0-based
    void showTooltip(const QStringList& messages, const QPoint& global);
    long send(unsigned int message, unsigned long wparam = 0, long lparam = 0) const;

    QsciScintilla* editor_ = nullptr;
    QsciLexerYAML* lexer_ = nullptr;
    std::vector<EditorDiagnostic> diagnostics_;
    std::vector<int> marker_handles_;  // one per diagnostic; markers move with edits, -1: none
    bool loading_ = false;             // setText() in progress: not a user edit
};

}  // namespace ilab::studio
