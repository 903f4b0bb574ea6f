"""What the portal's own pages send over the websocket, read from their component trees:
every event a control can send (to check the guard lets each through), and the largest
messages (to check the guard's limit leaves them room). A helper module, not a test module.

Sizes are measured as Engine.IO measures a websocket frame: characters of the text frame.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.event import EventChain, EventSpec
from reflex_base.utils.format import format_event_handler

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"

# A field the page gives no maxlength: the longest an email address may be (RFC 5321).
# Every other such field (dates, amounts, sort codes, phone numbers) is far shorter.
UNLIMITED_FIELD_CHARS = 254


def _components(component: rx.Component):
    """The component and every one inside it (children, both sides of a cond, a foreach's body)."""
    stack = [component]
    while stack:
        c = stack.pop()
        yield c
        stack.extend(getattr(c, "children", None) or [])
        for attr in ("comp1", "comp2", "render_fn", "component"):
            sub = getattr(c, attr, None)
            if isinstance(sub, rx.Component):
                stack.append(sub)


def named_fields(component: rx.Component) -> list[tuple[str, int | None]]:
    """Each form control with a ``name`` in a page's component tree, with its maxlength."""
    found: list[tuple[str, int | None]] = []
    for c in _components(component):
        name = getattr(c, "name", None)
        if name is not None:
            limit = getattr(c, "max_length", None)
            found.append((str(name).strip('"'), int(str(limit)) if limit is not None else None))
    return list(reversed(found))


def page_events() -> dict[tuple[str, tuple], str]:
    """Every event a control on a page sends: (handler full name, ((argument, the type
    of the value the browser fills in), ...)) -> the route of a page that sends it."""
    import portal_app.portal_app  # noqa: F401  (registers the pages)
    from portal_app.components.layout import PAGES

    found: dict[tuple[str, tuple], str] = {}
    for render, route, _title, _loaders in PAGES:
        for c in _components(render()):
            for chain in (getattr(c, "event_triggers", None) or {}).values():
                for spec in chain.events if isinstance(chain, EventChain) else ():
                    name = format_event_handler(spec.handler) if isinstance(spec, EventSpec) else "_"
                    if isinstance(spec, EventSpec) and spec.client_handler_name == "uploadFiles":
                        continue  # an upload goes by HTTP (/_upload, capped in api/http.py), never the websocket
                    if not name.startswith("_"):  # "_call_script" and the like run in the browser
                        args = tuple((str(k), getattr(v, "_var_type", None)) for k, v in spec.args)
                        found.setdefault((name, args), route)
    return found


def filled_form(fields: list[tuple[str, int | None]]) -> dict:
    """The form as the browser submits it (state.js: ``{"__reflex_form_data__": [[name,
    value], ...]}``), one value per name, each at its limit in characters that JSON
    sends as two (quotation marks)."""
    entries, seen = [], set()
    for name, limit in fields:
        if name in seen:
            continue  # radios: one value per group
        seen.add(name)
        entries.append([name, '"' * limit if limit else "x" * UNLIMITED_FIELD_CHARS])
    return {"__reflex_form_data__": entries}


def event(name: str, payload: dict, *, path: str) -> dict:
    """An event as state.js sends it."""
    return {"name": name, "payload": payload, "router_data": {"pathname": path, "asPath": path}}


def frame_size(name: str, payload: dict, path: str) -> int:
    return len(f"42{NAMESPACE}," + json.dumps(["event", event(name, payload, path=path)], ensure_ascii=False))


def forms_of(component: rx.Component) -> list[rx.Component]:
    """Each ``<form>`` in a page's component tree (a submit sends only its own fields)."""
    return [c for c in _components(component) if getattr(c, "tag", None) == "form"]


def page_forms() -> dict[str, int]:
    """Each page's largest form submission, filled to its limits: route -> frame characters.
    A page with several forms (the back office's request page: a note, a decision, a
    complaint's acknowledgement) sends one at a time; a page's named fields outside any
    form count as one more."""
    import portal_app.portal_app  # noqa: F401
    from portal_app.components.layout import PAGES

    longest_name = max(portal_app.portal_app.app._doorstep_socket_guard.registry.event_handlers, key=len)
    sizes = {}
    for render, route, _title, _loaders in PAGES:
        tree = render()
        forms = forms_of(tree)
        in_forms = {id(c) for form in forms for c in _components(form)}
        loose = [c for c in _components(tree) if id(c) not in in_forms]
        groups = [named_fields(form) for form in forms]
        groups.append(named_fields(rx.fragment(*[c for c in loose if getattr(c, "name", None) is not None])))
        largest = max(
            (frame_size(longest_name, {"form_data": filled_form(fields)}, route) for fields in groups if fields),
            default=0,
        )
        if largest:
            sizes[route] = largest
    return sizes


def largest_request_form() -> tuple[dict, int]:
    """The new-request form filled to its limits, and its frame size."""
    import portal_app.portal_app  # noqa: F401  (registers the pages)
    from portal_app import routes
    from portal_app.components.layout import PAGES

    render = next(r for r, route, _t, _l in PAGES if route == routes.NEW_REQUEST)
    form = filled_form(named_fields(render()))
    return form, frame_size(f"{ROOT_STATE}.x" * 5, {"form_data": form}, routes.NEW_REQUEST)


def hydrate_size() -> int:
    """The hydrate riding in the CONNECT packet: every browser storage var set to a
    session token's length, and the per-state hashes of a first load."""
    from portal_app.integrations.socket_guard import _client_storage_keys
    from tests.security.handlers import portal_states

    storage = {key: "x" * 64 for key in _client_storage_keys()}
    hashes = ["0123456789abcdef"] * (len(portal_states()) + 10)
    boot = event(f"{ROOT_STATE}.hydrate_and_load", {"vars": storage, "hashes": hashes}, path="/requests/new")
    return len(f"40{NAMESPACE}," + json.dumps({"event": boot, "state_schema": "0123456789abcdef" * 4}))
