#include "app/studio/widgets/composer_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace ilab::studio {

ComposerPanel::ComposerPanel(QWidget* parent) : QWidget(parent) {
    method_ = new QComboBox(this);
    method_->addItems({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"});
    method_->setEditable(true);
    url_ = new QComboBox(this);
    url_->setObjectName("composerUrl");
    url_->setEditable(true);
    url_->setInsertPolicy(QComboBox::NoInsert);
    url_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    url_->lineEdit()->setPlaceholderText("https://shop.local/catalog/items");
    send_ = new QPushButton(tr("Send"), this);
    send_->setObjectName("composerSend");
    send_->setToolTip(tr("Send the request (Ctrl+Return)"));
    send_->setDefault(true);

    headers_ = new QTableWidget(3, 2, this);
    headers_->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    headers_->horizontalHeader()->setStretchLastSection(true);
    headers_->verticalHeader()->hide();
    cookies_ = new QLineEdit(this);
    cookies_->setPlaceholderText("name=value; other=value");

    auto* line = new QHBoxLayout;
    line->addWidget(method_);
    line->addWidget(url_, 1);
    line->addWidget(send_);
    // The form on the left, the answer (trace and headers, long) on the right.
    auto* form_widget = new QWidget(this);
    auto* form = new QFormLayout(form_widget);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Headers"), headers_);
    form->addRow(tr("Cookies"), cookies_);
    headers_->setMaximumHeight(QWIDGETSIZE_MAX);

    result_ = new QTextBrowser(this);
    result_->setObjectName("composerResult");
    result_->setPlaceholderText(
        tr("The decision core's trace and the headers as sent, as rewritten and as the pod "
           "received them appear here; the topology outlines the request's path."));
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(form_widget);
    split->addWidget(result_);
    // The answer's three header tables sit side by side: give it most of the width.
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    form_widget->setMaximumWidth(340);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(line);
    layout->addWidget(split, 1);

    connect(send_, &QPushButton::clicked, this, &ComposerPanel::send);
    connect(url_->lineEdit(), &QLineEdit::returnPressed, this, &ComposerPanel::send);
    auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &ComposerPanel::send);
}

scenario::RequestSpec ComposerPanel::request() const {
    scenario::RequestSpec r;
    r.method = method_->currentText().trimmed().toUpper().toStdString();
    r.url = url_->currentText().trimmed().toStdString();
    for (int row = 0; row < headers_->rowCount(); ++row) {
        const auto* name = headers_->item(row, 0);
        const auto* value = headers_->item(row, 1);
        if (!name || name->text().trimmed().isEmpty()) continue;
        r.headers.emplace_back(name->text().trimmed().toStdString(),
                               value ? value->text().toStdString() : std::string());
    }
    for (const QString& part : cookies_->text().split(';', Qt::SkipEmptyParts)) {
        const auto eq = part.indexOf('=');
        if (eq <= 0) continue;
        r.cookies.emplace_back(part.left(eq).trimmed().toStdString(),
                               part.mid(eq + 1).trimmed().toStdString());
    }
    return r;
}

void ComposerPanel::setRequest(const QString& method, const QString& url,
                               const std::vector<std::pair<QString, QString>>& headers) {
    method_->setCurrentText(method);
    url_->setCurrentText(url);
    headers_->clearContents();
    headers_->setRowCount(std::max<int>(3, static_cast<int>(headers.size()) + 1));
    int row = 0;
    for (const auto& [name, value] : headers) {
        headers_->setItem(row, 0, new QTableWidgetItem(name));
        headers_->setItem(row++, 1, new QTableWidgetItem(value));
    }
}

void ComposerPanel::setUrlSuggestions(const QStringList& urls) {
    const QString current = url_->currentText();
    url_->clear();
    url_->addItems(urls);
    url_->setCurrentText(current.isEmpty() && !urls.isEmpty() ? urls.front() : current);
}

void ComposerPanel::showResult(const QString& html) {
    result_->setHtml(html);
    setBusy(false);
}

void ComposerPanel::setBusy(bool busy) {
    send_->setEnabled(!busy);
    send_->setText(busy ? tr("Sending…") : tr("Send"));
}

void ComposerPanel::send() {
    if (!send_->isEnabled()) return;
    setBusy(true);
    emit sendRequested(request());
}

}  // namespace ilab::studio
