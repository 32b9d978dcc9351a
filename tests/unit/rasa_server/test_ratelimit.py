"""Rate limits and bounded per-client state (pure logic, injected clock)."""

from bot.rasa_server.ratelimit import ExpiringLRU, TokenBucketLimiter, TurnCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_minute_of_messages_then_asks_to_wait() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(per_minute=3, clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.hit("a")
    assert 19.0 < wait <= 20.0  # one token every 20 s
    assert limiter.hit("b") == 0.0  # other keys are not affected
    clock.now += 20.0
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") > 0


def test_a_refused_hit_takes_no_token() -> None:
    clock = Clock()
    limiter = TokenBucketLimiter(per_minute=60, clock=clock)
    for _ in range(60):
        limiter.hit("a")
    for _ in range(100):
        assert limiter.hit("a") > 0
    clock.now += 1.0
    assert limiter.hit("a") == 0.0


def test_turn_counter_caps_a_conversation_until_it_has_been_idle() -> None:
    clock = Clock()
    turns = TurnCounter(max_turns=2, ttl=60.0, clock=clock)
    assert [turns.hit("c"), turns.hit("c"), turns.hit("c")] == [True, True, False]
    clock.now += 61.0
    assert turns.hit("c")


def test_maps_are_bounded_and_expire() -> None:
    clock = Clock()
    lru: ExpiringLRU[int] = ExpiringLRU(max_items=3, ttl=10.0, clock=clock)
    for i in range(10):
        lru.set(str(i), i)
    assert len(lru) == 3
    assert lru.get("0") is None and lru.get("9") == 9
    clock.now += 11.0
    assert lru.get("9") is None
