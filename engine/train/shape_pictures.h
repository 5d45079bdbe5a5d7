#pragma once
// Procedural pictures for the demo vision-language model: one to three flat shapes (circle,
// square, triangle) in four colours, each in its own cell of a 3 x 3 grid, with templated
// questions and answers about them. Everything is integer arithmetic on a seeded mt19937_64 (whose
// output the standard fixes), so picture `index` of seed `seed` is the same on every machine.
// Torch-free.
#include "vision/image_decode.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

enum class ShapeKind { Circle, Square, Triangle };
enum class ShapeColour { Red, Green, Blue, Yellow };

struct PlacedShape {
    ShapeKind kind = ShapeKind::Circle;
    ShapeColour colour = ShapeColour::Red;
    int cellRow = 1, cellCol = 1;   // 0..2: the grid cell it sits in
    int cx = 0, cy = 0, radius = 1; // pixels
};

struct ShapeScene {
    int size = 64; // square pictures, size x size
    std::vector<PlacedShape> shapes;
};

// The index-th scene of a seed: 1-3 shapes in distinct cells. size >= 24.
ShapeScene sceneAt(std::uint64_t seed, std::uint64_t index, int size);

// The scene drawn on a light grey background.
RgbImage drawScene(const ShapeScene& scene);

enum class SceneTask { Describe, Colour, Shape, Count, Where };

struct SceneQuestion {
    SceneTask task = SceneTask::Describe;
    std::string question; // e.g. "What colour is the circle?"
    std::string answer;   // e.g. "red."
};

// The index-th question of a seed about the scene (a task the scene can answer unambiguously).
SceneQuestion questionAt(const ShapeScene& scene, std::uint64_t seed, std::uint64_t index);
// Every question the scene answers unambiguously: Describe, Count, then Colour / Shape / Where
// for each shape whose kind / colour / colour and kind no other shape shares.
std::vector<SceneQuestion> questionsFor(const ShapeScene& scene);

// The text around the picture in a training sequence and in the app's prompt: the question after
// the image ("\nQ: <question>\nA:") and the answer the model should continue with (" <answer>").
std::string questionText(const SceneQuestion& q);
std::string answerText(const SceneQuestion& q);

const char* shapeKindName(ShapeKind k);
const char* shapeColourName(ShapeColour c);
// "on the left", "at the top right", "in the middle", ...
std::string cellPlace(int row, int col);

} // namespace sinkscope
