"""The built-in sandbox provider's card page (``integrations/payments/sandbox.py``).

``GET /api/sandbox-pay/<id>`` shows a hosted payment page: what the payment is for and
how much, then card number, expiry, security code, name and postcode, "Pay" and
"Cancel and go back". ``POST`` checks the details as a card page does (each message
next to its field, with a summary at the top whose links stay on the page), applies
GOV.UK Pay's test cards, and sends the browser to the portal's return address (303).
A plain page with no scripts, like a provider's own: it works without JavaScript, and
it says plainly that it is a test page and no money is taken. It never echoes a card
number or security code back into the page.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal_app.integrations.payments import sandbox
from portal_app.services.money import format_pence
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
FIELDS = (
    ("card_number", "Card number", "card-number", "cc-number", "numeric", ""),
    ("expiry_month", "Expiry month", "expiry-month", "cc-exp-month", "numeric", "For example, 04"),
    ("expiry_year", "Expiry year", "expiry-year", "cc-exp-year", "numeric", "For example, 29"),
    ("name", "Name on card", "name", "cc-name", "text", ""),
    ("cvc", "Card security code", "cvc", "cc-csc", "numeric", "The last 3 digits on the back of the card"),
    ("postcode", "Postcode", "postcode", "postal-code", "text", "The postcode of the card's billing address"),
)
KEEP = ("expiry_month", "expiry_year", "name", "postcode")  # never the card number or security code
TEST_CARDS_HELP = (
    ("4444 3333 2222 1111", "the payment succeeds"),
    ("4000 0000 0000 0002", "the card is declined"),
    ("4000 0000 0000 0069", "declined: the card has expired"),
    ("4000 0000 0000 0127", "declined: the security code is wrong"),
    ("4000 0000 0000 0119", "a processing error"),
)


def _provider() -> sandbox.SandboxProvider:
    return sandbox.SandboxProvider(get_settings().base_url)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - Sandbox card payments</title>"
        '<link rel="stylesheet" href="/styles.css"></head><body>'
        '<a class="skip-link" href="#main-content">Skip to main content</a>'
        '<header class="header"><div class="header__inner"><span class="header__service">Sandbox card payments</span>'
        "</div></header>"
        '<main id="main-content" class="width"><p class="notice"><strong>This is a test payment page.</strong> '
        f"No real money is taken: use one of the test card numbers below.</p>{body}</main></body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _gone() -> HTMLResponse:
    return _page(
        "This payment has finished",
        "<h1>This payment has finished</h1><p>It was paid, cancelled or has expired. "
        "Go back to the service you were paying and start again if you need to.</p>",
        status=404,
    )


def _form_page(page: sandbox.CardPage, errors: dict[str, str], kept: dict[str, str]) -> HTMLResponse:
    summary = ""
    if errors:
        items = "".join(
            f'<li><a href="#{field_id}">{escape(errors[name])}</a></li>'
            for name, _label, field_id, *_ in FIELDS
            if name in errors
        )
        summary = (
            '<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">'
            f'<h2 id="error-summary-title">There is a problem</h2><ul class="error-summary__list">{items}</ul></div>'
        )
    fields = []
    for name, label, field_id, autocomplete, mode, hint in FIELDS:
        message = errors.get(name, "")
        described = " ".join(
            x for x in (f"{field_id}-hint" if hint else "", f"{field_id}-error" if message else "") if x
        )
        value = escape(kept.get(name, ""), quote=True) if name in KEEP else ""
        fields.append(
            f'<div class="field{" field--error" if message else ""}">'
            f'<label class="label" for="{field_id}">{escape(label)}</label>'
            + (f'<p class="hint" id="{field_id}-hint">{escape(hint)}</p>' if hint else "")
            + (
                f'<p class="error-message" id="{field_id}-error"><span class="visually-hidden">Error:</span> {escape(message)}</p>'
                if message
                else ""
            )
            + f'<input class="input{" input--error" if message else ""}" id="{field_id}" name="{name}" type="text" '
            f'inputmode="{mode}" autocomplete="{autocomplete}" spellcheck="false" value="{value}"'
            + (f' aria-describedby="{described}"' if described else "")
            + (' aria-invalid="true"' if message else "")
            + "></div>"
        )
    cards = "".join(f"<li><code>{n}</code>: {escape(w)}</li>" for n, w in TEST_CARDS_HELP)
    body = (
        f"{summary}<h1>Enter card details</h1>"
        f'<dl class="summary-list"><div><dt>Payment for</dt><dd>{escape(page.description)}</dd></div>'
        f"<div><dt>Total amount</dt><dd><strong>{escape(format_pence(page.amount_pence))}</strong></dd></div></dl>"
        f'<form method="post" action="{sandbox.CARD_PAGE_PATH}{escape(page.payment_id)}" novalidate>'
        + "".join(fields)
        + '<div class="button-group"><button type="submit" name="action" value="pay" class="button">Pay '
        f"{escape(format_pence(page.amount_pence))}</button>"
        '<button type="submit" name="action" value="cancel" class="button button--secondary">Cancel and go back</button>'
        "</div></form>"
        "<h2>Test cards</h2><p>Any future expiry date, any name and postcode, and any 3-digit security code.</p>"
        f'<ul class="list">{cards}</ul>'
    )
    title = ("Error: " if errors else "") + "Enter card details"
    return _page(title, body, status=400 if errors else 200)


async def card_page(request: Request) -> Response:
    payment_id = request.path_params.get("payment_id", "")[:40]
    provider = _provider()
    if request.method == "POST":
        raw = (await request.body())[:MAX_BODY].decode("utf-8", errors="replace")
        form = {k: v[0][: sandbox.MAX_FIELD] for k, v in parse_qs(raw).items()}
        if form.get("action") == "cancel":
            back = await run_in_threadpool(provider.give_up, payment_id)
            return Response(status_code=303, headers={"Location": back, **HEADERS}) if back else _gone()
        errors, back = await run_in_threadpool(provider.pay, payment_id, form)
        if back:
            return Response(status_code=303, headers={"Location": back, **HEADERS})
        page = await run_in_threadpool(provider.card_page, payment_id)
        if page is None:
            return _gone()
        return _form_page(page, errors, form)
    page = await run_in_threadpool(provider.card_page, payment_id)
    if page is None or not page.open:
        return _gone()
    return _form_page(page, {}, {})
