#pragma once
// InterventionPanel: toggles and sliders for the sink interventions, turned into SPEC strings
// (the same grammar as `--intervention`), scoped to all heads, a layer range or the heads
// selected in the head grid. Emits changed() on every edit; the window debounces the re-run.
#include <QStringList>
#include <QWidget>
#include <cstdint>
#include <set>
#include <utility>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSlider;
class QSpinBox;

namespace sinkscope::gui {

class InterventionPanel : public QWidget {
    Q_OBJECT
public:
    explicit InterventionPanel(QWidget* parent = nullptr);

    void setModelShape(int layers, int heads);
    void setSelectedHeads(const std::set<std::pair<int, int>>& heads);
    QStringList specs() const;
    // VAR's recipe for a marked span in the custom SPEC: redistribute:p=0.6,to=A-B,heads=span (a
    // redistribute SPEC already there keeps its p and other keys and gets the new span). Re-runs.
    void useSpan(int first, int last);
    QString customSpec() const;
    void setCustomSpec(const QString& spec); // emits changed()

    QCheckBox* suppressBox() const { return m_suppress; }
    QSpinBox* streamWindowBox() const { return m_streamWindow; }
    // The prompt's length: until the user picks a StreamingLLM window (or a preset does), the
    // window offered is half the prompt, so that turning StreamingLLM on evicts tokens. Quiet.
    void setPromptLength(std::int64_t tokens);

    // Presets (classroom scenarios): every operator off, then the given ones on; one changed().
    struct Preset {
        bool suppress = false;
        bool stream = false;
        int streamSinks = 4, streamWindow = 64;
    };
    void applyPreset(const Preset& p);
    // A stored run is shown: its SPECs in the custom field, every toggle off, without a re-run; the
    // next edit re-runs them live on the current prompt.
    void showStored(const QStringList& specs);

Q_SIGNALS:
    void changed();

private:
    QString scope() const;                         // ",layers=..." or "" (all)
    QStringList scoped(const QString& base) const; // one spec per layer for a grid selection

    QCheckBox *m_suppress, *m_zerotune, *m_act, *m_sinkLogit, *m_stream;
    QDoubleSpinBox *m_gamma, *m_beta, *m_b;
    QSpinBox *m_streamSinks, *m_streamWindow, *m_layerFrom, *m_layerTo;
    QComboBox* m_scope;
    QLineEdit* m_custom;
    std::set<std::pair<int, int>> m_selected;
    int m_layers = -1;
    bool m_windowChosen = false; // by the user or a preset: no longer follows the prompt
};

} // namespace sinkscope::gui
