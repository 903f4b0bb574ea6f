"""The account a resident is looking at, chosen once and kept for the account pages.

A resident with a flat and a garage, or a current and a former tenancy, picks the
account once; the account page, statements and requests then all show that account.
Which account they may see is decided by ``services/accounts/access.py``; this state
keeps only what the pages show of that decision: the picker's ``account_options``, the
``chosen_ref`` and whether the browser's ``?account=REF`` was ``refused``.
"""

from __future__ import annotations

from portal_app.services.accounts.access import AccountChoice, ChosenAccount
from portal_app.state.session import SessionState


class AccountChoiceState(SessionState):
    chosen_ref: str = ""
    # [{"ref", "label"}] for the picker
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

    def _wanted(self, wanted: str | None = None) -> str:
        """The account reference to ask the access rule for: ``wanted``, else the page's ``?account=``."""
        return wanted if wanted is not None else self._query_account()

    def _take(self, choice: AccountChoice) -> ChosenAccount | None:
        """Show what the access rule decided; the account to show, or None. A refused
        account leaves the account chosen before as it was."""
        self.account_options = [{"ref": o.ref, "label": o.label} for o in choice.options]
        self.refused = choice.refused
        if not choice.refused:
            self.chosen_ref = choice.chosen_ref
        return choice.account
