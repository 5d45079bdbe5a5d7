#pragma once
// A tiny corpus, tokenizer and recipe for trainer tests: a few steps on them take well under a
// second, and the text is varied enough that a 300-token BPE and a 2-layer model learn from it.
#include "temp_dir.h"
#include "train/bpe_trainer.h"
#include "train/trainer.h"

#include <gtest/gtest.h>
#include <string>

namespace sinkscope::test {

inline std::string corpusText(int paragraphs, int seed) {
    static const char* words[] = {"the",    "sink",  "attention", "token", "model", "head",
                                  "layer",  "first", "river",     "quiet", "north", "garden",
                                  "letter", "Émile", "naïve",     "東京"};
    std::string out;
    unsigned s = static_cast<unsigned>(seed);
    for (int p = 0; p < paragraphs; ++p) {
        for (int w = 0; w < 40; ++w) {
            s = s * 1103515245u + 12345u;
            out += words[(s >> 16) % 16];
            out += (w % 9 == 8) ? ". " : " ";
        }
        out += std::to_string(p) + ".\n\n";
        if (p % 7 == 6) out += "<|endoftext|>\n\n";
    }
    return out;
}

inline TrainConfig tinyRecipe() {
    TrainConfig c;
    c.layers = 2;
    c.heads = 4;
    c.kvHeads = 2;
    c.dModel = 32;
    c.dFf = 64;
    c.seqLen = 32;
    c.batchSize = 4;
    c.lr = 3e-3;
    c.minLr = 3e-4;
    c.warmupSteps = 3;
    c.totalSteps = 12;
    c.checkpointEvery = 4;
    c.logEvery = 4;
    c.valBatches = 1;
    c.probeCount = 3;
    c.probeLen = 16;
    c.threads = 1;
    return c;
}

struct Corpus {
    TempDir dir;
    Corpus() {
        dir.write("train.txt", corpusText(120, 1));
        dir.write("val.txt", corpusText(30, 2));
        EXPECT_TRUE(trainByteLevelBpe(dir.path("train.txt"), dir.path("tokenizer.json"), {300, 2, {}}).ok());
    }
    NewRunInputs inputs(const TrainConfig& c) const {
        return {c, dir.path("tokenizer.json"), dir.path("train.txt"), dir.path("val.txt")};
    }
};

} // namespace sinkscope::test
