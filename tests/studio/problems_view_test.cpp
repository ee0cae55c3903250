#include "app/studio/widgets/problems_view.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QKeyEvent>
#include <QHeaderView>
#include <QTreeView>

#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

using Severity = EditorDiagnostic::Severity;

std::vector<Problem> sample() {
    return {{"/lab/b.yaml", {Severity::Warning, 3, 1, "ILAB-W-1", "warn b3"}},
            {"/lab/b.yaml", {Severity::Error, 9, 2, "ILAB-E-1", "error b9"}},
            {"/lab/a.yaml", {Severity::Info, 1, 0, "ILAB-I-1", "info a1"}},
            {"/lab/a.yaml", {Severity::Error, 12, 5, "ILAB-E-2", "error a12"}},
            {"/lab/b.yaml", {Severity::Error, 2, 7, "ILAB-E-3", "error b2"}}};
}

QString cell(const ProblemsView& view, int row, int column) {
    const QAbstractItemModel* model = view.treeView()->model();
    return model->data(model->index(row, column)).toString();
}

TEST(ProblemsViewTest, SortsErrorsFirstThenByFileAndLine) {
    ProblemsView view;
    view.setProblems(sample());
    ASSERT_EQ(view.count(), 5);
    QStringList messages;
    for (int row = 0; row < view.count(); ++row)
        messages << cell(view, row, 4);
    EXPECT_EQ(messages, (QStringList{"error a12", "error b2", "error b9", "warn b3", "info a1"}));
}

TEST(ProblemsViewTest, ColumnsShowSeverityFileLocationAndCode) {
    ProblemsView view;
    view.setProblems(sample());
    EXPECT_EQ(cell(view, 0, 0), "Error");
    EXPECT_EQ(cell(view, 0, 1), "a.yaml");
    EXPECT_EQ(cell(view, 0, 2), "12:5");
    EXPECT_EQ(cell(view, 0, 3), "ILAB-E-2");
    EXPECT_EQ(cell(view, 4, 2), "1");  // column 0: the whole line
    const QAbstractItemModel* model = view.treeView()->model();
    EXPECT_EQ(model->data(model->index(0, 1), Qt::ToolTipRole).toString(), "/lab/a.yaml");
    EXPECT_FALSE(model->data(model->index(0, 0), Qt::DecorationRole).isNull());
}

TEST(ProblemsViewTest, SummaryCountsEachSeverity) {
    ProblemsView view;
    EXPECT_EQ(view.summary(), "No problems");
    view.setProblems(sample());
    EXPECT_EQ(view.summary(), "3 errors, 1 warning, 1 info");
    view.setProblems({sample()[0], sample()[1], sample()[4]});
    EXPECT_EQ(view.summary(), "2 errors, 1 warning");
    view.setProblems({});
    EXPECT_EQ(view.count(), 0);
    EXPECT_EQ(view.summary(), "No problems");
}

TEST(ProblemsViewTest, ActivatingARowAsksToOpenThatPlace) {
    ProblemsView view;
    view.setProblems(sample());
    QString file;
    int line = -1;
    int column = -1;
    QObject::connect(&view, &ProblemsView::problemActivated,
                     [&](const QString& f, int l, int c) { file = f, line = l, column = c; });
    QTreeView* tree = view.treeView();
    emit tree->activated(tree->model()->index(2, 3));
    EXPECT_EQ(file, "/lab/b.yaml");
    EXPECT_EQ(line, 9);
    EXPECT_EQ(column, 2);
}

TEST(ProblemsViewTest, EnterOnTheCurrentRowActivatesIt) {
    ProblemsView view;
    view.setProblems(sample());
    int activations = 0;
    int line = -1;
    QObject::connect(&view, &ProblemsView::problemActivated,
                     [&](const QString&, int l, int) { ++activations, line = l; });
    QTreeView* tree = view.treeView();
    tree->setCurrentIndex(tree->model()->index(1, 0));
    QKeyEvent press(QEvent::KeyPress, Qt::Key_Return, Qt::NoModifier);
    QApplication::sendEvent(tree, &press);
    EXPECT_EQ(activations, 1);
    EXPECT_EQ(line, 2);
}

// Issue 14, item 6: a long message was cut at the column's edge ("spec.rules[0" ...). It wraps
// onto more lines in a narrow dock, and its tooltip holds it whole.
TEST(ProblemsViewTest, LongMessagesWrapInsteadOfBeingCutOff) {
    const QString message =
        "spec.rules[0].http.paths[0].pathType: Unsupported value: \"Prefx\": supported values: "
        "\"Exact\", \"ImplementationSpecific\", \"Prefix\"";
    ProblemsView view;
    view.resize(420, 300);
    view.show();
    view.setProblems({{"/lab/manifests.yaml", {Severity::Error, 19, 19, "ILAB-SCHEMA-002", message}},
                      {"/lab/manifests.yaml", {Severity::Warning, 30, 1, "ILAB-LINT-001", "short"}}});
    QApplication::processEvents();
    QTreeView* tree = view.treeView();
    const QAbstractItemModel* model = tree->model();
    const int long_row = tree->visualRect(model->index(0, 4)).height();
    const int short_row = tree->visualRect(model->index(1, 4)).height();
    EXPECT_GE(long_row, 2 * short_row) << long_row << " vs " << short_row << " width "
                                       << tree->header()->sectionSize(4) << " viewport "
                                       << tree->viewport()->width();
    EXPECT_EQ(model->data(model->index(0, 4), Qt::ToolTipRole).toString(), message);
    EXPECT_EQ(cell(view, 0, 4), message);
}

}  // namespace
}  // namespace ilab::studio
