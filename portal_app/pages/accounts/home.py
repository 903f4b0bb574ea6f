"""Home: every account the resident may see, its balance now, last payment and what is due next."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import money
from portal_app.components.layout import page
from portal_app.components.pwa import install_offer, loading_or_offline, on_device
from portal_app.services.accounts import balances, ledger, summary
from portal_app.services.identity import auth
from portal_app.services.money import format_pence
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, leave_for


class HomeState(SessionState):
    accounts: list[dict[str, str]] = []
    loaded: bool = False
    last_sign_in: str = ""

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        now = utcnow()
        settings = get_settings()
        summaries, pending, security = await in_transaction(_home_page, principal, now=now, settings=settings)
        self.accounts = [_card(a, pending.get(a.account_id, 0)) for a in summaries]
        self.last_sign_in = uk_time_words(security.previous_sign_in_at) if security.previous_sign_in_at else ""
        self.loaded = True
        # The balances this device showed, for the offline banner (assets/pwa.js, the account
        # page's mechanism: localStorage, never on a kiosk, gone at sign-out), with when.
        return [on_device("rememberBalance", _seen(card)) for card in self.accounts]

    @resident_only
    @rx.event
    async def not_me(self):
        """'Not you?': end every session, email a reset link, and leave."""
        principal = current_principal()
        await in_transaction(auth.not_me, principal.user_id, now=utcnow(), client_ip=self._client_ip())
        await self._forget_private()
        return leave_for(routes.signed_out_not_me())


def _home_page(
    session, principal, *, now, settings
) -> tuple[list[balances.AccountSummary], dict[int, int], auth.SecuritySummary]:
    """The home page's load, one unit of work: the resident's accounts, what they paid here
    that is not on them yet, and when they last signed in."""
    summaries = summary.home_summaries(session, principal, now=now, settings=settings)
    pending = ledger.pending_totals(session, [a.account_id for a in summaries])
    return summaries, pending, auth.security_summary(session, principal.user_id)


def _card(a: balances.AccountSummary, pending_pence: int = 0) -> dict[str, str]:
    return {
        "pending": (
            f"You paid {format_pence(pending_pence)} online that is not on this account yet (pending). "
            "It is not counted in the balance until it is added, in 3 to 5 working days."
            if pending_pence
            else ""
        ),
        "id": str(a.account_id),
        "label": a.label,
        "address": a.address,
        "reference": a.account_ref,
        "balance": a.balance_display,
        "words": a.balance_words,
        "arrears": "yes" if a.arrears else "",
        "as_at": uk_time_words(a.as_at),
        "last_payment": summary.last_payment_words(a),
        "next_due": summary.next_due_words(a),
        "former": "yes" if a.is_former else "",
    }


def _seen(card: dict[str, str]) -> dict[str, str]:
    """What the offline banner says of an account: the figure as shown, and when it was."""
    return {
        "ref": card["reference"],
        "text": f"{card['label']} {card['reference']}: your balance was {card['balance']} as at {card['as_at']}.",
    }


def _account_card(acc: rx.Var) -> rx.Component:
    return rx.el.section(
        rx.el.h2(acc["label"]),
        rx.el.p(acc["address"], class_name="caption"),
        money.balance(acc["balance"], acc["words"], acc["arrears"] == "yes", acc["as_at"]),
        rx.cond(acc["pending"] != "", rx.el.p(acc["pending"], class_name="inset")),
        rx.el.dl(
            rx.el.div(rx.el.dt("Payment reference"), rx.el.dd(acc["reference"])),
            rx.el.div(rx.el.dt("Last payment"), rx.el.dd(acc["last_payment"])),
            rx.el.div(rx.el.dt("Next due"), rx.el.dd(acc["next_due"])),
            class_name="summary-list",
        ),
        rx.el.ul(
            rx.el.li(
                rx.el.a(
                    "Transactions and balance",
                    rx.el.span(" for ", acc["label"], " ", acc["reference"], class_name="visually-hidden"),
                    href=routes.account(acc["reference"]),
                )
            ),
            rx.el.li(
                rx.el.a(
                    "Statements",
                    rx.el.span(" for ", acc["label"], " ", acc["reference"], class_name="visually-hidden"),
                    href=routes.statement(acc["reference"]),
                )
            ),
            rx.el.li(
                rx.el.a(
                    "Make a payment",
                    rx.el.span(" to ", acc["label"], " ", acc["reference"], class_name="visually-hidden"),
                    href=routes.pay(acc["reference"]),
                )
            ),
            rx.el.li(
                rx.el.a(
                    "Ask us something",
                    rx.el.span(" about ", acc["label"], " ", acc["reference"], class_name="visually-hidden"),
                    href=routes.new_request(account=acc["reference"]),
                )
            ),
            class_name="list",
        ),
        class_name="card",
        aria_label=acc["label"],
    )


@page(routes.HOME, "Your accounts", on_load=HomeState.load)
def home_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1("Your accounts"),
        # The line is there (blank) before the name arrives, so nothing below it moves.
        rx.el.p(
            rx.cond(SessionState.first_name != "", rx.fragment("Hello, ", SessionState.first_name, "."), "\u00a0"),
            class_name="lead",
        ),
        rx.cond(
            HomeState.loaded,
            rx.fragment(
                rx.cond(
                    HomeState.last_sign_in != "",
                    rx.el.div(
                        rx.el.p("You last signed in at ", rx.el.strong(HomeState.last_sign_in), "."),
                        rx.el.p(
                            "Not you? ",
                            rx.el.button(
                                "Sign out everywhere and change your password",
                                type="button",
                                class_name="link-button",
                                on_click=HomeState.not_me,
                            ),
                        ),
                        class_name="notice",
                    ),
                ),
                rx.cond(
                    HomeState.accounts.length() > 0,
                    rx.el.div(rx.foreach(HomeState.accounts, _account_card), class_name="cards"),
                    rx.el.p(
                        f"We cannot show any accounts for you at the moment. Phone {s.landlord_phone} and we will look into it."
                    ),
                ),
                rx.el.p(
                    "Balances come straight from our records. Payments can take up to 3 working days to show.",
                    class_name="caption",
                ),
                rx.el.section(
                    rx.el.h2("Your home"),
                    rx.el.ul(
                        rx.el.li(rx.el.a("Your tenancy and who is on it", href=routes.TENANCY)),
                        rx.el.li(rx.el.a("Letters and documents", href=routes.LETTERS)),
                        rx.el.li(rx.el.a("Your details and how we contact you", href=routes.YOUR_DETAILS)),
                        rx.el.li(rx.el.a("Report a repair", href=routes.NEW_REPAIR)),
                        rx.el.li(rx.el.a("My repairs", href=routes.REPAIRS)),
                        class_name="list",
                    ),
                    class_name="panel",
                    aria_label="Your home",
                ),
                rx.el.section(
                    rx.el.h2("Plan your money"),
                    rx.el.p(
                        "Use the free budget planner to see what comes in and goes out each month. "
                        "It can fill in your rent and service charges for you."
                    ),
                    rx.el.a("Open the budget planner", href=routes.BUDGET),
                    class_name="panel",
                    aria_label="Budget planner",
                ),
            ),
            loading_or_offline(
                "Loading your accounts…", "You're offline. Connect to the internet to see your accounts."
            ),
        ),
        rx.el.p(
            rx.el.a("Statements saved on this device", href=routes.SAVED_STATEMENTS),
            ": open them without a connection.",
            class_name="not-kiosk",
        ),
        install_offer(),
    )
