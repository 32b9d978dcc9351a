"""Compare NLU pipelines on the same features: accuracy, confident mistakes, entities, and cost.

Every pipeline in ``PIPELINES`` shares config.yml's features (whitespace tokens, regex and
lexical features, word and char_wb 1-4 n-gram counts), the LanguageDetector and the
FallbackClassifier, so each is a drop-in replacement for config.yml. Per pipeline it measures:

- held-out accuracy, macro F1, confidently-wrong and fallback rates (bot.mlops.evaluation), with a
  fallback threshold sweep and the threshold chosen for it; the same on the English held-out file;
- entities (task, place, day, period, aspect) against the held-out annotations, and whether the
  self-service task / place the answer uses is the one the annotation names;
- wall time to train (``rasa train``, as bot.mlops.training.ensure_model runs it, with an empty
  Rasa cache so nothing is reused between pipelines), with the 1-minute load average around it;
- CPU per parsed message (time.process_time over parsing the held-out set several times);
- model size (bytes of the .tar.gz).

Models go to ``models/nlu-eval/`` (cached by fingerprint; their training times in
``timings.json`` there). Prints the figures and writes docs/nlu-evaluation.md.
Run: ``make nlu-eval`` (``--rounds 2`` retrains the fast pipelines again for timing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.profile_model import Place, Profile
from bot.mlops.evaluation import Prediction, Report
from bot.mlops.training import model_path, train_command, write_generated_data
from bot.stack.paths import base_env

ROOT = Path(__file__).resolve().parent.parent

# (key, label, config), in the order they are trained: slow and fast pipelines interleaved, so a
# burst of load from other work on the machine does not fall on one kind only.
PIPELINES = [
    (
        "linear",
        "Linear intents (scaled features) + CRF + regex entities (config.yml, in use)",
        "config.yml",
    ),
    ("diet-100", "DIET, 100 epochs (in use until issue 22)", "configs/diet-100.yml"),
    ("logreg", "LogisticRegression + CRF + regex entities", "configs/logreg.yml"),
    ("diet-30", "DIET, 30 epochs", "configs/diet-30.yml"),
    ("logreg-crf", "LogisticRegression + CRF entities", "configs/logreg-crf.yml"),
    ("diet-early-stop", "DIET, 50 epochs, best validated", "configs/diet-early-stop.yml"),
    ("sklearn", "SklearnIntentClassifier + CRF entities", "configs/sklearn.yml"),
]
IN_USE = "linear"
HELDOUT = ROOT / "eval" / "heldout.yml"
HELDOUT_EN = ROOT / "eval" / "heldout_en.yml"
BENCH = ROOT / "models" / "nlu-eval"
TIMINGS = BENCH / "timings.json"
SWEEP = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ENTITIES = ("task", "place", "day", "period", "aspect")
PARSE_ROUNDS = 5


# --- training -------------------------------------------------------------------------------


def _load1() -> float:
    return round(os.getloadavg()[0], 2)


def _train(config: str, target: Path, log: Path) -> dict:
    """Train ``config`` into ``target`` as ensure_model does; the run's wall time and load."""
    generated = write_generated_data(ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as cache, log.open("w", encoding="utf-8") as out:
        # An empty Rasa cache per run: no featurizer or policy is reused from another pipeline.
        env = base_env({"RASA_CACHE_DIRECTORY": cache})
        before, start = _load1(), time.perf_counter()
        done = subprocess.run(
            train_command(ROOT, config, generated, target),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        wall = time.perf_counter() - start
    run = {"wall_s": round(wall, 1), "load1_before": before, "load1_after": _load1()}
    if done.returncode != 0 or not target.exists():
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        errors = [i for i, x in enumerate(lines) if "Error" in x or "Exception" in x]
        if errors:
            run["error"] = " ".join(x.strip() for x in lines[errors[-1] : errors[-1] + 2])
        else:
            run["error"] = lines[-1].strip() if lines else "no output"
    return run


def _timings() -> dict:
    return json.loads(TIMINGS.read_text(encoding="utf-8")) if TIMINGS.exists() else {}


def train_all(rounds: int) -> dict[str, Path | None]:
    """Train every pipeline not yet trained on the current inputs; ``rounds`` > 1 retrains the
    ones that take under a minute into a scratch directory, for more timings."""
    timings = _timings()
    models: dict[str, Path | None] = {}
    for round_no in range(rounds):
        for key, _, config in PIPELINES:
            target = model_path(ROOT, config, BENCH)
            runs = timings.setdefault(target.name, [])
            if round_no == 0:
                if target.exists():
                    models[key] = target
                    continue
                if runs and "error" in runs[-1]:
                    models[key] = None
                    continue
                run = _train(config, target, BENCH / f"{key}.log")
            else:
                fast = [r["wall_s"] for r in runs if "error" not in r]
                if not fast or min(fast) > 60:
                    continue
                with tempfile.TemporaryDirectory(dir=BENCH) as scratch:
                    run = _train(config, Path(scratch) / target.name, BENCH / f"{key}.log")
            print(f"trained {key}: {run}", flush=True)
            runs.append(run)
            TIMINGS.write_text(json.dumps(timings, indent=2), encoding="utf-8")
            if round_no == 0:
                models[key] = target if target.exists() else None
    return models


# --- parsing the held-out sets ----------------------------------------------------------------


@dataclass
class Parsed:
    predictions: list[Prediction]
    # Per example: the annotated and the found (entity, lower-cased text span) pairs.
    gold: list[set[tuple[str, str]]]
    found: list[set[tuple[str, str]]]
    # Per example: the annotated entity values and the found ones (after synonym mapping).
    gold_values: list[dict[str, list[str]]]
    found_values: list[dict[str, list[str]]]
    texts: list[str] = field(default_factory=list)
    # The classifier's second-best confidence: the FallbackClassifier's ambiguity check.
    second: list[float] = field(default_factory=list)
    cpu_ms_per_message: float = 0.0


def _spans(text: str, entities: list[dict]) -> set[tuple[str, str]]:
    return {
        (e["entity"], text[e["start"] : e["end"]].lower())
        for e in entities
        if e["entity"] in ENTITIES and "start" in e
    }


def _values(entities: list[dict]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for e in entities:
        if e["entity"] in ENTITIES:
            values.setdefault(e["entity"], []).append(str(e["value"]))
    return values


async def _parse(model: Path, heldout: Path, cpu_rounds: int) -> Parsed:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.rasa_server.model_loading import install

    install()  # as the Rasa server loads it
    agent = Agent.load(str(model))
    messages = load_data(str(heldout)).intent_examples
    result = Parsed([], [], [], [], [])
    for m in messages:
        text, gold = m.get("text"), m.get("entities") or []
        parsed = await agent.parse_message(text)
        ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
        top = ranking[0] if ranking else parsed["intent"]
        result.predictions.append(
            Prediction(
                text,
                m.get("intent"),
                parsed["intent"]["name"],
                float(parsed["intent"]["confidence"]),
                top["name"],
                float(top["confidence"]),
            )
        )
        result.texts.append(text)
        result.second.append(float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0)
        result.gold.append(_spans(text, gold))
        result.found.append(_spans(text, parsed.get("entities", [])))
        result.gold_values.append(_values(gold))
        result.found_values.append(_values(parsed.get("entities", [])))
    if cpu_rounds:
        texts = [m.get("text") for m in messages]
        start = time.process_time()
        for _ in range(cpu_rounds):
            for text in texts:
                await agent.parse_message(text)
        cpu = time.process_time() - start
        result.cpu_ms_per_message = 1000 * cpu / (cpu_rounds * len(texts))
    return result


@dataclass
class Result:
    key: str
    label: str
    config: str
    model: Path | None
    da: Parsed | None
    en: Parsed | None
    runs: list[dict]

    def __iter__(self) -> Iterator:
        """The fields in order, for unpacking."""
        return iter((self.key, self.label, self.config, self.model, self.da, self.en, self.runs))


def parse(model: Path, heldout: Path, cpu_rounds: int = 0) -> Parsed:
    return asyncio.run(_parse(model, heldout, cpu_rounds))


def configured_ambiguity(config: str = "config.yml") -> float:
    """The FallbackClassifier's ambiguity_threshold in a config."""
    import yaml

    pipeline = yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))["pipeline"]
    return float(
        next(
            c.get("ambiguity_threshold", 0.1) for c in pipeline if c["name"] == "FallbackClassifier"
        )
    )


# Every pipeline is measured with config.yml's ambiguity threshold (as it would run in place).
AMBIGUITY = configured_ambiguity()


def at(p: Parsed, threshold: float, ambiguity: float = AMBIGUITY) -> Report:
    """The predictions as a FallbackClassifier with ``threshold`` and ``ambiguity`` would have
    made them: fallback below the threshold or when the top two are closer than ``ambiguity``."""
    out = []
    for x, second in zip(p.predictions, p.second, strict=True):
        y = x.at_threshold(threshold)
        if x.top_confidence - second < ambiguity:
            y = Prediction(
                x.text, x.expected, "nlu_fallback", x.top_confidence, x.top_intent, x.top_confidence
            )
        out.append(y)
    return Report(out)


# --- figures ----------------------------------------------------------------------------------


def configured_threshold(config: str = "config.yml") -> float:
    """The FallbackClassifier threshold a config runs with."""
    import yaml

    pipeline = yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))["pipeline"]
    return float(next(c["threshold"] for c in pipeline if c["name"] == "FallbackClassifier"))


