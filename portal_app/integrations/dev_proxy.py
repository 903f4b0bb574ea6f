"""Development only: the page server passes /api/ to the backend.

``make dev`` (``reflex run --env dev``) serves the pages from Vite on one port and the
backend on another. The portal's HTTP routes (sign-in's cookie handoff, sign-out, the
reset link, downloads) live on the backend, and the pages reach them by path
(``/api/...``), as they do in production where one server serves both. This plugin adds
a Vite proxy for ``/api`` to the backend's address, so the same paths work in
development and the cookies those routes set belong to the page's host (cookies do not
care about ports, so the websocket to the backend carries them). Production builds are
left as they are.
"""

from __future__ import annotations

import json

from reflex_base import constants
from reflex_base.environment import environment
from reflex_base.plugins.base import Plugin

MARK = "doorstep-dev-api-proxy"


def add_api_proxy(source: str, target: str) -> str:
    """vite.config.js with ``server.proxy["/api"]`` pointing at ``target`` (once)."""
    if MARK in source or "  server: {\n" not in source:
        return source
    proxy = f"  server: {{\n    proxy: {{ /* {MARK} */ '/api': {json.dumps(target)} }},\n"
    return source.replace("  server: {\n", proxy, 1)


class DevApiProxyPlugin(Plugin):
    def pre_compile(self, **context):
        if environment.REFLEX_ENV_MODE.get() != constants.Env.DEV:
            return
        from reflex.config import get_config

        target = get_config().api_url.rstrip("/")
        context["add_modify_task"]("vite.config.js", lambda source: add_api_proxy(source, target))
