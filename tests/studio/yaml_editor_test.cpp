#include "app/studio/widgets/yaml_editor.h"

#include <QApplication>
#include <QKeyEvent>
#include <QToolTip>

#include <Qsci/qscilexeryaml.h>
#include <Qsci/qsciscintilla.h>
#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

using Severity = EditorDiagnostic::Severity;

constexpr auto kManifest = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  rules:
    - host: shop.local
)";

void pressKey(QWidget* target, Qt::Key key, const QString& text) {
    QKeyEvent press(QEvent::KeyPress, key, Qt::NoModifier, text);
    QApplication::sendEvent(target, &press);
    QKeyEvent release(QEvent::KeyRelease, key, Qt::NoModifier, text);
    QApplication::sendEvent(target, &release);
}

// Positions inside any of the editor's diagnostic squiggles on one (0-based) line.
QList<int> squiggledColumns(QsciScintilla* sci, int line) {
    QList<int> columns;
    const QString text = sci->text(line);
    for (int i = 0; i < text.size(); ++i) {
        const long pos = sci->positionFromLineIndex(line, i);
        if (sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR,
                               static_cast<unsigned long>(pos)) != 0) {
            columns << i;
        }
    }
    return columns;
}

TEST(YamlEditorTest, ErrorDiagnosticPutsAMarkerOnItsLine) {
    YamlEditor editor;
    editor.setText(kManifest);
    editor.setDiagnostics({{Severity::Error, 4, 3, "ILAB-MODEL-004", "name is taken"},
                           {Severity::Warning, 2, 0, "ILAB-MODEL-010", "old kind"}});
    EXPECT_EQ(editor.errorMarkerLines(), std::vector<int>{4});
    EXPECT_EQ(editor.diagnostics().size(), 2u);
    editor.setDiagnostics({});
    EXPECT_TRUE(editor.errorMarkerLines().empty());
}

TEST(YamlEditorTest, LineZeroHasNoMarkerAndLinesBeyondTheTextClamp) {
    YamlEditor editor;
    editor.setText("a: 1\nb: 2");
    editor.setDiagnostics({{Severity::Error, 0, 0, "ILAB-X", "whole file"},
                           {Severity::Error, 99, 4, "ILAB-Y", "past the end"}});
    EXPECT_EQ(editor.errorMarkerLines(), std::vector<int>{2});
}

TEST(YamlEditorTest, DiagnosticsSurviveSetText) {
    YamlEditor editor;
    editor.setText("a: 1\nb: 2\nc: 3\n");
    editor.setDiagnostics({{Severity::Error, 3, 1, "ILAB-X", "bad"}});
    editor.setText("a: 1\nb: 2\nc: 4\n");
    EXPECT_EQ(editor.errorMarkerLines(), std::vector<int>{3});
}

TEST(YamlEditorTest, SquiggleCoversTheTokenAtTheColumn) {
    YamlEditor editor;
    editor.setText("spec:\n  replicas: three  # comment\n  url: http://a:80/x\n");
    editor.setDiagnostics({{Severity::Error, 2, 13, "ILAB-MODEL-020", "not a number"},
                           {Severity::Warning, 3, 8, "ILAB-MODEL-021", "plain http"},
                           {Severity::Info, 1, 0, "ILAB-MODEL-022", "whole line"}});
    EXPECT_EQ(squiggledColumns(editor.scintilla(), 1), (QList<int>{12, 13, 14, 15, 16}));
    EXPECT_EQ(squiggledColumns(editor.scintilla(), 2).size(), 13);  // the whole URL
    EXPECT_EQ(squiggledColumns(editor.scintilla(), 0), (QList<int>{0, 1, 2, 3, 4}));
}

TEST(YamlEditorTest, ColumnsCountCharactersNotBytes) {
    YamlEditor editor;
    editor.setText(u8"title: Grüße für alle: bad\n");
    editor.setDiagnostics({{Severity::Error, 1, 24, "ILAB-X", "bad"}});
    // Scintilla positions are UTF-8 bytes: "bad" starts 3 bytes after its character column.
    const auto bad = static_cast<unsigned long>(editor.text().toUtf8().indexOf("bad"));
    QsciScintilla* sci = editor.scintilla();
    EXPECT_EQ(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, bad - 1), 0);
    EXPECT_NE(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, bad), 0);
    EXPECT_NE(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, bad + 2), 0);
    EXPECT_EQ(sci->SendScintilla(QsciScintillaBase::SCI_INDICATORALLONFOR, bad + 3), 0);
}

