#pragma once
// The held-out measurements the picture-model trainer records (answer loss and exact answers on
// the recipe's validation scenes), made again through the engine's inference path: each scene
// written as a PNG and read back by the app's decoder and image processor, one prompt at a time.
#include "model/image_input.h"
#include "model/model.h"
#include "session/image_prompt.h"
#include "temp_dir.h"
#include "tokenizer/tokenizer.h"
#include "train/shape_pictures.h"
#include "train/vlm_recipe.h"
#include "vision/png_encode.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fstream>
#include <gtest/gtest.h>

namespace sinkscope::test {

struct HeldOutAnswers {
    double loss = 0; // mean over batches of the batch's mean answer-token cross-entropy
    int exact = 0;   // questions whose every answer token is the top-1 (greedy decoding's answer)
    int questions = 0;
};

inline HeldOutAnswers measureHeldOutAnswers(const Model& m, const std::string& modelDir,
                                            const VlmRecipe& recipe) {
    HeldOutAnswers out;
    TempDir t;
    const Tokenizer& tok = *m.tokenizer();
    const std::int32_t image = llavaConfig(m)->imageTokenId;
    const int B = recipe.schedule.batchSize;
    for (int k = 0; k < recipe.schedule.valBatches; ++k) {
        double batchLoss = 0;
        int batchTokens = 0;
        for (int i = 0; i < B; ++i) {
            const auto index = static_cast<std::uint64_t>(k * B + i);
            const ShapeScene scene = sceneAt(recipe.valPictureSeed, index, recipe.imageSize);
            const SceneQuestion q = questionAt(scene, recipe.valPictureSeed, index);
            const std::string png = t.path(fmt::format("scene-{}.png", index));
            auto bytes = encodePng(drawScene(scene));
            EXPECT_TRUE(bytes.ok());
            std::ofstream(png, std::ios::binary) << *bytes;
            auto picture = loadPromptImage(m, modelDir, png);
            EXPECT_TRUE(picture.ok()) << picture.error().message;
            auto prompt = tok.encode("<image>" + questionText(q), true);
            auto answer = tok.encode(answerText(q), false);
            EXPECT_TRUE(prompt.ok() && answer.ok());
            if (!picture.ok() || !prompt.ok() || !answer.ok()) return out;
            auto ids = *prompt;
            EXPECT_EQ(std::count(ids.begin(), ids.end(), image), 1);
            ids.insert(std::find(ids.begin(), ids.end(), image), picture->embeddings.rows - 1, image);
            const std::size_t answerAt = ids.size();
            ids.insert(ids.end(), answer->begin(), answer->end());
            ids.push_back(*m.config().eosId);
            auto logits = forwardWithImage(m, ids, picture->embeddings, nullptr, /*allLogits=*/true);
            EXPECT_TRUE(logits.ok()) << logits.error().message;
            if (!logits.ok()) return out;
            bool allRight = true;
            for (std::size_t p = answerAt; p < ids.size(); ++p) {
                const float* row = logits->logits.data() + (p - 1) * logits->vocab;
                std::int64_t best = 0;
                for (std::int64_t v = 1; v < logits->vocab; ++v)
                    if (row[v] > row[best]) best = v;
                double z = 0;
                for (std::int64_t v = 0; v < logits->vocab; ++v)
                    z += std::exp(static_cast<double>(row[v]) - row[best]);
                batchLoss += std::log(z) + row[best] - row[ids[p]];
                ++batchTokens;
                allRight = allRight && best == ids[p];
            }
            out.exact += allRight ? 1 : 0;
            ++out.questions;
        }
        out.loss += batchLoss / batchTokens / recipe.schedule.valBatches;
    }
    return out;
}

} // namespace sinkscope::test
