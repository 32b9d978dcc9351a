"""Which language detector is most accurate on short citizen messages (Danish vs English)?

Runs every detector on the hand-written evaluation set tests/nlu/language.yml (sections da,
en, mixed -> "da", unclear -> None) under the same rules (bot.knowledge.language.classify:
numbers and names dropped, too-short -> None, mixed -> "da", under-confident -> None), so only
the scorer differs:

* ``lingua``: lingua-language-detector restricted to Danish and English (the chosen one);
* ``langid``: langid.py restricted to da/en, probabilities normalised (if installed);
* ``langdetect``: langdetect with a fixed seed, P(en) / (P(en) + P(da)) (if installed);
* ``nlu``: "the NLU itself": the features of config.yml's char CountVectorsFeaturizer
  (char_wb, 1-4-grams) and a logistic regression, trained on the project's NLU examples
  labelled by language: data/nlu/*.yml Danish, data/nlu/en/*.yml English (read at run time;
  without English examples this detector cannot be trained, and the table says so).

Prints, per detector: accuracy on da, en, both, mixed and unclear, how many answers were the
wrong language (the costly error: a Danish message answered in English or the reverse), how
many unclear messages were given a language, and the time per message (warm; the one-off load
time separately). ``--sweep`` also prints accuracy for other confidence thresholds, ``--errors``
the misclassified messages.

Run: ``.venv/bin/python scripts/measure_language_detection.py [--sweep] [--errors]``.
Results: docs/language-detection.md.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge import language

EVAL_SET = ROOT / "tests" / "nlu" / "language.yml"
EXPECTED = {"da": "da", "en": "en", "mixed": "da", "unclear": None}
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")

Scorer = Callable[[str], float]

# Rule 4's English-word check (bot.knowledge.language.common_english_word) for every detector;
# None with --no-english-word-check.
IS_ENGLISH_WORD: Callable[[str], bool] | None = language.common_english_word


@dataclass
class Result:
    name: str
    correct: dict[str, int]
    total: dict[str, int]
    wrong_language: int  # a da/en/mixed message given the other language
    unclear_given: dict[str, int]  # unclear messages given "da" / "en"
    ms_per_message: float
    load_seconds: float
    errors: list[tuple[str, str, str | None, str | None]]

    def accuracy(self, *sections: str) -> float:
        right = sum(self.correct[s] for s in sections)
        return right / max(1, sum(self.total[s] for s in sections))


def load_eval_set(path: Path = EVAL_SET) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {section: [str(t) for t in data[section]] for section in EXPECTED}


def nlu_examples(files: list[Path]) -> list[str]:
    """Plain text of every intent example in Rasa NLU YAML files (annotations removed)."""
    texts: list[str] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue  # lookups, regexes, synonyms: not sentences
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return [t for t in texts if t]


# --- scorers: each returns (english_probability, load_seconds) or a reason it cannot run ----


def lingua_scorer() -> tuple[Scorer, float]:
    start = time.perf_counter()
    language.lingua_english_probability("hej")  # builds the detector, loads the models
    return language.lingua_english_probability, time.perf_counter() - start


def langid_scorer() -> tuple[Scorer, float] | str:
    try:
        from langid.langid import LanguageIdentifier, model
    except ImportError:
        return "not installed (pip install langid)"
    start = time.perf_counter()
    identifier = LanguageIdentifier.from_modelstring(model, norm_probs=True)
    identifier.set_languages(["da", "en"])

    def score(text: str) -> float:
        lang, prob = identifier.classify(text)
        return prob if lang == "en" else 1.0 - prob

    score("hej")
    return score, time.perf_counter() - start


def langdetect_scorer() -> tuple[Scorer, float] | str:
    try:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException
    except ImportError:
        return "not installed (pip install langdetect)"
    DetectorFactory.seed = 0
    start = time.perf_counter()

    def score(text: str) -> float:
        try:
            probs = {r.lang: r.prob for r in detect_langs(text)}
        except LangDetectException:
            return 0.5
        en, da = probs.get("en", 0.0), probs.get("da", 0.0)
        return 0.5 if en + da == 0 else en / (en + da)

    score("hej")
    return score, time.perf_counter() - start


def _memo(scorer: Scorer) -> Scorer:
    cache: dict[str, float] = {}

    def score(text: str) -> float:
        if text not in cache:
            cache[text] = scorer(text)
        return cache[text]

    return score


def nlu_scorer(eval_texts: set[str], training: set[str]) -> tuple[Scorer, float] | str:
    """Fits the NLU-feature classifier; adds its (lower-cased) training texts to ``training``."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    danish = nlu_examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))
    english = nlu_examples(sorted((ROOT / "data" / "nlu" / "en").glob("*.yml")))
    if not english:
        return f"no English NLU examples in data/nlu/en/ ({len(danish)} Danish): cannot train"
    training.update(t.lower() for t in danish + english)
    overlap = training & {t.lower() for t in eval_texts}
    start = time.perf_counter()
    model = make_pipeline(
        CountVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=True),
        LogisticRegression(max_iter=2000, class_weight="balanced"),
    )
    model.fit(danish + english, ["da"] * len(danish) + ["en"] * len(english))
    en_column = list(model.classes_).index("en")

    def score(text: str) -> float:
        return float(model.predict_proba([text])[0][en_column])

    score("hej")
    print(
        f"nlu: trained on {len(danish)} Danish and {len(english)} English examples; "
        f"{len(overlap)} evaluation messages also occur in the training data"
    )
    return score, time.perf_counter() - start


