"""UK modulus checking: could this account number exist at this sort code? Run on the bank
details a resident gives for a Direct Debit, before the instruction goes to Bacs.

The rule followed is Vocalink's "Validating account numbers: UK modulus checking" (the
specification Vocalink publishes for Pay.UK's Bacs schemes, https://www.vocalink.com/tools/modulus-checking/;
written against the text of version 7.70, 25 March 2024; the bundled tables are version 8.50's)
with its two data files: the modulus weight table (VALACDOS.txt) and the sorting
code substitution table (SCSUBTAB.txt). Section numbers below are that document's.

- Standardising what a resident typed (section 2.1.2): spaces and dashes go; a sort code is 6
  digits; an account number of 8 digits is used as it is, 7 digits get one leading 0 and 6
  digits two. Ten digits: NatWest keeps the last eight, the Co-operative Bank and Leeds Building
  Society the first eight, and which bank it is cannot be told from the numbers (there is no sort
  code directory here), so only NatWest's own written form ``01-23456789`` is standardised; other
  10-digit numbers, and 9-digit ones (Santander's former Alliance & Leicester Commercial Bank
  accounts, whose rule also changes the sort code), are refused with a reason asking for the 8
  digits the bank gives for Direct Debits.
- A sort code in no range of the weight table cannot be checked and is presumed valid (2.2.1
  step 1): ``NOT_CHECKABLE``, which is accepted. So is an account that exception 6 marks as a
  foreign currency account.
- Otherwise one or two checks (MOD10, MOD11, DBLAL: 1.3), first row first, with the exceptions
  of 2.2.2. Both checks must pass, except for the pairs 2 and 9, 10 and 11, 12 and 13, and for
  exception 14, where passing either is enough. (The overview's flow chart also lists 5 there,
  but the specification's own test cases 23 and 24 need both of exception 5's checks to pass,
  and the text of exception 5 describes two checks: the test cases win. Test case 15 also
  shows that exception 5's substitute sort code is used in both of its checks.)

A passing check means the pair *could* exist, not that it does (the specification's note to 1.2):
the bank still answers for the account itself when the instruction is lodged.

The tables: the portal bundles version 8.50 (valid from 23 June 2025) in
``portal_app/data/modulus/`` (``VERSION.txt`` says where it came from). Vocalink publishes new
tables several times a year, as banks add and change sort codes. To use newer ones, download
VALACDOS.txt and SCSUBTAB.txt from Vocalink and pass their paths to ``check`` (the settings
``MODULUS_WEIGHTS_FILE`` and ``MODULUS_SUBSTITUTIONS_FILE``); a file that does not parse is
refused whole with its line number (``ModulusTableError``), never half-used, and a file replaced
in place is read again on the next check. Or replace the two bundled files and update
VERSION.txt (its checksums are tested, so the version cannot be left behind).

No database, no reflex, no network: plain functions over strings and two text files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "modulus"
BUNDLED_WEIGHTS_FILE = DATA_DIR / "valacdos.txt"
BUNDLED_SUBSTITUTIONS_FILE = DATA_DIR / "scsubtab.txt"
BUNDLED_VERSION_FILE = DATA_DIR / "VERSION.txt"

MOD10, MOD11, DBLAL = "MOD10", "MOD11", "DBLAL"
_MODULUS = {MOD10: 10, MOD11: 11, DBLAL: 10}

# Positions in the 14 digits u v w x y z (sort code) a b c d e f g h (account number): 1.3.2.
A, B, C, G, H = 6, 7, 8, 12, 13

# Exception 2 (2.2.2): the weights that replace the table's when a <> 0.
_EX2_WEIGHTS_G_NOT_9 = (0, 0, 1, 2, 5, 3, 6, 4, 8, 7, 10, 9, 3, 1)
_EX2_WEIGHTS_G_9 = (0, 0, 0, 0, 0, 0, 0, 0, 8, 7, 10, 9, 3, 1)
_EX8_SORT_CODE = "090126"  # exception 8: check as if at this sort code
_EX9_SORT_CODE = "309634"  # exception 9: Lloyds euro accounts are all held here
# Exceptions whose first check passing is enough (2.2.2, and the flow chart of 1.2 less 5).
_FIRST_PASS_ENOUGH = frozenset({2, 10, 12, 14})

# What people type between the digits: spaces, hyphens and the dashes a phone or a word
# processor puts in their place, dots.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.]")
_NATWEST_TEN_DIGITS = re.compile(r"^\d{2}[\-\u2010-\u2015\u2212]\d{8}$")  # "01-23456789" (2.1.2)


class Outcome(StrEnum):
    VALID = "valid"  # passes the check(s) for its sort code
    INVALID = "invalid"  # fails: the resident should check the numbers
    NOT_CHECKABLE = "not_checkable"  # no check applies: presumed valid, so accepted
    REFUSED = "refused"  # not a sort code and account number the check can read


@dataclass(frozen=True)
class ModulusResult:
    outcome: Outcome
    sort_code: str  # 6 digits as checked ("" when refused)
    account_number: str  # 8 digits as checked, standardised ("" when refused)
    reason: str  # plain English: why it was invalid, refused or not checkable ("" when valid)

    @property
    def accepted(self) -> bool:
        """Whether the details may go on to Bacs: valid, or not checkable (2.2.1 step 1)."""
        return self.outcome in (Outcome.VALID, Outcome.NOT_CHECKABLE)


class ModulusTableError(ValueError):
    """A weight or substitution table that does not parse: the whole file is refused."""


@dataclass(frozen=True)
class WeightRow:
    start: int  # sort code range, inclusive (2.3)
    end: int
    method: str  # MOD10, MOD11 or DBLAL
    weights: tuple[int, ...]  # 14 weights, u to h
    exception: int | None


@dataclass(frozen=True)
class ModulusTables:
    rows: tuple[WeightRow, ...]  # in the file's order: a sort code's first row is its first check
    substitutions: dict[str, str]  # exception 5: original sort code -> substitute
    source: str  # "bundled 8.50 (valid from 2025-06-23)" or the files' paths

    def rows_for(self, sort_code: str) -> list[WeightRow]:
        number = int(sort_code)
        return [row for row in self.rows if row.start <= number <= row.end]


def _parse_weights(text: str, name: str) -> tuple[WeightRow, ...]:
    """VALACDOS.txt (2.3.2): start, end, algorithm, 14 signed weights, an optional exception,
    separated by spaces; any line ending."""
    rows: list[WeightRow] = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) not in (17, 18):
                raise ValueError(f"{len(fields)} fields, not 17 or 18")
            start, end, method = fields[0], fields[1], fields[2].upper()
            if not (re.fullmatch(r"\d{6}", start) and re.fullmatch(r"\d{6}", end)) or start > end:
                raise ValueError("the sort code range is not two 6-digit codes in order")
            if method not in _MODULUS:
                raise ValueError(f"unknown algorithm {fields[2]!r}")
            weights = tuple(int(w) for w in fields[3:17])
            exception = int(fields[17]) if len(fields) == 18 else None
            if exception is not None and not 1 <= exception <= 14:
                raise ValueError(f"unknown exception {exception}")
        except ValueError as exc:
            raise ModulusTableError(f"{name}, line {number}: {exc}") from exc
        rows.append(WeightRow(int(start), int(end), method, weights, exception))
    if not rows:
        raise ModulusTableError(f"{name}: no rows")
    return tuple(rows)


def _parse_substitutions(text: str, name: str) -> dict[str, str]:
    """SCSUBTAB.txt (2.2.2, exception 5): an original and a substitute sort code a line."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not all(re.fullmatch(r"\d{6}", f) for f in fields):
            raise ModulusTableError(f"{name}, line {number}: not two 6-digit sort codes")
        found[fields[0]] = fields[1]
    return found


