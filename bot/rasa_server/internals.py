"""Every Rasa internal the bot relies on (and the few of Sanic, SQLAlchemy and httpx), in one list.

The bot makes Rasa faster and stricter by replacing, overriding, calling or reading names
that Rasa does not promise to keep (docs/architecture.md, "Rasa internals registry"). Each is an
:class:`~bot.rasa_server.internal.Internal` here: whose name, how and where we use it, why, and
what breaks if a Rasa release changes it, pinned by the sha256 of the installed source.
``tests/unit/rasa_server/test_internals.py`` checks every entry against the installed packages
and that no private name of theirs is used in ``bot/`` without an entry here. Other modules
never spell such a name: they read, call and write it with
:func:`~bot.rasa_server.internal.get` and :func:`~bot.rasa_server.internal.put` and the
entry's constant.
:func:`bot.rasa_server.startup.install` installs the replacements through
:func:`~bot.rasa_server.internal.replace` and warns at start-up about any other entry whose
check fails.

After an upgrade (a lock-file change), ``python -m bot.rasa_server.internals --hashes`` prints
the installed signatures and hashes: re-read each changed original before taking its hash.
"""

from __future__ import annotations

import argparse
import sys

from bot.rasa_server.internal import Internal, installed, problems

_TRACKER_STORE = "rasa.core.tracker_store"
_SQL = f"{_TRACKER_STORE}.SQLTrackerStore"
_FAIL_SAFE = f"{_TRACKER_STORE}.FailSafeTrackerStore"
_TRACKER = "rasa.shared.core.trackers.DialogueStateTracker"
_RULE_POLICY = "rasa.core.policies.rule_policy.RulePolicy"
_PIKA = "rasa.core.brokers.pika.PikaEventBroker"
_REMOTE_ACTION = "rasa.core.actions.action.RemoteAction"
_LOGREG = "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier"

_CACHED = "bot.rasa_server.tracker_store.CachedSQLTrackerStore"
_CONVERSATION = "bot.rasa_server.conversation_tracker.ConversationTracker"
_QUEUE_BROKER = "bot.rasa_server.queue_broker.QueueEventBroker"
_FAIL_LOUDLY = "bot.rasa_server.turn_errors.fail_loudly_on_tracker_store_errors"

# -- the tracker store ---------------------------------------------------------------------