def choose_threshold(parsed: Parsed, accuracy_floor: float) -> float:
    """The sweep's threshold with the fewest confident mistakes among those whose accuracy is at
    least ``accuracy_floor``; ties go to the higher accuracy, then the lower threshold. When no
    threshold reaches the floor: the most accurate one."""
    points = [(t, at(parsed, t)) for t in SWEEP]
    eligible = [(t, r) for t, r in points if r.accuracy >= accuracy_floor - 1e-9]
    if not eligible:
        return max(points, key=lambda p: (p[1].accuracy, -p[1].confidently_wrong_rate))[0]
    # Among equal figures, the highest threshold: the most cautious on messages not seen here.
    return min(eligible, key=lambda p: (p[1].confidently_wrong_rate, -p[1].accuracy, -p[0]))[0]


def entity_scores(p: Parsed) -> dict[str, tuple[float, float, float, int]]:
    """(precision, recall, F1, annotated count) per entity type, on exact text spans."""
    scores = {}
    for name in (*ENTITIES, "all"):
        tp = fp = fn = 0
        for gold, found in zip(p.gold, p.found, strict=True):
            g = {x for x in gold if name in ("all", x[0])}
            f = {x for x in found if name in ("all", x[0])}
            tp, fp, fn = tp + len(g & f), fp + len(f - g), fn + len(g - f)
        if tp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = (precision, recall, f1, tp + fn)
    return scores


