#include "train/shape_pictures.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fmt/format.h>
#include <random>
#include <utility>

namespace sinkscope {

namespace {

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// One generator per (seed, index, stream): the scene and its questions draw independently.
std::mt19937_64 generator(std::uint64_t seed, std::uint64_t index, std::uint64_t stream) {
    return std::mt19937_64(splitmix(splitmix(seed) ^ splitmix(index * 4 + stream)));
}

// Raw draws modulo n: std::uniform_int_distribution differs between standard libraries.
int draw(std::mt19937_64& rng, int n) {
    return static_cast<int>(rng() % static_cast<std::uint64_t>(n));
}

constexpr std::array<std::array<std::uint8_t, 3>, 4> kColours{{
    {220, 40, 40},  // red
    {40, 160, 60},  // green
    {40, 80, 220},  // blue
    {235, 200, 40}, // yellow
}};
constexpr std::uint8_t kBackground = 228;

bool covers(const PlacedShape& s, int x, int y) {
    const int dx = x - s.cx, dy = y - s.cy, r = s.radius;
    switch (s.kind) {
    case ShapeKind::Circle:
        return dx * dx + dy * dy <= r * r;
    case ShapeKind::Square: { // a little smaller than the circle's box, so the areas are alike
        const int h = r * 7 / 8;
        return dx >= -h && dx <= h && dy >= -h && dy <= h;
    }
    case ShapeKind::Triangle: // apex at the top, base 2r wide at the bottom
        return dy >= -r && dy <= r && 2 * std::abs(dx) <= dy + r;
    }
    return false;
}

std::string describe(const PlacedShape& s) {
    return fmt::format("a {} {} {}", shapeColourName(s.colour), shapeKindName(s.kind),
                       cellPlace(s.cellRow, s.cellCol));
}

template <class Key> bool unique(const ShapeScene& scene, const PlacedShape& s, Key key) {
    int n = 0;
    for (const auto& o : scene.shapes)
        n += key(o) == key(s) ? 1 : 0;
    return n == 1;
}

} // namespace

const char* shapeKindName(ShapeKind k) {
    switch (k) {
    case ShapeKind::Circle:
        return "circle";
    case ShapeKind::Square:
        return "square";
    case ShapeKind::Triangle:
        return "triangle";
    }
    return "?";
}

const char* shapeColourName(ShapeColour c) {
    switch (c) {
    case ShapeColour::Red:
        return "red";
    case ShapeColour::Green:
        return "green";
    case ShapeColour::Blue:
        return "blue";
    case ShapeColour::Yellow:
        return "yellow";
    }
    return "?";
}

std::string cellPlace(int row, int col) {
    static const char* const names[3][3] = {
        {"at the top left", "at the top", "at the top right"},
        {"on the left", "in the middle", "on the right"},
        {"at the bottom left", "at the bottom", "at the bottom right"},
    };
    return names[std::clamp(row, 0, 2)][std::clamp(col, 0, 2)];
}

ShapeScene sceneAt(std::uint64_t seed, std::uint64_t index, int size) {
    auto rng = generator(seed, index, 0);
    ShapeScene scene;
    scene.size = std::max(size, 24);
    std::array<int, 9> cells{0, 1, 2, 3, 4, 5, 6, 7, 8};
    for (int i = 8; i > 0; --i)
        std::swap(cells[static_cast<std::size_t>(i)], cells[static_cast<std::size_t>(draw(rng, i + 1))]);
    const int n = 1 + draw(rng, 3), cell = scene.size / 3;
    for (int i = 0; i < n; ++i) {
        PlacedShape s;
        s.kind = static_cast<ShapeKind>(draw(rng, 3));
        s.colour = static_cast<ShapeColour>(draw(rng, 4));
        s.cellRow = cells[static_cast<std::size_t>(i)] / 3;
        s.cellCol = cells[static_cast<std::size_t>(i)] % 3;
        s.radius = cell * 3 / 10 + draw(rng, cell / 10 + 1);
        const int jitter = std::max(1, cell / 10);
        s.cx = s.cellCol * cell + cell / 2 + draw(rng, 2 * jitter + 1) - jitter;
        s.cy = s.cellRow * cell + cell / 2 + draw(rng, 2 * jitter + 1) - jitter;
        scene.shapes.push_back(s);
    }
    return scene;
}

RgbImage drawScene(const ShapeScene& scene) {
    RgbImage img;
    img.width = img.height = scene.size;
    img.rgb.assign(static_cast<std::size_t>(scene.size) * scene.size * 3, kBackground);
    for (const auto& s : scene.shapes) {
        const auto& c = kColours[static_cast<std::size_t>(s.colour)];
        for (int y = std::max(0, s.cy - s.radius); y <= std::min(scene.size - 1, s.cy + s.radius); ++y)
            for (int x = std::max(0, s.cx - s.radius); x <= std::min(scene.size - 1, s.cx + s.radius); ++x)
                if (covers(s, x, y))
                    for (int k = 0; k < 3; ++k)
                        img.rgb[(static_cast<std::size_t>(y) * scene.size + x) * 3 + k] =
                            c[static_cast<std::size_t>(k)];
    }
    return img;
}

std::vector<SceneQuestion> questionsFor(const ShapeScene& scene) {
    std::vector<SceneQuestion> out;
    std::string all;
    for (std::size_t i = 0; i < scene.shapes.size(); ++i) {
        if (i > 0) all += i + 1 == scene.shapes.size() ? " and " : ", ";
        all += describe(scene.shapes[i]);
    }
    out.push_back({SceneTask::Describe, "What is in the picture?", all + "."});
    static const char* const counts[] = {"none", "one", "two", "three"};
    out.push_back({SceneTask::Count, "How many shapes are there?",
                   fmt::format("{}.", counts[std::min<std::size_t>(scene.shapes.size(), 3)])});
    for (const auto& s : scene.shapes) {
        const std::string kind = shapeKindName(s.kind), colour = shapeColourName(s.colour);
        if (unique(scene, s, [](const PlacedShape& o) { return o.kind; }))
            out.push_back({SceneTask::Colour, fmt::format("What colour is the {}?", kind), colour + "."});
        if (unique(scene, s, [](const PlacedShape& o) { return o.colour; }))
            out.push_back(
                {SceneTask::Shape, fmt::format("What shape is {}?", colour), fmt::format("a {}.", kind)});
        if (unique(scene, s, [](const PlacedShape& o) { return std::pair(o.kind, o.colour); }))
            out.push_back({SceneTask::Where, fmt::format("Where is the {} {}?", colour, kind),
                           cellPlace(s.cellRow, s.cellCol) + "."});
    }
    return out;
}

SceneQuestion questionAt(const ShapeScene& scene, std::uint64_t seed, std::uint64_t index) {
    auto rng = generator(seed, index, 1);
    const auto all = questionsFor(scene);
    return all[static_cast<std::size_t>(draw(rng, static_cast<int>(all.size())))];
}

std::string questionText(const SceneQuestion& q) {
    return fmt::format("\nQ: {}\nA:", q.question);
}

std::string answerText(const SceneQuestion& q) {
    return " " + q.answer;
}

} // namespace sinkscope