def evaluate(
    name: str,
    scorer: Scorer,
    load_seconds: float,
    data: dict[str, list[str]],
    min_confidence: float,
    word_confidence: float | None,
) -> Result:
    correct = dict.fromkeys(EXPECTED, 0)
    total = {s: len(texts) for s, texts in data.items()}
    wrong_language = 0
    unclear_given = {"da": 0, "en": 0}
    errors: list[tuple[str, str, str | None, str | None]] = []
    for texts in data.values():  # warm-up: lingua loads its n-gram models as it meets them
        for text in texts:
            language.classify(
                text,
                scorer,
                min_confidence=min_confidence,
                word_confidence=word_confidence,
                is_english_word=IS_ENGLISH_WORD,
            )
    count = 0
    start = time.perf_counter()
    for section, texts in data.items():
        expected = EXPECTED[section]
        for text in texts:
            got = language.classify(
                text,
                scorer,
                min_confidence=min_confidence,
                word_confidence=word_confidence,
                is_english_word=IS_ENGLISH_WORD,
            )
            count += 1
            if got == expected:
                correct[section] += 1
                continue
            errors.append((section, text, expected, got))
            if expected is None and got is not None:
                unclear_given[got] += 1
            elif expected is not None and got is not None:
                wrong_language += 1
    elapsed = time.perf_counter() - start
    return Result(
        name,
        correct,
        total,
        wrong_language,
        unclear_given,
        1000 * elapsed / max(1, count),
        load_seconds,
        errors,
    )


