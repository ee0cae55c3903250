#include "app/studio/widgets/yaml_editor.h"

#include <QEvent>
#include <QFontDatabase>
#include <QPainter>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <utility>

#include <Qsci/qscilexeryaml.h>
#include <Qsci/qsciscintilla.h>

namespace ilab::studio {
namespace {

using Severity = EditorDiagnostic::Severity;

// Indexed by Severity (Error, Warning, Info). Markers drawn later sit on top, so errors get
// the highest number; indicators from 8 (INDICATOR_CONTAINER) up are free for applications.
constexpr int kMarkers[] = {2, 1, 0};
constexpr int kIndicators[] = {10, 9, 8};
constexpr const char* kSeverityNames[] = {"error", "warning", "info"};
constexpr int kErrorMarker = kMarkers[0];
constexpr int kDiagnosticMarkerMask = 0b111;
constexpr unsigned long kFirstFoldMarker = QsciScintillaBase::SC_MARKNUM_FOLDEREND;
constexpr unsigned long kLastFoldMarker = QsciScintillaBase::SC_MARKNUM_FOLDEROPEN;
constexpr int kNumberMargin = 0;
constexpr int kMarkerMargin = 1;
constexpr int kFoldMargin = 2;
constexpr int kDwellMs = 450;
constexpr int kIndent = 2;

int index(Severity severity) {
    return static_cast<int>(severity);
}

struct Theme {
    // Indexed by QsciLexerYAML style: Default (unused: the palette's text colour), Comment,
    // Identifier (keys), Keyword (true, null), Number, Reference (&anchor, *alias),
    // DocumentDelimiter (---), TextBlockMarker (|, >), SyntaxErrorMarker, Operator.
    QRgb styles[10];
    QRgb severity[3];  // error, warning, info
};

// Tuned by eye on offscreen screenshots: readable on the palette's base colour, not neon.
constexpr Theme kLight{
    {0, 0x6a737d, 0x1a5fb4, 0x813d9c, 0xa85200, 0x0e7c86, 0xc01c28, 0x813d9c, 0xe01b24, 0x5e5c64},
    {0xe01b24, 0xd4940a, 0x3584e4}};
constexpr Theme kDark{
    {0, 0x8b949e, 0x7ab8ff, 0xd2a8ff, 0xf0a45d, 0x56d4dd, 0xff7b72, 0xd2a8ff, 0xff5f56, 0xb0b8c0},
    {0xff5f56, 0xf5c211, 0x62a0ea}};

QColor blend(const QColor& a, const QColor& b, double t) {
    const auto mix = [t](float x, float y) { return static_cast<float>(x + (y - x) * t); };
    return QColor::fromRgbF(mix(a.redF(), b.redF()), mix(a.greenF(), b.greenF()),
                            mix(a.blueF(), b.blueF()));
}

bool isTokenChar(const QString& text, int i) {
    const QChar c = text.at(i);
    if (c.isSpace() || c == u',' || c == u'[' || c == u']' || c == u'{' || c == u'}') return false;
    // "key: value" separates on ": ", but URLs and times keep their colons.
    if (c == u':') return i + 1 < text.size() && !text.at(i + 1).isSpace();
    return true;
}

// The [start, end) character span to underline on one line for a 1-based column (0: line).
std::pair<int, int> squiggleSpan(const QString& text, int column) {
    int first = 0;
    while (first < text.size() && text.at(first).isSpace())
        ++first;
    auto last = static_cast<int>(text.size());
    while (last > first && text.at(last - 1).isSpace())
        --last;
    const int start = column - 1;
    if (column <= 0 || start >= last) return {first, last};
    const QChar c = text.at(start);
    int end = start + 1;
    if (c == u'"' || c == u'\'') {
        const auto close = text.indexOf(c, start + 1);
        end = close < 0 ? last : static_cast<int>(close) + 1;
    } else if (isTokenChar(text, start)) {
        while (end < last && isTokenChar(text, end))
            ++end;
    }
    return {start, end};
}

QString tooltipLine(const EditorDiagnostic& d) {
    QString head = QString::fromLatin1(kSeverityNames[index(d.severity)]);
    if (!d.code.isEmpty()) head += QStringLiteral(" ") + d.code;
    return QStringLiteral("<b>%1</b>: %2").arg(head.toHtmlEscaped(), d.message.toHtmlEscaped());
}

// Drawn rather than taken from the style so that the shapes differ (circle, triangle) and
// stay legible at margin size on both light and dark paper.
QImage markerImage(Severity severity, QColor colour, int size, qreal dpr) {
    QImage image(QSize(size, size) * dpr, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(dpr);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF box(0.5, 0.5, size - 1.0, size - 1.0);
    const QPointF mid = box.center();
    const qreal unit = size / 14.0;
    if (severity == Severity::Warning) {
        p.setPen(Qt::NoPen);
        p.setBrush(colour);
        p.drawPolygon(QPolygonF{QPointF(mid.x(), box.top()), box.bottomRight(), box.bottomLeft()});
        p.setPen(QPen(QColor(0x3d, 0x2e, 0x00), 1.8 * unit, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(mid.x(), box.top() + 4.5 * unit), QPointF(mid.x(), mid.y() + 2 * unit));
        p.drawPoint(QPointF(mid.x(), box.bottom() - 2.2 * unit));
        return image;
    }
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    p.drawEllipse(box);
    p.setPen(QPen(Qt::white, 1.8 * unit, Qt::SolidLine, Qt::RoundCap));
    if (severity == Severity::Error) {
        const qreal r = 3 * unit;
        p.drawLine(mid + QPointF(-r, -r), mid + QPointF(r, r));
        p.drawLine(mid + QPointF(-r, r), mid + QPointF(r, -r));
    } else {
        p.drawPoint(QPointF(mid.x(), mid.y() - 3.2 * unit));
        p.drawLine(QPointF(mid.x(), mid.y() - 0.5 * unit), QPointF(mid.x(), mid.y() + 3.5 * unit));
    }
    return image;
}

}  // namespace

YamlEditor::YamlEditor(QWidget* parent) : QWidget(parent) {
    editor_ = new QsciScintilla(this);
    lexer_ = new QsciLexerYAML(editor_);
    lexer_->setFoldComments(true);
    editor_->setLexer(lexer_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(editor_);
    setFocusProxy(editor_);

    editor_->setUtf8(true);
    editor_->setEolMode(QsciScintilla::EolUnix);
    // YAML forbids tabs in indentation: Tab inserts two spaces, Backspace removes a level.
    editor_->setIndentationsUseTabs(false);
    editor_->setTabWidth(kIndent);
    editor_->setIndentationWidth(kIndent);
    editor_->setTabIndents(true);
    editor_->setBackspaceUnindents(true);
    editor_->setAutoIndent(true);
    editor_->setIndentationGuides(true);
    editor_->setBraceMatching(QsciScintilla::SloppyBraceMatch);
    editor_->setCaretLineVisible(true);
    // Start narrow and let tracking widen it: the default 2000 px always shows a scroll bar.
    send(QsciScintillaBase::SCI_SETSCROLLWIDTH, 1);
    send(QsciScintillaBase::SCI_SETSCROLLWIDTHTRACKING, 1);

    editor_->setMarginType(kNumberMargin, QsciScintilla::NumberMargin);
    editor_->setMarginMarkerMask(kNumberMargin, 0);
    editor_->setMarginType(kMarkerMargin, QsciScintilla::SymbolMargin);
    editor_->setMarginMarkerMask(kMarkerMargin, kDiagnosticMarkerMask);
    editor_->setFolding(QsciScintilla::BoxedTreeFoldStyle, kFoldMargin);
    for (int indicator : kIndicators) {
        editor_->indicatorDefine(QsciScintilla::SquigglePixmapIndicator, indicator);
    }

    send(QsciScintillaBase::SCI_SETMOUSEDWELLTIME, kDwellMs);
    connect(editor_, &QsciScintillaBase::SCN_DWELLSTART, this, &YamlEditor::onDwellStart);
    connect(editor_, &QsciScintillaBase::SCN_DWELLEND, this, [] { QToolTip::hideText(); });
    connect(editor_, &QsciScintillaBase::SCN_CHARADDED, this, &YamlEditor::indentAfterKey);
    connect(editor_, &QsciScintilla::textChanged, this, [this] {
        if (!loading_) emit textEdited();
    });
    connect(editor_, &QsciScintilla::modificationChanged, this, [this](bool modified) {
        if (!loading_) emit modificationChanged(modified);
    });
    connect(editor_, &QsciScintilla::linesChanged, this, &YamlEditor::updateLineNumberWidth);

    applyColours();
    updateLineNumberWidth();
}

YamlEditor::~YamlEditor() = default;

void YamlEditor::setText(const QString& text) {
    const bool was_modified = editor_->isModified();
    loading_ = true;         // replacing the text flips the modified flag twice on the way
    editor_->setText(text);  // also empties the undo buffer
    editor_->setModified(false);
    loading_ = false;
    if (was_modified) emit modificationChanged(false);
    placeDiagnostics();  // the old markers were merged onto line 1 by the replace
}

QString YamlEditor::text() const {
    return editor_->text();
}
bool YamlEditor::isModified() const {
    return editor_->isModified();
}
void YamlEditor::setModified(bool modified) {
    if (!modified) editor_->setModified(false);
}

void YamlEditor::replaceText(const QString& text) {
    editor_->beginUndoAction();
    editor_->selectAll();
    editor_->replaceSelectedText(text);
    editor_->endUndoAction();
    placeDiagnostics();
}
QsciScintilla* YamlEditor::scintilla() const {
    return editor_;
}

void YamlEditor::setDiagnostics(const std::vector<EditorDiagnostic>& diagnostics) {
    diagnostics_ = diagnostics;
    placeDiagnostics();
}

const std::vector<EditorDiagnostic>& YamlEditor::diagnostics() const {
    return diagnostics_;
}

std::vector<int> YamlEditor::errorMarkerLines() const {
    std::vector<int> lines;
    for (long line = send(QsciScintillaBase::SCI_MARKERNEXT, 0, 1 << kErrorMarker); line >= 0;
         line = send(QsciScintillaBase::SCI_MARKERNEXT, static_cast<unsigned long>(line + 1),
                     1 << kErrorMarker)) {
        lines.push_back(static_cast<int>(line) + 1);
    }
    return lines;
}

void YamlEditor::goTo(int line, int column) {
    const int row = std::clamp(line - 1, 0, std::max(0, editor_->lines() - 1));
    QString text = editor_->text(row);
    while (text.endsWith(u'\n') || text.endsWith(u'\r'))
        text.chop(1);
    const int index = std::clamp(column - 1, 0, static_cast<int>(text.size()));
    editor_->ensureLineVisible(row);  // unfolds a folded parent as well
    editor_->setCursorPosition(row, index);
    editor_->ensureCursorVisible();
    editor_->setFocus();
}

void YamlEditor::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) applyColours();
}

void YamlEditor::placeDiagnostics() {
    editor_->markerDeleteAll(-1);
    const long length = send(QsciScintillaBase::SCI_GETLENGTH);
    for (int indicator : kIndicators) {
        send(QsciScintillaBase::SCI_SETINDICATORCURRENT, static_cast<unsigned long>(indicator));
        send(QsciScintillaBase::SCI_INDICATORCLEARRANGE, 0, length);
    }
    marker_handles_.assign(diagnostics_.size(), -1);
    const int last_line = std::max(0, editor_->lines() - 1);
    for (std::size_t i = 0; i < diagnostics_.size(); ++i) {
        const EditorDiagnostic& d = diagnostics_[i];
        if (d.line <= 0) continue;  // about the whole file: the problems list shows it
        const int row = std::min(d.line - 1, last_line);
        marker_handles_[i] = editor_->markerAdd(row, kMarkers[index(d.severity)]);
        const auto [start, end] = squiggleSpan(editor_->text(row), d.column);
        if (end <= start) continue;
        const int from = editor_->positionFromLineIndex(row, start);
        const int to = editor_->positionFromLineIndex(row, end);
        // The value finds the diagnostic again under the mouse; the colour ignores it.
        send(QsciScintillaBase::SCI_SETINDICATORCURRENT,
             static_cast<unsigned long>(kIndicators[index(d.severity)]));
        send(QsciScintillaBase::SCI_SETINDICATORVALUE, i + 1);
        send(QsciScintillaBase::SCI_INDICATORFILLRANGE, static_cast<unsigned long>(from),
             to - from);
    }
}

QStringList YamlEditor::messagesOnLine(int line) const {
    QStringList messages;
    for (std::size_t i = 0; i < diagnostics_.size(); ++i) {
        const auto handle = static_cast<unsigned long>(marker_handles_[i]);
        if (marker_handles_[i] >= 0 &&
            send(QsciScintillaBase::SCI_MARKERLINEFROMHANDLE, handle) == line) {
            messages << tooltipLine(diagnostics_[i]);
        }
    }
    return messages;
}

void YamlEditor::onDwellStart(int, int x, int y) {
    int margins = 0;
    for (int m = kNumberMargin; m <= kFoldMargin; ++m)
        margins += editor_->marginWidth(m);
    const QPoint global = editor_->viewport()->mapToGlobal(QPoint(x, y));
    if (x >= margins) {
        // The dwell position is the nearest caret gap; the character under the mouse is wanted.
        const long position = send(QsciScintillaBase::SCI_CHARPOSITIONFROMPOINTCLOSE,
                                   static_cast<unsigned long>(x), y);
        QStringList messages;
        for (int indicator : kIndicators) {
            const long value = position < 0 ? 0
                                            : send(QsciScintillaBase::SCI_INDICATORVALUEAT,
                                                   static_cast<unsigned long>(indicator), position);
            if (value > 0 && static_cast<std::size_t>(value) <= diagnostics_.size()) {
                messages << tooltipLine(diagnostics_[static_cast<std::size_t>(value - 1)]);
            }
        }
        return showTooltip(messages, global);
    }
    const long height = std::max(1L, send(QsciScintillaBase::SCI_TEXTHEIGHT, 0));
    const long visible = send(QsciScintillaBase::SCI_GETFIRSTVISIBLELINE) + y / height;
    const long line =
        send(QsciScintillaBase::SCI_DOCLINEFROMVISIBLE, static_cast<unsigned long>(visible));
    if (line < editor_->lines()) showTooltip(messagesOnLine(static_cast<int>(line)), global);
}

void YamlEditor::showTooltip(const QStringList& messages, const QPoint& global) {
    if (messages.isEmpty()) return;
    QToolTip::showText(global, messages.join(QStringLiteral("<br>")), editor_->viewport());
}

void YamlEditor::indentAfterKey(int character) {
    if (character != '\n') return;
    int row = 0;
    int index = 0;
    editor_->getCursorPosition(&row, &index);
    if (row == 0) return;
    QString previous = editor_->text(row - 1);
    const auto hash = previous.indexOf(QStringLiteral(" #"));
    if (hash >= 0) previous.truncate(hash);
    previous = previous.trimmed();
    if (!previous.endsWith(u':')) return;
    // "key:" opens a nested block; inside a "- key:" list item the block hangs off the key.
    int indent = editor_->indentation(row - 1) + kIndent;
    if (previous.startsWith(QStringLiteral("- "))) indent += kIndent;
    if (editor_->indentation(row) >= indent) return;
    editor_->setIndentation(row, indent);
    editor_->setCursorPosition(row, indent);
}

void YamlEditor::updateLineNumberWidth() {
    const int digits = static_cast<int>(QString::number(std::max(1, editor_->lines())).size());
    editor_->setMarginWidth(kNumberMargin, QString(std::max(2, digits) + 1, u'9'));
}

void YamlEditor::applyColours() {
    const QPalette pal = palette();
    const bool dark = pal.color(QPalette::WindowText).lightness() > 128;
    const Theme& theme = dark ? kDark : kLight;
    const QColor paper = pal.color(QPalette::Base);
    const QColor ink = pal.color(QPalette::Text);
    const QColor margin = blend(paper, pal.color(QPalette::Window), 0.6);
    const QColor faint = blend(margin, ink, 0.45);
    const QColor error(theme.severity[index(Severity::Error)]);

    const QFont font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    lexer_->setDefaultFont(font);
    lexer_->setFont(font, -1);
    lexer_->setDefaultPaper(paper);
    lexer_->setPaper(paper, -1);
    lexer_->setDefaultColor(ink);
    lexer_->setColor(ink, QsciLexerYAML::Default);  // plain scalars: most values are strings
    for (int style = QsciLexerYAML::Comment; style <= QsciLexerYAML::Operator; ++style) {
        lexer_->setColor(QColor(theme.styles[style]), style);
    }
    lexer_->setPaper(blend(paper, error, 0.15), QsciLexerYAML::SyntaxErrorMarker);
    lexer_->setEolFill(false, -1);
    QFont italic = font;
    italic.setItalic(true);
    lexer_->setFont(italic, QsciLexerYAML::Comment);
    QFont bold = font;
    bold.setBold(true);
    lexer_->setFont(bold, QsciLexerYAML::DocumentDelimiter);

    editor_->setPaper(paper);
    editor_->setColor(ink);
    editor_->setCaretForegroundColor(ink);
    editor_->setCaretLineBackgroundColor(blend(paper, pal.color(QPalette::Highlight), 0.08));
    editor_->setSelectionBackgroundColor(blend(paper, pal.color(QPalette::Highlight), 0.35));
    editor_->resetSelectionForegroundColor();  // keep the syntax colours inside a selection
    editor_->setMarginsFont(font);
    editor_->setMarginsBackgroundColor(margin);
    editor_->setMarginsForegroundColor(faint);
    editor_->setFoldMarginColors(margin, margin);
    // setMarker*Color() skip markers QScintilla did not allocate, and the fold ones it did not.
    for (unsigned long marker = kFirstFoldMarker; marker <= kLastFoldMarker; ++marker) {
        editor_->SendScintilla(QsciScintillaBase::SCI_MARKERSETFORE, marker, margin);
        editor_->SendScintilla(QsciScintillaBase::SCI_MARKERSETBACK, marker, faint);
    }
    editor_->setIndentationGuidesForegroundColor(blend(paper, ink, 0.2));
    editor_->setIndentationGuidesBackgroundColor(paper);
    editor_->setMatchedBraceBackgroundColor(
        blend(paper, QColor(theme.styles[QsciLexerYAML::Identifier]), 0.25));
    editor_->setMatchedBraceForegroundColor(ink);
    editor_->setUnmatchedBraceBackgroundColor(blend(paper, error, 0.25));
    editor_->setUnmatchedBraceForegroundColor(ink);

    const int size =
        std::clamp(static_cast<int>(send(QsciScintillaBase::SCI_TEXTHEIGHT)) - 1, 10, 18);
    const qreal dpr = devicePixelRatioF();
    // Scintilla draws RGBA markers at image size divided by this scale (in percent).
    send(QsciScintillaBase::SCI_RGBAIMAGESETSCALE, static_cast<unsigned long>(100 * dpr));
    for (Severity severity : {Severity::Error, Severity::Warning, Severity::Info}) {
        const QColor colour(theme.severity[index(severity)]);
        editor_->markerDefine(markerImage(severity, colour, size, dpr), kMarkers[index(severity)]);
        editor_->setIndicatorForegroundColor(colour, kIndicators[index(severity)]);
    }
    editor_->setMarginWidth(kMarkerMargin, size + 6);
}

long YamlEditor::send(unsigned int message, unsigned long wparam, long lparam) const {
    return editor_->SendScintilla(message, wparam, lparam);
}

}  // namespace ilab::studio
