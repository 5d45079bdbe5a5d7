#include "model_picker.h"

#include "io/hf_cache.h"
#include "io/model_discovery.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace sinkscope::gui {

namespace {
QString sizeText(std::uint64_t bytes) {
    if (bytes >= (1ull << 30)) return QString("%1 GiB").arg(double(bytes) / double(1ull << 30), 0, 'f', 1);
    if (bytes >= (1ull << 20)) return QString("%1 MiB").arg(double(bytes) / double(1ull << 20), 0, 'f', 1);
    return QString("%1 KiB").arg(double(bytes) / 1024.0, 0, 'f', 0);
}

// Comma-joined in the cell (elided when narrow), one per line in the tooltip, beside the family the
// engine runs the model as (qwen3 runs as llama with q/k norms).
QString featuresText(const ModelEntry& m) {
    QStringList f;
    for (const auto& s : m.features)
        f << QString::fromStdString(s);
    return f.join(", ");
}

QString featuresTip(const ModelEntry& m) {
    QStringList lines;
    if (!m.family.empty()) lines << QString("family: %1").arg(QString::fromStdString(m.family));
    for (const auto& s : m.features)
        lines << QString::fromStdString(s);
    if (m.features.empty() && m.supported) lines << "no windows, soft-caps, rope scaling or shared key heads";
    return lines.join("\n");
}

QString paramsText(const std::optional<std::int64_t>& p) {
    if (!p) return {};
    if (*p >= 1'000'000'000) return QString("%1 B").arg(double(*p) / 1e9, 0, 'f', 2);
    if (*p >= 1'000'000) return QString("%1 M").arg(double(*p) / 1e6, 0, 'f', 1);
    return QString("%1 K").arg(double(*p) / 1e3, 0, 'f', 0);
}
} // namespace

ModelPicker::ModelPicker(QWidget* parent) : QDialog(parent) {
    setWindowTitle("Models on this machine");
    m_table = new QTableWidget(0, kColumns);
    m_table->setHorizontalHeaderLabels(
        {"model", "source", "format", "architecture", "parameters", "size", "features"});
    m_table->horizontalHeader()->setSectionResizeMode(kFeatures, QHeaderView::Stretch);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // One line of text per model: the style's default row is nearly twice that, and a cache of
    // many models should show as many at once as fit.
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_notes = new QLabel;
    m_notes->setWordWrap(true);
    auto* add = new QPushButton("&Add folder…");
    auto* rescanButton = new QPushButton("&Rescan");
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel);
    m_open = buttons->button(QDialogButtonBox::Open);
    auto* row = new QHBoxLayout;
    row->addWidget(add);
    row->addWidget(rescanButton);
    row->addStretch();
    row->addWidget(buttons);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_notes);
    layout->addLayout(row);
    connect(buttons, &QDialogButtonBox::accepted, this, &ModelPicker::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(rescanButton, &QPushButton::clicked, this, &ModelPicker::rescan);
    connect(add, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Add a folder with models");
        if (!dir.isEmpty()) addFolder(dir);
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { accept(); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        const int r = m_table->currentRow();
        m_open->setEnabled(r >= 0 && m_table->item(r, 0)->data(Qt::UserRole).toBool());
    });
    // Wide enough for the features of most models, never wider than the screen.
    const QRect screenRect = screen()->availableGeometry();
    resize(std::min(1150, screenRect.width() * 9 / 10), std::min(640, screenRect.height() * 7 / 10));
    rescan();
}

void ModelPicker::addFolder(const QString& dir) {
    QSettings settings;
    QStringList dirs = settings.value("models/dirs").toStringList();
    if (!dirs.contains(dir)) dirs << dir;
    settings.setValue("models/dirs", dirs);
    rescan();
}

void ModelPicker::rescan() {
    QApplication::setOverrideCursor(Qt::WaitCursor); // reads headers only, but a big cache takes a moment
    DiscoveryOptions options;
    options.bundledDirs = {bundledModelsDir(QApplication::applicationFilePath().toStdString(),
                                            SINKSCOPE_SOURCE_DIR, SINKSCOPE_BINARY_DIR)};
    options.hfHubCache = hfHubCacheDir(processEnvironment()).value_or("");
    for (const QString& d : QSettings().value("models/dirs").toStringList())
        options.userDirs.push_back(d.toStdString());
    const Discovery found = discoverModels(options);
    QApplication::restoreOverrideCursor();

    m_table->setRowCount(static_cast<int>(found.models.size()));
    m_paths.clear();
    for (int r = 0; r < static_cast<int>(found.models.size()); ++r) {
        const ModelEntry& m = found.models[static_cast<std::size_t>(r)];
        auto* name = new QTableWidgetItem(QString::fromStdString(m.name));
        name->setData(Qt::UserRole, m.supported);
        name->setToolTip(QString::fromStdString(m.path + (m.note.empty() ? "" : "\n" + m.note)));
        auto* arch =
            new QTableWidgetItem(QString::fromStdString(m.architecture.empty() ? "?" : m.architecture));
        if (!m.family.empty())
            arch->setToolTip(QString("runs as the %1 family").arg(QString::fromStdString(m.family)));
        auto* params = new QTableWidgetItem(paramsText(m.parameters));
        params->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        auto* size = new QTableWidgetItem(sizeText(m.weightBytes));
        size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        // A model that cannot be opened says why where the features would be.
        const QString why = QString::fromStdString("cannot open: " + m.reason);
        auto* features = new QTableWidgetItem(m.supported ? featuresText(m) : why);
        features->setToolTip(m.supported ? featuresTip(m) : why);
        m_table->setItem(r, 0, name);
        m_table->setItem(r, 1, new QTableWidgetItem(modelSourceId(m.source)));
        m_table->setItem(r, 2, new QTableWidgetItem(m.format ? modelFormatId(*m.format) : "—"));
        m_table->setItem(r, 3, arch);
        m_table->setItem(r, 4, params);
        m_table->setItem(r, 5, size);
        m_table->setItem(r, kFeatures, features);
        if (!m.supported)
            for (int c = 0; c < m_table->columnCount(); ++c) {
                m_table->item(r, c)->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
                m_table->item(r, c)->setToolTip(why);
            }
        m_paths << QString::fromStdString(m.path);
    }
    // Every column but the last fits its contents; the features take the rest and elide.
    for (int c = 0; c < kFeatures; ++c)
        m_table->resizeColumnToContents(c);
    QStringList notes;
    for (const auto& n : found.notes)
        notes << QString::fromStdString(n);
    m_notes->setText(found.models.empty()
                         ? "No models found. Add a folder, or put models in the Hugging Face cache."
                         : notes.join("\n"));
    m_open->setEnabled(false);
}

void ModelPicker::accept() {
    const int r = m_table->currentRow();
    if (r < 0 || !m_table->item(r, 0)->data(Qt::UserRole).toBool()) return; // unsupported: stay open
    m_chosen = m_paths.value(r);
    QDialog::accept();
}

} // namespace sinkscope::gui