FAIL_SAFE_HOOK = Internal(
    _FAIL_SAFE, "_on_tracker_store_error", "write", _FAIL_LOUDLY,
    why="Rasa builds the wrapper itself, so the constructor's hook cannot be passed; raising "
    "in it stops the turn with a 503",
    if_missing="a failing tracker store is not reported: Rasa goes on with an in-memory store, "
    "conversations lose their history and turns are not saved",
    defined_in="__init__",
    source_sha256="a1d5d95d2f96830b72e12729e0e200ceb97da2a9e4443e9568ca7ccadd8154f2",
)
FAIL_SAFE_INNER = Internal(
    _FAIL_SAFE, "_tracker_store", "read", _FAIL_LOUDLY,
    why="names the store that failed in the error",
    if_missing="the error names the wrapper instead of the store (cosmetic)",
    defined_in="__init__",
    source_sha256="a1d5d95d2f96830b72e12729e0e200ceb97da2a9e4443e9568ca7ccadd8154f2",
)
EVENT_QUERY = Internal(
    _SQL, "_event_query", "call", _CACHED,
    why="the same latest-session query as Rasa's retrieve",
    if_missing="every tracker read that misses the cache fails: every turn gets a 503",
    signature="(self, session, sender_id, fetch_events_from_all_sessions)",
    source_sha256="cd44f7901b860bfd598a813bde17d0d5b0d7bab129feaf76bb2dca87d628625b",
)
SQL_ENGINE = Internal(
    _SQL, "engine", "write", _CACHED,
    why="SQLite connections kept with our pragmas; pool_pre_ping on a database server",
    if_missing="the engine swap has no effect: a new SQLite connection per read and save, and "
    "a pooled connection closed by a database restart fails a turn",
    defined_in="__init__",
    source_sha256="64e704d159dfa35b86175cccdc9d08b05cbf91b2e0779bccf115671106ad9314",
)
SQL_SESSIONMAKER = Internal(
    _SQL, "sessionmaker", "write", _CACHED,
    why="sessions on the swapped engine",
    if_missing="sessions use Rasa's engine (as SQL_ENGINE)",
    defined_in="__init__",
    source_sha256="64e704d159dfa35b86175cccdc9d08b05cbf91b2e0779bccf115671106ad9314",
)
SQL_EVENT = Internal(
    _SQL, "SQLEvent", "read", f"{_CACHED}, bot.stack.tracker_db",
    why="the rows of Rasa's events table, written by the cached store and purged by retention",
    if_missing="the cached store writes, and the purge deletes, the wrong rows",
    source_sha256="696a0661ef7643a96369407e557e412eeac01e400da1a08dd7d3e537f9c2abd6",
)
SQL_SESSION_SCOPE = Internal(
    _SQL, "session_scope", "call", _CACHED,
    why="one transaction per read and save, as Rasa's",
    if_missing="every tracker read and save fails: every turn gets a 503",
    signature="(self)",
    source_sha256="6775e1ede3ec8d2d1ba466d06c850b44201630347ccde7f91c33d3c1a2554818",
)
CREATE_ENGINE_KWARGS = Internal(
    _TRACKER_STORE, "create_engine_kwargs", "call", f"{_CACHED}, bot.stack.tracker_db",
    why="the engine options Rasa gives a PostgreSQL engine (schema, pool size)",
    if_missing="the tracker store or the purge connects with other options than Rasa's",
    signature="(url)",
    source_sha256="dff5f092362096da88a6e62b71480d3d085fd321fef756b53fc822ab31526faa",
)
GET_DB_URL = Internal(
    _SQL, "get_db_url", "call", "bot.stack.tracker_db.sql_url",
    why="the start-up check and the purge build the same URL as Rasa (8 positional arguments)",
    if_missing="the start-up check or the purge aims at another database than Rasa's",
    signature="(dialect='sqlite', host=None, port=None, db='rasa.db', username=None,"
    " password=None, login_db=None, query=None)",
    source_sha256="d82cd514e506db15b1536ee015285655cf9677dc7dc20d66755321c6e9ac4951",
)

# -- the conversation tracker ----------------------------------------------------------------

MAX_EVENT_HISTORY = Internal(
    _TRACKER, "_max_event_history", "read", _CONVERSATION,
    why="the cheap copy is exact only without a history bound",
    if_missing="AttributeError in copy(): every action run fails",
    defined_in="__init__",
    source_sha256="8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d",
)
CREATE_EVENTS = Internal(
    _TRACKER, "_create_events", "call", _CONVERSATION,
    why="builds the events deque as Rasa's replay does",
    if_missing="AttributeError in copy(): every action run fails",
    signature="(self, evts)",
    source_sha256="d6cbc08b39fffb4ca8b7cc16b83783b3120479d7ecec7641aad2438294d4c144",
)
PAUSED = Internal(
    _TRACKER, "_paused", "write", _CONVERSATION,
    why="copy() keeps the paused state",
    if_missing="AttributeError in copy(); new private state of Rasa's would not be copied",
    defined_in="__init__",
    source_sha256="8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d",
)
TRACKER_INIT = Internal(
    _TRACKER, "__init__", "call", _CONVERSATION,
    why="copy() passes the constructor's arguments in their order",
    if_missing="copy() builds a wrong tracker: predictions change",
    signature="(self, sender_id, slots, max_event_history=None, sender_source=None,"
    " is_rule_tracker=False)",
    source_sha256="8f39eb22462aa62b140d9da1f6db986cbc76383d8f7cc4e3dc7664fa7d84cb2d",
)
TRACKER_COPY = Internal(
    _TRACKER, "copy", "override", _CONVERSATION,
    why="copies the state instead of replaying every event (docs/benchmark-chat.md)",
    if_missing="if Rasa's copy changes, ours may differ from it: predictions change",
    signature="(self)",
    source_sha256="dfa48dca9f355ad1b42c625bc6f6370bafe83514ed17a77904ed64c67bf07285",
)
TRACKER_APPLIED_EVENTS = Internal(
    _TRACKER, "applied_events", "override", _CONVERSATION,
    why="remembers the applied events instead of walking the session twice a turn",
    if_missing="if Rasa's applied_events changes, ours may differ from it: predictions change",
    signature="(self)",
    source_sha256="764d5065ea9997d613c1984d9357370f9ae32d31ca21346086f16c54f0487aae",
)

