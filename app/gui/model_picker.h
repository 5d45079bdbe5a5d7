#pragma once
// ModelPicker: the models on this machine (bundled, Hugging Face cache, folders the user added),
// listed by the same discovery as `sinkscope-cli models`, with architecture, parameters, size and
// features (windows, soft-caps, rope scaling, GQA, GGUF quantisation; the family in the tooltip) or,
// for those SinkScope cannot open, the reason. Double-click or Open loads the chosen one. The user's folders
// persist in QSettings ("models/dirs").
#include <QDialog>
#include <QStringList>

class QLabel;
class QPushButton;
class QTableWidget;

namespace sinkscope::gui {

class ModelPicker : public QDialog {
    Q_OBJECT
public:
    explicit ModelPicker(QWidget* parent = nullptr);

    void rescan();
    QString chosenPath() const { return m_chosen; }
    QTableWidget* table() const { return m_table; }
    static constexpr int kColumns = 7;
    static constexpr int kFeatures = 6; // the features column, or why a model cannot be opened
    void addFolder(const QString& dir); // also what the "Add folder…" button does after its dialog

    void accept() override; // only a model that can be opened

private:
    QTableWidget* m_table = nullptr;
    QLabel* m_notes = nullptr;
    QPushButton* m_open = nullptr;
    QStringList m_paths; // per row
    QString m_chosen;
};

} // namespace sinkscope::gui
