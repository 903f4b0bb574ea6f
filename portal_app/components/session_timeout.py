"""The warning before a resident's session ends for want of use (issue 13 item 14; WCAG 2.2.1
Timing Adjustable), and what the page keeps of a form through a sign-in.

The server says when the session ends (``SessionState.idle_ends_ms``, with its own clock's
time, so a wrong clock on the device does not matter); ``assets/session_timeout.js`` counts
down in the browser. ``SESSION_WARNING_SECONDS`` before the end (2 minutes, or half a short
idle limit) it opens this modal ``<dialog role="alertdialog">``: focus moves into it, it says
the time left in words, "Stay signed in" (and Escape) keeps the session on the server
(``SessionState.stay_signed_in``) and returns focus where it was, "Sign out" signs out. At
the end it asks the server (``SessionState.check_idle``, which is not use of the session),
which sends the browser to sign in again, told why, and back to the page with its query.

On a kiosk nothing here shows: assets/kiosk.js has its own shorter countdown (the server
sends no idle end there, and the script stops at once).

Drafts: a form with ``data-draft-fields="a b c"`` (``draft_attrs``) has those fields, and
only those, kept in this tab's sessionStorage as they are typed, under the page's path and
query and a tag of the resident (``draft_owner``: a keyed hash, so another resident signing
in on the same tab gets nothing back). After signing in again the same form gets them back
and says so; a sent form (``DRAFT_SENT`` on its acknowledgement) or signing out deletes them.
Bank details and amounts are never named, so never kept (``pages/requests/new.py``). On a
kiosk nothing is kept.
"""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.settings import Settings, get_settings
from portal_app.state.session import SessionState

DIALOG_ID = "session-timeout"
# Put on an acknowledgement (``{DRAFT_SENT: "1"}``): the form was sent, its draft is deleted.
DRAFT_SENT = "data-draft-sent"


def _minutes(n: int) -> str:
    return "1 minute" if n == 1 else f"{n} minutes"


def idle_reason(settings: Settings | None = None) -> str:
    """What the sign-in page says after the session ended for want of use."""
    s = settings or get_settings()
    return (
        f"You were signed out because you did nothing for {_minutes(s.session_idle_minutes)}. "
        "We signed you out to protect your account."
    )


def draft_attrs(fields: list[str]) -> dict[str, str]:
    """The attributes that make a form keep ``fields`` (their ``name``s) through a sign-in."""
    return {"data-draft-fields": " ".join(fields)}


def session_timeout() -> rx.Component:
    """The warning dialog and the script; drawn on every page (``layout.page_frame``), live
    only while the server says a resident is signed in."""
    s = get_settings()
    return rx.fragment(
        rx.el.dialog(
            rx.el.h2("You will be signed out soon", id=f"{DIALOG_ID}-title"),
            rx.el.p("You will be signed out in 2 minutes.", id=f"{DIALOG_ID}-time", class_name="session-timeout__time"),
            rx.el.p(
                f"We sign you out when you have done nothing for {_minutes(s.session_idle_minutes)}, to protect "
                "your account. Anything you have typed on this page is kept until you sign in again.",
                id=f"{DIALOG_ID}-text",
            ),
            # Said by screen readers now and then, not every second.
            rx.el.p(class_name="visually-hidden", aria_live="polite", id=f"{DIALOG_ID}-live"),
            rx.el.div(
                rx.el.button(
                    "Stay signed in",
                    type="button",
                    class_name="button",
                    id=f"{DIALOG_ID}-stay",
                    auto_focus=True,
                    on_click=SessionState.stay_signed_in,
                ),
                rx.el.button(
                    "Sign out",
                    type="button",
                    class_name="button button--secondary",
                    id=f"{DIALOG_ID}-leave",
                    on_click=SessionState.sign_out,
                ),
                class_name="session-timeout__buttons",
            ),
            # The page's own "still live?" question (never shown).
            rx.el.button(
                "Check",
                type="button",
                hidden=True,
                tab_index=-1,
                id=f"{DIALOG_ID}-check",
                on_click=SessionState.check_idle,
            ),
            id=DIALOG_ID,
            role="alertdialog",
            aria_modal="true",
            aria_labelledby=f"{DIALOG_ID}-title",
            aria_describedby=f"{DIALOG_ID}-time {DIALOG_ID}-text",
            class_name="session-timeout",
            custom_attrs={
                "data-ends": SessionState.idle_ends_ms.to_string(),
                "data-server-now": SessionState.server_now_ms.to_string(),
                "data-limit": SessionState.idle_limit_seconds.to_string(),
                "data-checks": SessionState.idle_checks.to_string(),
                "data-signed-in": rx.cond(SessionState.signed_in, "1", ""),
                "data-warn": str(int(s.session_warning_seconds)),
                "data-owner": SessionState.draft_owner,
                "data-signed-out-path": routes.SIGNED_OUT,
            },
        ),
        rx.el.script(src=routes.SESSION_TIMEOUT_SCRIPT, defer=True),
    )
