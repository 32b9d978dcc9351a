"""Free ports for stacks whose servers bind late (a Rasa server binds its port only after it
has loaded its model, 20-60 s after the check that the port is free).

``free_port()`` (bot.stack.ports) gets a port from the kernel's ephemeral range, where every
other test's ``free_port()`` and every outgoing connection also take theirs: one of them can
take a port in that window, and the Rasa server then exits at startup. Ports below the
ephemeral range (Linux: 32768-60999) are only used by whoever asks for them by number.
"""

from __future__ import annotations

import random

from bot.stack.ports import port_in_use

# Below Linux's default ephemeral range (/proc/sys/net/ipv4/ip_local_port_range).
LOW, HIGH = 20000, 32000


def ports_in_a_row(count: int, tries: int = 200) -> list[int]:
    """``count`` consecutive free ports below the ephemeral range."""
    for _ in range(tries):
        first = random.randrange(LOW, HIGH - count)  # noqa: S311 - not for security
        ports = list(range(first, first + count))
        if not any(port_in_use(p) for p in ports):
            return ports
    raise RuntimeError(f"no {count} free ports in a row between {LOW} and {HIGH}")
