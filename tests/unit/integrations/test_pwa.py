"""The installable app's parts that need no browser: icons, manifest, the service
worker's configuration, and the headers every response carries."""

from __future__ import annotations

import base64
import hashlib
import json

from PIL import Image
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_app.api import http
from portal_app.integrations import icons, pwa
from portal_app.settings import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"


def test_the_manifest_makes_a_standalone_app_with_icons_that_exist_at_their_stated_sizes():
    manifest = json.loads((ASSETS / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/") and manifest["scope"] == "/"
    assert manifest["theme_color"] and manifest["background_color"] and manifest["short_name"]
    purposes = set()
    for icon in manifest["icons"]:
        path = ASSETS / icon["src"].lstrip("/")
        with Image.open(path) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]
        purposes.add(icon["purpose"])
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    assert purposes == {"any", "maskable"}


def test_the_committed_icons_are_the_ones_the_project_draws(tmp_path):
    written = icons.write_icons(tmp_path)
    committed = {f"icons/{p.name}" for p in (ASSETS / "icons").iterdir()} | {"favicon.ico"}
    assert {str(path.relative_to(tmp_path)) for path in written} == committed
    for path in written:
        with Image.open(path) as fresh, Image.open(ASSETS / path.relative_to(tmp_path)) as kept:
            assert fresh.size == kept.size
            assert list(fresh.convert("RGBA").getdata()) == list(kept.convert("RGBA").getdata())


def test_the_maskable_icon_fills_to_the_edge_and_keeps_its_drawing_inside_the_safe_circle():
    img = icons.draw_icon(512, maskable=True)
    assert img.getpixel((0, 0)) == icons.BLUE  # launchers crop it: no transparent corners
    # Everything that is not background lies within 40% of the size from the centre.
    for x in range(0, 512, 4):
        for y in range(0, 512, 4):
            if img.getpixel((x, y))[:3] != icons.BLUE[:3]:
                assert (x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2, (x, y)
    rounded = icons.draw_icon(512, maskable=False)
    assert rounded.getpixel((0, 0))[3] == 0  # the ordinary icon has rounded, clear corners


def test_the_built_manifest_carries_the_landlords_name(tmp_path):
    (tmp_path / "manifest.webmanifest").write_text((ASSETS / "manifest.webmanifest").read_text())
    pwa.write_manifest(tmp_path, "Riverside Homes")
    assert json.loads((tmp_path / "manifest.webmanifest").read_text())["name"] == "Riverside Homes Doorstep"


def test_the_service_worker_precaches_the_app_shell_but_never_itself_or_compressed_copies(tmp_path):
    cfg = pwa.workbox_config(tmp_path)
    assert cfg["swDest"] == str(tmp_path / "sw.js")
    assert {"sw.js", "sw-extra.js", "**/*.gz", "**/*.br", "404.html"} <= set(cfg["globIgnores"])
    assert any("html" in p and "js" in p for p in cfg["globPatterns"])
    assert cfg["skipWaiting"] is False  # the resident chooses when to reload
    assert cfg["importScripts"] == ["/sw-extra.js"]
    assert cfg["ignoreURLParametersMatching"] == [".*"]


def test_the_worker_extra_keeps_api_responses_out_of_every_cache():
    extra = (ASSETS / "sw-extra.js").read_text()
    assert '"/api/"' in extra and "stopImmediatePropagation" in extra
    assert "cache.put" not in extra  # it only reads the saved statements; pwa.js writes them


def test_hashed_assets_are_cached_for_a_year_private_routes_never_and_the_app_shell_is_revalidated():
    assert http.cache_policy("/assets/entry.client-DMqNtF3h.js") == b"public, max-age=31536000, immutable"
    for private in ("/api/statement.pdf", "/api/health", "/_event/", "/_upload", "/ping"):
        assert http.cache_policy(private) == b"no-store", private
    for shell in ("/", "/home", "/account.html", "/sw.js", "/manifest.webmanifest", "/styles.css"):
        assert http.cache_policy(shell) == b"no-cache", shell


def test_inline_scripts_in_the_build_are_allowed_by_hash_and_no_others(tmp_path):
    inline = "window.__reactRouterContext = {};"
    (tmp_path / "index.html").write_text(
        f'<html><head><script>{inline}</script><script src="/pwa.js" defer></script></head></html>'
    )
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "index.html").write_text('<script type="module">import "/a.js";</script>')
    found = http.inline_script_hashes(tmp_path).split()
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in found
    assert len(found) == 2


def _tiny_app():
    async def page(_r):
        return HTMLResponse("<p>hi</p>")

    async def download(_r):
        return Response(b"x", media_type="application/pdf", headers={"Cache-Control": "private, max-age=5"})

    async def data(_r):
        return JSONResponse({"ok": True})

    async def not_modified(_r):
        return Response(status_code=304, headers={"ETag": '"abc"'})

    return http.security_headers(
        Starlette(
            routes=[
                Route("/a-page", page),
                Route("/api/file", download),
                Route("/api/data", data),
                Route("/not-modified", not_modified),
            ]
        )
    )


def test_every_response_carries_csp_nosniff_referrer_policy_and_frame_ancestors():
    client = TestClient(_tiny_app())
    for path in ("/a-page", "/api/file", "/api/data"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    page = client.get("/a-page").headers["content-security-policy"]
    assert "script-src 'self'" in page and "object-src 'none'" in page and "base-uri 'self'" in page
    assert client.get("/api/data").headers["cache-control"] == "no-store"
    # A route that chose its own caching keeps it.
    assert client.get("/api/file").headers["cache-control"] == "private, max-age=5"


def test_a_not_modified_answer_carries_the_same_policy_as_the_page_it_stands_for():
    # The browser copies a 304's headers onto the cached page: a policy meant for
    # something else would block the page's own scripts after a reload.
    client = TestClient(_tiny_app())
    r = client.get("/not-modified")
    assert r.status_code == 304
    assert r.headers["content-security-policy"] == client.get("/a-page").headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_only_app_documents_get_the_page_policy():
    for page in ("/", "/home", "/home.html", "/account/statement", "/offline.html", "/no-such-page"):
        assert http.is_page(page), page
    for other in ("/api/statement.html", "/api/health", "/sw.js", "/styles.css", "/assets/x-abc.js", "/_event"):
        assert not http.is_page(other), other


def test_a_page_address_is_served_from_its_prerendered_file_without_a_redirect(tmp_path):
    (tmp_path / "home.html").write_text("<p>home</p>")
    (tmp_path / "home").mkdir()
    (tmp_path / "account").mkdir()
    (tmp_path / "account" / "statement.html").write_text("<p>s</p>")
    assert http.prerendered_page("/home", tmp_path) == "/home.html"
    assert http.prerendered_page("/account/statement", tmp_path) == "/account/statement.html"
    for other in ("/", "/home/", "/styles.css", "/api/health", "/assets/x", "/nowhere", "/../home", "/_event"):
        assert http.prerendered_page(other, tmp_path) is None, other
