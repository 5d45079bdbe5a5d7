#pragma once
// PreparedPrompt: one prompt held ready for repeated runs under changing interventions (the
// GUI's live toggles). The unmodified run is done once and the residual stream entering every
// layer is kept, so a run whose interventions start at layer l recomputes layers l.. only:
// everything before is, by construction, exactly the unmodified run.
#include "core/result.h"
#include "model/image_input.h"
#include "model/model.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace sinkscope {

class PreparedPrompt {
public:
    // Runs the unmodified pass (the observer, if any, sees it whole). A LLaVA prompt's image tokens
    // take `image`'s rows (image_input.h); the prompt holds the expanded image block.
    static Result<std::unique_ptr<PreparedPrompt>> create(const Model& model, std::vector<std::int32_t> ids,
                                                          ForwardObserver* observer = nullptr,
                                                          const ImageEmbeddings* image = nullptr);
    ~PreparedPrompt();
    PreparedPrompt(const PreparedPrompt&) = delete;
    PreparedPrompt& operator=(const PreparedPrompt&) = delete;

    const std::vector<std::int32_t>& ids() const;
    const std::vector<float>& baseLogits() const; // next token, unmodified run

    struct Run {
        std::vector<float> logits;    // next token
        int firstRecomputedLayer = 0; // layers below are the unmodified run's (the observer saw none of them)
    };
    // A Stream policy changes every layer's cache and runs the whole prompt again.
    Result<Run> run(const Interventions& interventions, ForwardObserver* observer = nullptr) const;
    // Recomputes the layers up to `lastLayer` under the interventions, for the observer only (no
    // logits, nothing kept): from the kept stream entering `lastLayer` when no intervention changes
    // an earlier layer, else from the first one changed. One layer's scores cost one layer, not a
    // pass. A Stream intervention is refused: its rows see a cache, not the prompt.
    Status observeThrough(int lastLayer, const Interventions& interventions, ForwardObserver* observer) const;

private:
    struct Impl;
    explicit PreparedPrompt(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace sinkscope
