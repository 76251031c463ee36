"""The term extractor read against the gold-standard sentences (tests/gold/terms_gold.tsv).

Run from the repository root:  .venv/bin/python benchmarks/gold.py  [--gold FILE] [--failures]

Each gold line is ``id, kind, sentence, terms, note``; terms are separated by `` / ``, ``X(否定)`` marks a
negated term and ``[X]`` an optional one (neither required nor penalised). A term matches when it has the
same negation and the same UniDic lemmas (so 取組 = 取り組み, こども = 子ども). Figures: sentences fully
right (every required term found, no other term, negation included), term precision and recall, negation
accuracy (of the gold terms found at all, the share with the right negation), overall and per kind.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "tests" / "gold" / "terms_gold.tsv"
NEGATED = "(否定)"


@dataclass(frozen=True)
class GoldLine:
    id: str
    kind: str
    sentence: str
    required: tuple[str, ...]
    optional: tuple[str, ...]


def read_gold(path: Path = GOLD) -> list[GoldLine]:
    """The gold lines of a TSV file with a header row."""
    lines = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            terms = [t.strip() for t in (row["terms"] or "").split(" / ") if t.strip()]
            lines.append(GoldLine(row["id"], row["kind"], row["sentence"],
                                  tuple(t for t in terms if not t.startswith("[")),
                                  tuple(t.strip("[]") for t in terms if t.startswith("["))))
    return lines


@cache
def term_key(term: str) -> tuple[str, bool]:
    """(lemma spelling, negated): a term compared modulo UniDic lemma and the variant table."""
    from kyodo_analysis.phrases import variants
    from kyodo_analysis.tokens import tokenize_text

    negated = term.endswith(NEGATED)
    word = term[:-len(NEGATED)] if negated else term
    word = variants().get(word, word)
    return "".join(t[2] for t in tokenize_text(word)), negated


def extracted(sentences: list[str]) -> list[list[str]]:
    """The terms of each sentence, each analysed alone as one item (default word lists)."""
    from kyodo_analysis.terms import extract_terms
    from kyodo_analysis.tokens import tokenize

    items = pd.DataFrame({"item_id": [f"s{k:05d}" for k in range(len(sentences))], "text": sentences})
    frame = extract_terms(tokenize(items))
    by_item = frame.groupby("item_id", sort=False)["term"].agg(list).to_dict()
    return [by_item.get(f"s{k:05d}", []) for k in range(len(sentences))]


@dataclass
class Tally:
    sentences: int = 0
    right: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    negation_checked: int = 0
    negation_right: int = 0

    def add(self, line: GoldLine, found: list[str]) -> bool:
        """Count one sentence; True when it is fully right."""
        found_keys = {term_key(t) for t in found} - {term_key(t) for t in line.optional}
        required = {term_key(t) for t in line.required}
        self.sentences += 1
        self.true_positive += len(found_keys & required)
        self.false_positive += len(found_keys - required)
        self.false_negative += len(required - found_keys)
        words = {word: negated for word, negated in found_keys}
        for word, negated in required:
            if word in words:
                self.negation_checked += 1
                self.negation_right += words[word] == negated
        right = found_keys == required
        self.right += right
        return right

    def figures(self) -> dict[str, float | int]:
        def share(a: int, b: int) -> float:
            return a / b if b else float("nan")
        return {"sentences": self.sentences, "fully_right": self.right,
                "sentence_accuracy": share(self.right, self.sentences),
                "precision": share(self.true_positive, self.true_positive + self.false_positive),
                "recall": share(self.true_positive, self.true_positive + self.false_negative),
                "negation_accuracy": share(self.negation_right, self.negation_checked)}


def score(lines: list[GoldLine]) -> tuple[dict[str, dict[str, float | int]], list[tuple[GoldLine, list[str]]]]:
    """Figures overall (key ``all``) and per kind, and the sentences not fully right with what was found."""
    found = extracted([line.sentence for line in lines])
    tallies: dict[str, Tally] = defaultdict(Tally)
    wrong = []
    for line, terms in zip(lines, found, strict=True):
        tallies["all"].add(line, terms)
        if not tallies[line.kind].add(line, terms):
            wrong.append((line, terms))
    return {kind: tally.figures() for kind, tally in sorted(tallies.items())}, wrong


def table(figures: dict[str, dict[str, float | int]]) -> str:
    """The figures as a Markdown table, ``all`` first."""
    rows = ["| kind | sentences | fully right | sentence accuracy | precision | recall | negation accuracy |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for kind in ["all", *(k for k in figures if k != "all")]:
        f = figures[kind]
        rows.append(f"| {kind} | {f['sentences']} | {f['fully_right']} | {f['sentence_accuracy']:.1%} "
                    f"| {f['precision']:.1%} | {f['recall']:.1%} | {f['negation_accuracy']:.1%} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--failures", action="store_true", help="list the sentences not fully right")
    args = parser.parse_args(argv)
    figures, wrong = score(read_gold(args.gold))
    print(table(figures))
    if args.failures:
        for line, terms in wrong:
            print(f"\n{line.id} [{line.kind}] {line.sentence}\n  gold:  {' / '.join(line.required)}"
                  f"{'  optional: ' + ' / '.join(line.optional) if line.optional else ''}\n  found: {' / '.join(terms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
