"""A flood of staff logins does not slow the citizens' chat (security review, issue 21).

Through the real stack (the shared Tårnby assistant: Rasa server, action server, web app):
several clients at one loopback address post logins with random usernames and one password
as fast as they can, while a citizen asks the real REST endpoint. The web app counts the
failures per address and runs one argon2 check at a time, so the flood gets at most the
address's allowance of password checks and then cheap 429 pages, and the citizen's answers
come as fast as before. Loopback only (127.0.0.x), bounded in requests and time.
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from requests.adapters import HTTPAdapter

from testkit.staff import create_staff_user, form_token
from tests.integration.conftest import Assistant, new_sender, texts

pytestmark = pytest.mark.integration

QUESTION = "hvornår har borgerservice åbent?"
ANSWER = "Borgerservice har åbent"
PASSWORD = "korrekt hest batteri 42"
FLOOD_ADDRESS = "127.0.0.2"  # the flooding client
OTHER_ADDRESS = "127.0.0.3"  # a member of staff elsewhere
# The web app's allowance of failed logins per address in 15 minutes (bot.web.login_limits).
ADDRESS_ALLOWANCE = 30
CLIENTS = 4
MAX_POSTS = 600
MAX_SECONDS = 40.0
CHAT_TURNS = 6
TOO_MANY = "For mange forkerte forsøg. Vent et kvarter, og prøv igen."
BUSY = "Der er mange forsøg på at logge ind lige nu. Vent et minut, og prøv igen."
BAD_LOGIN = "Forkert brugernavn eller adgangskode."


class FromAddress(HTTPAdapter):
    """Connections from one loopback source address (the web app sees it as the client)."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]


def browser_at(source: str) -> requests.Session:
    browser = requests.Session()
    browser.mount("http://", FromAddress(source))
    return browser


def post_login(
    web: str, browser: requests.Session, token: str, username: str, password: str
) -> requests.Response:
    data = {"username": username, "password": password, "csrf_token": token}
    return browser.post(f"{web}/staff/login", data=data, allow_redirects=False, timeout=30)


@dataclass
class Flood:
    web: str
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    texts: Counter = field(default_factory=Counter)
    retry_after: set = field(default_factory=set)
    posts: int = 0

    def client(self) -> None:
        browser = browser_at(FLOOD_ADDRESS)
        token = form_token(browser.get(f"{self.web}/staff/login", timeout=30).text)
        while not self.stop.is_set():
            with self.lock:
                if self.posts >= MAX_POSTS:
                    return
                self.posts += 1
            # One password tried at ever new usernames: a spray, and a flood of argon2 checks.
            response = post_login(
                self.web, browser, token, f"u{secrets.token_hex(6)}", "Sommer2026!!"
            )
            with self.lock:
                self.statuses[response.status_code] += 1
                for message in (TOO_MANY, BUSY, BAD_LOGIN):
                    if message in response.text:
                        self.texts[message] += 1
                if response.status_code == 429:
                    self.retry_after.add(response.headers.get("Retry-After"))


def ask_timed(assistant: Assistant, sender: str) -> float:
    started = time.perf_counter()
    reply = assistant.ask(QUESTION, sender)
    took = time.perf_counter() - started
    assert ANSWER in texts(reply), reply
    return took


def test_a_login_flood_from_one_address_leaves_the_chat_as_fast(taarnby: Assistant) -> None:
    web = taarnby.cfg.web_url.replace("localhost", "127.0.0.1")
    create_staff_user(taarnby.cfg.child_env(), "flood.target", PASSWORD)
    sender = new_sender()
    ask_timed(taarnby, sender)  # warm: the first turn of a conversation loads its tracker
    before = [ask_timed(taarnby, sender) for _ in range(CHAT_TURNS)]

    flood = Flood(web)
    threads = [threading.Thread(target=flood.client, daemon=True) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the flood is under way
    during = [ask_timed(taarnby, sender) for _ in range(CHAT_TURNS)]
    deadline = started + MAX_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    flood.stop.set()
    for thread in threads:
        thread.join(30)
    flood_seconds = time.perf_counter() - started
    print(
        f"\nLogin flood: {flood.posts} posts in {flood_seconds:.1f} s, statuses "
        f"{dict(flood.statuses)}; chat before {statistics.median(before):.3f} s median "
        f"(max {max(before):.3f}), during {statistics.median(during):.3f} s median "
        f"(max {max(during):.3f})"
    )

    # Every post was answered, none with an error; only the address's allowance of them got a
    # password check ("wrong login", 200), the rest a Danish 429 page.
    assert sum(flood.statuses.values()) == flood.posts > 2 * ADDRESS_ALLOWANCE
    assert set(flood.statuses) <= {200, 429}, flood.statuses
    assert flood.statuses[200] <= ADDRESS_ALLOWANCE
    assert flood.texts[BAD_LOGIN] == flood.statuses[200]
    assert flood.texts[TOO_MANY] + flood.texts[BUSY] == flood.statuses[429]
    assert flood.texts[TOO_MANY] > 0
    assert flood.retry_after <= {"60", "900"}

    # The citizen's answers came within their usual time.
    usual = statistics.median(before)
    assert statistics.median(during) <= 2 * usual + 0.5, (before, during)
    assert max(during) <= max(before) + 2.0, (before, during)

    # The flooding address waits, even with a right password; staff elsewhere log in as usual
    # (nobody can lock a known user out by failing logins in their name).
    flooder = browser_at(FLOOD_ADDRESS)
    token = form_token(flooder.get(f"{web}/staff/login", timeout=30).text)
    refused = post_login(web, flooder, token, "flood.target", PASSWORD)
    assert refused.status_code == 429 and TOO_MANY in refused.text
    colleague = browser_at(OTHER_ADDRESS)
    token = form_token(colleague.get(f"{web}/staff/login", timeout=30).text)
    assert post_login(web, colleague, token, "flood.target", PASSWORD).status_code == 303
    assert colleague.get(f"{web}/staff/", timeout=30).status_code == 200
