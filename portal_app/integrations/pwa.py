"""The installable, offline-capable app: a Reflex plugin that writes the service worker.

After Reflex's production build (``post_build``) this plugin

* writes ``manifest.webmanifest`` into the build with the landlord's name;
* runs Workbox's ``generateSW`` (npm ``workbox-build``, installed by Reflex into
  ``.web/node_modules`` as a development dependency) over the built files, giving
  ``/sw.js``: it precaches the app shell of this build (every page's prerendered HTML,
  the hashed JavaScript and CSS, the icons, the offline page and the budget planner)
  with a revision per file, so a new build is a new version;
* imports ``/sw-extra.js`` into the worker: the two things kept on purpose (saved
  statements) and nothing else.

What the worker never touches: the websocket (a service worker cannot see it), the
backend's event and upload endpoints, and every ``/api/`` response (the personal ones
are ``no-store``); see ``assets/sw-extra.js`` and the ``runtimeCaching`` below.
The page registers the worker from ``assets/pwa.js`` at the fixed ``/sw.js``, never on
a kiosk host.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from reflex_base.plugins.base import Plugin

from portal_app import design

WORKBOX = "workbox-build@7.4.1"
SW_NAME = "sw.js"

# Run by node (or bun) in .web, where workbox-build is installed.
_GENERATE = r"""
const { generateSW } = require("workbox-build");
const cfg = JSON.parse(process.env.DOORSTEP_WORKBOX_CONFIG);
cfg.runtimeCaching = [
  {
    // Pages that are not in the precache (none should be) go to the network; offline
    // they get the calm offline page instead of the browser's error.
    urlPattern: ({ request, url }) => request.mode === "navigate" && !url.pathname.startsWith("/api/"),
    handler: "NetworkOnly",
    options: { precacheFallback: { fallbackURL: "/offline.html" } },
  },
];
generateSW(cfg).then(({ count, size, warnings }) => {
  for (const w of warnings) console.error("workbox warning:", w);
  console.log(JSON.stringify({ count, size }));
}).catch((err) => { console.error(err); process.exit(1); });
"""


def workbox_config(static_dir: Path) -> dict:
    return {
        "globDirectory": str(static_dir),
        "globPatterns": ["**/*.{html,js,css,png,webmanifest,ico,svg,woff2}"],
        "globIgnores": ["404.html", "__spa-fallback.html", SW_NAME, "sw-extra.js", "**/*.gz", "**/*.br", "**/*.zst"],
        "swDest": str(static_dir / SW_NAME),
        "mode": "production",
        "inlineWorkboxRuntime": True,
        "sourcemap": False,
        "cleanupOutdatedCaches": True,
        "clientsClaim": True,
        # A new worker waits until the resident chooses "reload" (assets/pwa.js posts
        # SKIP_WAITING), so an open page never mixes old and new code.
        "skipWaiting": False,
        # /account and /account.html are the same prerendered shell (Workbox tries
        # ".html" by default); queries are read
        # in the browser, so /requests/view?ref=… is the /requests/view shell.
        "directoryIndex": "index.html",
        "ignoreURLParametersMatching": [".*"],
        # Plotly is large and used on two pages: precached too, so the budget planner's
        # chart works offline (it is fetched once, in the background, after install).
        "maximumFileSizeToCacheInBytes": 8 * 1024 * 1024,
        "importScripts": ["/sw-extra.js"],
        "cacheId": "doorstep",
    }


def _js_runner() -> list[str]:
    node = shutil.which("node")
    if node:
        return [node, "-e"]
    bun = shutil.which("bun")
    if bun:
        return [bun, "-e"]
    raise RuntimeError("neither node nor bun is on PATH: cannot generate the service worker")


def write_manifest(static_dir: Path, landlord_name: str) -> None:
    source = static_dir / "manifest.webmanifest"
    manifest = json.loads(source.read_text())
    manifest["name"] = f"{landlord_name} Doorstep"
    manifest["description"] = f"Your rent, statements, requests and budget with {landlord_name}"
    manifest["theme_color"] = design.colour("brand")
    manifest["background_color"] = design.colour("white")
    source.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def generate_service_worker(static_dir: Path, web_dir: Path) -> dict:
    config = workbox_config(static_dir)
    # ignoreURLParametersMatching must be RegExps in JS.
    script = _GENERATE.replace(
        "const cfg = JSON.parse(process.env.DOORSTEP_WORKBOX_CONFIG);",
        "const cfg = JSON.parse(process.env.DOORSTEP_WORKBOX_CONFIG); cfg.ignoreURLParametersMatching = cfg.ignoreURLParametersMatching.map((s) => new RegExp(s));",
    )
    done = subprocess.run(
        [*_js_runner(), script],
        cwd=web_dir,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DOORSTEP_WORKBOX_CONFIG": json.dumps(config)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"Workbox could not write the service worker:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class PwaPlugin(Plugin):
    """Manifest with the landlord's name, and a Workbox service worker, after each build."""

    def get_frontend_development_dependencies(self, **context):
        return [WORKBOX]

    def post_build(self, **context):
        from portal_app.settings import get_settings

        static_dir: Path = Path(context["static_dir"]).resolve()
        write_manifest(static_dir, get_settings().landlord_name)
        result = generate_service_worker(static_dir, static_dir.parents[1])
        print(f"Service worker: precaching {result['count']} files, {result['size'] / 1024:.0f} KiB")