# -- the policies --------------------------------------------------------------------------

RULE_KEY_TO_STATE = Internal(
    _RULE_POLICY, "_rule_key_to_state", "call", "bot.rasa_server.policies._longest",
    why="the length of the longest rule sizes the policies' view of the conversation",
    if_missing="AttributeError at the first prediction: no reply",
    signature="(rule_key)",
    source_sha256="b91b949bbccbff0bdd67604e957b8884becef48ebc634c655c01bb5e6e93677e",
)
RULE_APPLICABLE = Internal(
    _RULE_POLICY, "_is_rule_applicable", "rely", "bot.rasa_server.policies",
    why="the view is safe because a rule is accepted once the turn index passes its length",
    if_missing="predictions may change silently (tests/unit/rasa_server/test_policy_view.py)",
    signature="(self, rule_key, turn_index, conversation_state)",
    source_sha256="64a108b016b46e573d6020b755a6036439dc207a364b45c9ea5dcb0f18dc7068",
)
POLICY_PREDICTION = Internal(
    "rasa.core.policies.policy.Policy", "_prediction", "call",
    "bot.rasa_server.policies.RecentMemoizationPolicy",
    why="the same empty prediction as Rasa's memoization without memorised turns",
    if_missing="AttributeError at every prediction: no reply",
    signature="(self, probabilities, events=None, optional_events=None,"
    " is_end_to_end_prediction=False, is_no_user_prediction=False, diagnostic_data=None,"
    " action_metadata=None)",
    source_sha256="3e1fc2406a558615744d19755b3e6f3a548c574efc151bba991efcd24a74429e",
)
DEFAULT_PREDICTIONS = Internal(
    "rasa.core.policies.policy.Policy", "_default_predictions", "call",
    "bot.rasa_server.policies.RecentMemoizationPolicy",
    why="as POLICY_PREDICTION",
    if_missing="AttributeError at every prediction: no reply",
    signature="(self, domain)",
    source_sha256="2b22ab7cc6a86e9029558327a3f9dd145a5c11a8d6729fbdae398d1fc15bd0e1",
)

# -- the lock store and the queue broker ---------------------------------------------------

ACQUIRE_LOCK = Internal(
    "rasa.core.lock_store.LockStore", "_acquire_lock", "override",
    "bot.rasa_server.lock_store.BoundedRedisLockStore",
    why="ends the wait when our own ticket expired",
    if_missing="renamed: an expired ticket waits until the turn times out (the technical-error "
    "reply); re-signed: a TypeError and the technical-error reply on every turn",
    signature="(self, conversation_id, ticket, wait_time_in_seconds)",
    source_sha256="ead2fff373291c24619f2a2b53453f64ed2975ed68f53dce0e56041061356f05",
)
PIKA_CONNECT = Internal(
    _PIKA, "_connect", "call", _QUEUE_BROKER,
    why="Rasa's robust connection (URL, TLS, virtual host)",
    if_missing="the broker never connects: events wait in memory up to its limit, then are lost",
    signature="(self)",
    source_sha256="72571d4f57fb7a16260b3504d02f891ad8d523602158e5eba73211ddb958687a",
)
PIKA_CONNECTION = Internal(
    _PIKA, "_connection", "write", _QUEUE_BROKER,
    why="the state Rasa's own methods read",
    if_missing="publishing stops (as PIKA_CONNECT)",
    defined_in="__init__",
    source_sha256="b261b6e113895067953950af031d7fd094f1da18651c288c86ebecac9dc2a573",
)
PIKA_EXCHANGE = Internal(
    _PIKA, "_exchange", "write", _QUEUE_BROKER,
    why="the state Rasa's own is_ready and _publish read",
    if_missing="publishing stops (as PIKA_CONNECT)",
    defined_in="__init__",
    source_sha256="b261b6e113895067953950af031d7fd094f1da18651c288c86ebecac9dc2a573",
)
PIKA_LOOP = Internal(
    _PIKA, "_loop", "read", _QUEUE_BROKER,
    why="the publisher's own event loop, passed as event_loop",
    if_missing="AttributeError at start: the Rasa server does not start",
    defined_in="__init__",
    source_sha256="b261b6e113895067953950af031d7fd094f1da18651c288c86ebecac9dc2a573",
)
PIKA_MESSAGE = Internal(
    _PIKA, "_message", "call", _QUEUE_BROKER,
    why="Rasa's message format (persistent JSON, headers)",
    if_missing="every publishing window fails and events are lost",
    signature="(self, event, headers)",
    source_sha256="4d9d44681b6b278832ecbde15f95fd430bb60dea545d5f577f0a3eb487283656",
)
PIKA_SET_UP_EXCHANGE = Internal(
    _PIKA, "_set_up_exchange", "override", _QUEUE_BROKER,
    why="bounded queues bound to a durable exchange",
    if_missing="Rasa's code that calls its own name declares an unbounded queue "
    "(PRECONDITION_FAILED against ours)",
    signature="(self, channel)",
    source_sha256="80878ac43b04bc46c02c8ccd9acfcc851d37dd170e7013a6960acd903a4d1610",
)
PIKA_BIND_QUEUE = Internal(
    _PIKA, "_bind_queue", "override", _QUEUE_BROKER,
    why="a queue of another name than the exchange, with the same bounds",
    if_missing="as PIKA_SET_UP_EXCHANGE",
    signature="(queue_name, channel, exchange)",
    source_sha256="bf40240e00fb053f32462b9fda5be600cc33cfc6be8ae5879bee5861989c72fb",
)
PIKA_PUBLISH_UNPUBLISHED = Internal(
    _PIKA, "_publish_unpublished_messages", "override", _QUEUE_BROKER,
    why="wakes our sender when the robust connection is back",
    if_missing="after a reconnection events wait until the next event or retry",
    signature="(self, *_, **__)",
    source_sha256="575374988db3744ca23d1fcf0b7757be2f7618e83c006ae54192c291c13196aa",
)

