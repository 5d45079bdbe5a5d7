// The rule that makes a model path a training checkpoint (engine/sweep/checkpoint_name.h).
#include "sweep/checkpoint_name.h"

#include <gtest/gtest.h>

namespace sinkscope {
namespace {

TEST(CheckpointName, PythiaRevisionsAndTrainerDirectoriesAreCheckpoints) {
    const auto pythia = splitCheckpoint("/models/pythia-160m/step143000");
    EXPECT_EQ(pythia.model, "/models/pythia-160m");
    EXPECT_EQ(pythia.checkpoint, "step143000");
    EXPECT_EQ(pythia.step, 143000);

    const auto padded = splitCheckpoint("runs/base/step-000200/");
    EXPECT_EQ(padded.model, "runs/base");
    EXPECT_EQ(padded.checkpoint, "step-000200");
    EXPECT_EQ(padded.step, 200);

    EXPECT_EQ(splitCheckpoint("out/Checkpoint_500").step, 500);
    EXPECT_EQ(splitCheckpoint("out/ckpt3").checkpoint, "ckpt3");
    EXPECT_EQ(splitCheckpoint("out/step0").step, 0);
}

TEST(CheckpointName, OtherNamesAreWholeModels) {
    for (const char* path : {"assets/models/default", "out/step", "out/step-", "out/step12a", "out/steps12",
                             "out/checkpoint", "out/step1234567890123456789", "step100", "x/1000"}) {
        const auto name = splitCheckpoint(path);
        EXPECT_EQ(name.model, path) << path;
        EXPECT_TRUE(name.checkpoint.empty()) << path;
        EXPECT_EQ(name.step, -1) << path;
    }
}

} // namespace
} // namespace sinkscope
