"""Statement downloads: authenticated HTTP routes (PDF, CSV and the Universal Credit letter),
the Direct Debit paper form (``services/payments/direct_debit.py``), and "Download my data"
(JSON and a readable HTML page, ``services/rights/my_data.py``).

A link carries a short-lived ticket (services/identity/tickets.py) minted by a @resident_only
handler. Here the ticket's signature and expiry are checked, then the request's own
session cookie must name a live session, the very one the ticket was minted in (so a
link copied to another browser or device is refused), and that session's resident must
still be allowed to see the account; only then is the file built. Every refusal looks the same (403), so a
guessed or stale link learns nothing. Responses are ``Cache-Control: no-store`` and
each is one self-contained file that can be kept whole. A data download names no
account: it is everything about the resident of the ticket's session, and the audit log
records it (``data_downloaded``) in the same unit of work as it is read.
"""

from __future__ import annotations

import gzip

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal_app import routes
from portal_app.api.client import arrived_over_https, client_ip_of
from portal_app.clock import uk_today, utcnow
from portal_app.db import session_scope
from portal_app.services import audit
from portal_app.services.accounts import balances, statements
from portal_app.services.identity import cookies, history, sessions, tickets
from portal_app.services.payments import direct_debit
from portal_app.services.rights import my_data
from portal_app.settings import get_settings

REFUSED_HTML = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Download not available</title></head>
<body><main><h1>This download link no longer works</h1>
<p>Download links work for 15 minutes, and only while you are signed in on the device that opened them.</p>
<p><a href="{href}">{back}</a> and choose the download again.</p></main></body></html>"""

MEDIA = {
    "statement_pdf": ("application/pdf", "pdf"),
    "statement_csv": ("text/csv; charset=utf-8", "csv"),
    "uc_letter_pdf": ("application/pdf", "pdf"),
    "statement_html": ("text/html; charset=utf-8", "html"),
    "my_data_json": ("application/json; charset=utf-8", "json"),
    "my_data_html": ("text/html; charset=utf-8", "html"),
    "direct_debit_form_pdf": ("application/pdf", "pdf"),
}
FORMAT_WORDS = {"my_data_json": "JSON", "my_data_html": "a readable page"}


def _refused(href: str = routes.STATEMENT, back: str = "Go back to your statement") -> Response:
    return HTMLResponse(
        REFUSED_HTML.format(href=href, back=back), status_code=403, headers={"Cache-Control": "no-store"}
    )


def _build(ticket_text: str | None, kind: str, session_token: str | None) -> tuple[bytes, str] | None:
    now = utcnow()
    claims = tickets.verify(ticket_text, now=now)
    if claims is None or claims.kind != kind or not session_token:
        return None
    settings = get_settings()
    with session_scope() as s:
        principal = sessions.resolve_session(s, session_token, now=now)
        if principal is None or principal.session_id != claims.session_id or principal.user_id != claims.user_id:
            return None
        account = balances.find_visible_account(
            s,
            person_id=principal.person_id,
            tenancy_id=principal.tenancy_id,
            account_ref=str(claims.account_id),
            today=uk_today(now),
            allow_former=settings.allow_former_tenants,
            roles=settings.eligible_roles,
        )
        if account is None or account.id != claims.account_id:
            return None
        if kind == "direct_debit_form_pdf":
            # The paper Direct Debit form, filled in for the resident of the ticket's session.
            form = direct_debit.paper_form(s, account_id=account.id, person_id=principal.person_id, settings=settings)
            return direct_debit.paper_form_pdf(form), direct_debit.paper_form_name(form)
        if kind == "uc_letter_pdf":
            landlord = statements.Landlord.from_settings(settings)
            letter = statements.uc_rent_statement(s, account.id, claims.date_to or uk_today(now), landlord=landlord)
            return statements.uc_rent_statement_pdf(
                letter
            ), f"rent-statement-for-universal-credit-{account.account_ref}"
        if claims.date_from is None or claims.date_to is None:
            return None
        found = statements.statement(
            s,
            account.id,
            claims.date_from,
            claims.date_to,
            landlord=statements.Landlord.from_settings(settings),
            now=now,
            days_to_pay=settings.leasehold_bill_days_to_pay,
        )
        name = f"statement-{account.account_ref}-{claims.date_from.isoformat()}-to-{claims.date_to.isoformat()}"
        render = {
            "statement_pdf": statements.to_pdf,
            "statement_csv": statements.to_csv,
            "statement_html": statements.to_html,
        }[kind]
        return render(found), name


def _accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the request's Accept-Encoding takes gzip (RFC 9110 12.5.3: a q of 0 refuses it)."""
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and q[2:].strip() in ("0", "0.0", "0.00", "0.000"))
    return False