def _bundled_version() -> str:
    try:
        lines = BUNDLED_VERSION_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:  # pragma: no cover - the file ships with the tables
        return "bundled"
    facts = dict(line.split(": ", 1) for line in lines if ": " in line)
    return f"bundled {facts.get('version', '?')} (valid from {facts.get('valid_from', '?')})"


@lru_cache(maxsize=8)
def _load(weights: str, weights_stamp: tuple[int, int], subs: str, subs_stamp: tuple[int, int]) -> ModulusTables:
    rows = _parse_weights(Path(weights).read_text(encoding="ascii", errors="strict"), weights)
    substitutions = _parse_substitutions(Path(subs).read_text(encoding="ascii", errors="strict"), subs)
    bundled = Path(weights) == BUNDLED_WEIGHTS_FILE and Path(subs) == BUNDLED_SUBSTITUTIONS_FILE
    return ModulusTables(rows, substitutions, _bundled_version() if bundled else f"{weights} and {subs}")


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError as exc:
        raise ModulusTableError(f"{path}: cannot be read ({exc.strerror})") from exc
    return info.st_mtime_ns, info.st_size


def load_tables(weights_file: str | Path | None = None, substitutions_file: str | Path | None = None) -> ModulusTables:
    """The weight and substitution tables: the bundled ones, or the files given (either may
    be given alone; an empty string means the bundled one). Read once per file version."""
    weights = Path(weights_file) if weights_file else BUNDLED_WEIGHTS_FILE
    subs = Path(substitutions_file) if substitutions_file else BUNDLED_SUBSTITUTIONS_FILE
    try:
        return _load(str(weights), _stamp(weights), str(subs), _stamp(subs))
    except UnicodeDecodeError as exc:
        raise ModulusTableError(f"{weights} or {subs}: not a plain text table ({exc.reason})") from exc


