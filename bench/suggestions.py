"""Cluster suggestions: how good (purity, duplicates found, on the labelled sets) and how fast
(CPU time for 150, 300 and 600 cards), written to BENCHMARKS.md.

    .venv/bin/python bench/suggestions.py [--quick]

Target (issue 33): 150 cards → suggestions in < 300 ms of CPU. The baseline measured in the same
run is reading the same cards into terms only (text.Analyser), so a noisy machine shows in both.
With the `meaning` extra installed, the multilingual sentence encoder's figures are printed too.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.report import write_section  # noqa: E402
from workshop.suggestions import semantic  # noqa: E402
from workshop.suggestions.grouping import suggest  # noqa: E402
from workshop.suggestions.quality import LabelledSet, measure  # noqa: E402
from workshop.suggestions.text import Analyser  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
START, END = "<!-- suggestions:start -->", "<!-- suggestions:end -->"
TARGET_MS = 300


def card_set(n: int) -> list[tuple[int, str]]:
    """n German cards: the labelled set, then the practice phrase banks, then both again with a
    marker word (so repeats are not exact duplicates of each other)."""
    labelled = [text for _id, text in LabelledSet.load(FIXTURES / "cluster_labelled_de.yaml").cards]
    phrases = yaml.safe_load((ROOT / "workshop" / "training" / "phrases.yaml").read_text(encoding="utf-8"))
    bank = [text for texts in phrases.values() if isinstance(texts, list) for text in texts if isinstance(text, str)]
    texts = labelled + bank
    cards = []
    round_ = 0
    while len(cards) < n:
        for text in texts:
            if len(cards) == n:
                break
            cards.append((len(cards) + 1, text if round_ == 0 else f"{text} (Runde {round_ + 1})"))
        round_ += 1
    return cards


def cpu_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        function()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 3 if args.quick else 9
    lines = [
        START,
        "## Cluster suggestions: quality and CPU time (bench/suggestions.py)",
        "",
        f"Measured {date.today().isoformat()} on {platform.node()} ({platform.machine()}, "
        f"Python {platform.python_version()}). Quality on the labelled sets in `tests/fixtures/` "
        "(what each figure means: `workshop/suggestions/quality.py`); CPU time is the median of "
        f"{repeat} runs of `suggest()` (`time.process_time`), beside reading the same cards into terms only.",
        "",
        "| set | method | purity | coverage | groups found | duplicates found | duplicate precision |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    methods = [("lexical (default)", None)]
    if semantic.available():
        methods.append(("lexical + meaning (USE multilingual)", semantic.meaning_similarity()))
    for name in ("de", "en"):
        labelled = LabelledSet.load(FIXTURES / f"cluster_labelled_{name}.yaml")
        for method, similarity in methods:
            q = measure(labelled, similarity)
            print(f"{name} ({q.cards} cards), {method}: {q.line()}")
            lines.append(
                f"| {name}, {q.cards} cards | {method} | {q.purity:.2f} | {q.coverage:.2f} | "
                f"{q.groups_found}/{q.groups} | {q.duplicates_found:.2f} | {q.duplicate_precision:.2f} |"
            )
    lines += [
        "",
        "| cards | suggest() CPU ms | reading into terms only, ms | suggestions |",
        "| ---: | ---: | ---: | ---: |",
    ]
    verdict = None
    for n in (150, 300, 600):
        cards = card_set(n)
        suggest(cards)  # warm: the stop-word lists are read once per process
        total = cpu_ms(lambda cards=cards: suggest(cards), repeat)
        baseline = cpu_ms(lambda cards=cards: Analyser().analyse(cards), repeat)
        count = len(suggest(cards))
        print(f"{n} cards: suggest {total:.1f} ms CPU, analysis alone {baseline:.1f} ms, {count} suggestions")
        lines.append(f"| {n} | {total:.1f} | {baseline:.1f} | {count} |")
        if n == 150:
            verdict = total
    assert verdict is not None
    met = "met" if verdict < TARGET_MS else "NOT met"
    lines += [
        "",
        f"Target: 150 cards in under {TARGET_MS} ms of CPU — {met} ({verdict:.1f} ms).",
        END,
    ]
    write_section(ROOT / "BENCHMARKS.md", START, END, "\n".join(lines))


if __name__ == "__main__":
    main()
