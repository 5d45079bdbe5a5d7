#pragma once
// EngineWorker: owns the model and runs it on its own thread; the GUI talks to it only through
// queued signals and slots, so the event loop never waits for inference. A run over a new prompt
// prepares it once (PreparedPrompt); changing interventions on the same prompt reuses that and
// recomputes only from the first intervened layer.
#include "core/result.h"
#include "ctr_view.h"
#include "explained_row.h"
#include "model/model.h"
#include "run_view.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <memory>

namespace sinkscope {
class PreparedPrompt;
struct PromptImage;
class TraceStore;
struct TraceGroup;
} // namespace sinkscope

namespace sinkscope::gui {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    EngineWorker();
    ~EngineWorker() override;

    // Thread-safe: asks the run (or model load) in progress to stop at its next step.
    void cancel() { m_cancel = true; }

public Q_SLOTS:
    // bf16: weight products in bf16 (LoadOptions::compute), else float32.
    void loadModel(const QString& path, bool bf16);
    // LLaVA models: the picture for the next runs, put where the prompt has <image> (or the word
    // image in "ids: ..."); a prompt without it gets the picture first. Empty: no picture.
    // Answered with imageChanged, or failed (a text-only model, a file that is not an image).
    void setImage(const QString& path);
    // prompt: text, or "ids: 1,2,3" for models without a tokenizer. focusLayer: the layer shown,
    // whose maps the view must hold (when not every layer's maps fit in memory).
    void run(const QString& prompt, const QStringList& interventions, int maxNewTokens, int focusLayer);
    // Traces the prompt (base and, with interventions, intervened) into the trace file at path,
    // created when absent: the engine call `sinkscope-cli trace` makes (greedy generation).
    void saveToTrace(const QString& path, const QString& prompt, const QStringList& interventions,
                     int maxNewTokens);
    // Stores again the runs that the last saveToTrace computed but could not store.
    void retrySaveToTrace();
    // Catch-tag-release of every head of the current prompt's unmodified run (the pass and the
    // engine observer `sinkscope-cli metrics --theta` use), one forward pass per call.
    void catchTagRelease(double theta);
    // One query row of one head of the current prompt, scores to weights, unmodified and under the
    // interventions (engine_worker_row.cpp); answered with rowExplained, also when it fails.
    void explainRow(quint64 promptSerial, int layer, int head, qint64 query, const QStringList& specs);

Q_SIGNALS:
    void modelLoaded(const QString& description, const QString& device, const QString& notices);
    void runFinished(sinkscope::gui::RunViewPtr view);
    void failed(const QString& message);
    // The run would not fit in memory: nothing was computed; the window says so in a dialog.
    void memoryRefused(const QString& message);
    void progress(int done, int total);
    // The user stopped a run before it produced a result (Esc during the pass): nothing changed.
    void cancelled();
    void loadProgress(int percent); // of the weights' bytes prepared by loadModel
    // The pass over a prompt of `tokens` tokens reached residual state `state` (0..layers).
    void passProgress(int state, int layers, qint64 tokens);
    void traceSaved(const QString& path, const QList<qint64>& runIds);
    // The runs were computed but not stored (file busy, disk full, ...): they are kept in memory
    // for retrySaveToTrace until a new save replaces them.
    void traceSaveFailed(const QString& path, const QString& message);
    // Something the user should see while waiting (another program writing the trace file).
    void notice(const QString& message);
    void ctrReady(sinkscope::gui::CtrViewPtr view);
    void rowExplained(sinkscope::gui::ExplainedRowPtr row);
    // The picture now used (empty: none), e.g. "cat.png · 576 image tokens (24 x 24 patches)".
    void imageChanged(const QString& path, const QString& description);

private:
    Result<std::unique_ptr<TraceStore>> openTraceToWrite(const QString& path);
    void storeUnsaved(TraceStore& store);
    Result<std::vector<std::int32_t>> promptIds(const QString& prompt) const;
    Result<Interventions> interventionsOf(const QStringList& specs) const;

    std::unique_ptr<Model> m_model;
    std::shared_ptr<const PromptImage> m_image;        // setImage
    std::shared_ptr<const RunView::Image> m_imageView; // the current prompt's, for views
    QString m_modelPath;
    std::unique_ptr<PreparedPrompt> m_prepared;
    QString m_preparedPrompt;
    // [m_layerCount, H, T, T] from layer m_firstLayer; a new buffer per prompt, never changed once
    // shared with a view.
    std::shared_ptr<const std::vector<float>> m_baseAttention;
    std::vector<std::vector<double>> m_baseAlpha0;
    int m_firstLayer = 0, m_layerCount = 0;
    std::string m_keptNote;                   // why only some layers' maps are kept; empty when all are
    std::shared_ptr<RunView> m_promptMetrics; // metrics fields only, for the current prompt
    std::atomic<bool> m_cancel{false};
    std::unique_ptr<TraceGroup> m_unsaved; // computed, not stored yet
    QString m_unsavedPath;
    std::uint64_t m_promptSerial = 0;
};

} // namespace sinkscope::gui
