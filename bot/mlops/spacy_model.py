"""Build the blank Danish spaCy pipeline with lookup lemmas that config.yml points at.

No pretrained Danish model can be downloaded here, so the project builds its own from code:
``spacy.blank("da")`` plus the lookup lemmatizer whose tables ship in spacy-lookups-data.
"""

from __future__ import annotations

from pathlib import Path

from bot.stack.paths import Project


def build(out_dir: Path | None = None) -> Path:
    """Write the pipeline to ``out_dir`` (default the project's ``build/spacy/da_lemma``,
    :attr:`Project.spacy_pipeline`; idempotent) and return the path."""
    out_dir = out_dir or Project.current().spacy_pipeline
    if (out_dir / "config.cfg").exists():
        return out_dir
    import spacy

    nlp = spacy.blank("da")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "da_lemma"
    nlp.meta["description"] = "Blank Danish pipeline with spacy-lookups-data lemmas"
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    return out_dir
