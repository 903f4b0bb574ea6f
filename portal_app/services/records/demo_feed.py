"""A realistic demo landlord, "Northbrook Homes", written as a data feed.

``write_demo_feed(folder)`` writes the CSV files of the import format
(../shared/import-format.md) for a fictional landlord in the fictional town of
Northbrook, and the portal loads them through the same importer as a real feed.
Everything comes from ``random.Random(seed)`` and ``today``: the same seed and day
give byte-identical files.

What is in it:
- a handful of fixed demo residents at the start (``DEMO_RESIDENTS``, listed in the
  README), then ``tenancies`` in all (default 2,200) across every tenure;
- joint tenancies, household members and occupants, former (ended) tenancies,
  residents with a flat and a garage, leaseholders with service charge and major
  works accounts, shared owners paying monthly;
- weekly rent charged on Mondays with four rent-free weeks a year (two at Christmas,
  two at the end of August) and service charges for flats in blocks; rents near
  £114 a week in 2025/26, rising each April as social rents did (including the four
  1% cuts from 2016 and CPI+1% since 2020);
- Housing Benefit credited weekly, Universal Credit housing costs paid direct monthly,
  Direct Debits (some returned unpaid), standing orders, card, PayPoint, Post Office,
  bank transfer, and in early years cash and cheque payments;
- balances that mostly sit near clear, with some arrears of a few hundred pounds, a
  few large arrears (with court costs), and some accounts in credit.

People's email addresses are at example.com / example.org, and mobile numbers are in
the Ofcom range kept for drama (07700 900000 to 07700 900999). No reflex import here.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

LANDLORD = "Northbrook Homes"
TOWN = "Northbrook"
DEFAULT_SEED = 20261122
DEFAULT_TODAY = date(2026, 11, 22)
RECORDS_START = date(2006, 4, 3)  # the first Monday of the landlord's records (and of rent year 2006/07)

COLUMNS: dict[str, tuple[str, ...]] = {
    "properties.csv": (
        "property_ref",
        "uprn",
        "address_line_1",
        "address_line_2",
        "address_line_3",
        "town",
        "postcode",
        "property_type",
        "bedrooms",
    ),
    "people.csv": ("person_ref", "title", "first_name", "last_name", "date_of_birth", "email", "mobile"),
    "officers.csv": ("officer_ref", "name", "role", "email", "phone"),
    "tenancies.csv": (
        "tenancy_ref",
        "property_ref",
        "tenure",
        "start_date",
        "end_date",
        "rent_frequency",
        "rent_free_weeks",
        "income_officer_ref",
        "housing_officer_ref",
        "leasehold_officer_ref",
        "notice_end_day",
    ),
    "tenancy_parties.csv": ("tenancy_ref", "person_ref", "role", "start_date", "end_date"),
    "accounts.csv": ("account_ref", "tenancy_ref", "account_type", "opened_on", "closed_on"),
    "charges.csv": (
        "account_ref",
        "charge_code",
        "description",
        "amount",
        "frequency",
        "benefit_eligible",
        "effective_from",
        "effective_to",
    ),
    "transactions.csv": (
        "transaction_ref",
        "account_ref",
        "posted_on",
        "week_commencing",
        "type",
        "description",
        "amount",
        "method",
    ),
    # The demo residents' letters (PDFs beside the CSV files) and a transfer application:
    # demo_letters.py, docs/tenancy-feed.md.
    "documents.csv": ("document_ref", "tenancy_ref", "person_ref", "kind", "title", "issued_on", "file"),
    "transfer_applications.csv": (
        "application_ref",
        "tenancy_ref",
        "band",
        "effective_date",
        "status",
        "bedrooms_needed",
        "updated_on",
    ),
}


@dataclass(frozen=True)
class DemoResident:
    name: str
    person_ref: str
    tenancy_ref: str
    role: str
    date_of_birth: date
    case: str
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class DemoSummary:
    folder: Path
    seed: int
    today: date
    landlord: str
    rows: dict[str, int]
    demo_residents: list[DemoResident]

    @property
    def tenancies(self) -> int:
        return self.rows.get("tenancies.csv", 0)

    @property
    def transactions(self) -> int:
        return self.rows.get("transactions.csv", 0)


# ---------------------------------------------------------------------------
# Calendar and money helpers
# ---------------------------------------------------------------------------

DAY = timedelta(days=1)
WEEK = timedelta(days=7)

# Rent increase applied at the start of each rent year, in basis points (social rents
# in England: RPI-based convergence to 2015, four 1% cuts 2016-2019, CPI+1% since 2020,
# the 7% ceiling in 2023). Later years default to 3%.
RENT_INCREASE_BP = {
    2007: 500,
    2008: 620,
    2009: 310,
    2010: 150,
    2011: 680,
    2012: 600,
    2013: 420,
    2014: 380,
    2015: 220,
    2016: -100,
    2017: -100,
    2018: -100,
    2019: -100,
    2020: 270,
    2021: 150,
    2022: 410,
    2023: 700,
    2024: 770,
    2025: 270,
    2026: 480,
}


def monday_on_or_before(d: date) -> date:
    return d - timedelta(days=d.weekday())


def monday_on_or_after(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7)


_YEAR_STARTS = {y: monday_on_or_after(date(y, 4, 1)) for y in range(1990, 2200)}


def rent_year_start(year: int) -> date:
    """Rent years start on the first Monday in April."""
    return _YEAR_STARTS[year]


def rent_year_of(d: date) -> int:
    return d.year if d >= _YEAR_STARTS[d.year] else d.year - 1


def rent_free_mondays(year: int) -> list[date]:
    """The four rent-free weeks of rent year ``year``: the last two weeks of August and
    the weeks of Christmas and New Year."""
    august = monday_on_or_before(date(year, 8, 31))
    christmas = monday_on_or_before(date(year, 12, 25))
    return [august - WEEK, august, christmas, christmas + WEEK]


_RENT_FREE: set[date] = set()
for _y in range(2000, 2100):
    _RENT_FREE.update(rent_free_mondays(_y))


def charged_weeks(year: int, rent_free: bool) -> int:
    """Mondays in rent year ``year`` on which rent is charged."""
    first, after = rent_year_start(year), rent_year_start(year + 1)
    weeks = (after - first).days // 7
    if rent_free:
        weeks -= sum(1 for d in rent_free_mondays(year) if first <= d < after)
    return weeks


def working_day(d: date) -> date:
    """Banks collect and credit on weekdays: a Saturday or Sunday moves to Monday."""
    return d + timedelta(days=(7 - d.weekday()) % 7) if d.weekday() >= 5 else d


def levels_from_2025(amount_2025: int, last_year: int) -> dict[int, int]:
    """A weekly amount set for rent year 2025/26, carried back to 2006 and forward."""
    out = {2025: amount_2025}
    value = amount_2025
    for year in range(2025, 2005, -1):
        bp = RENT_INCREASE_BP.get(year, 300)
        value = (value * 10000 + (10000 + bp) // 2) // (10000 + bp)
        out[year - 1] = value
    value = amount_2025
    for year in range(2026, last_year + 2):
        bp = RENT_INCREASE_BP.get(year, 300)
        value = (value * (10000 + bp) + 5000) // 10000
        out[year] = value
    return out


_POUNDS: dict[int, str] = {}


def pounds(pence: int) -> str:
    text = _POUNDS.get(pence)
    if text is None:
        p = abs(pence)
        text = f"{'-' if pence < 0 else ''}{p // 100}.{p % 100:02d}"
        if len(_POUNDS) < 200_000:
            _POUNDS[pence] = text
    return text


def _div(a: int, b: int) -> int:
    """a / b rounded half away from zero, in integers."""
    q, r = divmod(abs(a), b)
    if 2 * r >= b:
        q += 1
    return q if a >= 0 else -q


# ---------------------------------------------------------------------------
# Names and places
# ---------------------------------------------------------------------------

FEMALE = (
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Grace",
    "Sophie",
    "Emily",
    "Chloe",
    "Jessica",
    "Hannah",
    "Lucy",
    "Sarah",
    "Emma",
    "Rebecca",
    "Laura",
    "Rachel",
    "Claire",
    "Karen",
    "Julie",
    "Susan",
    "Linda",
    "Patricia",
    "Margaret",
    "Jean",
    "Maureen",
    "Brenda",
    "Sandra",
    "Tracey",
    "Nicola",
    "Kelly",
    "Leanne",
    "Danielle",
    "Aisha",
    "Fatima",
    "Amina",
    "Zainab",
    "Maryam",
    "Nadia",
    "Yasmin",
    "Priya",
    "Anjali",
    "Sunita",
    "Kavita",
    "Mei",
    "Lin",
    "Ngozi",
    "Chiamaka",
    "Adaeze",
    "Abena",
    "Grace",
    "Precious",
    "Joanna",
    "Katarzyna",
    "Magdalena",
    "Oksana",
    "Elena",
    "Ioana",
    "Sofia",
    "Maria",
    "Ana",
    "Bridget",
    "Siobhan",
    "Niamh",
    "Catherine",
    "Eileen",
    "Shirley",
    "Pauline",
    "Joan",
    "Doreen",
    "Valerie",
    "Beverley",
    "Marcia",
    "Janet",
    "Hazel",
    "Carol",
)
MALE = (
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Charlie",
    "Thomas",
    "James",
    "William",
    "Daniel",
    "Matthew",
    "Ryan",
    "Liam",
    "Connor",
    "Jordan",
    "Callum",
    "Lewis",
    "David",
    "Paul",
    "Mark",
    "Stephen",
    "Andrew",
    "Michael",
    "Peter",
    "John",
    "Robert",
    "Brian",
    "Kenneth",
    "Derek",
    "Gary",
    "Wayne",
    "Darren",
    "Mohammed",
    "Ahmed",
    "Ali",
    "Omar",
    "Hassan",
    "Yusuf",
    "Imran",
    "Tariq",
    "Rajesh",
    "Sanjay",
    "Arjun",
    "Vikram",
    "Wei",
    "Jun",
    "Chinedu",
    "Emeka",
    "Kwame",
    "Kofi",
    "Tunde",
    "Piotr",
    "Tomasz",
    "Marek",
    "Andrei",
    "Mihai",
    "Dmytro",
    "Luca",
    "Marco",
    "Jose",
    "Sean",
    "Patrick",
    "Declan",
    "Ciaran",
    "Desmond",
    "Winston",
    "Clifton",
    "Delroy",
    "Trevor",
    "Keith",
    "Roy",
    "Frank",
    "Alan",
    "Graham",
)
SURNAMES = (
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Ahmed",
    "Hussain",
    "Ali",
    "Rahman",
    "Akhtar",
    "Shah",
    "Sharma",
    "Kaur",
    "Chowdhury",
    "Okafor",
    "Okoro",
    "Adeyemi",
    "Mensah",
    "Owusu",
    "Asante",
    "Campbell",
    "Grant",
    "Francis",
    "Henry",
    "Nowak",
    "Kowalski",
    "Wisniewski",
    "Popescu",
    "Ionescu",
    "Kovalenko",
    "Rossi",
    "Silva",
    "Santos",
    "O'Brien",
    "O'Connor",
    "Byrne",
    "Doyle",
    "McCarthy",
    "Gallagher",
    "Chen",
    "Wang",
    "Li",
    "Nguyen",
    "Yilmaz",
    "Demir",
    "Hassan",
    "Ibrahim",
    "Mohamed",
    "Abdi",
    "Warsame",
    "Fletcher",
    "Holmes",
    "Lloyd",
    "Stevens",
    "Pearson",
    "Dixon",
    "Hunt",
    "Palmer",
    "Mason",
    "Knight",
    "Butler",
    "Barnes",
    "Fisher",
    "Stone",
)
TREES = (
    "Elm",
    "Beech",
    "Rowan",
    "Hawthorn",
    "Willow",
    "Alder",
    "Maple",
    "Cedar",
    "Juniper",
    "Larch",
    "Hazel",
    "Aspen",
    "Birch",
    "Poplar",
    "Sycamore",
    "Chestnut",
    "Holly",
    "Laurel",
    "Linden",
    "Yew",
    "Ash",
    "Hornbeam",
    "Walnut",
    "Damson",
)
BLOCK_KINDS = ("Court", "House", "Tower", "Lodge", "Gardens")
STREETS = (
    "Station Road",
    "Mill Lane",
    "Church Street",
    "Brook Road",
    "Northgate",
    "Victoria Road",
    "Albert Street",
    "Queens Road",
    "Park Avenue",
    "Meadow Way",
    "Orchard Close",
    "Riverside Walk",
    "Kingfisher Drive",
    "Heron Way",
    "Canal Street",
    "Market Street",
    "Chapel Lane",
    "Foundry Road",
    "Weavers Row",
    "Ropewalk",
    "Tannery Lane",
    "Bridge Street",
    "Castle Street",
    "Greenfield Road",
    "Hillside Crescent",
    "Valley Road",
    "Moor Lane",
    "Brookside",
    "Beckett Close",
    "Nightingale Road",
    "Lark Rise",
    "Swallow Close",
    "Wren Gardens",
    "Linnet Way",
    "Sparrow Lane",
    "Thrush Avenue",
    "Coronation Street",
    "Jubilee Way",
    "Spinners Way",
    "Ironworks Road",
    "Cooperage Lane",
    "Lock Keepers Way",
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

SERVICES = (
    # code, description, 2025/26 weekly range in pence, benefit eligible
    ("caretaking", "Caretaking", (320, 580), True),
    ("cleaning", "Communal cleaning", (210, 450), True),
    ("communal_electricity", "Communal electricity", (90, 240), True),
    ("door_entry", "Door entry system", (40, 110), True),
    ("grounds", "Grounds maintenance", (60, 180), True),
    ("lift", "Lift maintenance", (120, 350), True),
    ("water", "Water and sewerage charges", (380, 520), False),
    ("heating", "Communal heating", (800, 1400), False),
)


@dataclass
class _Block:
    name: str
    street: str
    district: int
    postcode: str
    capacity: int
    services: list[tuple[str, str, int, bool]]  # code, description, 2025 weekly pence, eligible
    flats: int = 0
    garages: int = 0
    garage_postcode: str = ""


@dataclass
class _Street:
    name: str
    district: int
    numbers: int = 0
    postcodes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# The ledger of one account
# ---------------------------------------------------------------------------


class _Ledger:
    __slots__ = ("ref", "rows")

    def __init__(self, ref: str):
        self.ref = ref
        # [posted_on, week_commencing, type, description, pence, method]
        self.rows: list[list] = []

    def post(
        self, day: date, kind: str, description: str, pence: int, method: str | None = None, week: date | None = None
    ) -> None:
        if pence:
            self.rows.append([day, week, kind, description, pence, method])

    @property
    def balance(self) -> int:
        return sum(r[4] for r in self.rows)

    def sort(self) -> None:
        # by day, charges before credits on the same day, then as posted (the sort is stable)
        self.rows.sort(key=lambda r: (r[0], r[4] < 0))


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


@dataclass
class _Tenancy:
    ref: str
    property_ref: str
    tenure: str
    start: date
    end: date | None
    frequency: str = "weekly"
    rent_free: bool = True
    income_officer: str = ""
    housing_officer: str = ""
    leasehold_officer: str = ""
    block: _Block | None = None
    bedrooms: int = 1


class _Generator:
    def __init__(self, seed: int, today: date, tenancies: int):
        self.rng = random.Random(seed)
        self.today = today
        self.target = tenancies
        self.last_year = rent_year_of(today) + 1
        self.out: dict[str, list[list[str]]] = {name: [] for name in COLUMNS}
        self.ledgers: list[_Ledger] = []
        self.n_property = 100000
        self.n_person = 100000
        self.n_tenancy = 100000
        self.blocks: list[_Block] = []
        self.streets: list[_Street] = []
        self.garage_blocks: list[_Block] = []
        self.postcodes: set[str] = set()
        self.uprns: set[str] = set()
        self.used_emails: set[str] = set()
        pool = list(range(10, 1000))
        self.rng.shuffle(pool)
        self.mobile_pool = pool
        self.demo: list[DemoResident] = []
        self.current_flat_leads: list[tuple[_Tenancy, str]] = []  # for garages held by residents
        self.officers: dict[str, list[str]] = {}

    # -- identifiers ---------------------------------------------------------

    def next_property(self) -> str:
        self.n_property += 1
        return f"PRP{self.n_property}"

    def next_person(self) -> str:
        self.n_person += 1
        return f"PER{self.n_person}"

    def next_tenancy_number(self) -> int:
        self.n_tenancy += 1
        return self.n_tenancy

    # -- places ---------------------------------------------------------------

    def new_postcode(self, district: int) -> str:
        rng = self.rng
        while True:
            code = f"NB{district} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
            if code not in self.postcodes:
                self.postcodes.add(code)
                return code

    def new_uprn(self) -> str:
        while True:
            value = f"10002{self.rng.randint(0, 9_999_999):07d}"
            if value not in self.uprns:
                self.uprns.add(value)
                return value

    def new_block(self) -> _Block:
        rng = self.rng
        used = {b.name for b in self.blocks}
        while True:
            kind = rng.choice(BLOCK_KINDS)
            name = f"{rng.choice(TREES)} {kind}"
            if name not in used:
                break
        district = rng.randint(1, 7)
        tall = kind == "Tower"
        capacity = rng.randint(60, 96) if tall else rng.randint(12, 40)
        services = []
        for code, description, (low, high), eligible in SERVICES:
            chance = {
                "caretaking": 0.8,
                "cleaning": 0.9,
                "communal_electricity": 0.95,
                "door_entry": 0.7,
                "grounds": 0.6,
                "lift": 1.0 if tall else 0.15,
                "water": 0.3,
                "heating": 0.15,
            }[code]
            if rng.random() < chance:
                services.append((code, description, rng.randint(low, high), eligible))
        block = _Block(name, rng.choice(STREETS), district, self.new_postcode(district), capacity, services)
        self.blocks.append(block)
        return block

    def flat_address(self) -> tuple[_Block, list[str]]:
        open_blocks = [b for b in self.blocks if b.flats < b.capacity]
        if not open_blocks or self.rng.random() < 0.04:
            block = self.new_block()
        else:
            block = self.rng.choice(open_blocks)
        block.flats += 1
        return block, [f"Flat {block.flats}", block.name, block.street, block.postcode]

    def street_address(self) -> list[str]:
        rng = self.rng
        open_streets = [s for s in self.streets if s.numbers < 90]
        if not open_streets or rng.random() < 0.05:
            taken = {s.name for s in self.streets}
            free = [n for n in STREETS if n not in taken]
            name = rng.choice(free) if free else f"{rng.choice(TREES)} {rng.choice(('Close', 'Grove', 'Mews'))}"
            if name in taken:
                name = f"{name} {len(self.streets)}"
            street = _Street(name, rng.randint(1, 7))
            self.streets.append(street)
        else:
            street = rng.choice(open_streets)
        street.numbers += rng.randint(1, 3)
        if street.numbers // 20 >= len(street.postcodes):
            street.postcodes.append(self.new_postcode(street.district))
        return [f"{street.numbers} {street.name}", "", "", street.postcodes[street.numbers // 20]]

    def add_property(
        self, lines: list[str], kind: str, bedrooms: int | None, *, uprn: bool = True, postcode_style: int = 0
    ) -> str:
        ref = self.next_property()
        postcode = lines[3]
        if postcode_style == 1:
            postcode = postcode.lower()
        elif postcode_style == 2:
            postcode = postcode.replace(" ", "")
        self.out["properties.csv"].append(
            [
                ref,
                self.new_uprn() if uprn else "",
                lines[0],
                lines[1],
                lines[2],
                TOWN,
                postcode,
                kind,
                "" if bedrooms is None else str(bedrooms),
            ]
        )
        return ref

    def new_home(self, *, kind: str | None = None, bedrooms: int | None = None) -> tuple[str, _Block | None, int]:
        rng = self.rng
        if kind is None:
            kind = rng.choices(("flat", "house", "maisonette", "bedsit", "bungalow"), (52, 30, 8, 4, 6))[0]
        if bedrooms is None:
            bedrooms = {
                "flat": rng.choices((1, 2, 3), (45, 45, 10))[0],
                "house": rng.choices((2, 3, 4, 5), (30, 55, 13, 2))[0],
                "maisonette": rng.choice((2, 3)),
                "bedsit": 0,
                "bungalow": rng.choice((1, 1, 2)),
            }[kind]
        style = rng.choices((0, 1, 2), (94, 3, 3))[0]
        if kind in ("flat", "maisonette", "bedsit"):
            block, lines = self.flat_address()
            return self.add_property(lines, kind, bedrooms, postcode_style=style), block, bedrooms
        return self.add_property(self.street_address(), kind, bedrooms, postcode_style=style), None, bedrooms

    def new_garage(self) -> str:
        rng = self.rng
        open_blocks = [b for b in self.garage_blocks if b.garages < 24]
        if not open_blocks or rng.random() < 0.05:
            host = rng.choice(self.blocks) if self.blocks and rng.random() < 0.7 else None
            if host is None:
                street = rng.choice(STREETS)
                district = rng.randint(1, 7)
                block = _Block(f"Garages off {street}", street, district, self.new_postcode(district), 24, [])
            else:
                block = _Block(f"Garages rear of {host.name}", host.street, host.district, host.postcode, 24, [])
            self.garage_blocks.append(block)
        else:
            block = rng.choice(open_blocks)
        block.garages += 1
        lines = [f"Garage {block.garages}", block.name, block.street if "rear of" in block.name else "", block.postcode]
        return self.add_property(lines, "garage", None, uprn=rng.random() < 0.7)

    # -- people ---------------------------------------------------------------

    def email_for(self, first: str, last: str) -> str:
        base = re.sub(r"[^a-z]", "", first.lower()) + "." + re.sub(r"[^a-z]", "", last.lower())
        while True:
            domain = self.rng.choice(("example.com", "example.org"))
            address = f"{base}{self.rng.randint(1, 9999)}@{domain}"
            if address not in self.used_emails:
                self.used_emails.add(address)
                return address

    def mobile_text(self, number: int) -> str:
        style = self.rng.choices((0, 1, 2, 3), (70, 15, 10, 5))[0]
        if style == 0:
            return f"07700 900{number:03d}"
        if style == 1:
            return f"07700900{number:03d}"
        if style == 2:
            return f"+44 7700 900{number:03d}"
        return f"+44 (0)7700 900 {number:03d}"

    def add_person(
        self,
        *,
        sex: str | None = None,
        last: str | None = None,
        born: date | None,
        email: bool | str | None = None,
        mobile: bool | str | None = None,
        first: str | None = None,
        title: str | None = None,
        ref: str | None = None,
    ) -> tuple[str, str, str]:
        rng = self.rng
        sex = sex or rng.choice("FM")
        first = first or rng.choice(FEMALE if sex == "F" else MALE)
        last = last or rng.choice(SURNAMES)
        ref = ref or self.next_person()
        if title is None:
            adult = born is None or (self.today - born).days >= 18 * 365
            if not adult:
                title = ""
            elif sex == "F":
                title = rng.choices(("Ms", "Mrs", "Miss", "Dr", "Mx"), (40, 35, 20, 2, 3))[0]
            else:
                title = rng.choices(("Mr", "Dr", "Mx"), (95, 2, 3))[0]
        if email is True:
            email = self.email_for(first, last)
        if mobile is True:
            mobile = self.mobile_text(self.mobile_pool.pop()) if self.mobile_pool else None
        self.out["people.csv"].append(
            [ref, title, first, last, born.isoformat() if born else "", email or "", mobile or ""]
        )
        return ref, first, last

    def born_for_age(self, at: date, low: int, high: int) -> date:
        age_days = self.rng.randint(low * 365 + 10, high * 365 + 300)
        return at - timedelta(days=age_days)

    def contact_chances(self, person_born: date | None) -> tuple[bool, bool]:
        age = (self.today - person_born).days // 365 if person_born else 50
        p_email = 0.75 if age < 60 else 0.4
        return self.rng.random() < p_email, self.rng.random() < (0.3 if age < 70 else 0.1)

    # -- records ---------------------------------------------------------------

    def add_tenancy(self, t: _Tenancy, rent_free_list: list[date]) -> None:
        self.out["tenancies.csv"].append(
            [
                t.ref,
                t.property_ref,
                t.tenure,
                t.start.isoformat(),
                t.end.isoformat() if t.end else "",
                t.frequency,
                ";".join(d.isoformat() for d in rent_free_list),
                t.income_officer,
                t.housing_officer,
                t.leasehold_officer,
                "",  # notice_end_day: the landlord's default (NOTICE_END_DAY)
            ]
        )

    def add_party(
        self, t: _Tenancy, person: str, role: str, start: date | None = None, end: date | None = None
    ) -> None:
        start = start or t.start
        end = end or t.end
        self.out["tenancy_parties.csv"].append(
            [t.ref, person, role, start.isoformat() if start else "", end.isoformat() if end else ""]
        )

    def add_account(self, ref: str, t: _Tenancy, kind: str, opened: date, closed: date | None) -> _Ledger:
        self.out["accounts.csv"].append([ref, t.ref, kind, opened.isoformat(), closed.isoformat() if closed else ""])
        ledger = _Ledger(ref)
        self.ledgers.append(ledger)
        return ledger

    def add_charge(
        self,
        account: str,
        code: str,
        description: str,
        pence: int,
        frequency: str,
        eligible: bool | None,
        start: date,
        end: date | None,
    ) -> None:
        self.out["charges.csv"].append(
            [
                account,
                code,
                description,
                pounds(pence),
                frequency,
                "" if eligible is None else ("true" if eligible else "false"),
                start.isoformat(),
                end.isoformat() if end else "",
            ]
        )

    def rent_free_for(self, t: _Tenancy) -> list[date]:
        if not t.rent_free:
            return []
        last = t.end or rent_year_start(self.last_year + 1) - DAY
        first = t.start
        return [
            d
            for y in range(rent_year_of(first), rent_year_of(last) + 1)
            for d in rent_free_mondays(y)
            if first <= d <= last
        ]

    def officers_for(self, t: _Tenancy) -> None:
        rng = self.rng
        if t.tenure in ("leasehold", "shared_ownership"):
            t.income_officer = self.officers["leasehold_officer"][0]
            t.leasehold_officer = self.officers["leasehold_officer"][0]
        else:
            t.income_officer = rng.choice(self.officers["income_officer"])
        t.housing_officer = rng.choice(self.officers["housing_officer"])

    def add_officers(self) -> None:
        team = [
            ("OFF001", "Rachel Adeyemi", "income_officer", "0300 123 4581"),
            ("OFF002", "Gareth Pugh", "income_officer", "0300 123 4582"),
            ("OFF003", "Sabrina Khan", "income_officer", "0300 123 4583"),
            ("OFF004", "Tom Whitaker", "income_officer", "0300 123 4584"),
            ("OFF011", "Helen Marsh", "housing_officer", "0300 123 4591"),
            ("OFF012", "Dev Mistry", "housing_officer", "0300 123 4592"),
            ("OFF013", "Claire Donnelly", "housing_officer", "0300 123 4593"),
            ("OFF014", "Femi Oladipo", "housing_officer", "0300 123 4594"),
            ("OFF021", "Judith Rowe", "leasehold_officer", "0300 123 4601"),
            ("OFF031", "Barry Lomax", "repairs_officer", ""),
        ]
        for ref, name, role, phone in team:
            first, last = name.lower().split(" ", 1)
            email = f"{first}.{last.replace(' ', '')}@northbrook-homes.example"
            self.out["officers.csv"].append([ref, name, role, email, phone])
            self.officers.setdefault(role, []).append(ref)

    # -- charges ----------------------------------------------------------------

    def charges_for(
        self,
        account: str,
        t: _Tenancy,
        items: list[tuple[str, str, dict[int, int], bool | None]],
        frequency: str,
        *,
        financial_year: bool = False,
    ) -> None:
        """charges.csv rows for the last two rent years of the tenancy (current and previous);
        leaseholders' years run from 1 April."""
        year_start = (lambda y: date(y, 4, 1)) if financial_year else rent_year_start
        last_day = t.end or self.today
        year = last_day.year if last_day >= year_start(last_day.year) else last_day.year - 1
        for y in (year - 1, year):
            start = max(year_start(y), t.start)
            end = year_start(y + 1) - DAY
            if t.end and t.end < end:
                end = t.end
            if start > end:
                continue
            open_end = None if (t.end is None and y == year) else end
            for code, description, levels, eligible in items:
                amount = levels[y]
                self.add_charge(account, code, description, amount, frequency, eligible, start, open_end)

    # -- ledgers ----------------------------------------------------------------

    def payment_method_desc(self, day: date, *, prefer: str | None = None) -> tuple[str, str]:
        rng = self.rng
        if prefer:
            method = prefer
        elif day.year < 2012:
            method = rng.choices(("cash", "cheque", "post_office", "paypoint", "card"), (25, 15, 25, 25, 10))[0]
        elif day.year < 2023:
            method = rng.choices(("card", "paypoint", "post_office", "bank_transfer"), (45, 30, 15, 10))[0]
        else:
            method = rng.choices(
                ("card", "paypoint", "post_office", "bank_transfer", "portal_card"), (45, 20, 8, 12, 15)
            )[0]
        return method, {
            "card": "Card payment by phone",
            "paypoint": "Payment at PayPoint",
            "post_office": "Payment at the Post Office",
            "bank_transfer": "Bank transfer",
            "cash": "Cash payment at the housing office",
            "cheque": "Cheque payment",
            "portal_card": "Card payment online",
            "standing_order": "Standing order",
        }[method]

    def weekly_ledger(
        self,
        ledger: _Ledger,
        t: _Tenancy,
        *,
        stop: date,
        rent: dict[int, int],
        services: list[tuple[str, str, dict[int, int], bool | None]],
        payer: str,
        rent_label: str = "Rent",
        hb_share: int = 100,
        dd_day: int = 1,
        uc_from: date | None = None,
        returns: float = 0.01,
    ) -> None:
        """Weekly charges on Mondays and the payments that follow them.

        payer: ``hb`` (Housing Benefit weekly, the tenant tops up any shortfall), ``uc``
        (Housing Benefit until ``uc_from``, then Universal Credit paid direct monthly),
        ``dd`` (monthly Direct Debit), ``so`` (weekly or fortnightly standing order),
        ``card`` (pays what is owed every few weeks, by whatever means).
        """
        rng = self.rng
        first = monday_on_or_after(t.start)
        free_weeks = t.rent_free
        uc_day = rng.randint(1, 28)
        gap = rng.randint(1, 4)
        next_pay = first + timedelta(days=rng.randint(2, 6))
        so_every = 2 if rng.random() < 0.4 else 1
        so_offset = rng.choice((3, 4))  # Thursday or Friday
        year = None
        dd_amount = so_amount = 0
        balance = 0  # what the tenant owes, as the simulation goes
        tenant_due = 0  # for benefit payers: the part that benefits do not cover

        totals_cache: dict[int, tuple[int, int]] = {}

        def totals(y: int) -> tuple[int, int]:
            hit = totals_cache.get(y)
            if hit is None:
                total = rent[y] + sum(levels[y] for _c, _d, levels, _e in services)
                eligible = rent[y] + sum(levels[y] for _c, _d, levels, e in services if e)
                hit = totals_cache[y] = (total, eligible)
            return hit

        def on_day(d: date, day: int) -> date:
            value = date(d.year, d.month, day)
            return value if value >= d else next_month(value, day)

        def next_month(d: date, day: int) -> date:
            y, m = (d.year, d.month + 1) if d.month < 12 else (d.year + 1, 1)
            return date(y, m, day)

        dd_next = on_day(first, dd_day) if payer == "dd" else None
        uc_next = on_day(max(uc_from, first), uc_day) if payer == "uc" and uc_from is not None else None
        week = first
        n = 0
        next_year_start = week  # forces the first year's set-up
        while week <= stop:
            if week >= next_year_start:
                y = rent_year_of(week)
                next_year_start = _YEAR_STARTS[y + 1]
                total, eligible = totals(y)
            if y != year:
                year = y
                charged = charged_weeks(y, free_weeks)
                # Each April the regular payment is reset to clear the year's charges and
                # whatever is owed (or in credit) at that point.
                dd_amount = max(_div(total * charged + balance, 12), total)
                so_amount = max(_div(total * charged + balance, 52), total // 2) * so_every
            on_uc = payer == "uc" and uc_from is not None and week >= uc_from
            if not (free_weeks and week in _RENT_FREE):
                ledger.post(week, "rent_charge", rent_label, rent[y], week=week)
                if total != rent[y]:
                    ledger.post(week, "service_charge", "Service charges", total - rent[y], week=week)
                balance += total
                if payer in ("hb", "uc"):
                    covered = _div(eligible * hb_share, 100)
                    tenant_due += total - covered
                    if not on_uc:
                        ledger.post(week, "housing_benefit", "Housing Benefit", -covered, week=week)
                        balance -= covered
            week_end = week + 6 * DAY
            while dd_next is not None and dd_next <= week_end and dd_next <= stop:
                day = working_day(dd_next)
                ledger.post(day, "direct_debit", "Direct Debit", -dd_amount, "direct_debit")
                balance -= dd_amount
                if rng.random() < returns:
                    back = day + timedelta(days=rng.choice((2, 3, 4)))
                    ledger.post(back, "payment_returned", "Direct Debit returned unpaid", dd_amount, "direct_debit")
                    balance += dd_amount
                    later = back + timedelta(days=rng.randint(5, 16))
                    if rng.random() < 0.8 and later <= stop:
                        method, desc = self.payment_method_desc(later)
                        ledger.post(later, "payment", desc, -dd_amount, method)
                        balance -= dd_amount
                dd_next = next_month(dd_next, dd_day)
            while uc_next is not None and uc_next <= week_end and uc_next <= stop:
                monthly = _div(eligible * (48 if free_weeks else 52) * hb_share, 1200)
                ledger.post(
                    working_day(uc_next),
                    "universal_credit",
                    "Universal Credit housing costs (paid to us directly)",
                    -monthly,
                )
                balance -= monthly
                uc_next = next_month(uc_next, uc_day)
            if payer == "so" and n % so_every == 0:
                day = week + so_offset * DAY
                if day <= stop:
                    ledger.post(day, "payment", "Standing order", -so_amount, "standing_order")
                    balance -= so_amount
            if payer in ("card", "hb", "uc") and next_pay <= week_end:
                if next_pay <= stop:
                    if payer == "card":
                        pay = -(-balance // 100) * 100 if balance > 100 else 0
                    else:
                        pay = tenant_due if tenant_due > 100 else 0
                        if pay and hb_share < 100 and rng.random() < 0.1:
                            pay = 0  # a missed top-up now and then
                    if pay:
                        method, desc = self.payment_method_desc(next_pay)
                        ledger.post(next_pay, "payment", desc, -pay, method)
                        balance -= pay
                        tenant_due = max(0, tenant_due - pay)
                weeks = gap if payer == "card" else 4
                next_pay = next_pay + timedelta(days=7 * max(1, weeks + rng.choice((-1, 0, 0, 1))))
                if next_pay.weekday() == 6:
                    next_pay += DAY
            n += 1
            week += WEEK

    def steer(
        self,
        ledger: _Ledger,
        profile: str,
        weekly: int,
        *,
        since: date,
        stop: date,
        target: int | None = None,
        spare_days: int | None = None,
    ) -> None:
        """Bend a generated history to end in arrears or in credit (or leave it near clear).

        Arrears come from taking away payments (or benefit credits: a suspension) between
        ``since`` and ``spare_days`` before ``stop``: many people in arrears are paying again now."""
        rng = self.rng
        ledger.sort()
        balance = ledger.balance
        if profile == "clear":
            if balance > 2 * weekly:
                day = stop - timedelta(days=rng.randint(0, 10))
                method, desc = self.payment_method_desc(day)
                ledger.post(day, "payment", desc, -(balance - rng.randint(0, weekly // 2)), method)
            return
        if profile == "credit":
            want = -(target if target is not None else rng.randint(1500, 45000))
            extra = balance - want
            if extra > 0:
                day = stop - timedelta(days=rng.randint(3, 40))
                if day < since:
                    day = stop
                method, desc = self.payment_method_desc(day)
                ledger.post(day, "payment", desc, -extra, method)
            return
        # arrears: take away the most recent payments until the target is reached
        want = (
            target
            if target is not None
            else (rng.randint(3000, 45000) if profile == "arrears" else rng.randint(120000, 420000))
        )
        need = want - balance
        if need <= 0:
            return
        if spare_days is None:
            spare_days = rng.choice((0, 0, 14, 30, 45))
        latest = stop - timedelta(days=spare_days)
        removed: list[int] = []
        returned: list[list] = []
        for i in range(len(ledger.rows) - 1, -1, -1):
            if need <= 0:
                break
            row = ledger.rows[i]
            if row[0] < since:
                break
            if row[0] > latest:
                continue
            if row[4] < 0 and row[2] in ("payment", "direct_debit", "housing_benefit", "universal_credit"):
                if row[2] == "direct_debit" and rng.random() < 0.4:
                    back = row[0] + timedelta(days=3)
                    returned.append(
                        [back, None, "payment_returned", "Direct Debit returned unpaid", -row[4], "direct_debit"]
                    )
                else:
                    removed.append(i)
                need += row[4]
        for i in removed:
            del ledger.rows[i]
        ledger.rows.extend(r for r in returned if r[0] <= stop)
        if profile == "large_arrears" and rng.random() < 0.6:
            day = stop - timedelta(days=rng.randint(14, 120))
            if day >= since:
                ledger.post(day, "court_costs", "Court costs: possession claim", 35500)

    def sprinkle(self, ledger: _Ledger, *, since: date, stop: date) -> None:
        """The odd one-off charge or adjustment that every real account has."""
        rng = self.rng
        if stop <= since + WEEK:
            return
        span = (stop - since).days

        def some_day() -> date:
            return since + timedelta(days=rng.randint(0, span))

        if rng.random() < 0.05:
            day = some_day()
            item, pence = rng.choice(
                (("Replacement key fob", 2500), ("Replacement door key", 1500), ("Lock change after lost keys", 8500))
            )
            ledger.post(day, "other_charge", item, pence)
            method, desc = self.payment_method_desc(day + WEEK)
            if day + WEEK <= stop:
                ledger.post(day + WEEK, "payment", desc, -pence, method)
        if rng.random() < 0.03:
            day = some_day()
            pence = rng.choice((6500, 12000, 18500, 24000))
            ledger.post(day, "recharge", "Rechargeable repair: damage to internal door", pence)
            if day + 2 * WEEK <= stop:
                method, desc = self.payment_method_desc(day + 2 * WEEK)
                ledger.post(day + 2 * WEEK, "payment", desc, -pence, method)
        if rng.random() < 0.02:
            day = some_day()
            pence = rng.randint(100, 3000)
            sign = rng.choice((1, -1))
            ledger.post(day, "adjustment", "Rent adjustment: correction of a previous charge", sign * pence)

    # -- the story ---------------------------------------------------------------

    def build(self) -> None:
        self.add_officers()
        self.build_demo()
        self.build_random()

    def general_needs(
        self,
        t: _Tenancy,
        *,
        payer: str,
        profile: str,
        target: int | None = None,
        hb_share: int = 100,
        uc_from: date | None = None,
        account_ref: str | None = None,
        rent_2025: int | None = None,
        services: bool = True,
        sprinkle: bool = True,
        stop: date | None = None,
        label: str = "Rent",
        extras: Callable[[_Ledger], None] | None = None,
        spare_days: int | None = None,
    ) -> tuple[_Ledger, int]:
        """The rent account of a weekly tenancy, its charges and its history."""
        rng = self.rng
        if rent_2025 is None:
            base = {
                0: (8400, 9200),
                1: (9600, 10800),
                2: (10800, 12200),
                3: (12000, 13600),
                4: (13200, 15000),
                5: (14500, 16000),
            }[min(t.bedrooms, 5)]
            rent_2025 = rng.randint(*base)
            if t.tenure in ("assured", "starter"):
                rent_2025 += rng.randint(200, 900)  # housing association stock, a little dearer
            if t.tenure == "flexible":
                rent_2025 += rng.randint(0, 600)
        rent = levels_from_2025(rent_2025, self.last_year)
        items: list[tuple[str, str, dict[int, int], bool | None]] = []
        if services and t.block is not None:
            for code, description, weekly, eligible in t.block.services:
                items.append((code, description, levels_from_2025(weekly, self.last_year), eligible))
        ref = account_ref or f"RA{t.ref[-6:]}"
        ledger = self.add_account(ref, t, "rent", t.start, t.end)
        self.charges_for(
            ref, t, [("basic_rent", label if label != "Rent" else "Basic rent", rent, True)] + items, "weekly"
        )
        stop = stop or min(t.end or self.today, self.today)
        dd_day = rng.choice((1, 1, 1, 8, 15, 15, 22, 28))
        self.weekly_ledger(
            ledger,
            t,
            stop=stop,
            rent=rent,
            services=items,
            payer=payer,
            rent_label=label,
            hb_share=hb_share,
            dd_day=dd_day,
            uc_from=uc_from,
        )
        weekly = rent[rent_year_of(stop)] + sum(levels[rent_year_of(stop)] for _c, _d, levels, _e in items)
        if sprinkle:
            self.sprinkle(ledger, since=t.start, stop=stop)
        if extras is not None:
            extras(ledger)
        since = max(t.start, stop - timedelta(days=rng.randint(120, 720)))
        self.steer(ledger, profile, weekly, since=since, stop=stop, target=target, spare_days=spare_days)
        return ledger, weekly

    def garage(self, t: _Tenancy, *, payer: str, profile: str, target: int | None = None) -> _Ledger:
        rng = self.rng
        fee = levels_from_2025(rng.randint(950, 1600), self.last_year)
        ref = f"GA{t.ref[-6:]}"
        ledger = self.add_account(ref, t, "garage", t.start, t.end)
        self.charges_for(ref, t, [("garage", "Garage rent", fee, False)], "weekly")
        stop = min(t.end or self.today, self.today)
        self.weekly_ledger(
            ledger,
            t,
            stop=stop,
            rent=fee,
            services=[],
            payer=payer,
            rent_label="Garage rent",
            dd_day=rng.choice((1, 15)),
        )
        self.steer(
            ledger, profile, fee[rent_year_of(stop)], since=max(t.start, stop - 200 * DAY), stop=stop, target=target
        )
        return ledger

    def shared_ownership(self, t: _Tenancy, *, profile: str) -> None:
        rng = self.rng
        rent = levels_from_2025(rng.randint(42000, 61000), self.last_year)  # monthly, on the share we own
        service = levels_from_2025(rng.randint(6000, 14000), self.last_year)
        ref = f"RA{t.ref[-6:]}"
        ledger = self.add_account(ref, t, "rent", t.start, t.end)
        self.charges_for(
            ref,
            t,
            [
                ("basic_rent", "Rent on the share we own", rent, False),
                ("estimated_service_charge", "Service charge (monthly estimate)", service, False),
            ],
            "monthly",
        )
        stop = min(t.end or self.today, self.today)
        month = date(t.start.year, t.start.month, 1)
        if month < t.start:
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        while month <= stop:
            y = rent_year_of(month)
            ledger.post(month, "rent_charge", "Rent on the share we own", rent[y])
            ledger.post(month, "service_charge", "Service charge (monthly estimate)", service[y])
            day = working_day(month)
            if day <= stop:
                ledger.post(day, "direct_debit", "Direct Debit", -(rent[y] + service[y]), "direct_debit")
            month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        self.steer(ledger, profile, rent[rent_year_of(stop)] // 4, since=max(t.start, stop - 300 * DAY), stop=stop)

    def leasehold(
        self,
        t: _Tenancy,
        *,
        payer: str,
        profile: str,
        major_works: bool,
        estimate_2025: int | None = None,
        works: tuple[date, int, int] | None = None,
        sc_ref: str | None = None,
    ) -> None:
        """A leaseholder's service charge account (the yearly estimate billed in two half-yearly
        instalments, actual costs adjusted two years on, ground rent), and perhaps a major works
        account paid off by instalments."""
        rng = self.rng
        estimate = levels_from_2025(estimate_2025 or rng.randint(90000, 260000), self.last_year)
        ground_rent = {y: 1000 for y in estimate}
        ref = sc_ref or t.ref
        ledger = self.add_account(ref, t, "service_charge", t.start, t.end)
        self.charges_for(
            ref,
            t,
            [
                ("estimated_service_charge", "Service charge (yearly estimate)", estimate, False),
                ("ground_rent", "Ground rent", ground_rent, False),
            ],
            "yearly",
            financial_year=True,
        )
        stop = min(t.end or self.today, self.today)
        balance = 0
        y = t.start.year if t.start >= date(t.start.year, 4, 1) else t.start.year - 1
        while date(y, 4, 1) <= stop:
            label = f"{y}/{str(y + 1)[-2:]}"
            brought_forward = balance
            bills: list[date] = []
            if payer == "dd":
                # Billed in twelve monthly instalments, collected by Direct Debit the same day.
                instalment = _div(estimate[y], 12)
                for m in range(12):
                    month = 4 + m
                    day = date(y + (month > 12), (month - 1) % 12 + 1, 1)
                    if t.start <= day <= stop:
                        amount = instalment if m < 11 else estimate[y] - 11 * instalment
                        ledger.post(day, "service_charge", f"Service charge {label}: instalment {m + 1} of 12", amount)
                        balance += amount
            else:
                # Billed half-yearly in advance (pro rata for a lease that began in the half-year).
                for half, (begin, months) in enumerate(((date(y, 4, 1), 6), (date(y, 10, 1), 6))):
                    period_end_month = begin.month + 5
                    if begin < t.start:
                        if t.start.year * 12 + t.start.month > begin.year * 12 + period_end_month:
                            continue  # the lease began after this half-year
                        months = begin.year * 12 + period_end_month - (t.start.year * 12 + t.start.month) + 1
                        begin = t.start
                    if begin > stop:
                        continue
                    amount = _div(estimate[y] * months, 12)
                    which = "first" if half == 0 else "second"
                    ledger.post(begin, "service_charge", f"Service charge estimate {label}: {which} half-year", amount)
                    balance += amount
                    bills.append(begin)
            if date(y, 4, 1) >= t.start and date(y, 4, 1) <= stop:
                ledger.post(date(y, 4, 1), "other_charge", f"Ground rent {label}", ground_rent[y])
                balance += ground_rent[y]
            actual_day = date(y, 9, 15)
            if t.start <= date(y - 2, 4, 1) and actual_day <= stop:
                diff = _div(estimate[y - 2] * rng.randint(-80, 100), 1000)
                ledger.post(
                    actual_day,
                    "adjustment",
                    f"Service charge actual costs {y - 2}/{str(y - 1)[-2:]}: "
                    f"{'balancing charge' if diff > 0 else 'credit'}",
                    diff,
                )
                balance += diff
            if payer == "dd":
                monthly = _div(estimate[y] + ground_rent[y] + brought_forward, 12)
                for m in range(12):
                    month = 4 + m
                    day = working_day(date(y + (month > 12), (month - 1) % 12 + 1, 1))
                    if t.start <= day <= stop and monthly > 0:
                        ledger.post(day, "direct_debit", "Direct Debit", -monthly, "direct_debit")
                        balance -= monthly
            else:
                for bill in bills:
                    day = bill + timedelta(days=rng.randint(10, 40))
                    if day <= stop and balance > 0:
                        method, desc = self.payment_method_desc(
                            day, prefer="bank_transfer" if rng.random() < 0.7 else None
                        )
                        ledger.post(day, "payment", desc, -balance, method)
                        balance = 0
            y += 1
        # a half-yearly bill is normally still being paid off: only a balance beyond it is steered
        self.steer(ledger, profile, estimate[rent_year_of(stop)] // 4, since=max(t.start, stop - 300 * DAY), stop=stop)
        if not major_works:
            return
        lump_sum = works is None and rng.random() < 0.15
        if works is None:
            billed = max(t.start + 200 * DAY, self.today - timedelta(days=rng.randint(200, 1600)))
            works = (billed, rng.randint(3000, 18000) * 100, rng.choice((10000, 15000, 20000, 25000)))
        billed_on, cost, instalment = works
        if billed_on >= stop:
            return
        mw = self.add_account(f"MW{t.ref[-6:]}", t, "major_works", billed_on, None)
        where = t.block.name if t.block else "your building"
        mw.post(billed_on, "other_charge", f"Major works: roof and window renewal at {where} (your share)", cost)
        day = working_day(date(billed_on.year + (billed_on.month == 12), billed_on.month % 12 + 1, 1))
        if lump_sum:
            mw.post(day, "payment", "Bank transfer", -cost, "bank_transfer")
            return
        paid = 0
        while day <= stop and paid < cost:
            pay = min(instalment, cost - paid)
            mw.post(day, "payment", "Standing order", -pay, "standing_order")
            paid += pay
            first_of_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            day = working_day(first_of_next)

    # -- fixed demo residents -----------------------------------------------------

    def demo_person(
        self,
        *,
        case: str,
        tenancy: str,
        role: str,
        first: str,
        last: str,
        sex: str,
        born: date,
        email: str | None,
        mobile: int | None,
        title: str,
    ) -> str:
        ref = self.next_person()
        mobile_text = f"07700 900{mobile:03d}" if mobile is not None else None
        if email:
            self.used_emails.add(email)
        self.add_person(
            sex=sex, first=first, last=last, born=born, email=email, mobile=mobile_text, title=title, ref=ref
        )
        self.demo.append(
            DemoResident(
                name=f"{first} {last}",
                person_ref=ref,
                tenancy_ref=tenancy,
                role=role,
                date_of_birth=born,
                case=case,
                email=email,
                mobile=f"+447700900{mobile:03d}" if mobile is not None else None,
            )
        )
        return ref

    def demo_tenancy(
        self,
        number: int,
        tenure: str,
        start: date,
        end: date | None,
        *,
        kind: str = "flat",
        bedrooms: int | None = None,
        prefix: str = "TEN",
        rent_free: bool = True,
        property_ref: str | None = None,
        block: _Block | None = None,
    ) -> _Tenancy:
        assert number == self.n_tenancy + 1
        self.next_tenancy_number()
        if property_ref is None:
            if kind == "garage":
                property_ref, block, bedrooms = self.new_garage(), None, None
            else:
                property_ref, block, bedrooms = self.new_home(kind=kind, bedrooms=bedrooms)
        t = _Tenancy(
            f"{prefix}{number}",
            property_ref,
            tenure,
            start,
            end,
            rent_free=rent_free,
            block=block,
            bedrooms=bedrooms or 0,
        )
        self.officers_for(t)
        self.add_tenancy(t, self.rent_free_for(t))
        return t

    def build_demo(self) -> None:
        today = self.today
        # Blocks with the services the demo cases need, so their figures are stable.
        elm = _Block(
            "Elm Court",
            "Station Road",
            1,
            self.new_postcode(1),
            40,
            [
                ("caretaking", "Caretaking", 412, True),
                ("cleaning", "Communal cleaning", 326, True),
                ("communal_electricity", "Communal electricity", 148, True),
                ("door_entry", "Door entry system", 72, True),
                ("water", "Water and sewerage charges", 446, False),
            ],
        )
        rowan = _Block(
            "Rowan Tower",
            "Brook Road",
            2,
            self.new_postcode(2),
            80,
            [
                ("caretaking", "Caretaking", 455, True),
                ("cleaning", "Communal cleaning", 298, True),
                ("communal_electricity", "Communal electricity", 187, True),
                ("lift", "Lift maintenance", 264, True),
                ("heating", "Communal heating", 1120, False),
            ],
        )
        self.blocks += [elm, rowan]

        def flat_in(block: _Block, bedrooms: int) -> str:
            block.flats += 1
            lines = [f"Flat {block.flats + 10}", block.name, block.street, block.postcode]
            return self.add_property(lines, "flat", bedrooms)

        # (1) Secure lead tenant in arrears, on Housing Benefit (bedroom tax shortfall unpaid).
        t1 = self.demo_tenancy(100001, "secure", date(2012, 10, 1), None, property_ref=flat_in(elm, 2), block=elm)
        t1.bedrooms = 2
        p1 = self.demo_person(
            case="Secure tenancy, lead tenant, on Housing Benefit, in arrears",
            tenancy=t1.ref,
            role="lead_tenant",
            first="Denise",
            last="Walker",
            sex="F",
            born=date(1968, 3, 14),
            email="denise.walker@example.com",
            mobile=1,
            title="Mrs",
        )
        self.add_party(t1, p1, "lead_tenant")
        p8_born = date(2004, 9, 2)
        # (2) Joint secure tenancy on Universal Credit paid direct.
        t2 = self.demo_tenancy(100002, "secure", date(2019, 3, 4), None, kind="house", bedrooms=3)
        p2a = self.demo_person(
            case="Joint secure tenancy, lead tenant, Universal Credit paid direct",
            tenancy=t2.ref,
            role="lead_tenant",
            first="Tomasz",
            last="Nowak",
            sex="M",
            born=date(1985, 7, 21),
            email="tomasz.nowak@example.com",
            mobile=2,
            title="Mr",
        )
        p2b = self.demo_person(
            case="Joint secure tenancy, joint tenant (sees the same accounts)",
            tenancy=t2.ref,
            role="joint_tenant",
            first="Agnieszka",
            last="Nowak",
            sex="F",
            born=date(1987, 11, 3),
            email="agnieszka.nowak@example.org",
            mobile=3,
            title="Mrs",
        )
        self.add_party(t2, p2a, "lead_tenant")
        self.add_party(t2, p2b, "joint_tenant")
        # (3) A flat and a garage, paying by Direct Debit, in credit.
        t3 = self.demo_tenancy(100003, "secure", date(2016, 5, 9), None, property_ref=flat_in(rowan, 1), block=rowan)
        t3.bedrooms = 1
        p3 = self.demo_person(
            case="Secure flat and a garage licence, Direct Debit, rent account in credit",
            tenancy=t3.ref,
            role="lead_tenant",
            first="Marcus",
            last="Bennett",
            sex="M",
            born=date(1979, 1, 30),
            email="marcus.bennett@example.com",
            mobile=4,
            title="Mr",
        )
        self.add_party(t3, p3, "lead_tenant")
        t3g = self.demo_tenancy(100004, "garage_licence", date(2018, 2, 5), None, kind="garage", rent_free=False)
        self.add_party(t3g, p3, "lead_tenant")
        # (4) Leaseholder with service charge and major works accounts.
        t4 = self.demo_tenancy(
            100005,
            "leasehold",
            date(2009, 11, 16),
            None,
            prefix="SC",
            property_ref=flat_in(elm, 2),
            block=elm,
            rent_free=False,
        )
        p4 = self.demo_person(
            case="Leaseholder: service charge account and major works account",
            tenancy=t4.ref,
            role="leaseholder",
            first="Priya",
            last="Sharma",
            sex="F",
            born=date(1972, 5, 9),
            email="priya.sharma@example.org",
            mobile=5,
            title="Ms",
        )
        self.add_party(t4, p4, "leaseholder")
        # (5) Twenty years of history.
        t5 = self.demo_tenancy(100006, "secure", RECORDS_START, None, property_ref=flat_in(rowan, 2), block=rowan)
        t5.bedrooms = 2
        p5 = self.demo_person(
            case="Secure tenancy since April 2006: twenty years of weekly history",
            tenancy=t5.ref,
            role="lead_tenant",
            first="Margaret",
            last="O'Connor",
            sex="F",
            born=date(1946, 8, 17),
            email="margaret.oconnor@example.com",
            mobile=6,
            title="Mrs",
        )
        self.add_party(t5, p5, "lead_tenant")
        # (6) Temporary accommodation (refused by default).
        t6_start = monday_on_or_before(today - timedelta(days=250))
        t6 = self.demo_tenancy(
            100007, "temporary_accommodation", t6_start, None, kind="flat", bedrooms=1, rent_free=False
        )
        p6 = self.demo_person(
            case="Temporary accommodation: refused by default",
            tenancy=t6.ref,
            role="lead_tenant",
            first="Liam",
            last="Foster",
            sex="M",
            born=date(1998, 12, 5),
            email="liam.foster@example.com",
            mobile=7,
            title="Mr",
        )
        self.add_party(t6, p6, "lead_tenant")
        # (7) A former tenant with arrears.
        t7_end = monday_on_or_before(today - timedelta(days=500)) - DAY
        t7 = self.demo_tenancy(100008, "secure", date(2015, 8, 3), t7_end, kind="house", bedrooms=2)
        p7 = self.demo_person(
            case="Former tenant (tenancy ended) with arrears: refused by default, allowed "
            "with the former-tenants switch",
            tenancy=t7.ref,
            role="lead_tenant",
            first="Kevin",
            last="Doyle",
            sex="M",
            born=date(1981, 4, 22),
            email="kevin.doyle@example.org",
            mobile=8,
            title="Mr",
        )
        self.add_party(t7, p7, "lead_tenant")
        # (8) A household member on (1)'s tenancy (refused).
        p8 = self.demo_person(
            case="Household member on TEN100001 (not a tenant): refused",
            tenancy=t1.ref,
            role="household_member",
            first="Jordan",
            last="Walker",
            sex="M",
            born=p8_born,
            email="jordan.walker@example.com",
            mobile=9,
            title="Mr",
        )
        self.add_party(t1, p8, "household_member", start=t1.start)
        child, _f, _l = self.add_person(
            sex="F", first="Keira", last="Walker", born=date(2011, 6, 19), email=None, mobile=None
        )
        self.add_party(
            t1, child, "household_member", start=date(2011, 6, 19) if t1.start < date(2011, 6, 19) else t1.start
        )

        # Ledgers, with fixed shapes.
        def court_costs(ledger: _Ledger) -> None:
            ledger.post(
                monday_on_or_before(today - timedelta(days=160)),
                "court_costs",
                "Court costs: application for a possession order",
                35500,
            )

        self.general_needs(
            t1,
            payer="hb",
            hb_share=86,
            profile="arrears",
            target=99718,
            sprinkle=False,
            extras=court_costs,
            spare_days=70,
        )
        self.general_needs(t2, payer="uc", uc_from=date(2019, 3, 4), profile="clear", sprinkle=False, services=False)
        g3 = self.garage(t3g, payer="dd", profile="clear")
        transfer_day = date(2024, 1, 24)
        g3.post(transfer_day - 7 * DAY, "payment", "Card payment by phone", -4800, "card")
        g3.post(transfer_day, "transfer", "Credit transferred to rent account RA100003", 4800)

        def flat_extras(ledger: _Ledger) -> None:
            ledger.post(date(2021, 5, 12), "refund", "Refund of credit to your bank account", 15000, "bank_transfer")
            ledger.post(transfer_day, "transfer", "Credit transferred from garage account GA100004", -4800)

        self.general_needs(t3, payer="dd", profile="credit", target=8640, sprinkle=False, extras=flat_extras)
        self.leasehold(
            t4,
            payer="dd",
            profile="clear",
            major_works=True,
            estimate_2025=148600,
            sc_ref=t4.ref,
            works=(date(2024, 6, 3), 1245000, 25000),
        )

        def long_history(ledger: _Ledger) -> None:
            ledger.post(date(2011, 3, 14), "adjustment", "Rent adjustment: correction of a previous charge", -1240)
            ledger.post(date(2013, 4, 1), "write_off", "Small balance written off", -37)

        self.general_needs(t5, payer="hb", profile="clear", sprinkle=False, extras=long_history)
        sundry = self.add_account(f"SU{t5.ref[-6:]}", t5, "sundry", date(2018, 9, 10), date(2019, 3, 31))
        sundry.post(date(2018, 9, 10), "recharge", "Rechargeable repair: replacement front door glass", 18500)
        for day in (date(2018, 10, 5), date(2018, 11, 5), date(2018, 12, 5), date(2019, 1, 7), date(2019, 2, 5)):
            sundry.post(day, "payment", "Payment at PayPoint", -3700, "paypoint")
        self.general_needs(
            t6,
            payer="hb",
            profile="clear",
            sprinkle=False,
            rent_2025=19450,
            services=False,
            label="Temporary accommodation charge",
        )

        def clearance(ledger: _Ledger) -> None:
            ledger.post(t7_end + 10 * DAY, "recharge", "Rechargeable repairs after the tenancy ended: clearance", 14000)

        self.general_needs(t7, payer="card", profile="arrears", target=123456, sprinkle=False, extras=clearance)

    # -- everyone else ---------------------------------------------------------------

    def start_between(self, low_days: int, high_days: int) -> date:
        d = self.today - timedelta(days=self.rng.randint(low_days, high_days))
        return max(RECORDS_START + 8 * WEEK, monday_on_or_before(d))

    def general_start(self) -> date:
        """Many recent lettings, fewer long tenancies (none longer than demo resident 5's)."""
        r = self.rng.random()
        if r < 0.50:
            return self.start_between(14, 2 * 365)
        if r < 0.80:
            return self.start_between(2 * 365, 5 * 365)
        if r < 0.93:
            return self.start_between(5 * 365, 10 * 365)
        return self.start_between(10 * 365, 20 * 365)

    def household(
        self,
        t: _Tenancy,
        *,
        joint_chance: float,
        lead_role: str = "lead_tenant",
        joint_role: str = "joint_tenant",
        members: bool = True,
        min_age: int = 18,
    ) -> str:
        rng = self.rng
        age_low = max(min_age, 18)
        lead_born = self.born_for_age(t.start, age_low, 70)
        if (self.today - lead_born).days > 96 * 365:
            lead_born = self.today - timedelta(days=rng.randint(70 * 365, 90 * 365))
        email, mobile = self.contact_chances(lead_born)
        no_dob = rng.random() < 0.02
        sex = rng.choice("FM")
        lead, _first, last = self.add_person(sex=sex, born=None if no_dob else lead_born, email=email, mobile=mobile)
        self.add_party(t, lead, lead_role)
        if rng.random() < joint_chance:
            born = lead_born + timedelta(days=rng.randint(-6 * 365, 6 * 365))
            shared = rng.random() < 0.5
            e2, m2 = self.contact_chances(born)
            partner_email: bool | str = e2
            if email and rng.random() < 0.05:
                # a couple sharing one address: the portal must cope with the collision
                partner_email = self.out["people.csv"][-1][5] or e2
            partner, _, _ = self.add_person(
                sex="M" if sex == "F" else "F", last=last if shared else None, born=born, email=partner_email, mobile=m2
            )
            left = t.end is None and rng.random() < 0.04
            leave = (
                t.start + timedelta(days=rng.randint(200, max(201, (self.today - t.start).days - 30)))
                if left and (self.today - t.start).days > 260
                else None
            )
            self.add_party(t, partner, joint_role, end=leave)
        if members:
            until = min(t.end or self.today, self.today)
            for _ in range(rng.choices((0, 1, 2, 3), (45, 25, 20, 10))[0]):
                born = until - timedelta(days=rng.randint(200, 17 * 365))
                start = max(t.start, born)
                child, _, _ = self.add_person(last=last, born=born, email=False, mobile=False)
                end = None
                if t.end is None and rng.random() < 0.08:
                    end = self.today - timedelta(days=rng.randint(30, 900))
                    if end <= start:
                        end = None
                self.add_party(t, child, "household_member", start=start, end=end)
        return lead

    def pick_payer(self, start: date) -> tuple[str, date | None, int]:
        rng = self.rng
        payer = rng.choices(("hb", "uc", "dd", "so", "card"), (20, 14, 36, 10, 20))[0]
        uc_from = None
        share = 100
        if payer == "uc":
            migration = date(2019, 1, 1) + timedelta(days=rng.randint(0, 6 * 365))
            uc_from = max(monday_on_or_before(migration), start)
        if payer in ("hb", "uc") and rng.random() < 0.2:
            share = 86  # the under-occupation deduction: the tenant tops up
        return payer, uc_from, share

    def pick_profile(self) -> str:
        return self.rng.choices(("clear", "arrears", "large_arrears", "credit"), (62, 21, 4, 13))[0]

    def build_random(self) -> None:
        rng = self.rng
        remaining = max(0, self.target - (self.n_tenancy - 100000))
        weights = [
            ("secure", 47),
            ("introductory", 5),
            ("flexible", 4),
            ("assured", 5),
            ("starter", 1),
            ("non_secure", 2),
            ("temporary_accommodation", 5),
            ("leasehold", 9),
            ("shared_ownership", 2),
            ("garage_licence", 11),
            ("former", 9),
        ]
        total_w = sum(w for _, w in weights)
        plan: list[str] = []
        for kind, w in weights:
            plan += [kind] * max(1, round(remaining * w / total_w))
        while len(plan) > remaining and plan.count("secure") > 1:
            plan.remove("secure")
        while len(plan) < remaining:
            plan.append("secure")
        rng.shuffle(plan)
        # Garages held by people who also rent a home come after the homes.
        plan.sort(key=lambda k: k == "garage_licence")
        for kind in plan[:remaining] if remaining else []:
            if kind == "garage_licence":
                self.random_garage()
            elif kind == "former":
                self.random_former()
            elif kind == "leasehold":
                self.random_leasehold()
            elif kind == "shared_ownership":
                self.random_shared_ownership()
            else:
                self.random_rented(kind)

    def new_tenancy(
        self,
        tenure: str,
        start: date,
        end: date | None = None,
        *,
        home: tuple | None = None,
        rent_free: bool = True,
        prefix: str = "TEN",
        frequency: str = "weekly",
    ) -> _Tenancy:
        number = self.next_tenancy_number()
        if home is None:
            home = self.new_home()
        property_ref, block, bedrooms = home
        t = _Tenancy(
            f"{prefix}{number}",
            property_ref,
            tenure,
            start,
            end,
            frequency=frequency,
            rent_free=rent_free,
            block=block,
            bedrooms=bedrooms or 0,
        )
        self.officers_for(t)
        self.add_tenancy(t, self.rent_free_for(t))
        return t

    def random_rented(self, tenure: str) -> None:
        rng = self.rng
        if tenure in ("introductory", "starter"):
            start = self.start_between(7, 360)
        elif tenure == "flexible":
            start = self.start_between(180, 5 * 365)
        elif tenure == "non_secure":
            start = self.start_between(30, 3 * 365)
        elif tenure == "temporary_accommodation":
            start = self.start_between(10, 900)
        else:
            start = self.general_start()
        ta = tenure == "temporary_accommodation"
        home = self.new_home(kind=rng.choice(("flat", "flat", "bedsit", "house")) if ta else None)
        t = self.new_tenancy(tenure, start, home=home, rent_free=not ta)
        joint = 0.0 if ta else (0.3 if tenure in ("secure", "assured", "flexible") else 0.15)
        lead = self.household(
            t, joint_chance=joint, lead_role=rng.choice(("lead_tenant", "licensee")) if ta else "lead_tenant"
        )
        if ta and rng.random() < 0.3:
            occupant, _, _ = self.add_person(born=self.born_for_age(self.today, 18, 60), email=False, mobile=False)
            self.add_party(t, occupant, "occupant")
        if ta:
            payer, uc_from, share = ("hb", None, 100) if rng.random() < 0.8 else ("card", None, 100)
            self.general_needs(
                t,
                payer=payer,
                profile=self.pick_profile(),
                uc_from=uc_from,
                hb_share=share,
                rent_2025=rng.randint(16500, 23500),
                services=False,
                label="Temporary accommodation charge",
            )
            return
        payer, uc_from, share = self.pick_payer(start)
        self.general_needs(t, payer=payer, profile=self.pick_profile(), uc_from=uc_from, hb_share=share)
        if t.end is None:
            self.current_flat_leads.append((t, lead))

    def random_former(self) -> None:
        rng = self.rng
        tenure = rng.choices(
            ("secure", "assured", "introductory", "temporary_accommodation", "garage_licence"), (60, 10, 10, 10, 10)
        )[0]
        end = monday_on_or_before(self.today - timedelta(days=rng.randint(20, 6 * 365))) - DAY
        length = rng.randint(60, 16 * 365) if tenure in ("secure", "assured") else rng.randint(40, 700)
        start = max(RECORDS_START + 8 * WEEK, monday_on_or_before(end - timedelta(days=length)))
        if start >= end:
            start = monday_on_or_before(end - 8 * WEEK)
        garage = tenure == "garage_licence"
        ta = tenure == "temporary_accommodation"
        home = (self.new_garage(), None, None) if garage else self.new_home()
        t = self.new_tenancy(tenure, start, end, home=home, rent_free=not (garage or ta))
        if garage:
            person, _, _ = self.add_person(
                born=self.born_for_age(start, 20, 70), email=rng.random() < 0.4, mobile=rng.random() < 0.2
            )
            self.add_party(t, person, "licensee")
            self.garage(t, payer=rng.choice(("dd", "card")), profile=rng.choice(("clear", "clear", "arrears")))
            return
        self.household(t, joint_chance=0.0 if ta else 0.25, members=rng.random() < 0.5)
        outcome = rng.choices(("clear", "arrears", "written_off"), (50, 35, 15))[0]
        profile = "clear" if outcome == "clear" else "arrears"
        ledger, _ = self.general_needs(
            t,
            payer=self.pick_payer(start)[0] if not ta else "hb",
            profile=profile,
            rent_2025=rng.randint(16500, 23500) if ta else None,
            services=not ta,
            label="Temporary accommodation charge" if ta else "Rent",
        )
        if outcome == "written_off":
            balance = ledger.balance
            day = end + timedelta(days=rng.randint(200, 500))
            if balance > 0 and day <= self.today:
                ledger.post(day, "write_off", "Former tenant arrears written off", -balance)
        elif outcome == "clear" and ledger.balance < 0:
            day = end + timedelta(days=rng.randint(14, 60))
            if day <= self.today:
                ledger.post(day, "refund", "Refund of credit to your bank account", -ledger.balance, "bank_transfer")
        if outcome == "arrears" and rng.random() < 0.3:
            day = end + timedelta(days=rng.randint(7, 40))
            if day <= self.today:
                ledger.post(
                    day, "recharge", "Rechargeable repairs after the tenancy ended", rng.choice((8500, 14000, 32000))
                )

    def random_garage(self) -> None:
        rng = self.rng
        own = rng.random() < 0.45 and self.current_flat_leads
        if own:
            home_t, person = self.current_flat_leads.pop(rng.randrange(len(self.current_flat_leads)))
            start = max(home_t.start, self.start_between(7, 15 * 365))
            role = rng.choice(("lead_tenant", "licensee"))
        else:
            start = self.start_between(7, 15 * 365)
            person = None
            role = "licensee"
        t = self.new_tenancy("garage_licence", start, home=(self.new_garage(), None, None), rent_free=False)
        if person is None:
            born = self.born_for_age(start, 20, 70)
            email, mobile = self.contact_chances(born)
            person, _, _ = self.add_person(born=born, email=email, mobile=mobile)
        self.add_party(t, person, role)
        self.garage(
            t,
            payer=rng.choices(("dd", "card", "so"), (50, 30, 20))[0],
            profile=rng.choices(("clear", "arrears", "credit"), (80, 12, 8))[0],
        )

    def random_leasehold(self) -> None:
        rng = self.rng
        start = self.start_between(30, 21 * 365)
        home = self.new_home(kind=rng.choice(("flat", "flat", "flat", "maisonette")))
        number = self.n_tenancy + 1
        t = self.new_tenancy("leasehold", start, home=home, rent_free=False, prefix="SC")
        assert t.ref == f"SC{number}"
        self.household(
            t, joint_chance=0.35, lead_role="leaseholder", joint_role="joint_leaseholder", members=rng.random() < 0.3
        )
        self.leasehold(
            t,
            payer=rng.choice(("dd", "dd", "transfer")),
            profile=rng.choices(("clear", "arrears", "credit"), (75, 18, 7))[0],
            major_works=rng.random() < 0.3,
        )

    def random_shared_ownership(self) -> None:
        start = self.start_between(60, 12 * 365)
        t = self.new_tenancy(
            "shared_ownership", start, home=self.new_home(kind="house"), rent_free=False, frequency="monthly"
        )
        self.household(t, joint_chance=0.5, members=self.rng.random() < 0.5)
        self.shared_ownership(t, profile=self.rng.choices(("clear", "arrears"), (85, 15))[0])

    # -- output -------------------------------------------------------------------------

    def transactions(self) -> list[list[str]]:
        rows: list[list[str]] = []
        n = 0
        iso: dict[date | None, str] = {None: ""}
        for ledger in self.ledgers:
            ledger.sort()
            ref = ledger.ref
            for day, week, kind, description, pence, method in ledger.rows:
                if not pence:
                    continue
                n += 1
                d = iso.get(day)
                if d is None:
                    d = iso[day] = day.isoformat()
                w = iso.get(week)
                if w is None:
                    w = iso[week] = week.isoformat()
                rows.append([f"T{n:09d}", ref, d, w, kind, description, pounds(pence), method or ""])
        return rows


def write_demo_feed(
    folder: Path, *, seed: int = DEFAULT_SEED, tenancies: int = 2200, today: date | None = None
) -> DemoSummary:
    """Write the demo landlord's feed into ``folder`` (created if need be)."""
    today = today or DEFAULT_TODAY
    if today < date(2021, 1, 1):
        raise ValueError("the demo landlord's story needs a 'today' from 2021 on")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gen = _Generator(seed, today, tenancies)
    gen.build()
    gen.out["transactions.csv"] = gen.transactions()
    from portal_app.services.records import demo_letters  # noqa: PLC0415

    documents = demo_letters.demo_documents(gen.demo, gen.out, today)
    gen.out["documents.csv"] = [d.row for d in documents]
    gen.out["transfer_applications.csv"] = demo_letters.demo_transfer_applications(gen.demo, today)
    for document in documents:
        (folder / document.file).write_bytes(document.pdf)
    rows: dict[str, int] = {}
    for name, header in COLUMNS.items():
        data = gen.out[name]
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(data)
        rows[name] = len(data)
    return DemoSummary(folder, seed, today, LANDLORD, rows, list(gen.demo))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m portal_app.services.records.demo_feed OUTDIR [TENANCIES] [SEED]")
        return 0 if args else 2
    tenancies = int(args[1]) if len(args) > 1 else 2200
    seed = int(args[2]) if len(args) > 2 else DEFAULT_SEED
    summary = write_demo_feed(Path(args[0]), seed=seed, tenancies=tenancies)
    for name, count in summary.rows.items():
        print(f"{name:<22} {count:>9,}")
    print()
    for r in summary.demo_residents:
        print(f"{r.tenancy_ref:<10} {r.name:<18} {r.date_of_birth.isoformat()}  {r.case}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