@dataclass(frozen=True)
class Standardised:
    sort_code: str  # 6 digits
    account_number: str  # 8 digits


def standardise(sort_code: str, account_number: str) -> Standardised | str:
    """The 6-digit sort code and 8-digit account number to check (2.1.2), or the reason the
    numbers cannot be used, in words for the resident (GOV.UK's bank details pattern)."""
    code = _SEPARATORS.sub("", sort_code or "")
    if not code:
        return "Enter a sort code"
    if not code.isascii() or not code.isdigit() or len(code) != 6:
        return "Enter a valid sort code like 309430: it must be 6 digits"
    typed = (account_number or "").strip()
    account = _SEPARATORS.sub("", typed)
    if not account:
        return "Enter an account number"
    if not account.isascii() or not account.isdigit():
        return "Enter a valid account number like 00733445: it must be numbers only"
    if len(account) in (6, 7, 8):
        return Standardised(code, account.rjust(8, "0"))  # 2.1.2: prefix 0 or 00
    if len(account) == 10 and _NATWEST_TEN_DIGITS.match(re.sub(r"\s", "", typed)):
        return Standardised(code, account[-8:])  # 2.1.2: NatWest, the last eight digits
    if len(account) in (9, 10):
        return (
            f"Your account number has {len(account)} digits. Banks shorten these in different ways, so "
            "enter the 8-digit account number (and the sort code) your bank gives for Direct Debits: "
            "it is on your statement or in your banking app"
        )
    return "Enter a valid account number like 00733445: it must be between 6 and 8 digits"


def _digit_sum(product: int) -> int:
    """Double alternate adds the digits of each product, not the products (1.3.3)."""
    return sum(int(c) for c in str(abs(product))) * (1 if product >= 0 else -1)