def print_table(results: list[Result], skipped: dict[str, str]) -> None:
    head = (
        f"{'detector':<11} {'da':>6} {'en':>6} {'da+en':>6} {'mixed':>6} {'unclear':>7} "
        f"{'all':>6} {'wrong lang':>10} {'unclear->da/en':>14} {'ms/msg':>7} {'load s':>7}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        print(
            f"{r.name:<11} {r.accuracy('da'):>6.1%} {r.accuracy('en'):>6.1%} "
            f"{r.accuracy('da', 'en'):>6.1%} {r.accuracy('mixed'):>6.1%} "
            f"{r.accuracy('unclear'):>7.1%} {r.accuracy(*EXPECTED):>6.1%} "
            f"{r.wrong_language:>10} "
            f"{r.unclear_given['da']:>6}/{r.unclear_given['en']:<7} "
            f"{r.ms_per_message:>7.3f} {r.load_seconds:>7.2f}"
        )
    for name, reason in skipped.items():
        print(f"{name:<11} -- {reason}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-confidence", type=float, default=language.MIN_CONFIDENCE)
    parser.add_argument("--word-confidence", type=float, default=language.WORD_CONFIDENCE)
    parser.add_argument("--no-mixed-rule", action="store_true", help="switch the mixed rule off")
    parser.add_argument(
        "--no-english-word-check",
        action="store_true",
        help="switch off rule 4's check for a common English word",
    )
    parser.add_argument("--sweep", action="store_true", help="accuracy at other thresholds")
    parser.add_argument("--errors", action="store_true", help="print misclassified messages")
    args = parser.parse_args(argv)
    word_confidence = None if args.no_mixed_rule else args.word_confidence
    global IS_ENGLISH_WORD
    if args.no_english_word_check:
        IS_ENGLISH_WORD = None

    data = load_eval_set()
    print(
        f"evaluation set: {EVAL_SET.relative_to(ROOT)}: "
        + ", ".join(f"{s} {len(t)}" for s, t in data.items())
    )
    print(
        f"rules: min letters {language.MIN_LETTERS}, min confidence {args.min_confidence}, "
        f"mixed rule word confidence {word_confidence}, "
        f"English word check {'off' if IS_ENGLISH_WORD is None else 'on'}\n"
    )
    all_texts = {t for texts in data.values() for t in texts}
    scorers: dict[str, tuple[Scorer, float]] = {}
    skipped: dict[str, str] = {}
    nlu_training: set[str] = set()
    for name, make in (
        ("lingua", lingua_scorer),
        ("langid", langid_scorer),
        ("langdetect", langdetect_scorer),
        ("nlu", lambda: nlu_scorer(all_texts, nlu_training)),
    ):
        made = make()
        if isinstance(made, str):
            skipped[name] = made
        else:
            scorers[name] = made

    results = [
        evaluate(name, scorer, load, data, args.min_confidence, word_confidence)
        for name, (scorer, load) in scorers.items()
    ]
    print("\nall messages (ms/msg: warm, whole rule incl. per-word scores; load: first call)")
    print_table(results, skipped)

    # Scores are deterministic: cache them so the subset table and the sweep are quick.
    cached = {name: (_memo(scorer), load) for name, (scorer, load) in scorers.items()}
    unseen = {s: [t for t in texts if t.lower() not in nlu_training] for s, texts in data.items()}
    if nlu_training:
        print(
            "\nonly messages that are not in the NLU training data ("
            + ", ".join(f"{s} {len(t)}" for s, t in unseen.items())
            + "): fair to the nlu detector; ms/msg not meaningful (cached scores)"
        )
        print_table(
            [
                evaluate(name, scorer, load, unseen, args.min_confidence, word_confidence)
                for name, (scorer, load) in cached.items()
            ],
            skipped,
        )

    if args.sweep:
        print("\nsweep: accuracy over all sections / wrong-language answers, by min confidence")
        grid = [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]
        for word in (None, 0.85, 0.9, 0.95):
            print(f"\nmixed rule word confidence {word}")
            print(f"{'detector':<11}" + "".join(f"{c:>12}" for c in grid))
            for name, (scorer, load) in cached.items():
                cells = []
                for c in grid:
                    r = evaluate(name, scorer, load, data, c, word)
                    cells.append(f"{r.accuracy(*EXPECTED):>7.1%}/{r.wrong_language:<3}")
                print(f"{name:<11}" + "".join(f"{cell:>12}" for cell in cells))

    if args.errors:
        for r in results:
            print(f"\n{r.name}: {len(r.errors)} errors")
            for section, text, expected, got in r.errors:
                print(f"  [{section}] {text!r}: expected {expected}, got {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
