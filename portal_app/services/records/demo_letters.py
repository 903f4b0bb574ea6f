"""The demo landlord's letters and documents (documents.csv and its PDFs) and a transfer
application (transfer_applications.csv), for the fixed demo residents (docs/tenancy-feed.md).

``demo_documents(demo, out, today)`` gives the rows and the PDFs: a tenancy agreement (a lease
for the leaseholder) for each demo home, the rent letter of this rent year for the secure
tenancies, a letter for one joint tenant only (Universal Credit, to Tomasz Nowak), and the
leaseholder's service charge estimate; ``demo_transfer_applications`` a transfer application
for Margaret O'Connor (a two-bedroom flat in a tower, asking for a one-bedroom home).

The PDFs are small, real PDFs made with fpdf2 (as statements are), with a fixed creation date,
so the same seed and day give byte-identical files. No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fpdf import FPDF

LANDLORD = "Northbrook Homes"
LANDLORD_ADDRESS = "Northbrook Homes, Civic Centre, Market Square, Northbrook NB1 1AA"


@dataclass(frozen=True)
class DemoDocument:
    row: list[str]  # documents.csv's columns, in COLUMNS order
    file: str  # beside the CSV files
    pdf: bytes


def _words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _pdf(title: str, issued: date, to: str, address: list[str], paragraphs: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, 9, tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_author(LANDLORD)
    pdf.set_lang("en-GB")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 8, LANDLORD, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 5, LANDLORD_ADDRESS, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 11)
    for line in [to, *address]:
        pdf.cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 5.5, _words(issued), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 11)
    for text in paragraphs:
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(4)
    pdf.multi_cell(0, 5.5, f"Yours sincerely,\n\n{LANDLORD}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _rent_year_start(today: date) -> date:
    """The Monday on or after 1 April of the rent year ``today`` is in."""
    year = today.year
    while True:
        first = date(year, 4, 1)
        start = first + timedelta(days=(7 - first.weekday()) % 7)
        if start <= today:
            return start
        year -= 1


def demo_documents(demo, out: dict[str, list[list[str]]], today: date) -> list[DemoDocument]:
    """The demo residents' letters and documents. ``demo``: the feed's DemoResident list;
    ``out``: the feed's rows so far (for addresses and start dates)."""
    tenancies = {row[0]: row for row in out["tenancies.csv"]}
    homes = {row[0]: row for row in out["properties.csv"]}
    by_tenancy: dict[str, list] = {}
    for resident in demo:
        by_tenancy.setdefault(resident.tenancy_ref, []).append(resident)
    docs: list[DemoDocument] = []
    rent_from = _rent_year_start(today)

    def add(ref: str, tenancy_ref: str, kind: str, title: str, issued: date, paragraphs: list[str], person=None):
        people = [person] if person else [r for r in by_tenancy[tenancy_ref] if r.role != "household_member"]
        to = " and ".join(r.name for r in people)
        home = homes[tenancies[tenancy_ref][1]]
        address = [part for part in home[2:5] if part] + [f"{home[5]} {home[6]}"]
        file = f"{ref}.pdf"
        row = [ref, tenancy_ref, person.person_ref if person else "", kind, title, issued.isoformat(), file]
        docs.append(DemoDocument(row, file, _pdf(title, issued, to, address, paragraphs)))

    def agreement(tenancy_ref: str, lease: bool = False) -> None:
        start = date.fromisoformat(tenancies[tenancy_ref][3])
        what = "lease" if lease else "tenancy agreement"
        add(
            f"DOC-{tenancy_ref}-AGREEMENT",
            tenancy_ref,
            "tenancy_agreement",
            "Your lease" if lease else "Your tenancy agreement",
            start,
            [
                f"This is your {what} with {LANDLORD}, starting on {_words(start)}, reference {tenancy_ref}.",
                "It says what we agree to do as your landlord and what you agree to do: paying your "
                + ("service charges" if lease else "rent")
                + " on time, looking after your home, being a good neighbour, and asking us first before "
                "some changes to your home.",
                "Keep this copy safe. You can download it again from your online account at any time.",
            ],
        )

    def rent_letter(tenancy_ref: str) -> None:
        add(
            f"DOC-{tenancy_ref}-RENT-{rent_from.year}",
            tenancy_ref,
            "letter",
            f"Your rent from {_words(rent_from)}",
            rent_from - timedelta(days=35),
            [
                f"Your rent and service charges change on {_words(rent_from)}, as they do each April. "
                "The new weekly amounts are shown in your online account under Your tenancy.",
                "If you pay by Direct Debit, we will change the amount for you. If you pay by standing order, "
                "please change it with your bank. If you get Housing Benefit or Universal Credit, tell them "
                "about the new amount.",
                "If you are worried about paying, contact your income officer as soon as you can.",
            ],
        )

    if "TEN100001" in by_tenancy:
        agreement("TEN100001")
        rent_letter("TEN100001")
    if "TEN100002" in by_tenancy:
        agreement("TEN100002")
        rent_letter("TEN100002")
        tomasz = next((r for r in by_tenancy["TEN100002"] if r.role == "lead_tenant"), None)
        if tomasz is not None:
            add(
                "DOC-TEN100002-UC",
                "TEN100002",
                "letter",
                "Universal Credit: your housing costs",
                rent_from - timedelta(days=21),
                [
                    "We have confirmed your new rent to the Department for Work and Pensions for your Universal "
                    "Credit claim, and they pay your housing costs to us directly.",
                    "This letter is for you as the person claiming. Keep it with your claim papers.",
                ],
                person=tomasz,
            )
    if "TEN100003" in by_tenancy:
        agreement("TEN100003")
    if "SC100005" in by_tenancy:
        agreement("SC100005", lease=True)
        estimate_from = date(rent_from.year, 4, 1)
        add(
            f"DOC-SC100005-ESTIMATE-{estimate_from.year}",
            "SC100005",
            "statement",
            f"Your service charge estimate for {estimate_from.year}/{str(estimate_from.year + 1)[-2:]}",
            estimate_from - timedelta(days=30),
            [
                f"This is our estimate of your service charges for the year from {_words(estimate_from)}: "
                "caretaking, cleaning, communal electricity, door entry and your share of the building's insurance.",
                "Your monthly payments are shown in your online account. After the year ends we send you the "
                "actual costs, and any difference is credited or charged to your account.",
            ],
        )
    if "TEN100006" in by_tenancy:
        agreement("TEN100006")
        rent_letter("TEN100006")
    return docs


def demo_transfer_applications(demo, today: date) -> list[list[str]]:
    """transfer_applications.csv: Margaret O'Connor (TEN100006) asks for a one-bedroom home."""
    if not any(r.tenancy_ref == "TEN100006" for r in demo):
        return []
    return [
        [
            "HR-2025-0412",
            "TEN100006",
            "Band C",
            (today - timedelta(days=420)).isoformat(),
            "active",
            "1",
            (today - timedelta(days=30)).isoformat(),
        ]
    ]


__all__ = ["DemoDocument", "demo_documents", "demo_transfer_applications"]
