#pragma once
// TrainConfig: everything that determines a training run (architecture, data, optimiser,
// schedule, evaluation), read from and written to JSON so that a run is reproducible from its
// recipe and a checkpoint carries the config it was trained with.
#include "core/result.h"
#include "io/model_config.h"

#include <cstdint>
#include <string>

namespace sinkscope {

struct TrainConfig {
    // architecture (Llama-style: RMSNorm, RoPE, SwiGLU, optional GQA)
    int layers = 6;
    int heads = 8;
    int kvHeads = 8;
    int dModel = 256;
    int dFf = 704;
    double ropeTheta = 10000.0;
    AttentionKind attention = AttentionKind::Softmax;
    bool sinkLogitLearned = false; // SinkLogit: learned per-head b, else the constant below
    float sinkLogit = 0.0f;
    float sigmoidBias = 0.0f; // Sigmoid: A = sigmoid(z + bias); the paper uses -log(T)-like shifts
    bool tieEmbeddings = true;

    // data
    int seqLen = 256;
    int batchSize = 16;
    bool bos = true; // each packed sequence starts with BOS

    // optimiser and schedule
    double lr = 2e-3;
    double minLr = 2e-4;
    int warmupSteps = 200;
    std::int64_t totalSteps = 10000;
    double weightDecay = 0.1;
    double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
    double gradClip = 1.0;
    double initStd = 0.02;
    std::uint64_t seed = 1234;

    // bookkeeping
    int checkpointEvery = 250;
    // Also keep every checkpoint's model (not its optimiser state) as RUN/checkpoints/step-NNNNNN/,
    // an ordinary model directory: a sweep over RUN/checkpoints measures the run step by step.
    bool keepCheckpoints = false;
    int logEvery = 10;
    int valBatches = 8;   // batches of the validation split per evaluation
    int probeCount = 100; // probe sequences for the sink timeline
    int probeLen = 64;
    int threads = 0; // 0: all cores

    // The model architecture this config trains (vocabulary and special ids from the tokenizer).
    ModelConfig modelConfig(int vocabSize, std::int32_t bosId, std::int32_t eosId) const;
};

Result<TrainConfig> parseTrainConfig(const std::string& jsonText, const std::string& source);
std::string trainConfigToJson(const TrainConfig& c);

// Learning rate at a step: linear warm-up to lr, then cosine decay to minLr at totalSteps.
double learningRateAt(const TrainConfig& c, std::int64_t step);

} // namespace sinkscope
