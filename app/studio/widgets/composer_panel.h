#pragma once
// The request composer: method, URL, headers and cookies; Send decides the request through the
// decision core and sends it to the live proxy; the answer shows the trace and the headers as
// sent, as rewritten and as the pod received them, while the topology highlights its path.
// GUI thread only.
#include <QWidget>

#include "engine/scenario/scenario.h"

class QComboBox;
class QLineEdit;
class QTableWidget;
class QTextBrowser;
class QPushButton;

namespace ilab::studio {

class ComposerPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ComposerPanel(QWidget* parent = nullptr);

    // The request the form describes (url not yet split).
    scenario::RequestSpec request() const;
    void setRequest(const QString& method, const QString& url,
                    const std::vector<std::pair<QString, QString>>& headers = {});
    void setUrlSuggestions(const QStringList& urls);
    void showResult(const QString& html);
    void setBusy(bool busy);
    QTextBrowser* result() const { return result_; }

  public slots:
    void send();

  signals:
    void sendRequested(const ilab::scenario::RequestSpec& request);

  private:
    QComboBox* method_ = nullptr;
    QComboBox* url_ = nullptr;
    QTableWidget* headers_ = nullptr;
    QLineEdit* cookies_ = nullptr;
    QPushButton* send_ = nullptr;
    QTextBrowser* result_ = nullptr;
};

}  // namespace ilab::studio
