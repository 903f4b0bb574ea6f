"""The page a joint tenant without a portal account reaches from the email that asks them
to agree to a refund from the account they share (``services/requests/consent.py``).

``GET /api/joint-consent?token=...`` shows the question with two buttons; ``POST`` with the
token and the answer records it, once. A plain HTTP page of its own, not a Reflex page, so
the single-use token is never in any Reflex state, and the page works without JavaScript.
Opening the link (as a mail scanner may, before the person does) changes nothing; only the
form answers. An unknown, used or expired link, or a refund already dealt with, all get the
same "this link no longer works" page. ``Referrer-Policy: no-referrer`` and nothing loaded
from elsewhere keep the token to this site; the response is never cached.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.requests import consent
from portal_app.settings import get_settings

MAX_BODY = 4096
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}
THANKS = {
    consent.AGREED: "Thank you. We have told your officer that you agree to the refund.",
    consent.REFUSED: "Thank you. We have told your officer that you do not agree, so we will not pay the refund as it is.",
}


def _page(title: str, *body: str, status: int = 200) -> HTMLResponse:
    settings = get_settings()
    contact = escape(f"{settings.landlord_phone} ({settings.landlord_hours})")
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - {escape(settings.landlord_name)}</title>"
        '<link rel="stylesheet" href="/styles.css"></head><body>'
        f'<header class="header"><div class="header__inner"><span class="header__service">{escape(settings.landlord_name)}</span></div></header>'
        f'<main id="main-content" class="width"><h1>{escape(title)}</h1>{"".join(body)}'
        f'<p class="caption">If you have a question, phone us on {contact}.</p></main>'
        '<footer class="footer"><div class="width"><ul class="footer__links">'
        f'<li><a href="{routes.PRIVACY}">Privacy</a></li><li><a href="{routes.COOKIES}">Cookies</a></li>'
        "</ul></div></footer></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _no_longer_works() -> HTMLResponse:
    return _page(
        "This link no longer works",
        f"<p>It may have been used already, be more than {consent.VALID_DAYS} days old, or we may have dealt "
        "with the refund already. You do not need to do anything else.</p>",
        status=404,
    )


def _question_page(question: consent.ConsentQuestion, token: str, error: str = "") -> HTMLResponse:
    problem = (
        '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">'
        f'<h2 id="error-summary-title">There is a problem</h2><ul><li>{escape(error)}</li></ul></div>'
        if error
        else ""
    )
    return _page(
        "Do you agree to this refund?",
        problem,
        f"<p>{escape(question.question)} Do you agree?</p>",
        f'<p class="caption">Request {escape(question.reference)}. The account is in joint names, so we need your '
        "agreement before we pay it. You can answer once.</p>",
        f'<form method="post" action="{routes.API_JOINT_CONSENT}">',
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">',
        '<div class="button-group">',
        f'<button type="submit" name="answer" value="{consent.AGREED}" class="button">I agree</button>',
        f'<button type="submit" name="answer" value="{consent.REFUSED}" class="button button--secondary">'
        "I do not agree</button>",
        "</div></form>",
        status=400 if error else 200,
    )


def _look(token: str):
    with session_scope() as s:
        return consent.question_for_token(s, token, now=utcnow())


def _answer(token: str, answer: str) -> str:
    with session_scope() as s:
        return consent.answer_by_token(s, token, answer, now=utcnow())


async def joint_consent(request: Request) -> HTMLResponse:
    if request.method == "POST":
        body = (await request.body())[:MAX_BODY].decode("utf-8", errors="replace")
        form = parse_qs(body)
        token = (form.get("token") or [""])[0][:200]
        answer = (form.get("answer") or [""])[0][:20]
        if answer not in consent.ANSWERS:
            question = await run_in_threadpool(_look, token)
            if question is None:
                return _no_longer_works()
            return _question_page(question, token, "Choose whether you agree to the refund")
        recorded = await run_in_threadpool(_answer, token, answer)
        if not recorded:
            return _no_longer_works()
        return _page("Thank you", f'<p class="notice notice--success" role="status">{escape(THANKS[recorded])}</p>')
    token = (request.query_params.get("token") or "")[:200]
    question = await run_in_threadpool(_look, token)
    if question is None:
        return _no_longer_works()
    return _question_page(question, token)


__all__ = ["joint_consent"]
