"""What the websocket guard costs per event (portal_app/integrations/socket_guard.py).

The guard checks every event a browser sends before Reflex queues it. This prints the
best of 5 runs of 10,000 checks, in microseconds per event, for: an event with no
arguments, a sign-in form, the new-request form filled to every field's limit (the
largest message a page sends), and the hydrate a page sends on connecting; and for a
message refused (an unknown handler), which also goes through the log's rate limit.

    .venv/bin/python bench/socket_guard_speed.py
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_microseconds(check, rounds: int = 10_000, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(rounds):
            check()
        best = min(best, (time.perf_counter() - started) / rounds)
    return best * 1e6


def main() -> int:
    import portal_app.portal_app as portal
    from portal_app.integrations.socket_guard import Refused, SocketGuard
    from tests.security.page_messages import largest_request_form

    guard: SocketGuard = portal.app._doorstep_socket_guard
    root = "reflex___state____state"
    session = f"{root}.portal_app___state___session____session_state"
    sign_in = f"{session}.portal_app___pages___identity___sign_in____sign_in_state"
    request_form = (
        f"{session}.portal_app___state___accounts____account_choice_state."
        "portal_app___pages___requests___new____request_form_state"
    )
    route = {"pathname": "/sign-in", "asPath": "/sign-in", "query": {}}
    form, size = largest_request_form()
    events = {
        "no arguments (sign out)": {"name": f"{session}.sign_out", "payload": {}, "router_data": route},
        "sign-in form": {
            "name": f"{sign_in}.submit",
            "payload": {"form_data": {"__reflex_form_data__": [["email", "a@example.org"], ["password", "x" * 20]]}},
            "router_data": route,
        },
        f"new-request form at its limits ({size:,} characters)": {
            "name": f"{request_form}.submit",
            "payload": {"form_data": form},
            "router_data": route,
        },
        "hydrate": {
            "name": f"{root}.hydrate_and_load",
            "payload": {"vars": {f"{session}.session_token_rx_state_": "t" * 43}, "hashes": ["0" * 16] * 22},
            "router_data": route,
        },
    }
    print("socket guard, microseconds per event (best of 5 x 10,000):")
    for label, event in events.items():
        print(f"  {label:52} {best_microseconds(lambda e=event: guard.check_event(e)):7.1f}")

    logging.getLogger("doorstep.socket").setLevel(logging.CRITICAL)
    refusing = SocketGuard(guard.registry)
    unknown = {"name": "nope.nope", "payload": {}, "router_data": route}

    def refuse():
        try:
            refusing.check_event(unknown)
        except Refused as refusal:
            refusing.refuse("bench", refusal)
            refusing.forget("bench")

    print(f"  {'refused (unknown handler), counted':52} {best_microseconds(refuse):7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
