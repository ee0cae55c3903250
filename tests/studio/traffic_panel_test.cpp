// The studio's fault list shows the engine's one list: while a scenario plays it names which
// lab each fault acts on, and Remove asks for the fault by the list's own id.
#include "app/studio/widgets/traffic_panel.h"

#include <QListWidget>
#include <QPushButton>

#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

ActiveFault fault(std::uint64_t id, const std::string& text, bool scenario_run) {
    ActiveFault f;
    f.id = id;
    f.text = text;
    f.scenario_run = scenario_run;
    return f;
}

QStringList rows(TrafficPanel& panel) {
    QStringList out;
    auto* list = panel.findChild<QListWidget*>("activeFaults");
    for (int i = 0; i < list->count(); ++i) out << list->item(i)->text();
    return out;
}

TEST(TrafficPanelTest, ListsTheLiveLabsFaultsBesideTheRunsAndRemovesThemByTheirIds) {
    TrafficPanel panel;
    panel.setFaults({fault(3, "answer 503 on service shop/account", false)});
    EXPECT_EQ(rows(panel), QStringList{"#3  answer 503 on service shop/account"});

    panel.setFaults({fault(3, "answer 503 on service shop/account", false),
                     fault(4, "latency on service shop/storefront", true)});
    EXPECT_EQ(panel.faultCount(), 2);
    EXPECT_EQ(rows(panel), (QStringList{"#3  answer 503 on service shop/account  (live lab)",
                                        "#4  latency on service shop/storefront  (scenario run)"}));

    std::vector<std::uint64_t> asked;
    QObject::connect(&panel, &TrafficPanel::clearFaultRequested,
                     [&asked](std::uint64_t id) { asked.push_back(id); });
    auto* list = panel.findChild<QListWidget*>("activeFaults");
    list->setCurrentRow(1);
    for (auto* button : panel.findChildren<QPushButton*>())
        if (button->text() == "Remove") button->click();
    EXPECT_EQ(asked, std::vector<std::uint64_t>{4});
}

}  // namespace
}  // namespace ilab::studio
