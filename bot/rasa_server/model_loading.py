"""Load a trained DIET model for prediction without first running a training step.

Rasa 3.6 loads each TensorFlow model (``RasaModel.load``) by compiling it, *training it for one
step on one example* "to build weights of the correct size", then overwriting those weights
with the trained ones and predicting once. Tracing and running that training step (the loss,
the gradients, the optimizer) was about 80 % of the Rasa server's startup, profiled with
py-spy (docs/benchmark-chat.md), and it runs again whenever the server swaps in a newly
promoted model, while the server stalls.

A TensorFlow-format checkpoint (what Rasa saves) restores each variable when its layer is
built, so :func:`load_for_prediction` reads the weights first and then predicts once on the
example Rasa keeps for that purpose: the prediction builds exactly the layers prediction uses,
and they receive the trained values. The optimizer's state and training-only values stay
unread (``expect_partial``). For fine-tuning (``finetune_mode``) or without a prediction
example, Rasa's own way is used. ``tests/integration/test_model_loading.py`` checks that both
ways give the same intents, confidences and entities.

:func:`install` puts it in place of ``RasaModel.load`` when the installed Rasa has the code it
was written against (:mod:`bot.rasa_server.internals`); :func:`bot.rasa_server.startup.install`
installs it in the Rasa server process.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


def load_for_prediction(
    cls: Any,
    model_file_name: str,
    model_data_example: Any,
    predict_data_example: Any = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``RasaModel.load`` for prediction: weights restored as the prediction builds layers."""
    if finetune_mode or predict_data_example is None:
        from bot.rasa_server.internal import original
        from bot.rasa_server.internals import MODEL_LOAD

        return original(MODEL_LOAD).__func__(
            cls,
            model_file_name,
            model_data_example,
            predict_data_example,
            finetune_mode,
            *args,
            **kwargs,
        )
    model = cls(*args, **kwargs)
    status = model.load_weights(model_file_name)
    model.run_inference(predict_data_example)
    status.expect_partial()
    logger.debug("Loaded %s for prediction without a training step.", cls.__name__)
    return model


def install() -> bool:
    """Use :func:`load_for_prediction` for Rasa's TensorFlow models; True if installed."""
    from bot.rasa_server.internal import replace
    from bot.rasa_server.internals import MODEL_LOAD

    return replace(MODEL_LOAD, classmethod(load_for_prediction))
