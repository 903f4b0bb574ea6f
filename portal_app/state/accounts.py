"""The account a resident is looking at, chosen once and kept for the account pages.

A resident with a flat and a garage, or a current and a former tenancy, picks the
account once (seed 000: "manage certain queries in one place"); the account page,
statements and requests then all show that account. The choice arrives from the
browser (``?account=REF``), so it is only ever used through ``_pick``, which looks it
up among the accounts this resident may see and refuses anything else.
"""

from __future__ import annotations

from sqlmodel import Session

from portal_app.clock import uk_today, utcnow
from portal_app.models import Account
from portal_app.services.identity import sessions
from portal_app.services.accounts import balances
from portal_app.settings import get_settings
from portal_app.state.session import SessionState


class AccountChoiceState(SessionState):
    chosen_ref: str = ""
    # [{"ref", "label", "address", "href"}] for the picker
    account_options: list[dict[str, str]] = []
    # True when the browser asked for an account this resident may not see
    refused: bool = False

    def _query(self, name: str) -> str:
        """A query-string value from the page's URL: whatever the browser sent, so only
        ever a key to look up among this resident's own records, never trusted."""
        if not self.router:
            return ""
        return str(self.router.url.query_parameters.get(name, "") or "")[:64]

    def _query_account(self) -> str:
        return self._query("account")

    def _pick(self, s: Session, principal: sessions.Principal, wanted: str | None = None) -> Account | None:
        """The account to show: the one asked for if this resident may see it, else the
        one chosen before, else their first. None (and ``refused``) for another's."""
        settings = get_settings()
        today = uk_today(utcnow())
        visible = balances.visible_accounts(
            s, person_id=principal.person_id, tenancy_id=principal.tenancy_id, today=today,
            allow_former=settings.allow_former_tenants, roles=settings.eligible_roles,
        )
        self.account_options = [
            {"ref": a.account_ref, "label": balances.ACCOUNT_LABELS.get(a.account_type, "Account")}
            for a in visible
        ]
        wanted = (wanted if wanted is not None else self._query_account()).strip()
        self.refused = False
        if wanted:
            found = next((a for a in visible if a.account_ref == wanted), None)
            if found is None:
                self.refused = True
                return None
            self.chosen_ref = found.account_ref
            return found
        found = next((a for a in visible if a.account_ref == self.chosen_ref), None)
        if found is None and visible:
            found = visible[0]
        self.chosen_ref = found.account_ref if found else ""
        return found
