"""The boot script: the first thing every page runs, before the app.

An inline ``<script>`` in the prerendered ``<head>`` (``rx.el.script``, not
``rx.script``, which React Helmet injects after load). It sets, for everything
after it (the service-worker registration, assets/kiosk.js, CSS):

* ``window.doorstep = {kiosk, idleSeconds, warningSeconds}``: ``kiosk`` is true when
  ``location.hostname`` is one of ``KIOSK_HOSTS`` (the same rule as
  ``services.kiosk.is_kiosk_host``); the two timeouts are ``KIOSK_IDLE_SECONDS`` and
  ``KIOSK_WARNING_SECONDS``. All baked in when the app is compiled (``reflex run``
  compiles on every start).
* ``<html data-kiosk="1">`` on a kiosk, so ``.kiosk-only`` / ``.not-kiosk`` switch in
  CSS with no flash.
* ``<html data-session="1">`` when this tab holds a session token (localStorage, or
  sessionStorage on a kiosk): only a hint, used until the server has answered, so the
  prerendered page already has the signed-in header and nothing jumps when the state
  arrives (``components.layout.session_switch``). The server still decides.

On a kiosk it also unregisters every service worker and deletes every CacheStorage
cache of the origin, then loads ``/kiosk.js`` (idle sign-out, no external links).
Everywhere, a page restored from the back/forward cache is reloaded, so "Back" after
signing out asks the server again instead of showing a private page from memory.
"""

from __future__ import annotations

import base64
import hashlib
import json

import reflex as rx

from portal_app import routes
from portal_app.services.identity.cookies import SIGNED_IN_HINT
from portal_app.services.identity.kiosk import kiosk_hostnames
from portal_app.settings import Settings, get_settings

KIOSK_SCRIPT_URL = routes.KIOSK_SCRIPT

_TEMPLATE = """(function () {
  var hosts = __HOSTS__;
  var name = String(location.hostname || "").toLowerCase().replace(/^\\[|\\]$/g, "").replace(/\\.$/, "");
  var kiosk = hosts.indexOf(name) !== -1;
  window.doorstep = Object.assign(window.doorstep || {}, {
    kiosk: kiosk, idleSeconds: __IDLE__, warningSeconds: __WARNING__
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) { location.reload(); } });
  try {
    if ((";" + document.cookie.replace(/ /g, "")).indexOf(";" + __HINT__ + "=1") !== -1) {
      document.documentElement.dataset.session = "1";
    }
  } catch (e) {}
  if (!kiosk) { return; }
  document.documentElement.dataset.kiosk = "1";
  try {
    if (navigator.serviceWorker) {
      navigator.serviceWorker.getRegistrations().then(function (all) {
        all.forEach(function (registration) { registration.unregister(); });
      }).catch(function () {});
    }
    if (window.caches) {
      caches.keys().then(function (keys) {
        keys.forEach(function (key) { caches.delete(key); });
      }).catch(function () {});
    }
  } catch (e) {}
  var script = document.createElement("script");
  script.src = __KIOSK_JS__;
  document.head.appendChild(script);
})();"""


def _js(value) -> str:
    """A JSON literal that is safe inside an inline script."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def boot_script_source(settings: Settings | None = None) -> str:
    s = settings or get_settings()
    return (
        _TEMPLATE.replace("__HOSTS__", _js(list(kiosk_hostnames(s))))
        .replace("__IDLE__", str(int(s.kiosk_idle_seconds)))
        .replace("__WARNING__", str(int(s.kiosk_warning_seconds)))
        .replace("__KIOSK_JS__", _js(KIOSK_SCRIPT_URL))
        .replace("__HINT__", _js(SIGNED_IN_HINT))
    )


def boot_script_csp_hash(settings: Settings | None = None) -> str:
    """``'sha256-…'`` of the inline script, for a Content-Security-Policy ``script-src``."""
    digest = hashlib.sha256(boot_script_source(settings).encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def boot_scripts() -> list[rx.Component]:
    """For ``rx.App(head_components=...)``: put these first, before any other script."""
    return [rx.el.script(boot_script_source(), id="doorstep-boot")]
