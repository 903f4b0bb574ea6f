"""An event that fails on the server: logged with its traceback, and the page told calmly."""

from __future__ import annotations

import logging

from portal_app.components.pwa import PROBLEM_MESSAGE, calm_backend_error


def test_a_failed_event_is_logged_with_its_traceback_and_the_page_is_shown_only_the_calm_message(caplog):
    try:
        raise RuntimeError("connection to server at 127.0.0.1 failed: secret-detail")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="doorstep"):
            spec = calm_backend_error(exc)
    (record,) = caplog.records
    assert record.exc_info and "secret-detail" in str(record.exc_info[1])
    sent = str(spec)
    assert "event-problem" in sent
    assert "secret-detail" not in sent and "RuntimeError" not in sent and "Traceback" not in sent
    assert "Please try again" in PROBLEM_MESSAGE and "not saved" in PROBLEM_MESSAGE