def _passes(row: WeightRow, sort_code: str, account: str, tables: ModulusTables) -> bool:
    """One check: a row of the weight table with its exception (2.2.2)."""
    if row.exception == 5:
        sort_code = tables.substitutions.get(sort_code, sort_code)
    elif row.exception == 8:
        sort_code = _EX8_SORT_CODE
    elif row.exception == 9:
        sort_code = _EX9_SORT_CODE
    digits = [int(c) for c in sort_code + account]
    a, b, c, g, h = digits[A], digits[B], digits[C], digits[G], digits[H]
    if row.exception == 3 and c in (6, 9):
        return True  # exception 3: the double alternate check need not be carried out
    weights = row.weights
    if row.exception == 2 and a != 0:
        weights = _EX2_WEIGHTS_G_9 if g == 9 else _EX2_WEIGHTS_G_NOT_9
    if (row.exception == 7 and g == 9) or (row.exception == 10 and (a, b) in ((0, 9), (9, 9)) and g == 9):
        weights = (0,) * 8 + weights[8:]  # exceptions 7 and 10: zeroise the weights u to b
    products = [d * w for d, w in zip(digits, weights)]
    total = sum(_digit_sum(p) for p in products) if row.method == DBLAL else sum(products)
    if row.exception == 1:
        total += 27  # exception 1: as if the institution number 580149 came first
    remainder = total % _MODULUS[row.method]
    if row.exception == 4:
        return remainder == g * 10 + h  # exception 4: the remainder is the check digits gh
    if row.exception == 5 and row.method == MOD11:
        # The check digit is g: remainder 0 needs g = 0, remainder 1 is never valid, else 11 - r = g.
        return g == 0 if remainder == 0 else remainder != 1 and 11 - remainder == g
    if row.exception == 5:
        return h == 0 if remainder == 0 else 10 - remainder == h  # the double alternate's check digit is h
    return remainder == 0


def check(
    sort_code: str,
    account_number: str,
    *,
    weights_file: str | Path | None = None,
    substitutions_file: str | Path | None = None,
) -> ModulusResult:
    """Modulus check a sort code and account number as typed (see the module's docstring);
    ``weights_file`` and ``substitutions_file`` are newer VALACDOS.txt and SCSUBTAB.txt files
    (None or "": the bundled ones)."""
    found = standardise(sort_code, account_number)
    if isinstance(found, str):
        return ModulusResult(Outcome.REFUSED, "", "", found)
    code, account = found.sort_code, found.account_number
    tables = load_tables(weights_file, substitutions_file)
    rows = tables.rows_for(code)
    if not rows:
        return ModulusResult(
            Outcome.NOT_CHECKABLE, code, account, "The sort code has no modulus check, so it is presumed valid"
        )
    a, g, h = int(account[A - 6]), int(account[G - 6]), int(account[H - 6])
    if any(row.exception == 6 for row in rows) and 4 <= a <= 8 and g == h:
        # Exception 6: a foreign currency account, which the checks cannot be used for.
        return ModulusResult(
            Outcome.NOT_CHECKABLE, code, account, "A foreign currency account, which cannot be modulus checked"
        )
    first = rows[0]
    passed = _passes(first, code, account, tables)
    if not passed and first.exception == 14:
        # Exception 14's second check (Coutts): only when h is 0, 1 or 9, with h dropped and
        # a 0 put in front, under the same weights.
        passed = account[7] in "019" and _passes(first, code, "0" + account[:7], tables)
    if len(rows) > 1:
        if first.exception in _FIRST_PASS_ENOUGH:
            passed = passed or _passes(rows[1], code, account, tables)
        else:
            passed = passed and _passes(rows[1], code, account, tables)
    if passed:
        return ModulusResult(Outcome.VALID, code, account, "")
    return ModulusResult(
        Outcome.INVALID,
        code,
        account,
        "Check your sort code and account number: this account number cannot be at this sort code",
    )


__all__ = [
    "BUNDLED_SUBSTITUTIONS_FILE",
    "BUNDLED_WEIGHTS_FILE",
    "ModulusResult",
    "ModulusTableError",
    "ModulusTables",
    "Outcome",
    "Standardised",
    "WeightRow",
    "check",
    "load_tables",
    "standardise",
]