def match_place(profile: Profile, text: str | None) -> Place | None:
    """The place named in ``text`` (by id, name or synonym), if any."""
    from bot.knowledge.matching import best_match

    if not text:
        return None
    return best_match(profile.places, text, lambda p: [p.name, *p.synonyms])


def resolved(p: Parsed) -> dict[str, tuple[int, int, int]]:
    """For the annotated task and place examples: how many resolve, through the knowledge
    profile's synonym matching as the answers do, to the annotated task/place, (a) from the
    found entity values, then the whole text (what the answer does), (b) from the whole text
    alone (no entity extractor at all). (a, b, count)."""
    from bot.knowledge.matching import match_task
    from bot.knowledge.profile import get_profile

    profile = get_profile()
    out = {}
    for name, match in (("task", match_task), ("place", match_place)):
        a = b = n = 0
        for text, gold, found in zip(p.texts, p.gold_values, p.found_values, strict=True):
            if name not in gold:
                continue
            expected = match(profile, gold[name][0])
            if expected is None:
                continue
            n += 1
            via_entities = next(
                (x for x in (match(profile, v) for v in [*found.get(name, []), text]) if x),
                None,
            )
            a += via_entities is not None and via_entities.id == expected.id
            text_only = match(profile, text)
            b += text_only is not None and text_only.id == expected.id
        out[name] = (a, b, n)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="training rounds (timing)")
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    models = train_all(args.rounds)
    timings = _timings()
    results = []
    for key, label, config in PIPELINES:
        model = models.get(key)
        runs = timings.get(model_path(ROOT, config, BENCH).name, [])
        if model is None:
            results.append(Result(key, label, config, None, None, None, runs))
            print(f"{key}: did not train: {runs[-1].get('error') if runs else '?'}", flush=True)
            continue
        da = parse(model, HELDOUT, PARSE_ROUNDS)
        en = parse(model, HELDOUT_EN)
        results.append(Result(key, label, config, model, da, en, runs))
        r = Report(da.predictions)
        print(
            f"{key}: accuracy {r.accuracy:.3f}, macro F1 {r.macro_f1():.3f}, "
            f"confidently wrong {r.confidently_wrong_rate:.3f}, "
            f"train {[x['wall_s'] for x in runs]} s, cpu {da.cpu_ms_per_message:.2f} ms/msg",
            flush=True,
        )
    (ROOT / "docs" / "nlu-evaluation.md").write_text(render(results), encoding="utf-8")
    return 0


