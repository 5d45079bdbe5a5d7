#include "getting_started.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace sinkscope::gui {

namespace {

const char* kPage = R"(<h2>Getting started</h2>
<p>SinkScope shows where a language model's attention goes, finds the <b>attention sink</b> (the token,
usually the first, that takes a large share of attention while meaning little), and lets you change it
inside the forward pass to see what the model then says.</p>

<h3>1 · See where attention goes</h3>
<ol>
<li>Type a prompt on the left (or <i>File ▸ Open model…</i> for another model). It runs as you type.</li>
<li>The <b>map</b> in the middle is one head: row = query token, column = key token. A bright first
column is the sink.</li>
<li>The <b>head grid</b> on the right colours every head by α₀, its average attention on token 0; red
frames mark sink heads (α₀ &gt; 0.3). Click a cell to open that head; arrow keys move.</li>
<li>Hover or click a token on the strip above the map: the chips show what that token attends to in
this head, or in the mean of its layer (<i>strip</i> under the map).</li>
</ol>
<p>Command line: <code>sinkscope-cli run -m MODEL -p "…"</code> prints α₀ of every head.</p>

<h3>2 · Change the sink and see the output change</h3>
<ol>
<li>Tick <b>Suppress the sink</b>: token 0's attention is removed and every row renormalised. The
next-token table, its KL and the generated text compare the unmodified and the intervened run.</li>
<li>Try ZeroTuning γ, ACT β, a sink logit, StreamingLLM's cache, or any SPEC in <i>Custom</i>; limit
them to a layer range or to heads shift-clicked in the grid.</li>
<li>Tick <b>Show intervened − base</b> to see where attention moved, or put the two maps side by
side on one colour scale (<i>View ▸ Side by side</i>, Ctrl+B); the same menu puts another model
beside this one, e.g. the sigmoid-attention twin that has no sink.</li>
</ol>
<p>Command line: <code>sinkscope-cli compare -m MODEL -p "…" -i suppress</code>.</p>

<h3>3 · Keep runs and make figures</h3>
<ol>
<li>In <b>Runs (trace file)</b>, <i>New…</i> a trace file, then <i>Save current run</i>
(Ctrl+Shift+S): both runs, every map, top-k and generations are stored.</li>
<li>Select runs to <i>Show</i> them again or <i>Compare</i> two (their difference map).</li>
<li><i>File ▸ Export heatmap…</i> writes PNG, SVG or PDF; <i>Export head grid…</i> every head at once.</li>
</ol>
<p>Command line: <code>sinkscope-cli trace --db runs.sqlite …</code>, <code>runs</code>,
<code>export</code>.</p>

<h3>4 · Teach it</h3>
<ol>
<li><i>View ▸ Classroom mode</i> (F11): large type, seven scenarios from the sink to StreamingLLM, a
model trained without one and a picture read as tokens. PageDown / PageUp step through them (a
presenter's clicker works), Esc leaves.</li>
<li><i>File ▸ Open the picture demo</i> (Ctrl+Shift+I): a small vision–language model trained here, on
one of its pictures with a question; the Picture panel shows where the answer looks.</li>
<li><i>View ▸ Panels</i> brings back any panel you closed; <i>View ▸ Reset layout</i> (Ctrl+Shift+L)
restores the default.</li>
</ol>
<p>The exact formulas of every metric and intervention are in the README (Interventions, Metrics).</p>
)";

} // namespace

QWidget* showGettingStarted(QWidget* parent) {
    if (auto* open = parent ? parent->findChild<QDialog*>("gettingStarted") : nullptr) {
        open->raise();
        open->activateWindow();
        return open;
    }
    auto* dialog = new QDialog(parent);
    dialog->setObjectName("gettingStarted");
    dialog->setWindowTitle("Getting started with SinkScope");
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto* text = new QTextBrowser;
    text->setOpenExternalLinks(false);
    text->setHtml(kPage);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(text);
    layout->addWidget(buttons);
    dialog->resize(640, 720);
    dialog->show();
    return dialog;
}

} // namespace sinkscope::gui
