#include "app/studio/widgets/problems_view.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QStandardItemModel>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>
#include <tuple>

namespace ilab::studio {
namespace {

using Severity = EditorDiagnostic::Severity;

enum Column { kSeverityColumn, kFileColumn, kLocationColumn, kCodeColumn, kMessageColumn };

int rank(Severity severity) {
    switch (severity) {
        case Severity::Error:
            return 0;
        case Severity::Warning:
            return 1;
        case Severity::Info:
            return 2;
    }
    return 3;
}

QString severityText(Severity severity) {
    switch (severity) {
        case Severity::Error:
            return ProblemsView::tr("Error");
        case Severity::Warning:
            return ProblemsView::tr("Warning");
        case Severity::Info:
            return ProblemsView::tr("Info");
    }
    return {};
}

QStyle::StandardPixmap severityIcon(Severity severity) {
    switch (severity) {
        case Severity::Error:
            return QStyle::SP_MessageBoxCritical;
        case Severity::Warning:
            return QStyle::SP_MessageBoxWarning;
        case Severity::Info:
            return QStyle::SP_MessageBoxInformation;
    }
    return QStyle::SP_MessageBoxInformation;
}

QString location(const EditorDiagnostic& d) {
    if (d.line <= 0) return {};
    if (d.column <= 0) return QString::number(d.line);
    return QStringLiteral("%1:%2").arg(d.line).arg(d.column);
}

QStandardItem* item(const QString& text, const QString& tooltip = {}) {
    auto* cell = new QStandardItem(text);
    cell->setEditable(false);
    cell->setToolTip(tooltip.isEmpty() ? text : tooltip);
    return cell;
}

// QTreeView asks for row heights without a width (QTreeView::indexRowSizeHint), so nothing
// would wrap: measure the message at its column's width.
class WrappingDelegate : public QStyledItemDelegate {
  public:
    explicit WrappingDelegate(QTreeView* tree) : QStyledItemDelegate(tree), tree_(tree) {}
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionViewItem at_width(option);
        // The style wraps only with WrapText and a valid rect (any height: it measures).
        at_width.features |= QStyleOptionViewItem::WrapText;
        at_width.rect = QRect(0, 0, tree_->header()->sectionSize(index.column()), 1);
        return QStyledItemDelegate::sizeHint(at_width, index);
    }

  private:
    QTreeView* tree_;
};

}  // namespace

ProblemsView::ProblemsView(QWidget* parent) : QWidget(parent) {
    summary_label_ = new QLabel(this);
    summary_label_->setContentsMargins(4, 2, 4, 2);
    model_ = new QStandardItemModel(0, 5, this);
    model_->setHorizontalHeaderLabels(
        {tr("Severity"), tr("File"), tr("Line:Col"), tr("Code"), tr("Message")});
    tree_ = new QTreeView(this);
    tree_->setModel(model_);
    tree_->setRootIsDecorated(false);
    // Messages wrap instead of ending in "…": "spec.rules[0].http.paths[0].pathType: Unsupported
    // value" cut at the column's edge says nothing. Rows grow to fit (and the tooltip has it too).
    tree_->setWordWrap(true);
    tree_->setTextElideMode(Qt::ElideNone);
    tree_->setUniformRowHeights(false);
    tree_->setItemDelegateForColumn(kMessageColumn, new WrappingDelegate(tree_));
    tree_->setAlternatingRowColors(true);
    tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
    tree_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tree_->header()->setStretchLastSection(true);
    tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    tree_->header()->setSectionResizeMode(kMessageColumn, QHeaderView::Stretch);

    // Wrapped rows are measured at the message column's width: measure again when it changes
    // (once per burst of resizes).
    relayout_.setSingleShot(true);
    relayout_.setInterval(0);
    connect(&relayout_, &QTimer::timeout, tree_, [this] { tree_->doItemsLayout(); });
    connect(tree_->header(), &QHeaderView::sectionResized, this, [this](int section) {
        if (section == kMessageColumn) relayout_.start();
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(summary_label_);
    layout->addWidget(tree_);

    // activated covers Enter and the platform's click or double-click; clicked makes one click
    // enough everywhere (a second jump to the same place is harmless).
    connect(tree_, &QAbstractItemView::activated, this, &ProblemsView::activate);
    connect(tree_, &QAbstractItemView::clicked, this, &ProblemsView::activate);
    summary_label_->setText(summary());
}

ProblemsView::~ProblemsView() = default;

void ProblemsView::setProblems(const std::vector<Problem>& problems) {
    problems_ = problems;
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
        const auto key = [](const Problem& p) {
            return std::tuple(rank(p.diagnostic.severity), p.file, p.diagnostic.line,
                              p.diagnostic.column);
        };
        return key(a) < key(b);
    });
    model_->removeRows(0, model_->rowCount());
    for (const Problem& p : problems_) {
        const EditorDiagnostic& d = p.diagnostic;
        QStandardItem* severity = item(severityText(d.severity));
        severity->setIcon(style()->standardIcon(severityIcon(d.severity)));
        const QString file_name = QFileInfo(p.file).fileName();
        model_->appendRow(
            {severity, item(file_name, p.file), item(location(d)), item(d.code), item(d.message)});
    }
    summary_label_->setText(summary());
}

int ProblemsView::count() const {
    return static_cast<int>(problems_.size());
}
const std::vector<Problem>& ProblemsView::problems() const {
    return problems_;
}
QTreeView* ProblemsView::treeView() const {
    return tree_;
}

QString ProblemsView::summary() const {
    int counts[3] = {0, 0, 0};
    for (const Problem& p : problems_)
        ++counts[rank(p.diagnostic.severity)];
    QStringList parts;
    if (counts[0] > 0) parts << (counts[0] == 1 ? tr("1 error") : tr("%1 errors").arg(counts[0]));
    if (counts[1] > 0) {
        parts << (counts[1] == 1 ? tr("1 warning") : tr("%1 warnings").arg(counts[1]));
    }
    if (counts[2] > 0) parts << tr("%1 info").arg(counts[2]);
    return parts.isEmpty() ? tr("No problems") : parts.join(QStringLiteral(", "));
}

void ProblemsView::activate(const QModelIndex& index) {
    if (!index.isValid() || index.row() >= count()) return;
    const Problem& p = problems_[static_cast<std::size_t>(index.row())];
    emit problemActivated(p.file, p.diagnostic.line, p.diagnostic.column);
}

}  // namespace ilab::studio
