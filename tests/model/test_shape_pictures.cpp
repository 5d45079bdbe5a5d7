// The procedural scenes of the demo picture model: reproducible, drawn where they say, and every
// question answerable from the picture alone (no two shapes a question could mean).
#include "train/shape_pictures.h"

#include <array>
#include <gtest/gtest.h>
#include <set>

using namespace sinkscope;

namespace {

std::array<int, 3> pixel(const RgbImage& img, int x, int y) {
    const auto at = (static_cast<std::size_t>(y) * img.width + x) * 3;
    return {img.rgb[at], img.rgb[at + 1], img.rgb[at + 2]};
}

} // namespace

TEST(ShapePictures, ScenesAreReproducibleAndVaried) {
    std::set<std::size_t> counts;
    std::set<std::string> answers;
    for (std::uint64_t i = 0; i < 200; ++i) {
        const ShapeScene a = sceneAt(7, i, 64), b = sceneAt(7, i, 64);
        ASSERT_EQ(drawScene(a).rgb, drawScene(b).rgb);
        EXPECT_EQ(questionAt(a, 7, i).question, questionAt(b, 7, i).question);
        counts.insert(a.shapes.size());
        answers.insert(questionsFor(a).front().answer);
    }
    EXPECT_EQ(counts, (std::set<std::size_t>{1, 2, 3}));
    EXPECT_GT(answers.size(), 150u); // descriptions barely repeat
    EXPECT_NE(drawScene(sceneAt(7, 0, 64)).rgb, drawScene(sceneAt(8, 0, 64)).rgb);
}

TEST(ShapePictures, ShapesAreDrawnInTheirCellsInTheirColours) {
    const std::array<std::array<int, 3>, 4> colours{
        {{220, 40, 40}, {40, 160, 60}, {40, 80, 220}, {235, 200, 40}}};
    for (std::uint64_t i = 0; i < 100; ++i) {
        const ShapeScene s = sceneAt(3, i, 64);
        const RgbImage img = drawScene(s);
        ASSERT_EQ(img.width, 64);
        std::set<int> cells;
        for (const auto& shape : s.shapes) {
            cells.insert(shape.cellRow * 3 + shape.cellCol);
            // Every kind covers its centre and a point just below it.
            EXPECT_EQ(pixel(img, shape.cx, shape.cy), colours[static_cast<std::size_t>(shape.colour)]);
            EXPECT_EQ(pixel(img, shape.cx, shape.cy + shape.radius / 2),
                      colours[static_cast<std::size_t>(shape.colour)]);
            // The centre lies in its cell, the shape inside the picture.
            EXPECT_EQ(shape.cx / (64 / 3), shape.cellCol);
            EXPECT_EQ(shape.cy / (64 / 3), shape.cellRow);
            EXPECT_GE(shape.cx - shape.radius, 0);
            EXPECT_LT(shape.cy + shape.radius, 64);
        }
        EXPECT_EQ(cells.size(), s.shapes.size()); // one shape a cell
        // A circle leaves its bounding box's corner bare, a square fills it nearly.
        for (const auto& shape : s.shapes) {
            const auto corner = pixel(img, shape.cx - shape.radius + 1, shape.cy - shape.radius + 1);
            if (shape.kind == ShapeKind::Circle) {
                EXPECT_EQ(corner, (std::array<int, 3>{228, 228, 228}));
            }
        }
    }
}

TEST(ShapePictures, QuestionsAreUnambiguous) {
    for (std::uint64_t i = 0; i < 300; ++i) {
        const ShapeScene s = sceneAt(11, i, 64);
        for (const auto& q : questionsFor(s)) {
            int matches = 0;
            for (const auto& shape : s.shapes) {
                const std::string kind = shapeKindName(shape.kind), colour = shapeColourName(shape.colour);
                switch (q.task) {
                case SceneTask::Colour:
                    matches += q.question == "What colour is the " + kind + "?" ? 1 : 0;
                    if (q.question == "What colour is the " + kind + "?") {
                        EXPECT_EQ(q.answer, colour + ".");
                    }
                    break;
                case SceneTask::Shape:
                    matches += q.question == "What shape is " + colour + "?" ? 1 : 0;
                    if (q.question == "What shape is " + colour + "?") {
                        EXPECT_EQ(q.answer, "a " + kind + ".");
                    }
                    break;
                case SceneTask::Where:
                    matches += q.question == "Where is the " + colour + " " + kind + "?" ? 1 : 0;
                    if (q.question == "Where is the " + colour + " " + kind + "?") {
                        EXPECT_EQ(q.answer, cellPlace(shape.cellRow, shape.cellCol) + ".");
                    }
                    break;
                default:
                    matches = 1;
                }
            }
            EXPECT_EQ(matches, 1) << q.question;
        }
        EXPECT_EQ(questionText(questionsFor(s)[1]), "\nQ: How many shapes are there?\nA:");
        static const char* const counts[] = {"", " one.", " two.", " three."};
        EXPECT_EQ(answerText(questionsFor(s)[1]), counts[s.shapes.size()]);
    }
}