def _download(kind: str, back: tuple[str, str] = (routes.STATEMENT, "Go back to your statement")):
    async def endpoint(request: Request) -> Response:
        token = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope)).get(
            cookies.SESSION
        )
        built = await run_in_threadpool(_build, request.query_params.get("ticket"), kind, token)
        if built is None:
            return _refused(*back)
        body, name = built
        media, ext = MEDIA[kind]
        # The HTML copy is fetched by the page to keep on the device (assets/pwa.js);
        # it is shown, not downloaded.
        disposition = "inline" if ext == "html" else "attachment"
        headers = {"Cache-Control": "no-store", "Content-Disposition": f'{disposition}; filename="{name}.{ext}"'}
        if ext == "html":
            # The statement page fetches it on its first load: sent compressed, as the
            # page's own files are (issue 15, the first-load transfer).
            headers["Vary"] = "Accept-Encoding"
            if _accepts_gzip(request.headers.get("accept-encoding")):
                body = gzip.compress(body, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        return Response(body, media_type=media, headers=headers)

    endpoint.__name__ = f"download_{kind}"
    return endpoint


def _build_my_data(
    ticket_text: str | None, kind: str, session_token: str | None, client_ip: str
) -> tuple[bytes, str] | None:
    """The resident's data, when the ticket is good and names this request's own live
    session; the download is recorded in the audit log in the same unit of work."""
    now = utcnow()
    claims = tickets.verify(ticket_text, now=now)
    if claims is None or claims.kind != kind or not session_token:
        return None
    with session_scope() as s:
        principal = sessions.resolve_session(s, session_token, now=now)
        if principal is None or principal.session_id != claims.session_id or principal.user_id != claims.user_id:
            return None
        data = my_data.collect(s, principal.user_id, now=now, settings=get_settings())
        body = my_data.to_json(data) if kind == "my_data_json" else my_data.to_html(data)
        history.record(
            s,
            audit.DATA_DOWNLOADED,
            user_id=principal.user_id,
            now=now,
            client_ip=client_ip,
            detail={"format": FORMAT_WORDS[kind]},
        )
        return body, my_data.file_name(data, MEDIA[kind][1]).rsplit(".", 1)[0]


def _download_my_data(kind: str):
    async def endpoint(request: Request) -> Response:
        token = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope)).get(
            cookies.SESSION
        )
        built = await run_in_threadpool(
            _build_my_data, request.query_params.get("ticket"), kind, token, client_ip_of(request.scope)
        )
        if built is None:
            return _refused(routes.MY_DATA, "Go back to your data")
        body, name = built
        media, ext = MEDIA[kind]
        return Response(
            body,
            media_type=media,
            headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{name}.{ext}"'},
        )

    endpoint.__name__ = f"download_{kind}"
    return endpoint


statement_pdf = _download("statement_pdf")
statement_csv = _download("statement_csv")
uc_letter_pdf = _download("uc_letter_pdf")
statement_html = _download("statement_html")
my_data_json = _download_my_data("my_data_json")
my_data_html = _download_my_data("my_data_html")
direct_debit_form_pdf = _download("direct_debit_form_pdf", (routes.DIRECT_DEBIT, "Go back to Direct Debit"))
