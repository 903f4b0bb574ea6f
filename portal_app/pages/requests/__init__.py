"""The requests pages: the new-request form (new.py), "My requests" (mine.py) and one
request (detail.py). What they share is here."""

from __future__ import annotations

import reflex as rx

# The one offline sentence of the requests pages.
OFFLINE = "You're offline. Connect to the internet to see or send requests."


def status_tag(status: rx.Var, label: rx.Var) -> rx.Component:
    return rx.el.strong(
        label, class_name=rx.match(status, ("done", "tag tag--done"), ("declined", "tag tag--declined"), "tag")
    )