# -- the action server calls (replaced) ----------------------------------------------------

ACTION_CALL_FORMAT = Internal(
    _REMOTE_ACTION, "_action_call_format", "replace",
    "bot.rasa_server.action_payload.install",
    why="sends only the recent turns to the action server",
    if_missing="the action server gets the whole conversation every turn",
    signature="(self, tracker, domain)",
    source_sha256="428795b944f22edba142d278ec47a30098975b01463ba337ec447dade52a0492",
)
SELECTIVE_DOMAIN = Internal(
    _REMOTE_ACTION, "_is_selective_domain_enabled", "call",
    "bot.rasa_server.action_payload.action_call_format",
    why="decides, as Rasa does, whether the domain goes with the request",
    if_missing="AttributeError on every custom action: the technical-error reply every turn",
    signature="(self)",
    source_sha256="736c223034a52ec541e398ff54e06ff63235b4da05a8147e98147c964f5635ca",
)
VALIDATE_ACTION_RESULT = Internal(
    _REMOTE_ACTION, "_validate_action_result", "replace",
    "bot.rasa_server.action_validation.install",
    why="the response validator is built once (it was 29 % of the CPU)",
    if_missing="the action server's responses are validated the slow way",
    signature="(self, result)",
    source_sha256="f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42",
)

# -- models and NLU --------------------------------------------------------------------------

