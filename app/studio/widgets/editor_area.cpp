#include "app/studio/widgets/editor_area.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include "app/studio/bridge/lab_session.h"
#include "engine/core/atomic_file.h"
#include "engine/core/input_file.h"

namespace ilab::studio {
namespace {

EditorDiagnostic toEditor(const core::Diagnostic& d) {
    EditorDiagnostic e;
    e.severity = d.severity == core::Severity::Error     ? EditorDiagnostic::Severity::Error
                 : d.severity == core::Severity::Warning ? EditorDiagnostic::Severity::Warning
                                                         : EditorDiagnostic::Severity::Info;
    e.line = d.location.line;
    e.column = d.location.column;
    e.code = QString::fromStdString(d.code);
    e.message = QString::fromStdString(d.message);
    if (!d.hint.empty()) e.message += " (" + QString::fromStdString(d.hint) + ")";
    return e;
}

// As the engine reads it (regular files only, capped): QFile::readAll on a FIFO or /dev/zero
// would hang the GUI thread. What cannot be read opens empty; the lab's diagnostics say why.
QString readFile(const QString& path) {
    const core::InputText read = core::readInputFile(path.toStdString());
    return read.ok() ? QString::fromStdString(read.text) : QString();
}

}  // namespace

std::vector<Problem> problemsFrom(const core::Diagnostics& diagnostics) {
    std::vector<Problem> out;
    for (const auto& d : diagnostics.items())
        out.push_back({QString::fromStdString(d.location.fileName()), toEditor(d)});
    return out;
}

EditorArea::EditorArea(ProblemsView* problems, QWidget* parent)
    : QWidget(parent), problems_(problems) {
    tabs_ = new QTabWidget(this);
    tabs_->setDocumentMode(true);
    tabs_->setObjectName("editorTabs");
    recovery_bar_ = new QFrame(this);
    recovery_bar_->setFrameShape(QFrame::StyledPanel);
    recovery_bar_->setAutoFillBackground(true);
    recovery_text_ = new QLabel(recovery_bar_);
    recovery_text_->setWordWrap(true);
    auto* restore = new QPushButton(tr("Restore"), recovery_bar_);
    auto* discard = new QPushButton(tr("Discard"), recovery_bar_);
    auto* bar = new QHBoxLayout(recovery_bar_);
    bar->addWidget(recovery_text_, 1);
    bar->addWidget(restore);
    bar->addWidget(discard);
    recovery_bar_->hide();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(recovery_bar_);
    layout->addWidget(tabs_, 1);

    validate_timer_.setSingleShot(true);
    validate_timer_.setInterval(350);  // after typing pauses: validation costs milliseconds
    autosave_timer_.setSingleShot(true);
    autosave_timer_.setInterval(1500);
    connect(&validate_timer_, &QTimer::timeout, this, &EditorArea::validateNow);
    connect(&autosave_timer_, &QTimer::timeout, this, &EditorArea::autosaveNow);
    connect(restore, &QPushButton::clicked, this, &EditorArea::restoreRecovered);
    connect(discard, &QPushButton::clicked, this, [this] {
        for (const auto& r : recoveries_) autosave_.discard(r.file_path);
        recoveries_.clear();
        recovery_bar_->hide();
    });
    if (problems_)
        connect(problems_, &ProblemsView::problemActivated, this, &EditorArea::goTo);
}

void EditorArea::openFiles(const QString& scenario, const QStringList& manifests) {
    autosaveNow();  // edits of the files being closed stay recoverable
    tabs_->clear();
    for (auto& t : tab_list_) t.editor->deleteLater();
    tab_list_.clear();
    if (!scenario.isEmpty()) addTab(scenario, true);
    for (const auto& f : manifests) addTab(f, false);
    offerRecovery();
    validateNow();
}

void EditorArea::addTab(const QString& file, bool scenario) {
    auto* editor = new YamlEditor(tabs_);
    editor->setText(readFile(file));
    editor->setObjectName(QFileInfo(file).fileName());
    tab_list_.push_back({QFileInfo(file).absoluteFilePath(), editor, scenario});
    const int index = tabs_->addTab(editor, QFileInfo(file).fileName());
    tabs_->setTabToolTip(index, file);
    connect(editor, &YamlEditor::textEdited, this, [this, editor] { onEdited(editor); });
    connect(editor, &YamlEditor::modificationChanged, this, [this, editor](bool modified) {
        const int i = tabs_->indexOf(editor);
        QString title = tabs_->tabText(i);
        if (title.endsWith(" •")) title.chop(2);
        tabs_->setTabText(i, modified ? title + " •" : title);
        emit modifiedChanged(anyModified());
    });
}

void EditorArea::onEdited(YamlEditor*) {
    validate_timer_.start();
    autosave_timer_.start();
}

void EditorArea::autosaveNow() {
    for (const auto& t : tab_list_)
        if (t.editor->isModified()) autosave_.save(t.file, t.editor->text());
}

void EditorArea::offerRecovery() {
    recoveries_.clear();
    for (const auto& t : tab_list_)
        if (auto r = autosave_.pending(t.file)) recoveries_.push_back(*r);
    if (recoveries_.empty()) {
        recovery_bar_->hide();
        return;
    }
    QStringList names;
    for (const auto& r : recoveries_)
        names << QString("%1 (%2)").arg(QFileInfo(r.file_path).fileName(),
                                        r.saved_at.toString("yyyy-MM-dd hh:mm"));
    recovery_text_->setText(tr("Unsaved edits were recovered for %1. Restore them?").arg(names.join(", ")));
    recovery_bar_->show();
}

QString EditorArea::recoveryMessage() const {
    return recovery_bar_->isHidden() ? QString() : recovery_text_->text();
}

std::vector<model::ManifestSource> EditorArea::manifestSources() const {
    std::vector<model::ManifestSource> out;
    for (const auto& t : tab_list_)
        if (!t.scenario) out.push_back({t.file.toStdString(), t.editor->text().toStdString()});
    return out;
}

bool EditorArea::scenarioModified() const {
    for (const auto& t : tab_list_)
        if (t.scenario && t.editor->isModified()) return true;
    return false;
}

bool EditorArea::anyModified() const {
    for (const auto& t : tab_list_)
        if (t.editor->isModified()) return true;
    return false;
}

QStringList EditorArea::saveAll(QString* error) {
    QStringList written;
    for (const auto& t : tab_list_) {
        if (!t.editor->isModified()) continue;
        // As the web lab saves: through a symlink to its file, keeping the file's mode (a
        // manifest holding a Secret stays 0600), never over a FIFO or a device.
        std::string why;
        if (!core::writeFileAtomically(t.file.toStdString(), t.editor->text().toStdString(),
                                       core::kKeepExistingMode, &why)) {
            if (error) *error = tr("Could not save %1: %2").arg(t.file, QString::fromStdString(why));
            return written;
        }
        t.editor->setModified(false);
        autosave_.discard(t.file);
        written << t.file;
    }
    return written;
}

void EditorArea::showDiagnostics(const core::Diagnostics& diagnostics) {
    std::map<QString, std::vector<EditorDiagnostic>> by_file;
    int errors = 0, warnings = 0;
    for (const auto& d : diagnostics.items()) {
        const QString file = QFileInfo(QString::fromStdString(d.location.fileName())).absoluteFilePath();
        by_file[file].push_back(toEditor(d));
        errors += d.severity == core::Severity::Error;
        warnings += d.severity == core::Severity::Warning;
    }
    for (const auto& t : tab_list_) t.editor->setDiagnostics(by_file[t.file]);
    if (problems_) problems_->setProblems(problemsFrom(diagnostics));
    emit validated(errors, warnings);
}

void EditorArea::validateNow() {
    std::optional<model::ManifestSource> scenario;
    for (const auto& t : tab_list_)
        if (t.scenario) scenario = model::ManifestSource{t.file.toStdString(), t.editor->text().toStdString()};
    showDiagnostics(LabSession::validate(manifestSources(), scenario));
}

void EditorArea::restoreRecovered() {
    for (const auto& r : recoveries_)
        if (YamlEditor* e = editorFor(r.file_path)) e->replaceText(r.text);  // undoable
    recoveries_.clear();
    recovery_bar_->hide();
    validateNow();
    emit modifiedChanged(anyModified());
}

void EditorArea::discardAutosaves() {
    autosave_timer_.stop();
    for (const auto& t : tab_list_) autosave_.discard(t.file);
}

void EditorArea::goTo(const QString& file, int line, int column) {
    const QString wanted = QFileInfo(file).absoluteFilePath();
    for (const auto& t : tab_list_)
        if (t.file == wanted || QFileInfo(t.file).fileName() == file) {
            tabs_->setCurrentWidget(t.editor);
            t.editor->goTo(line, column);
            return;
        }
}

YamlEditor* EditorArea::editorFor(const QString& file) const {
    const QString wanted = QFileInfo(file).absoluteFilePath();
    for (const auto& t : tab_list_)
        if (t.file == wanted) return t.editor;
    return nullptr;
}

QString EditorArea::currentFile() const {
    for (const auto& t : tab_list_)
        if (t.editor == tabs_->currentWidget()) return t.file;
    return {};
}

int EditorArea::tabCount() const {
    return tabs_->count();
}

}  // namespace ilab::studio
