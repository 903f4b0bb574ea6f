"""Looking for secrets where Reflex keeps a resident's state: in every delta it sends to
the browser and in every pickle it writes to the state folder (a helper module, not a
test module; it imports nothing of Reflex or the portal, so the browser journeys use it too).

Reflex keeps every state var, the underscore ones too, and the root state's
``router_data`` (the page's address and the connection's headers) in each state's
pickle: ``.states/*.pkl`` (the embedded default) or Redis. So a secret that sits in a
var, even for one event, is on disk. ``assert_nowhere`` looks for each secret there in
every form it could take (``forms_of``). ``tests/security/state_browser.py`` drives one
browser's state tree through the real handlers and collects what to scan; its docstring
says how to add a journey.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import json
import pickle
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

# ---------------------------------------------------------------------------
# The forms a secret can take


def _base64_cores(data: bytes) -> Iterator[bytes]:
    """What base64 of ``data`` looks like inside a longer base64 text, at each of the
    three alignments it can start at: only the characters made of ``data``'s bits alone."""
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data)
        start = -(-8 * shift // 6)  # the first character holding only data's bits
        end = 8 * (shift + len(data)) // 6  # and the last
        core = encoded[start:end]
        if len(core) >= 6:
            yield core
            yield core.translate(bytes.maketrans(b"+/", b"-_"))  # the URL-safe alphabet


def forms_of(secret: str | bytes) -> set[bytes]:
    """Every way ``secret`` could be written into a delta or a pickle.

    * as itself in UTF-8 (pickle keeps a str as its UTF-8 bytes; the websocket sends JSON),
      upper- and lower-case (a recovery code or a base32 key typed either way);
    * without its separators ("abcd-efgh" as "abcdefgh", "30-94-57" as "309457", a key
      shown in groups as one run), and with them as a space or a dash;
    * escaped as JSON inside a string, and quoted for a URL (``router_data`` keeps the
      page's address);
    * in hex, and in base64 of either alphabet at any alignment (inside a signed ticket or
      a cookie, say);
    * for a base32 key (the authenticator secret), the raw key bytes it stands for too.
    """
    raw = secret if isinstance(secret, bytes) else secret.encode()
    texts: set[str] = set()
    if isinstance(secret, str):
        bare = re.sub(r"[\s\-]", "", secret)
        for text in {secret, bare}:
            texts |= {text, text.lower(), text.upper()}
        texts |= {json.dumps(t, ensure_ascii=ascii)[1:-1] for t in list(texts) for ascii in (True, False)}
        texts |= {urllib.parse.quote(t, safe="") for t in list(texts)} | {
            urllib.parse.quote_plus(t) for t in list(texts)
        }
    found = {t.encode() for t in texts if t} | {raw}
    found |= {raw.hex().encode(), raw.hex().upper().encode()}
    for form in list(found):
        found |= set(_base64_cores(form))
    if isinstance(secret, str) and re.fullmatch(r"[A-Z2-7]{16,}", bare := re.sub(r"\s", "", secret).upper()):
        with contextlib.suppress(binascii.Error, ValueError):
            key = base64.b32decode(bare + "=" * (-len(bare) % 8))
            found |= {key, key.hex().encode(), *_base64_cores(key)}
    return {f for f in found if len(f) >= 4}


def _find(form: bytes, blob: bytes, whole_number: bool) -> bool:
    if not whole_number:
        return form in blob
    # Not inside a longer number, though a URL escape ("%20") may end in a digit just before it.
    return re.search(rb"(?:(?<![0-9])|(?<=%[0-9A-Fa-f]{2}))" + re.escape(form) + rb"(?![0-9])", blob) is not None


# ---------------------------------------------------------------------------
# Where to look


def _leaves(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every scalar inside an unpickled state (its vars, router data, bookkeeping), as text."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str | bytes | int | float):
        yield value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _leaves(k, seen)
            yield from _leaves(v, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _leaves(v, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _leaves(getattr(value, f.name, None), seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        yield from _leaves(vars(value), seen)
    elif value is not None and not isinstance(value, type):
        yield str(value)


def _unpickled_text(blob: bytes) -> bytes:
    """The scalars of one state pickle, one per line (a number stored as an int shows as
    its digits here, which a search of the raw bytes would not find)."""
    try:
        loaded = pickle.loads(blob)
    except Exception:  # noqa: BLE001 - not one of ours to read: the raw bytes are still searched
        return b""
    return "\n".join(_leaves(loaded)).encode()


def assert_nowhere(
    secrets: Mapping[str, str | bytes],
    *,
    deltas: Iterable[Any] = (),
    pickles: Mapping[str, bytes] | Iterable[bytes] = (),
    unpickle: bool = True,
) -> None:
    """Fail, naming each secret and where it was, when any of ``secrets`` (name -> value)
    is in any delta (a dict, as Reflex sends it, or its JSON text) or in any state pickle
    (the raw bytes, and with ``unpickle`` every value inside once loaded)."""
    places: list[tuple[str, bytes]] = []
    for n, delta in enumerate(deltas):
        text = delta if isinstance(delta, str | bytes) else json.dumps(delta, default=str, ensure_ascii=False)
        places.append((f"delta {n + 1}", text if isinstance(text, bytes) else text.encode()))
    named = pickles.items() if isinstance(pickles, Mapping) else ((f"pickle {n + 1}", b) for n, b in enumerate(pickles))
    for name, blob in named:
        places.append((name, blob))
        if unpickle and (text := _unpickled_text(blob)):
            places.append((f"{name} (unpickled)", text))
    leaks = []
    for label, secret in secrets.items():
        if not secret:
            raise AssertionError(f"the journey made no {label}: the scan would prove nothing")
        whole_number = isinstance(secret, str) and secret.isdigit()
        for form in sorted(forms_of(secret), key=len, reverse=True):
            hits = [where for where, blob in places if _find(form, blob, whole_number)]
            if hits:
                leaks.append(f"{label} ({form[:40]!r}) in {', '.join(hits)}")
                break
    assert not leaks, "secrets in Reflex state:\n  " + "\n  ".join(leaks)


def reached(secret: str, sent: list[str]) -> bool:
    """Whether ``secret`` reached the browser, in a delta or an event (as JSON text): the
    positive control of a scan (one that finds nothing proves nothing if it never was sent)."""
    blob = "\n".join(sent).encode()
    return any(form in blob for form in forms_of(secret))


def state_files(folder: Path) -> dict[str, bytes]:
    """Every file in a state folder (Reflex's ``.states``), by name."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}


# Download tickets (services/identity/tickets.py): "<base64 JSON>.<base64 HMAC-SHA256>".
TICKET = re.compile(rb"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def tickets_in(blobs: Iterable[bytes | str]) -> set[str]:
    """Every string shaped like a download ticket in ``blobs``."""
    found: set[str] = set()
    for blob in blobs:
        data = blob.encode() if isinstance(blob, str) else blob
        found |= {m.group().decode() for m in TICKET.finditer(data)}
    return found


__all__ = ["assert_nowhere", "forms_of", "reached", "state_files", "tickets_in"]
