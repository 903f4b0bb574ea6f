"""`make lighthouse` measures every page a resident can open (issue 15: "fast under load")."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

from portal_app import routes

ROOT = Path(__file__).resolve().parents[2]
# The residents' side; the back office (pages/staff) and the development mailbox (pages/mail) are not.
RESIDENT_PAGE_FOLDERS = ("identity", "accounts", "requests", "tenancy", "rights")


def _bench():
    spec = importlib.util.spec_from_file_location("lighthouse_bench", ROOT / "bench" / "lighthouse.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _resident_routes() -> dict[str, str]:
    """Every route a resident page registers with ``@page(routes.NAME, ...)``: path -> module."""
    found: dict[str, str] = {}
    for folder in RESIDENT_PAGE_FOLDERS:
        for module in sorted((ROOT / "portal_app" / "pages" / folder).glob("*.py")):
            for node in ast.walk(ast.parse(module.read_text())):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "page" and node.args):
                    continue
                first = node.args[0]
                if isinstance(first, ast.Attribute) and getattr(first.value, "id", "") == "routes":
                    found[getattr(routes, first.attr)] = f"{folder}/{module.name}"
    return found


def test_every_page_a_resident_can_open_is_measured_by_the_lighthouse_bench():
    bench = _bench()
    measured = {p.route for p in bench.DOORSTEP_PAGES}
    # Reflex's not-found page answers every unknown address: the bench opens one.
    measured |= {routes.NOT_FOUND for p in bench.DOORSTEP_PAGES if p.status == 404}

    pages = _resident_routes()
    assert len(pages) >= 20, pages  # the walk found the registrations
    assert {path: module for path, module in pages.items() if path not in measured} == {}