TEST(YamlEditorTest, HoveringASquiggleShowsTheMessage) {
    YamlEditor editor;
    editor.resize(500, 300);
    editor.show();
    editor.setText("spec:\n  replicas: three\n");
    editor.setDiagnostics(
        {{Severity::Error, 2, 13, "ILAB-MODEL-020", "replicas must be a number"}});
    QsciScintilla* sci = editor.scintilla();
    const unsigned long pos = static_cast<unsigned long>(sci->positionFromLineIndex(1, 14));
    const int x = static_cast<int>(
        sci->SendScintilla(QsciScintillaBase::SCI_POINTXFROMPOSITION, 0, static_cast<long>(pos)));
    const int y = static_cast<int>(
        sci->SendScintilla(QsciScintillaBase::SCI_POINTYFROMPOSITION, 0, static_cast<long>(pos)));
    emit sci->SCN_DWELLSTART(static_cast<int>(pos), x + 2, y + 2);
    EXPECT_TRUE(QToolTip::text().contains("replicas must be a number"));
    EXPECT_TRUE(QToolTip::text().contains("ILAB-MODEL-020"));
    emit sci->SCN_DWELLEND(static_cast<int>(pos), x + 2, y + 2);
    // The marker margin shows the same message for the whole line.
    emit sci->SCN_DWELLSTART(-1, 4, y + 2);
    EXPECT_TRUE(QToolTip::text().contains("replicas must be a number"));
    QToolTip::hideText();
}

TEST(YamlEditorTest, GoToMovesTheCaret) {
    YamlEditor editor;
    editor.setText(kManifest);
    editor.goTo(4, 3);
    int line = -1;
    int index = -1;
    editor.scintilla()->getCursorPosition(&line, &index);
    EXPECT_EQ(line, 3);
    EXPECT_EQ(index, 2);
    editor.goTo(500, 500);  // clamps to the last line, and to its end
    editor.scintilla()->getCursorPosition(&line, &index);
    EXPECT_EQ(line, editor.scintilla()->lines() - 1);
    EXPECT_EQ(index, 0);
}

TEST(YamlEditorTest, UserEditsEmitTextEditedButSetTextDoesNot) {
    YamlEditor editor;
    int edits = 0;
    QObject::connect(&editor, &YamlEditor::textEdited, [&edits] { ++edits; });
    editor.setText(kManifest);
    EXPECT_EQ(edits, 0);
    editor.scintilla()->insert("# note\n");
    EXPECT_EQ(edits, 1);
    pressKey(editor.scintilla(), Qt::Key_X, "x");
    EXPECT_EQ(edits, 2);
    EXPECT_TRUE(editor.text().startsWith("x# note\n"));
}

TEST(YamlEditorTest, TabKeyInsertsTwoSpaces) {
    YamlEditor editor;
    editor.setText("a:\nb\n");
    editor.scintilla()->setCursorPosition(1, 0);
    pressKey(editor.scintilla(), Qt::Key_Tab, "\t");
    EXPECT_EQ(editor.text(), "a:\n  b\n");
    EXPECT_FALSE(editor.text().contains('\t'));
}

TEST(YamlEditorTest, EnterAfterAKeyIndentsTheBlock) {
    YamlEditor editor;
    editor.setText("spec:");
    editor.scintilla()->setCursorPosition(0, 5);
    pressKey(editor.scintilla(), Qt::Key_Return, "\r");
    pressKey(editor.scintilla(), Qt::Key_A, "a");
    EXPECT_EQ(editor.text(), "spec:\n  a");
}

TEST(YamlEditorTest, ModifiedFlagFollowsEditsAndUndo) {
    YamlEditor editor;
    std::vector<bool> changes;
    QObject::connect(&editor, &YamlEditor::modificationChanged,
                     [&changes](bool modified) { changes.push_back(modified); });
    editor.setText(kManifest);
    EXPECT_FALSE(editor.isModified());
    EXPECT_FALSE(editor.scintilla()->isUndoAvailable());  // loading is not undoable
    editor.scintilla()->insert("# x\n");
    EXPECT_TRUE(editor.isModified());
    editor.scintilla()->undo();
    EXPECT_FALSE(editor.isModified());
    EXPECT_EQ(editor.text(), kManifest);
    editor.scintilla()->redo();
    editor.setModified(false);
    EXPECT_FALSE(editor.isModified());
    EXPECT_EQ(changes, (std::vector<bool>{true, false, true, false}));
}

TEST(YamlEditorTest, DarkPaletteRecoloursThePaper) {
    YamlEditor editor;
    QPalette dark = editor.palette();
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    editor.setPalette(dark);
    const QsciLexer* lexer = editor.scintilla()->lexer();
    EXPECT_EQ(lexer->paper(QsciLexerYAML::Default), QColor(0x1e, 0x1e, 0x1e));
    EXPECT_EQ(lexer->paper(QsciLexerYAML::Identifier), QColor(0x1e, 0x1e, 0x1e));
    EXPECT_EQ(lexer->color(QsciLexerYAML::Default), QColor(0xe0, 0xe0, 0xe0));
    EXPECT_GT(lexer->color(QsciLexerYAML::Identifier).lightness(), 128);  // keys stay legible
}

}  // namespace
}  // namespace ilab::studio
