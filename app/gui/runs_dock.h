#pragma once
// RunsDock: the history of runs in a trace file (the desktop twin of `sinkscope-cli trace`, `runs`
// and `export --diff`). Open or create a trace file, list its runs with their settings, show a
// stored run in the window without its model, compare two runs of the same prompt (the window's
// difference view), delete runs (after a confirmation) and vacuum the file. "Save current run"
// asks the window to trace the current prompt into the open file; when the runs could not be
// stored, "Retry saving" stores them again. The file itself is handled by a TraceWorker on its
// own thread.
#include "run_view.h"
#include "trace_worker.h"

#include <QDockWidget>
#include <QThread>
#include <cstdint>
#include <functional>
#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace sinkscope::gui {

class RunsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit RunsDock(QWidget* parent = nullptr);
    ~RunsDock() override;

    // Asynchronous: listChanged() follows once the file is open and listed, failed() otherwise.
    void openTrace(const QString& path, bool create);
    QString tracePath() const { return m_path; }
    const RunList& runs() const { return m_runs; }
    QTableWidget* table() const { return m_table; }

    // Rows of the table by run id; the selection is what Show, Compare and Delete act on.
    std::vector<std::int64_t> selectedRuns() const;
    void selectRuns(const std::vector<std::int64_t>& ids);

    // Asked before deleting (default: a message box); tests answer it themselves.
    void setConfirmation(std::function<bool(const QString& question)> confirm) {
        m_confirm = std::move(confirm);
    }

public Q_SLOTS:
    void showSelected();
    void compareSelected();
    void deleteSelected();
    void vacuum();
    void refresh();
    // Asks for a new trace file when none is open, then emits saveRequested(path).
    void saveCurrentRun();
    // The window saved runs into path: list them (opening path when it is not the open file).
    void runsSaved(const QString& path, const QList<qint64>& ids);
    // The window computed runs for path but could not store them: say why and offer a retry.
    void saveFailed(const QString& path, const QString& message);

Q_SIGNALS:
    void showRun(sinkscope::gui::RunViewPtr view);
    void saveRequested(const QString& tracePath);
    void retrySaveRequested();
    void listChanged();
    void failed(const QString& message);
    // To the worker (queued).
    void workerOpen(const QString& path, bool create);
    void workerRefresh();
    void workerLoad(qint64 id);
    void workerCompare(qint64 baseId, qint64 otherId);
    void workerRemove(const QList<qint64>& ids);
    void workerVacuum();

private:
    void fill(const RunList& runs);
    void say(const QString& text);
    void chooseFile(bool create);

    QThread m_thread;
    TraceWorker* m_worker = nullptr;
    QString m_path;
    RunList m_runs;
    QLabel *m_file = nullptr, *m_status = nullptr;
    QPushButton* m_retry = nullptr; // shown while computed runs wait to be stored
    QTableWidget* m_table = nullptr;
    std::function<bool(const QString&)> m_confirm;
};

} // namespace sinkscope::gui
