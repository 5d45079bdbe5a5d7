#pragma once
// The bundled demo picture model (assets/models/picture-demo, made by `sinkscope-cli train-vlm
// --export`): where it is, and a first picture and question to show with it, read from the
// questions.tsv its export writes beside the sample pictures.
#include <QString>

#include <optional>

namespace sinkscope::gui {

struct PictureDemo {
    QString model;   // the model directory
    QString picture; // a held-out scene
    QString prompt;  // "<image>\nQ: <question>\nA:", the format it was trained on
    QString answer;  // what it should answer
};

// The demo next to the bundled models; nullopt when it is not there (or has no pictures).
std::optional<PictureDemo> findPictureDemo();
// The same for a given model directory.
std::optional<PictureDemo> pictureDemoIn(const QString& modelDir);

} // namespace sinkscope::gui
