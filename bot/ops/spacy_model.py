"""Build the blank Danish spaCy pipeline with lookup lemmas that config.yml points at.

No pretrained Danish model can be downloaded here, so the project builds its own from code:
``spacy.blank("da")`` plus the lookup lemmatizer whose tables ship in spacy-lookups-data.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_DIR = Path("build/spacy/da_lemma")


def build(out_dir: Path = DEFAULT_DIR) -> Path:
    """Write the pipeline to ``out_dir`` (idempotent) and return the path."""
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
