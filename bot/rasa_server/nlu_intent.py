"""Rasa NLU component: Rasa 3.6's LogisticRegressionClassifier on scaled features.

Add it to config.yml's pipeline in place of DIET (``name:
bot.rasa_server.nlu_intent.LinearIntentClassifier``). It trains in seconds where DIET takes
minutes, which is what makes a one-minute retrain possible (issue 22, docs/nlu-evaluation.md).

Rasa's own classifier fits raw counts: a long message has many more character n-grams than a
short one, so its probabilities run high for long messages and low for short ones, and with
``max_iter: 100`` the fit stops before it converges. Here each featurizer's sentence vector is
scaled on its own before the fit, as a text classifier usually is:

- ``sublinear_tf``: a count c becomes log(1 + c), so a repeated n-gram does not dominate;
- ``normalize``: each featurizer's block gets unit length, so the regex, word and character
  features weigh the same for a message of any length;
- ``C``: the inverse regularisation strength. 100 was chosen by 5-fold cross-validation on
  the training data (log loss), not on the held-out sets;
- ``solver``: newton-cg converges in about 20 iterations here, a few times faster than lbfgs
  to the same weights.

The intent ranking is Rasa's. The fitted weights are stored as plain arrays (``.npz``, no
pickle) instead of Rasa's skops file: importing skops costs seconds at every model load (it
scans every loaded module), and the arrays are all a logistic regression needs to predict.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa_server.internal import get
from bot.rasa_server.internals import MODEL_STORAGE, RESOURCE

WEIGHTS = "weights.npz"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """Logistic regression over log-scaled, per-featurizer normalised sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "max_iter": 1000,
            "solver": "newton-cg",
            "C": 100.0,
            "sublinear_tf": True,
            "normalize": True,
        }

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))

    def persist(self) -> None:
        with get(MODEL_STORAGE, self).write_to(get(RESOURCE, self)) as model_dir:
            np.savez(
                model_dir / WEIGHTS,
                coef=self.clf.coef_,
                intercept=self.clf.intercept_,
                classes=np.asarray(self.clf.classes_, dtype=str),
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / WEIGHTS
                if not path.is_file():
                    # Rasa's skops file (a model trained before the weights were arrays).
                    return super().load(config, model_storage, resource, execution_context)
                with np.load(path, allow_pickle=False) as weights:
                    component.clf.coef_ = weights["coef"]
                    component.clf.intercept_ = weights["intercept"]
                    component.clf.classes_ = weights["classes"]
        except ValueError:
            # No trained weights (a model trained without intent examples): predict nothing,
            # as Rasa's classifier does then.
            return cls.create(config, model_storage, resource, execution_context)
        component.clf.n_features_in_ = component.clf.coef_.shape[1]
        return component

    def process(self, messages: list[Message]) -> list[Message]:
        if not hasattr(self.clf, "coef_"):
            return messages
        return super().process(messages)

    def _create_X(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        """One row per message: each featurizer's sentence block scaled, then side by side."""
        if not messages:
            return scipy.sparse.csr_matrix((0, 0))
        blocks: list[list[Any]] = []
        for message in messages:
            features = [
                f
                for f in message.features
                if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
            ]
            for i, feature in enumerate(features):
                if i == len(blocks):
                    blocks.append([])
                blocks[i].append(scipy.sparse.csr_matrix(feature.features, dtype=np.float64))
        if any(len(b) != len(messages) for b in blocks):
            raise ValueError("LinearIntentClassifier: messages carry different featurizers")
        return scipy.sparse.hstack([self._scale(scipy.sparse.vstack(b)) for b in blocks]).tocsr()

    def _scale(self, block: scipy.sparse.spmatrix) -> scipy.sparse.csr_matrix:
        from sklearn.preprocessing import normalize

        block = scipy.sparse.csr_matrix(block, dtype=np.float64, copy=True)
        if self.config["sublinear_tf"]:
            block.data = np.log1p(np.abs(block.data)) * np.sign(block.data)
        if self.config["normalize"]:
            block = normalize(block)
        return block
