"""The back office's roles, each a set of named permissions (``PERMISSIONS``).

A staff handler names exactly one permission (``@staff_only("...")`` in
``state/access.py``); a role grants a set of them. Least privilege: an income officer
sees a refund's bank details, an administrator does not; only the data protection
officer handles residents' data-rights requests; repairs (``manage_repairs``) are the
repairs officer's and the housing officer's. No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass

# What each permission lets a member of staff do. ``state/access.py`` re-exports this.
PERMISSIONS: dict[str, str] = {
    "manage_requests": "see the requests queue, assign, answer, approve, decline and close residents' requests",
    "view_resident": "look up a resident and see their accounts and requests (each look is audited)",
    "reveal_bank_details": "see the bank details a resident gave for a refund, when assigned to it (audited)",
    "unlock_accounts": (
        "help a resident with their sign-in: clear sign-in waits, resend a verification email, "
        "sign them out everywhere, disable and re-enable their account"
    ),
    "raise_on_behalf": "raise a request for a resident who asks by phone or in person (marked as raised by you)",
    "manage_registration": "pause and resume new sign-ups, and see the waiting list",
    "handle_data_requests": "answer residents' data-rights requests (access, correction, erasure)",
    "view_audit": "search and export the audit log",
    "import_records": "upload the landlord's data feed and see the history of imports",
    "administer": "create staff accounts, change their roles, disable them",
    "manage_repairs": (
        "see the repairs queue, change a repair's priority and status, add notes, record Awaab's Law steps"
    ),
}

INCOME_OFFICER = "income_officer"
HOUSING_OFFICER = "housing_officer"
LEASEHOLD_OFFICER = "leasehold_officer"
DATA_PROTECTION_OFFICER = "data_protection_officer"
ADMINISTRATOR = "administrator"
REPAIRS_OFFICER = "repairs_officer"


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    permissions: frozenset[str]


_OFFICER = frozenset({"manage_requests", "view_resident", "unlock_accounts", "raise_on_behalf"})

ROLES: dict[str, Role] = {
    INCOME_OFFICER: Role(INCOME_OFFICER, "Income officer", _OFFICER | {"reveal_bank_details"}),
    # A housing officer deals with the home as well as the tenancy: its repairs too.
    HOUSING_OFFICER: Role(HOUSING_OFFICER, "Housing officer", _OFFICER | {"manage_repairs"}),
    LEASEHOLD_OFFICER: Role(LEASEHOLD_OFFICER, "Leasehold officer", _OFFICER | {"reveal_bank_details"}),
    DATA_PROTECTION_OFFICER: Role(
        DATA_PROTECTION_OFFICER,
        "Data protection officer",
        frozenset({"manage_requests", "view_resident", "handle_data_requests", "view_audit"}),
    ),
    # Repairs only: the repairs queue, and looking up the resident whose home it is.
    REPAIRS_OFFICER: Role(REPAIRS_OFFICER, "Repairs officer", frozenset({"manage_repairs", "view_resident"})),
    ADMINISTRATOR: Role(
        ADMINISTRATOR,
        "Administrator",
        # Not the residents' side: helping a resident starts with looking them up
        # (view_resident), which is the officers' work, so the helps are theirs too.
        frozenset({"administer", "manage_registration", "view_audit", "import_records"}),
    ),
}


def permissions_of(role: str) -> frozenset[str]:
    """The permissions ``role`` grants (none for an unknown role)."""
    found = ROLES.get(role)
    return found.permissions if found else frozenset()


def role_label(role: str) -> str:
    found = ROLES.get(role)
    return found.label if found else role


__all__ = [
    "ADMINISTRATOR",
    "DATA_PROTECTION_OFFICER",
    "HOUSING_OFFICER",
    "INCOME_OFFICER",
    "LEASEHOLD_OFFICER",
    "PERMISSIONS",
    "REPAIRS_OFFICER",
    "ROLES",
    "Role",
    "permissions_of",
    "role_label",
]
