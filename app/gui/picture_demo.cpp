#include "picture_demo.h"

#include "io/model_discovery.h"

#include <QApplication>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

namespace sinkscope::gui {

std::optional<PictureDemo> pictureDemoIn(const QString& modelDir) {
    QFile list(modelDir + "/pictures/questions.tsv");
    if (!QFileInfo::exists(modelDir + "/config.json") || !list.open(QIODevice::ReadOnly | QIODevice::Text))
        return std::nullopt;
    // The first picture's colour question (a one-word answer a class can check at a glance), else
    // its first question.
    std::optional<PictureDemo> first;
    QTextStream in(&list);
    while (!in.atEnd()) {
        const QStringList f = in.readLine().split('\t');
        if (f.size() != 3 || f[0].startsWith('#')) continue;
        PictureDemo d{modelDir, modelDir + "/pictures/" + f[0], "<image>\nQ: " + f[1] + "\nA:", f[2]};
        if (!QFileInfo::exists(d.picture)) continue;
        if (first && first->picture != d.picture) break;
        if (!first) first = d;
        if (f[1].startsWith("What colour")) return d;
    }
    return first;
}

std::optional<PictureDemo> findPictureDemo() {
    const std::string dir = bundledModelsDir(QApplication::applicationFilePath().toStdString(),
                                             SINKSCOPE_SOURCE_DIR, SINKSCOPE_BINARY_DIR);
    return pictureDemoIn(QString::fromStdString(dir) + "/picture-demo");
}

} // namespace sinkscope::gui
