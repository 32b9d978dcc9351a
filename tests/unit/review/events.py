"""Rasa events as the event broker receives them, for the review collector's tests."""

from __future__ import annotations

from typing import Any

from bot.dialogue.outcome import answer_id

T0 = 1_795_000_000.0  # a fixed epoch second


class Stream:
    """One conversation's events, in the order Rasa publishes them."""

    def __init__(self, sender: str = "w-abc", start: float = T0) -> None:
        self.sender = sender
        self.t = start
        self.events: list[dict[str, Any]] = []
        # The answer id of each citizen message, in order (from its Rasa message id).
        self.answer_ids: list[str] = []
        self._add({"event": "session_started"})
        self._add({"event": "action", "name": "action_listen"})

    def _add(self, event: dict[str, Any]) -> None:
        self.t += 1
        self.events.append({"sender_id": self.sender, "timestamp": self.t, **event})

    def turn(
        self,
        text: str,
        intent: str,
        confidence: float,
        ranking: list[tuple[str, float]] | None = None,
        replies: tuple[str, ...] = ("Et svar.",),
        kind: str | None = "information",
        entities: list[dict[str, Any]] | None = None,
        buttons: list[dict[str, str]] | None = None,
    ) -> Stream:
        ranking = ranking or [(intent, confidence)]
        message_id = f"{self.sender}-m{len(self.answer_ids)}"
        self.answer_ids.append(answer_id(message_id))
        self._add(
            {
                "event": "user",
                "message_id": message_id,
                "text": text,
                "parse_data": {
                    "text": text,
                    "intent": {"name": intent, "confidence": confidence},
                    "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
                    "entities": entities or [],
                },
                "input_channel": "rest",
            }
        )
        self._add({"event": "user_featurization"})
        self._add({"event": "action", "name": f"action_{intent}"})
        for i, reply in enumerate(replies):
            data = {"buttons": buttons} if buttons and i == len(replies) - 1 else {}
            self._add({"event": "bot", "text": reply, "data": data, "metadata": {}})
        if kind:
            self._add(
                {
                    "event": "slot",
                    "name": "turn_outcome",
                    "value": {"topic": intent, "kind": kind, "area": "", "links": []},
                }
            )
        self._add({"event": "action", "name": "action_listen"})
        return self

    def answered(
        self, text: str, intent: str = "opening_hours", confidence: float = 0.99
    ) -> Stream:
        """A confident answer followed by the "did it help?" buttons (naming the answer)."""
        answer = answer_id(f"{self.sender}-m{len(self.answer_ids)}")
        return self.turn(
            text,
            intent,
            confidence,
            ranking=[(intent, confidence), ("contact", 0.005), ("greet", 0.003)],
            replies=("Borgerservice har åbent 10-15.", "Fik du svar på dit spørgsmål?"),
            buttons=[
                {"title": "Ja", "payload": feedback_payload("ja", answer)},
                {"title": "Nej", "payload": feedback_payload("nej", answer)},
            ],
        )

    def said(self, verdict: str, answer: int | str | None = -1) -> Stream:
        """A click on "Ja"/"Nej" of the ``answer``-th message's answer (an index of the
        messages, default the latest; or an answer id as it is), or typed feedback (None)."""
        if answer is None:
            text, entities = verdict, [{"entity": "helpful", "value": verdict}]
            return self.turn(text, "feedback", 0.95, kind="meta", entities=entities)
        if isinstance(answer, int):
            answer = self.answer_ids[answer]
        return self.turn(
            feedback_payload(verdict, answer),
            "feedback",
            1.0,
            replies=(
                ("Det er jeg ked af. Her kan du få hjælp:",)
                if verdict == "nej"
                else ("Godt. Tak for din tilbagemelding.",)
            ),
            kind="referral_phone" if verdict == "nej" else "meta",
            entities=[
                {"entity": "helpful", "value": verdict},
                {"entity": "answer", "value": answer},
            ],
        )

    def said_no(self) -> Stream:
        """ "Nej" to the latest answer (the latest message's)."""
        return self.said("nej")


def feedback_payload(verdict: str, answer: str) -> str:
    """The payload of a "did it help?" button (domain.yml, utter_ask_helpful)."""
    return f'/feedback{{"helpful": "{verdict}", "answer": "{answer}"}}'