MODEL_LOAD = Internal(
    "rasa.utils.tensorflow.models.RasaModel", "load", "replace",
    "bot.rasa_server.model_loading",
    why="no training step when a model loads",
    if_missing="models are loaded Rasa's way (slower startup)",
    signature="(cls, model_file_name, model_data_example, predict_data_example=None,"
    " finetune_mode=False, *args, **kwargs)",
    source_sha256="84fd81c0fdd01a8048de2d9b5b3022bdbf1e155f7b4d67737eb51ecb0787d292",
)
CREATE_X = Internal(
    _LOGREG, "_create_X", "override", "bot.rasa_server.nlu_intent.LinearIntentClassifier",
    why="scales each featurizer's block before the fit",
    if_missing="renamed: our scaling is silently not used, predictions and figures change",
    signature="(self, messages)",
    source_sha256="6f50b5eef8a879c4831f2062655abbc8a614391380875bdbcef02a42edb83292",
)
MODEL_STORAGE = Internal(
    _LOGREG, "_model_storage", "read", "bot.rasa_server.nlu_intent.LinearIntentClassifier",
    why="stores the weights as .npz",
    if_missing="AttributeError: training fails",
    defined_in="__init__",
    source_sha256="efe227512de8355e23e703866750aa2c139e9c23a2d70a0deb0ff0f59f44cd84",
)
RESOURCE = Internal(
    _LOGREG, "_resource", "read", "bot.rasa_server.nlu_intent.LinearIntentClassifier",
    why="as MODEL_STORAGE",
    if_missing="AttributeError: training fails",
    defined_in="__init__",
    source_sha256="efe227512de8355e23e703866750aa2c139e9c23a2d70a0deb0ff0f59f44cd84",
)
PARSE_WITH_GRAPH = Internal(
    "rasa.core.processor.MessageProcessor", "_parse_message_with_graph", "copy",
    "bot.mlops.shadow.parse_batch",
    why="parses in batches for the shadow test and cross-validation, as Rasa parses one",
    if_missing="silent drift: batches would parse differently from the server",
    signature="(self, message, tracker, only_output_properties=True)",
    source_sha256="0bd50a53b5c013af8458cbefe5dbcbd5c02c82a671a841b1947b3e8964e5c3d1",
)
INTERPOLATOR_LOG = Internal(
    "rasa.core.nlg.interpolator", "interpolate_text", "log",
    "bot.rasa_server.startup.not_a_payload_template",
    why='drops its false error for button payloads (rasa#6616), matched on "response": "/',
    if_missing="false error lines for button payloads come back (harmless)",
    signature="(response, values)",
    source_sha256="103660b426d1753bbd27c22731142b9cdc40c09c9166694ff19dfeca9e2802fc",
)

# -- other libraries -------------------------------------------------------------------------

SANIC_APP_REGISTRY = Internal(
    "sanic.app.Sanic", "_app_registry", "write", "bot.web.app.create_app",
    why="lets a process build the web app twice (tests, reloads)",
    if_missing="a second app of the same name in one process is refused",
    defined_in="register_app",
    source_sha256="73ee2b0243e6cbaf7281a4319d36c4f0e30d7dda1972e5b2efef56e6af779496",
)
SILENCE_UBER_WARNING = Internal(
    "sqlalchemy.util.deprecations", "SILENCE_UBER_WARNING", "write",
    "bot.stack.tracker_db.quiet_rasa_imports",
    why="what SQLALCHEMY_SILENCE_UBER_WARNING=1 does, after libraries reset warning filters",
    if_missing="SQLAlchemy's 2.0 notice is printed on the terminal (cosmetic)",
    defined_in="_warn_with_version",
    source_sha256="4c0bece173ac6a9cc6582ec6a780e788734efece96cf91f375d9b5704ca30f97",
)
HTTPX_POOL = Internal(
    "httpx.HTTPTransport", "_pool", "write", "bot.knowledge.site_fetch._client",
    why="the site import's transport with the guarded network backend (no internal addresses)",
    if_missing="the site import fails (state httpx's __init__ sets and ours does not) or its "
    "requests bypass the guarded backend",
    defined_in="__init__",
    source_sha256="c5fe8f1eadf4fb491a7b7cb18ca729b208952caa5ed47ad062a558d0f5d880ae",
)

# Every entry above, in order.
INTERNALS: tuple[Internal, ...] = tuple(
    value for value in list(globals().values()) if isinstance(value, Internal)
)


def main(argv: list[str] | None = None) -> int:
    """List the entries with their problems, or (``--hashes``) the installed signatures and
    hashes to write into the entries."""
    parser = argparse.ArgumentParser(prog="python -m bot.rasa_server.internals")
    parser.add_argument("--hashes", action="store_true", help="print the installed hashes")
    args = parser.parse_args(argv)
    failing = 0
    for entry in INTERNALS:
        found = problems(entry)
        failing += bool(found)
        if args.hashes:
            now = installed(entry)
            print(f"{entry.key}\n    signature={now.signature!r}")
            print(f"    source_sha256={now.source_sha256!r}{'  (changed)' if found else ''}")
        else:
            print(f"{entry.key}: {'; '.join(found) or 'as written for'}")
    return 1 if failing and not args.hashes else 0


if __name__ == "__main__":
    sys.exit(main())
