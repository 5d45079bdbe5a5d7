"""Modern English sources for corpus version 2: documentation, dictionaries and quotations that
Debian packages install. Each source function returns (manifest record, [(title, text)]) like the
sources in build_corpus.py, reads only installed files, and is deterministic (sorted file order,
no timestamps). Standard library only.

What is kept is prose: paragraphs of HTML pages (<p>, headings; never <pre>, tables, navigation
or indexes), POD paragraphs that are not verbatim code, dictionary entries with their markup
removed, WordNet glosses. Licences: tools/corpus/README.md.
"""

import glob
import gzip
import html.parser
import os
import re

from build_corpus import decode, deb_version, fail, file_record, normalise, unwrap_paragraphs

# ---------------------------------------------------------------------------------------------
# HTML: the text of paragraphs and headings, nothing else


class _ProseParser(html.parser.HTMLParser):
    """Collects the text of <p>, <h1>..<h4>, <dt> and <div class="para"> elements outside code, tables, navigation
    and footers. Inline markup inside a paragraph (code, links, emphasis) keeps its text."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "dt"}
    SKIP = {"pre", "script", "style", "table", "nav", "footer", "header", "head", "noscript"}
    SKIP_CLASSES = ("sphinxsidebar", "related", "footer", "navheader", "navfooter", "toc",
                    "highlight", "headerlink", "copyright", "admonition-title", "sig",
                    "contents", "literal-block", "example", "menu", "header", "nav-panel")
    VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skipping) for open non-void elements
        self.skip = 0
        self.block = None  # list of text pieces of the open block
        self.depth_of_block = -1
        self.paras = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            if tag == "br" and self.block is not None:
                self.block.append(" ")
            return
        classes = dict(attrs).get("class") or ""
        skipping = tag in self.SKIP or any(c in classes.split() for c in self.SKIP_CLASSES)
        self.stack.append((tag, skipping))
        if skipping:
            self.skip += 1
        # DocBook (the Debian handbook) writes paragraphs as <div class="para">.
        is_block = tag in self.BLOCKS or (tag == "div" and "para" in classes.split())
        if is_block and self.block is not None:
            self._flush()  # an unclosed <p> ends where the next block starts
        if is_block and self.block is None and self.skip == 0:
            self.block = []
            self.depth_of_block = len(self.stack)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        # Pop to the matching tag (HTML in the wild closes out of order now and then).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                while len(self.stack) > i:
                    t, skipping = self.stack.pop()
                    if skipping:
                        self.skip -= 1
                    if self.block is not None and len(self.stack) < self.depth_of_block:
                        self._flush()
                return

    def _flush(self):
        text = " ".join("".join(self.block).split())
        if text:
            self.paras.append(text)
        self.block = None

    def handle_data(self, data):
        if self.block is not None and self.skip == 0:
            self.block.append(data)


def html_paragraphs(data: bytes, what):
    p = _ProseParser()
    p.feed(decode(data, what))
    p.close()
    out = []
    for t in p.paras:
        t = t.replace("\u00b6", "").strip()  # Sphinx permalink pilcrows
        if t:
            out.append(t)
    return out


def prose_only(paras, min_words=4):
    """Drops paragraphs that are not sentences: fewer than min_words words, or mostly symbols."""
    keep = []
    for t in paras:
        words = t.split()
        if len(words) < min_words:
            continue
        letters = sum(c.isalpha() or c.isspace() for c in t)
        if letters < 0.8 * len(t):
            continue
        keep.append(t)
    return keep


def html_source(sid, title, package, paths, base, document_unit, min_paras=1):
    files, docs = [], []
    for path in paths:
        data = open(path, "rb").read()
        paras = prose_only(html_paragraphs(data, path))
        text = normalise("\n\n".join(paras))
        if len(paras) < min_paras or not text:
            continue
        rel = os.path.relpath(path, base)
        files.append(file_record(path, data, text))
        docs.append((rel, text))
    if not docs:
        fail(f"{sid}: no documents found under {base}")
    return {
        "id": sid,
        "title": title,
        "package": {"registry": "debian", "name": package, "version": deb_version(package)},
        "extracted_with": "Python html.parser: the text of <p>, <h1>-<h4> and <dt> elements "
                          "outside <pre>, tables, navigation and code blocks; paragraphs under "
                          "four words or under 80% letters dropped",
        "document_unit": document_unit,
        "files": files,
    }, docs


PYTHON_DOC = "/usr/share/doc/python3.11/html"
PYTHON_SKIP = re.compile(r"^(genindex|py-modindex|search|contents|download|copyright|license|"
                         r"bugs|about)|^whatsnew/changelog|^_")


def source_python_doc():
    paths = sorted(p for p in glob.glob(PYTHON_DOC + "/**/*.html", recursive=True)
                   if not PYTHON_SKIP.search(os.path.relpath(p, PYTHON_DOC)))
    return html_source("python-doc", "The Python 3.11 documentation (tutorial, library and "
                       "language reference, HOWTOs, FAQs, what's new)", "python3.11-doc", paths,
                       PYTHON_DOC, "one HTML page", min_paras=2)


HANDBOOK = "/usr/share/doc/debian-handbook/html/en-US"


def source_debian_handbook():
    paths = sorted(glob.glob(HANDBOOK + "/*.html"))
    paths = [p for p in paths if os.path.basename(p) not in ("index.html", "ix01.html")]
    return html_source("debian-handbook", "The Debian Administrator's Handbook (English)",
                       "debian-handbook", paths, HANDBOOK, "one HTML page")


REFERENCE = "/usr/share/debian-reference"


def source_debian_reference():
    paths = sorted(glob.glob(REFERENCE + "/*.en.html"))
    paths = [p for p in paths if os.path.basename(p) != "index.en.html"]
    return html_source("debian-reference", "Debian Reference (English)", "debian-reference-en",
                       paths, REFERENCE, "one chapter or appendix")


GNU_STANDARDS = "/usr/share/doc/gnu-standards"


def source_gnu_standards():
    paths = [GNU_STANDARDS + "/standards.html", GNU_STANDARDS + "/maintain.html"]
    return html_source("gnu-standards", "GNU Coding Standards and Information for GNU "
                       "Maintainers", "gnu-standards", paths, GNU_STANDARDS, "one manual")


# ---------------------------------------------------------------------------------------------
# POD (Perl documentation): ordinary paragraphs and headings; verbatim (indented) paragraphs are
# code and are dropped

PERL_POD = "/usr/share/perl/5.36.0/pod"
PERL_SKIP = re.compile(r"^perl(\d+delta|delta|toc|api|intern|artistic|gpl|hist|modlib|"
                       r"uniprops|diag)\.pod$|^perl5\d+")
# C<< x >>, C<<< x >>>, ...: the body may hold < and >, so it is reduced as it stands.
POD_MULTI = [re.compile(rf"([A-Z]){'<' * n}\s+(.*?)\s+{'>' * n}", re.S) for n in (4, 3, 2)]


def pod_code(code, body):
    if code == "E":
        return {"lt": "<", "gt": ">", "verbar": "|", "sol": "/"}.get(body, "")
    if code in "XZ":
        return ""
    if code == "L":
        body = body.split("|", 1)[0] if "|" in body else body
        body = body.replace('"', "").replace("/", " ")
    return body


def pod_text(text):
    for pattern in POD_MULTI:
        text = pattern.sub(lambda m: pod_code(m.group(1), m.group(2)), text)

    prev = None
    while prev != text:  # innermost first: S<C<x>> -> S<x> -> x
        prev = text
        text = re.sub(r"([A-Z])<([^<>]*)>", lambda m: pod_code(m.group(1), m.group(2)), text)
    return text


def pod_paragraphs(raw):
    out, skipping = [], False
    for block in re.split(r"\n\s*\n", raw):
        if not block.strip():
            continue
        if block.startswith("=begin"):
            skipping = True
        if skipping:
            if re.search(r"^=end", block, re.M):
                skipping = False
            continue
        if block[0] in " \t":
            continue  # verbatim: code or a literal display
        if block.startswith("="):
            m = re.match(r"=(head\d|item)\s+(.*)", block, re.S)
            if not m:
                continue  # =pod, =cut, =over, =back, =for, =encoding
            body = m.group(2)
            if m.group(1) == "item" and body.strip() in ("*", "", "o") or re.fullmatch(
                    r"\d+\.?", body.strip()):
                continue
            block = body
        out.append(" ".join(pod_text(block).split()))
    return [p for p in out if p]


def source_perl_doc():
    paths = sorted(p for p in glob.glob(PERL_POD + "/*.pod")
                   if not PERL_SKIP.search(os.path.basename(p)))
    files, docs = [], []
    for path in paths:
        data = open(path, "rb").read()
        paras = prose_only(pod_paragraphs(decode(data, path)))
        text = normalise("\n\n".join(paras))
        if not text:
            continue
        files.append(file_record(path, data, text))
        docs.append((os.path.basename(path), text))
    return {
        "id": "perl-doc",
        "title": "Perl 5.36 core documentation (perlintro, perlfaq, perlop, perlre, ...)",
        "package": {"registry": "debian", "name": "perl-doc", "version": deb_version("perl-doc")},
        "extracted_with": "POD ordinary paragraphs, =head and =item text, formatting codes "
                          "reduced to their text; verbatim paragraphs (code), =begin/=end "
                          "blocks, *delta, perltoc, perlapi, perlintern, perldiag, perlmodlib, "
                          "perluniprops and the licence texts left out",
        "document_unit": "one .pod file",
        "files": files,
    }, docs


# ---------------------------------------------------------------------------------------------
# dictd dictionaries: entries in index order, cross-reference braces and dates removed

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def b64num(s):
    n = 0
    for c in s:
        n = n * 64 + B64.index(c)
    return n


def dict_entries(name):
    """The distinct entries of /usr/share/dictd/NAME.{index,dict.dz} in file order."""
    index_path, dict_path = f"/usr/share/dictd/{name}.index", f"/usr/share/dictd/{name}.dict.dz"
    raw = open(dict_path, "rb").read()
    data = gzip.decompress(raw)
    spans = set()
    for line in open(index_path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 3 or parts[0].startswith("00-database") or parts[0].startswith("00database"):
            continue
        spans.add((b64num(parts[1]), b64num(parts[2])))
    entries = [decode(data[o:o + n], dict_path) for o, n in sorted(spans)]
    return raw, entries


def dict_entry_text(entry):
    text = entry.replace("\r\n", "\n")
    text = re.sub(r"\{([^{}]*)\}", r"\1", text)  # {cross-reference}
    text = re.sub(r"^\s*[\[(]\d{2,4}-\d{2}-\d{2}[\])]\s*$", "", text, flags=re.M)  # dates
    # Entries are indented and hard-wrapped: unwrap each paragraph.
    return unwrap_paragraphs(normalise(text))


def dict_source(sid, title, package, name, document_unit):
    raw, entries = dict_entries(name)
    texts = [t for t in (dict_entry_text(e) for e in entries) if t]
    text = "\n\n".join(texts)
    return {
        "id": sid,
        "title": title,
        "package": {"registry": "debian", "name": package, "version": deb_version(package)},
        "extracted_with": f"/usr/share/dictd/{name}.dict.dz (gzip) read entry by entry in "
                          f"{name}.index offset order, 00-database-* entries left out; "
                          "{cross-reference} braces and date lines removed, lines unwrapped",
        "document_unit": document_unit,
        "files": [file_record(f"/usr/share/dictd/{name}.dict.dz", raw, text)],
    }, [(title, text)]


def source_jargon():
    return dict_source("jargon", "The Jargon File 4.4.7", "dict-jargon", "jargon",
                       "the whole dictionary (one entry per paragraph block)")


def source_foldoc():
    return dict_source("foldoc", "FOLDOC, the Free On-line Dictionary of Computing",
                       "dict-foldoc", "foldoc", "the whole dictionary")


# ---------------------------------------------------------------------------------------------
# WordNet 3.0: one line per synset, "lemma, lemma (pos): gloss"

WORDNET = "/usr/share/wordnet"
WN_POS = [("noun", "noun"), ("verb", "verb"), ("adj", "adjective"), ("adv", "adverb")]


def source_wordnet():
    files, docs = [], []
    for suffix, pos in WN_POS:
        path = f"{WORDNET}/data.{suffix}"
        data = open(path, "rb").read()
        lines = []
        for line in decode(data, path).split("\n"):
            if not line or line.startswith("  "):
                continue  # licence header lines start with two spaces
            head, _, gloss = line.partition(" | ")
            f = head.split()
            count = int(f[3], 16)
            lemmas = [re.sub(r"\(\w+\)$", "", f[4 + 2 * i]).replace("_", " ") for i in range(count)]
            gloss = gloss.strip()
            if gloss:
                lines.append(f"{', '.join(lemmas)} ({pos}): {gloss}")
        text = normalise("\n".join(lines))
        files.append(file_record(path, data, text))
        docs.append((f"WordNet {pos}s", text))
    return {
        "id": "wordnet",
        "title": "WordNet 3.0 synonym sets and glosses",
        "package": {"registry": "debian", "name": "wordnet-base",
                    "version": deb_version("wordnet-base")},
        "extracted_with": "data.noun/verb/adj/adv: one line per synset, its lemmas (underscores "
                          "as spaces, adjective markers dropped), the part of speech and the "
                          "gloss (definition and examples)",
        "document_unit": "one part of speech",
        "files": files,
    }, docs


# ---------------------------------------------------------------------------------------------
# fortune cookies: each fortune one paragraph

FORTUNES = "/usr/share/games/fortunes"
FORTUNE_SKIP = {"ascii-art"}  # pictures, not text


def source_fortunes():
    paths = sorted(p for p in glob.glob(FORTUNES + "/*")
                   if os.path.isfile(p) and not os.path.islink(p) and "." not in os.path.basename(p)
                   and os.path.basename(p) not in FORTUNE_SKIP)
    files, docs = [], []
    for path in paths:
        data = open(path, "rb").read()
        raw = decode(data, path)
        raw = re.sub(r"_\x08|.\x08", "", raw)  # overstrike (bold/underline for terminals)
        cookies = re.split(r"^%\s*$", raw, flags=re.M)
        paras = [" ".join(c.split()) for c in cookies]
        text = normalise("\n\n".join(p for p in paras if p))
        files.append(file_record(path, data, text))
        docs.append((os.path.basename(path), text))
    return {
        "id": "fortunes",
        "title": "fortune cookies: quotations, jokes and aphorisms",
        "package": {"registry": "debian", "name": "fortunes", "version": deb_version("fortunes")},
        "extracted_with": "each cookie file in /usr/share/games/fortunes (not ascii-art): "
                          "cookies split at '%' lines, overstrike removed, each cookie one line",
        "document_unit": "one cookie file",
        "files": files,
    }, docs


MODERN_SOURCES = [source_python_doc, source_perl_doc, source_debian_handbook,
                  source_debian_reference, source_gnu_standards, source_jargon, source_foldoc,
                  source_wordnet, source_fortunes]
MODERN_PACKAGES = ["python3.11-doc", "perl-doc", "debian-handbook", "debian-reference-en",
                   "gnu-standards", "dict-jargon", "dict-foldoc", "wordnet-base", "fortunes"]
