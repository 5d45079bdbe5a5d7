#pragma once
// ExplainedRow: the engine's explanation of one query row of one head (model/row_explanation.h)
// as the worker hands it to the GUI thread, with the request it answers so that a late answer for
// another row, head, prompt or intervention can be told apart (immutable once posted).
#include "model/row_explanation.h"

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <memory>
#include <optional>

namespace sinkscope::gui {

struct ExplainedRow {
    std::uint64_t promptSerial = 0; // the RunView::promptSerial of the prompt it belongs to
    int layer = 0, head = 0;
    std::int64_t query = 0;
    QStringList specs;                 // the interventions it was computed under
    std::optional<RowExplanation> row; // absent when it failed
    QString error;                     // why, when it failed

    bool answers(std::uint64_t serial, int l, int h, std::int64_t q, const QStringList& s) const {
        return promptSerial == serial && layer == l && head == h && query == q && specs == s;
    }
};

using ExplainedRowPtr = std::shared_ptr<const ExplainedRow>;

} // namespace sinkscope::gui

Q_DECLARE_METATYPE(sinkscope::gui::ExplainedRowPtr)
