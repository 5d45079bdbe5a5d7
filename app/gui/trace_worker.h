#pragma once
// TraceWorker: owns the open trace file on its own thread, so listing, reopening (decoding every
// map of a run), deleting and vacuuming never stall the window. Each slot answers with a signal;
// errors come back as failed(message) naming the file.
#include "core/result.h"
#include "run_view.h"
#include "trace/trace_types.h"

#include <QList>
#include <QObject>
#include <QString>
#include <memory>
#include <vector>

namespace sinkscope {
class TraceStore;
}

namespace sinkscope::gui {

using RunList = std::vector<RunSummary>;

class TraceWorker : public QObject {
    Q_OBJECT
public:
    TraceWorker();
    ~TraceWorker() override;

public Q_SLOTS:
    // create: a new file (refused when one exists, so "New" never overwrites a trace).
    void open(const QString& path, bool create);
    void refresh();
    void load(qint64 id);
    void compare(qint64 baseId, qint64 otherId);
    void remove(const QList<qint64>& ids);
    void vacuum();

Q_SIGNALS:
    void opened(const QString& path);
    void listed(const sinkscope::gui::RunList& runs);
    void loaded(sinkscope::gui::RunViewPtr view);
    void done(const QString& message);
    void failed(const QString& message);

private:
    bool ready();
    // A second connection to the open file, to write (checked: writable, intact).
    Result<std::unique_ptr<TraceStore>> openToWrite();
    std::unique_ptr<TraceStore> m_store;
};

} // namespace sinkscope::gui

Q_DECLARE_METATYPE(sinkscope::gui::RunList)
