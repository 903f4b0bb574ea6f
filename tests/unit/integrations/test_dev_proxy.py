"""Development only: the page server passes /api/ to the backend, so sign-in's handoff,
sign-out and downloads work under `make dev` as they do in production."""

from portal_app.integrations.dev_proxy import add_api_proxy

VITE = "export default defineConfig((config) => ({\n  server: {\n    port: process.env.PORT,\n  },\n}));\n"


def test_the_dev_page_server_sends_api_paths_to_the_backend():
    changed = add_api_proxy(VITE, "http://localhost:8000")
    assert "'/api': \"http://localhost:8000\"" in changed
    assert changed.index("proxy") > changed.index("server: {")


def test_the_proxy_is_added_once_however_often_the_app_compiles():
    once = add_api_proxy(VITE, "http://localhost:8000")
    assert add_api_proxy(once, "http://localhost:8000") == once
