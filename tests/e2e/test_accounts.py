"""A resident's money in a real browser: history and filters, statements (screen, print,
PDF, CSV), and a question about one transaction that shows under "My requests"."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def test_a_resident_filters_history_gets_statements_and_asks_about_a_transaction(page, portal, width):
    # Asks for the year 1 April 2025 to 31 March 2026 below: a tenancy that began before it.
    signed_in_resident(page, portal, 5 if width == "desktop" else 6, started_before=date(2025, 4, 1))

    # The account page: balance, charges, chart and history.
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What you pay")).to_be_visible()
    history = page.get_by_role("region", name="Transaction list")
    expect(history.get_by_role("row").nth(1)).to_be_visible()
    accessible(page)

    # Filter to charges only: every account has them.
    page.get_by_text("Filter by date or type").click()
    page.get_by_label("Type", exact=True).select_option(label="Charges")
    page.get_by_role("button", name="Show transactions").click()
    expect(page.get_by_role("status").filter(has_text="charges")).to_be_visible()
    rows = history.get_by_role("row")
    expect(rows.nth(1)).to_be_visible()
    for text in rows.all_inner_texts()[1:]:
        assert re.search(r"Rent|Service charges|Other charge|Court costs|Repair recharge", text), text
        assert not re.search(r"Housing Benefit|Universal Credit|Direct Debit|\nPayment", text), text

    # A bad date is explained next to the field, and what was typed stays.
    page.locator("#from-day").fill("31")
    page.locator("#from-month").fill("2")
    page.locator("#from-year").fill("2024")
    page.get_by_role("button", name="Show transactions").click()
    expect(page.get_by_role("link", name=re.compile("must be a real date"))).to_be_visible()
    expect(page.locator("#from-day")).to_have_value("31")
    accessible(page)

    # Statements: on screen, printed, as PDF and as CSV.
    page.get_by_role("link", name="Statements", exact=True).first.click()
    expect(page.get_by_role("heading", name=re.compile("statement$"))).to_be_visible()
    accessible(page)
    period = page.locator(".summary-list").filter(has_text="Period").locator("dd").nth(1)
    # Own dates: the boxes are read back as typed.
    page.get_by_text("Choose your own dates").click()
    dates = page.get_by_role("group", name="Start date")
    dates.get_by_label("Day").fill("1")
    dates.get_by_label("Month").fill("4")
    dates.get_by_label("Year").fill("2025")
    dates = page.get_by_role("group", name="End date")
    dates.get_by_label("Day").fill("31")
    dates.get_by_label("Month").fill("3")
    dates.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show statement").click()
    expect(period).to_have_text("1 April 2025 to 31 March 2026")
    thirteen_weeks = period.inner_text()
    page.get_by_role("button", name=re.compile("^Since the tenancy began")).click()
    expect(period).not_to_have_text(thirteen_weeks)
    statement = page.get_by_role("region", name="Statement lines")
    expect(statement).to_be_visible()
    screen_rows = statement.locator("tbody tr").count() - 1  # less the opening balance row
    closing = page.locator(".summary-list").filter(has_text="Closing balance").locator("dd").nth(3).inner_text()
    reference = page.locator(".summary-list dd").first.inner_text()

    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Account")).to_be_hidden()
    expect(page.get_by_role("button", name="Print this statement")).to_be_hidden()
    expect(statement).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download as PDF").click()
    pdf_path = pdf_download.value.path()
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert reference in text
    assert closing in text

    with page.expect_download() as csv_download:
        page.get_by_role("link", name=re.compile("^Download as CSV")).click()
    with open(csv_download.value.path(), encoding="utf-8-sig") as fh:
        csv_rows = list(csv.reader(io.StringIO(fh.read())))
    body = [r for r in csv_rows[1:] if r and not re.search(r"(?i)opening|closing", " ".join(r))]
    assert len(body) == screen_rows
    assert any(closing.replace(" DR", "").replace(" CR", "").lstrip("£") in " ".join(r) for r in csv_rows)

    # The same link copied to another browser (no session cookie there) is refused.
    pdf_link = page.get_by_role("link", name="Download as PDF").get_attribute("href")
    assert page.request.get(f"{portal.base_url}{pdf_link}").status == 200  # this browser, its cookie
    elsewhere = page.context.browser.new_context(locale="en-GB")
    try:
        copied = elsewhere.request.get(f"{portal.base_url}{pdf_link}")
        assert copied.status == 403 and "no longer works" in copied.text()
    finally:
        elsewhere.close()

    # A question about one transaction, then "My requests".
    page.get_by_role("link", name="Balance and transactions").click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("^Ask about this")).first.click()
    expect(page.get_by_role("heading", name="Ask a question about your account")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    chosen = page.get_by_label(re.compile("Which payment or charge")).input_value()
    assert chosen != ""
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("link", name="Enter your question")).to_be_visible()
    accessible(page)
    page.get_by_label("Your question").fill("Why was this charged twice in the same week?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    request_ref = re.search(r"RQ-[A-Z0-9]{6}", page.get_by_text(re.compile("RQ-")).first.inner_text()).group(0)
    accessible(page)
    page.get_by_role("link", name="See all your requests").click()
    expect(page.get_by_role("heading", name="My requests")).to_be_visible()
    expect(page.get_by_text(request_ref)).to_be_visible()
    expect(page.get_by_text("Received").first).to_be_visible()
    accessible(page)
    page.get_by_role("link", name=re.compile(request_ref)).click()
    expect(page.get_by_role("heading", name=f"Request {request_ref}")).to_be_visible()
    accessible(page)


def test_a_download_link_does_not_work_without_a_live_session(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough")
    response = page.request.get(f"{portal.base_url}/api/statement.pdf?ticket=forged.ticket")
    assert response.status == 403
    assert response.headers["cache-control"] == "no-store"
    assert "no longer works" in response.text()


@pytest.mark.parametrize("width", ["desktop"], indirect=True)  # one leaseholder, registered once
def test_a_leaseholder_paying_major_works_by_instalments_reads_nothing_is_overdue_and_not_in_red(page, portal, width):
    from datetime import date

    from tests.e2e.steps import register

    email = "priya-sharma-e2e@example.org"
    before = register(page, portal, {"tenancy_ref": "SC100005", "dob": date(1972, 5, 9)}, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()

    works = page.get_by_role("region", name="Major works account")
    expect(works).to_contain_text(
        re.compile(r"You owe £[\d,]+\.\d\d, paid in instalments of £250\.00 a month; nothing is overdue")
    )
    expect(works.locator(".balance")).not_to_have_class(re.compile("balance--arrears"))
    expect(works).not_to_contain_text("(arrears)")
    accessible(page)

    works.get_by_role("link", name=re.compile("^Transactions and balance")).click()
    expect(page.get_by_role("heading", name=re.compile("^Major works account"))).to_be_visible()
    balance = page.get_by_role("region", name="Balance", exact=True)
    expect(balance).to_contain_text("nothing is overdue")
    expect(balance.locator(".balance")).not_to_have_class(re.compile("balance--arrears"))
    accessible(page)

    page.goto("/requests/new?kind=standing_order&account=MW100005")
    expect(page.get_by_text("Northbrook Homes Leasehold Account")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_role("button", name="Send").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("listitem")).to_have_count(1)


def _carries_plotly(response) -> bool:
    """A script that is Plotly itself (``plotly-basic.min-….js``, or a big chunk with its entry
    point or banner in it), as ``bench/lighthouse.py`` finds it."""
    name = response.url.split("?", 1)[0].rsplit("/", 1)[-1]
    if not name.endswith(".js"):
        return False
    if "plotly" in name.lower():
        return True
    try:
        body = response.body()
    except Exception:  # noqa: BLE001 - a redirect or a response with no body
        return False
    return (b"Plotly.newPlot" in body and len(body) > 500_000) or b"plotly.js v" in body


def test_on_a_phone_the_balance_chart_and_plotly_arrive_only_as_the_resident_scrolls_to_it(page, portal, width):
    if width == "desktop":
        pytest.skip("one width is enough: where the chart starts depends on the resident and the screen")
    signed_in_resident(page, portal, 7)
    scripts: list = []
    page.on("response", lambda response: scripts.append(response))
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("heading", name="What you pay")).to_be_visible()
    chart = page.get_by_role("region", name="Your balance over time")
    # The chart's words are there at once; its drawing, and Plotly, wait below the screen.
    expect(chart.locator("figcaption")).to_contain_text("Most owed")
    page.wait_for_timeout(1000)
    # This resident's chart starts below a phone's screen (balance, what you pay, then the chart).
    assert chart.bounding_box()["y"] > page.viewport_size["height"]
    expect(chart.locator(".js-plotly-plot")).to_have_count(0)
    assert not [r.url for r in scripts if _carries_plotly(r)]
    chart.scroll_into_view_if_needed()
    expect(chart.locator(".js-plotly-plot")).to_be_visible()
    assert [r.url for r in scripts if _carries_plotly(r)]
    accessible(page)
