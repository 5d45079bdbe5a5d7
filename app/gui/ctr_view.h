#pragma once
// CtrView: catch-tag-release of every head of one prompt's unmodified run at one theta, as the
// worker hands it to the GUI thread (immutable once posted).
#include "metrics/catch_tag_release.h"

#include <QMetaType>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sinkscope::gui {

struct CtrView {
    std::uint64_t promptSerial = 0; // the RunView::promptSerial of the prompt it belongs to
    CtrOptions options;             // theta and the sink token
    int layers = 0, heads = 0;
    std::vector<std::string> tokens;
    std::vector<std::vector<CtrScore>> scores; // [layer][head]

    const CtrScore& at(int layer, int head) const {
        return scores[static_cast<std::size_t>(layer)][static_cast<std::size_t>(head)];
    }
};

using CtrViewPtr = std::shared_ptr<const CtrView>;

} // namespace sinkscope::gui

Q_DECLARE_METATYPE(sinkscope::gui::CtrViewPtr)