def _train_cell(runs: list[dict]) -> str:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return "fails"
    return " / ".join(f"{r['wall_s']:.0f}" for r in ok)


def _load_cell(runs: list[dict]) -> str:
    return " / ".join(f"{r['load1_before']:.1f}–{r['load1_after']:.1f}" for r in runs)


def render(results: list[Result]) -> str:
    ok = [x for x in results if x.da is not None]
    base = next(x for x in ok if x.key == IN_USE)
    # Today: config.yml at the threshold it runs with. Each pipeline's threshold is chosen
    # again: the fewest confident mistakes within 0.5 points of today's accuracy.
    base_t = configured_threshold()
    base_at = at(base.da, base_t)
    floor = base_at.accuracy - 0.005
    lines = [
        "# NLU evaluation: pipelines on the same features",
        "",
        f"Held-out file: `eval/heldout.yml` ({len(base.da.predictions)} examples, never "
        f"used for training); English: `eval/heldout_en.yml` ({len(base.en.predictions)}). "
        "Produced by `make nlu-eval` (scripts/compare_pipelines.py); the pipelines' configs are "
        "config.yml and configs/. All share config.yml's features (WhitespaceTokenizer, "
        "RegexFeaturizer, LexicalSyntacticFeaturizer, word and char_wb 1-4 "
        "CountVectorsFeaturizers), the LanguageDetector and the FallbackClassifier.",
        "",
        "*Accuracy* counts a prediction as right when it is the expected intent (an "
        "out-of-scope message that falls back counts as right). *Confidently wrong* is the "
        "share answered with another topic's answer: the error that misleads a citizen. "
        "*Fallback* is the share sent to the rephrase / contact fallback. Figures are at the "
        "fallback threshold chosen per pipeline (*thr.*): of the sweep's thresholds whose "
        "accuracy is within 0.5 points of today's (config.yml at the threshold it runs with, "
        f"{base_t:.1f}: accuracy {base_at.accuracy:.3f}), the one with the fewest confident "
        "mistakes (then the highest accuracy, then the highest threshold).",
        "",
        "*Train* is the wall time of `rasa train` (NLU and the rule policies, as "
        "`bot.mlops.training.ensure_model` runs it, with an empty Rasa cache) on this 2-core "
        "machine, shared with other work while it ran; *load* is the 1-minute load average "
        "before–after each run (several runs: one per round, pipelines trained interleaved). "
        f"*CPU/msg* is `time.process_time` over parsing the held-out set {PARSE_ROUNDS} times "
        "with the loaded model (`Agent.parse_message`), per message. *Size* is the model's "
        ".tar.gz.",
        "",
        "| pipeline | train (s) | load | thr. | accuracy | macro F1 | confidently wrong | "
        "fallback | EN accuracy | EN conf. wrong | CPU/msg (ms) | size (MB) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    chosen = {}
    for key, label, config, model, da, en, runs in results:
        if da is None:
            lines.append(
                f"| {label} (`{config}`) | {_train_cell(runs)} | {_load_cell(runs)} | "
                "– | – | – | – | – | – | – | – | – |"
            )
            continue
        t = choose_threshold(da, floor)
        chosen[key] = t
        s, e = at(da, t), at(en, t)
        lines.append(
            f"| {label} (`{config}`) | {_train_cell(runs)} | {_load_cell(runs)} | {t:.1f} | "
            f"{s.accuracy:.3f} | {s.macro_f1():.3f} | {s.confidently_wrong_rate:.3f} | "
            f"{s.fallback_rate:.3f} | {e.accuracy:.3f} | {e.confidently_wrong_rate:.3f} | "
            f"{da.cpu_ms_per_message:.1f} | {model.stat().st_size / 1e6:.1f} |"
        )
    for key, label, config, *_, runs in [x for x in results if x.da is None]:
        error = runs[-1].get("error", "?") if runs else "not trained"
        lines += ["", f"**{label}** (`{config}`) does not train on these features: `{error}`"]
        if key == "sklearn":
            lines.append(
                "SklearnIntentClassifier reads only dense sentence features "
                "(`message.get_dense_features`); every featurizer here is sparse "
                "(CountVectors, regex, lexical). It needs a dense featurizer such as spaCy "
                "vectors or a language model, which would no longer be the same features."
            )
    # Recommendation: the fastest to train that is not worse than today's by more than 0.5
    # points of accuracy and has no more confident mistakes (each at its own threshold).
    base_train = min(r["wall_s"] for r in base.runs if "error" not in r)
    base_en = at(base.en, base_t)
    qualifying = []
    for key, label, config, _model, da, en, runs in ok:
        s = at(da, chosen[key])
        e = at(en, chosen[key])
        english_ok = (
            e.accuracy >= base_en.accuracy - 0.005 - 1e-9
            and e.confidently_wrong_rate <= base_en.confidently_wrong_rate + 1e-9
        )
        walls = [r["wall_s"] for r in runs if "error" not in r]
        if (
            s.accuracy >= floor - 1e-9
            and s.confidently_wrong_rate <= base_at.confidently_wrong_rate + 1e-9
        ):
            qualifying.append((min(walls), key, label, config, s, english_ok))
    lines += [
        "",
        "## Choice",
        "",
        "Rule (issue 22): the fastest pipeline to train that is not worse than today's by more "
        "than 0.5 points of accuracy and has no more confident mistakes, each at its own "
        f"threshold. Today's: accuracy {base_at.accuracy:.3f}, confidently wrong "
        f"{base_at.confidently_wrong_rate:.3f} at threshold {base_t:.1f}, "
        f"training {base_train:.0f} s; on the English held-out set accuracy "
        f"{base_en.accuracy:.3f}, confidently wrong {base_en.confidently_wrong_rate:.3f}.",
        "",
    ]
    if qualifying:
        wall, key, label, config, s, english_ok = min(qualifying)
        better = (
            s.accuracy > base_at.accuracy
            and s.confidently_wrong_rate <= base_at.confidently_wrong_rate
        )
        lines.append(
            f"**{label}** (`{config}`) qualifies and is the fastest: {wall:.0f} s to train "
            f"against {base_train:.0f} s, accuracy {s.accuracy:.3f}, confidently wrong "
            f"{s.confidently_wrong_rate:.3f}, fallback threshold **{chosen[key]:.1f}**."
            + (" It is also more accurate than today's pipeline." if better else "")
            + (
                " It is not worse on the English held-out set either."
                if english_ok
                else " On the English held-out set it is worse than today's (see the table)."
            )
        )
        lines.append(
            "Qualifying on the Danish held-out set: "
            + ", ".join(
                f"{q[1]} ({q[0]:.0f} s{'' if q[5] else ', worse in English'})"
                for q in sorted(qualifying)
            )
            + "."
        )
        both = [q for q in sorted(qualifying) if q[5]]
        if both and both[0][1] != key:
            b = both[0]
            lines.append(
                f"The fastest that is also not worse in English: **{b[2]}** (`{b[3]}`), "
                f"{b[0]:.0f} s, accuracy {b[4].accuracy:.3f}, confidently wrong "
                f"{b[4].confidently_wrong_rate:.3f}, threshold {chosen[b[1]]:.1f}."
            )
    else:
        lines.append("No pipeline qualifies; config.yml stays.")
    lines += [
        "",
        "Notes:",
        "",
        "- Rasa 3.6's DIET has no early stopping that ends training sooner: "
        "`evaluate_every_number_of_epochs` / `evaluate_on_number_of_examples` validate on "
        "examples held back from training and `checkpoint_model` keeps the best epoch's "
        "weights, but all epochs still run. Fewer epochs is what shortens training.",
        "- Cross-validation folds are not part of this comparison (they would multiply the "
        "training times above by the number of folds); the held-out sets are the measure.",
        "- Other maintained packages with Rasa 3.6 components (e.g. rasa-nlu-examples) are not "
        "installed here and were not tried.",
        "- The Danish spaCy pipeline (configs/spacy-da.yml) has other features (spaCy tokens and "
        "lemmas); it lost to config.yml in an earlier run of this script (174 held-out "
        "examples: accuracy 0.937 for both, confidently wrong 0.046 against 0.029) and is no "
        "longer trained here.",
    ]
    # Entities.
    lines += [
        "",
        "## Entities",
        "",
        "Exact text spans against the held-out annotations (`eval/heldout.yml`): "
        "precision / recall / F1 per entity type (annotated count in brackets). *Task/place "
        "resolved* follows the answers: the self-service task (place) is looked up through "
        "the knowledge profile's names and synonyms (bot.knowledge.matching) from the found "
        "entity values, then the whole message; it counts the annotated examples that reach "
        "the annotated task (place). Without any entity extractor, the whole message alone "
        "resolves the count in *text only*.",
        "",
    ]
    names = [n for n in (*ENTITIES, "all") if n in entity_scores(base.da)]
    lines += [
        "| pipeline | " + " | ".join(f"{n} P/R/F1" for n in names) + " | task resolved | "
        "place resolved |",
        "|---|" + "---|" * (len(names) + 2),
    ]
    text_only = {}
    for _key, label, _config, _model, da, _en, _runs in ok:
        sc, res = entity_scores(da), resolved(da)
        cells = []
        for n in names:
            p, r, f, c = sc.get(n, (0.0, 0.0, 0.0, 0))
            cells.append(f"{p:.2f}/{r:.2f}/{f:.2f} ({c})")
        text_only = {n: (b, c) for n, (_, b, c) in res.items()}
        lines.append(
            f"| {label} | "
            + " | ".join(cells)
            + f" | {res['task'][0]}/{res['task'][2]} | {res['place'][0]}/{res['place'][2]} |"
        )
    lines += [
        "",
        "Text only (no entity extractor): task "
        f"{text_only['task'][0]}/{text_only['task'][1]}, place "
        f"{text_only['place'][0]}/{text_only['place'][1]}.",
    ]
    # Sweep.
    lines += [
        "",
        "## Fallback threshold sweep",
        "",
        "The same predictions, re-thresholded on the classifier's top confidence, with the "
        f"FallbackClassifier's ambiguity threshold ({AMBIGUITY}: fallback when the top two "
        "intents are closer than that) applied as it is at run time. All figures above use "
        "the same rule.",
        "",
        "| pipeline | threshold | accuracy | confidently wrong | fallback |",
        "|---|---|---|---|---|",
    ]
    for key, _label, _config, _model, da, _en, _runs in ok:
        for t in SWEEP:
            s = at(da, t)
            mark = " ←" if t == chosen[key] else ""
            lines.append(
                f"| {key} | {t:.1f}{mark} | {s.accuracy:.3f} | "
                f"{s.confidently_wrong_rate:.3f} | {s.fallback_rate:.3f} |"
            )
    for key, label, _config, _model, da, _en, _runs in ok:
        if key != IN_USE and not (qualifying and key == min(qualifying)[1]):
            continue
        lines += ["", f"Errors of {label} at threshold {chosen[key]:.1f}:", ""]
        for p in at(da, chosen[key]).predictions:
            if not p.correct:
                lines.append(
                    f"- `{p.text}`: expected {p.expected}, got {p.predicted} "
                    f"({p.top_confidence:.2f})"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
