"""'Download my data' (services/rights/my_data.py and the /api/my-data.* routes): everything
the portal holds about the resident, at once, and nobody else's: not the other joint
tenant's contact details, sign-ins, requests or payments (though the shared account and
its transactions are in both), and nothing of another household."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import AuditEvent, JointConsent, OutboxMessage, WaitingListEntry
from portal_app.services import audit
from portal_app.services.identity import auth, sessions, tickets, two_step
from portal_app.services.rights import my_data
from portal_app.settings import get_settings
from tests.factories import (
    PASSWORD,
    make_account,
    make_charge,
    make_home,
    make_money_request,
    make_officer,
    make_party,
    make_person,
    make_portal_payment,
    make_portal_user,
    make_posting,
    make_tenancy,
)

A_IP, B_IP, C_IP = "198.51.100.11", "198.51.100.22", "198.51.100.33"


def _sign_in(session: Session, email: str, ip: str, at: datetime) -> str:
    outcome = auth.sign_in(session, email, PASSWORD, client=f"{ip} Firefox/140.0", client_ip=ip, now=at)
    assert outcome.status == "signed_in", outcome
    return outcome.token


@pytest.fixture
def households(db):
    """A joint tenancy (Ada, lead tenant, and Bea, joint tenant: both registered) with one
    rent account, and another household (Cal). Each has signed in, made a request and, for
    Bea, a portal payment on the shared account. Committed; returns the tokens too."""
    now = utcnow() - timedelta(minutes=5)
    with Session(db, expire_on_commit=False) as s:
        officer = make_officer(s, "Priya Shah")
        home = make_home(s, "14 Larch Walk", None, postcode="NB3 9ZZ")
        ada = make_person(s, "Ada", "Okafor", dob=date(1971, 5, 4), ref="PERSON-ADA")
        bea = make_person(s, "Bea", "Okafor", dob=date(1983, 9, 17), ref="PERSON-BEA")
        tenancy = make_tenancy(s, home=home, ref="TEN-JOINT", income_officer=officer)
        make_party(s, tenancy, ada, "lead_tenant")
        make_party(s, tenancy, bea, "joint_tenant")
        shared = make_account(s, tenancy, ref="RENT-JOINT")
        make_charge(s, shared, 11_400, start=date(2020, 4, 6), description="Basic rent")
        make_posting(s, shared, date(2026, 1, 5), "rent_charge", 11_400, "Rent", ref="T-JOINT-1")
        make_posting(s, shared, date(2026, 1, 9), "payment", -5_000, "Card payment", ref="T-JOINT-2")
        ada_user = make_portal_user(s, ada, tenancy, email="ada@example.org", mobile="+447700900111")
        bea_user = make_portal_user(s, bea, tenancy, email="bea.private@example.org", mobile="+447700900222")
        make_money_request(s, ada_user, shared, summary="Ada asks about the rent rise", reference="RQ-ADA111", at=now)
        make_money_request(s, bea_user, shared, summary="Bea's private question", reference="RQ-BEA222", at=now)
        make_portal_payment(s, shared, bea_user, 2_500, "PAY-BEA-OWN", at=now)
        make_portal_payment(s, shared, ada_user, 1_500, "PAY-ADA-OWN", at=now)

        cal = make_person(s, "Cal", "Brennan", ref="PERSON-CAL")
        other = make_tenancy(s, home=make_home(s, "2 Ash Row", None, postcode="NB7 1QQ"), ref="TEN-OTHER")
        make_party(s, other, cal)
        cal_account = make_account(s, other, ref="RENT-OTHER")
        make_posting(s, cal_account, date(2026, 1, 5), "rent_charge", 9_900, "Rent for Cal", ref="T-OTHER-1")
        cal_user = make_portal_user(s, cal, other, email="cal@example.org")
        make_money_request(s, cal_user, cal_account, summary="Cal's question", reference="RQ-CAL333", at=now)
        s.commit()

        tokens = {
            "ada": _sign_in(s, "ada@example.org", A_IP, now),
            "bea": _sign_in(s, "bea.private@example.org", B_IP, now),
            "cal": _sign_in(s, "cal@example.org", C_IP, now),
        }
        auth.sign_in(s, "bea.private@example.org", "wrong", client=B_IP, client_ip=B_IP, now=now)
        s.commit()
    return {"ada": ada_user, "bea": bea_user, "cal": cal_user, "tokens": tokens, "shared": shared}


def _collect(db, user_id: int) -> my_data.MyData:
    with Session(db) as s:
        return my_data.collect(s, user_id, now=utcnow(), settings=get_settings())


NOT_ADAS = (
    "bea.private@example.org",
    "+447700900222",
    "1983-09-17",
    "PERSON-BEA",
    "RQ-BEA222",
    "Bea's private question",
    "PAY-BEA-OWN",
    B_IP,
    "cal@example.org",
    "Cal",
    "Brennan",
    "TEN-OTHER",
    "RENT-OTHER",
    "RQ-CAL333",
    "Rent for Cal",
    C_IP,
)


def test_the_download_holds_the_residents_account_records_accounts_requests_and_sign_ins(db, households):
    ada = households["ada"]

    data = _collect(db, ada.id).sections

    account = data["your_portal_account"]
    assert (account["email"], account["mobile"], account["two_step_sign_in"]) == (
        "ada@example.org",
        "+447700900111",
        "Off",
    )
    assert data["your_choices"]["letters_by_post"] == "Yes"
    person = data["you_in_our_records"]
    assert (person["first_name"], person["last_name"], person["date_of_birth"]) == ("Ada", "Okafor", "1971-05-04")
    (tenancy,) = data["tenancies"]
    assert tenancy["tenancy_reference"] == "TEN-JOINT"
    assert tenancy["address"] == "14 Larch Walk, Northbrook NB3 9ZZ"
    assert tenancy["named_on_it"] == ["Ada Okafor", "Bea Okafor"]  # names, as a statement shows them
    assert tenancy["your_income_officer"] == "Priya Shah"
    (rent,) = data["accounts"]
    assert rent["account_reference"] == "RENT-JOINT"
    assert rent["balance"] == {"pence": 6_400, "shown_as": "£64.00 DR", "in_words": "You owe £64.00 (arrears)"}
    assert [(t["date"], t["amount_pence"], t["balance_after"]) for t in rent["transactions"]] == [
        ("2026-01-05", 11_400, "£114.00 DR"),
        ("2026-01-09", -5_000, "£64.00 DR"),
    ]
    assert [c["description"] for c in rent["charges_now"]] == ["Basic rent"]
    assert [r["reference"] for r in data["requests"]] == ["RQ-ADA111"]
    assert data["requests"][0]["updates"] == []
    assert [p["reference"] for p in data["payments_made_in_the_portal"]] == ["PAY-ADA-OWN"]
    assert [(h["what"], h["from_address"]) for h in data["sign_in_history"]] == [("Signed in with your password", A_IP)]


def test_on_a_joint_tenancy_the_shared_account_is_in_both_downloads_and_the_other_tenants_own_data_in_neither(
    db, households
):
    adas = json.dumps(dict(_collect(db, households["ada"].id).sections))
    beas = json.dumps(dict(_collect(db, households["bea"].id).sections))

    assert "RENT-JOINT" in adas and "RENT-JOINT" in beas
    assert [needle for needle in NOT_ADAS if needle in adas] == []
    assert "bea.private@example.org" in beas and "RQ-BEA222" in beas and "PAY-BEA-OWN" in beas
    assert [n for n in ("ada@example.org", "RQ-ADA111", "PAY-ADA-OWN", A_IP, "1971-05-04") if n in beas] == []


def test_neither_the_password_hash_nor_the_two_step_key_nor_recovery_codes_are_in_it(db, households):
    ada = households["ada"]
    with Session(db) as s:
        setup = two_step.begin_setup("ada@example.org", issuer="Northbrook Homes")
        import pyotp

        codes = two_step.confirm_setup(s, ada.id, setup.secret, pyotp.TOTP(setup.secret).now(), now=utcnow())
        s.commit()
        user = s.get(type(ada), ada.id)
        stored = (user.password_hash, user.totp_secret_enc)

    data = _collect(db, ada.id)
    text = my_data.to_json(data).decode() + my_data.to_html(data).decode()

    assert data.sections["your_portal_account"]["two_step_sign_in"] == "On"
    assert data.sections["your_portal_account"]["recovery_codes_left"] == 10
    assert [s for s in (*stored, setup.secret, *codes, PASSWORD) if s in text] == []
    assert "argon2" not in text


def test_a_joint_refund_answer_and_the_envelopes_of_emails_are_in_it_and_the_email_text_is_not(db, households):
    ada, bea = households["ada"], households["bea"]
    with Session(db) as s:
        refund = make_money_request(s, bea, households["shared"], kind="refund", summary="Bea's refund")
        s.add(JointConsent(request_id=refund.id, person_id=ada.person_id, user_id=ada.id, asked_at=utcnow()))
        s.add(
            OutboxMessage(
                to_address="ada@example.org",
                subject="Your code",
                body_text="Your code is 551177",
                kind="register_code",
                created_at=utcnow(),
                next_attempt_at=utcnow(),
            )
        )
        s.commit()

    data = _collect(db, ada.id)
    text = my_data.to_json(data).decode()

    assert data.sections["joint_refund_answers"][0]["about"] == "A refund from the shared account RENT-JOINT"
    assert data.sections["joint_refund_answers"][0]["your_answer"] == "Not answered"
    assert [m["subject"] for m in data.sections["emails_we_sent_you"]] == ["Your code"]
    assert "551177" not in text and "Bea's refund" not in text


def test_what_her_email_address_left_on_the_waiting_list_is_in_it_and_nobody_elses(db, households):
    with Session(db) as s:
        for email, name in (("ada@example.org", "Ada Okafor"), ("bea.private@example.org", "Bea on the list")):
            s.add(WaitingListEntry(name=name, tenancy_reference="TEN-JOINT", email=email, created_at=utcnow()))
        s.commit()

    data = _collect(db, households["ada"].id)

    assert [(w["name"], w["tenancy_reference"]) for w in data.sections["waiting_list"]] == [("Ada Okafor", "TEN-JOINT")]
    assert "Bea on the list" not in my_data.to_json(data).decode()


def test_the_readable_copy_is_one_page_with_headings_captions_and_no_scripts(db, households):
    page = my_data.to_html(_collect(db, households["ada"].id)).decode()

    assert page.startswith('<!doctype html><html lang="en-GB">')
    assert "<h1>Your data from Northbrook Homes</h1>" in page
    for title in my_data.SECTION_TITLES.values():
        if title != "About this download":
            assert f"<h2>{title}</h2>" in page, title
    assert "<caption>Every transaction on Rent account RENT-JOINT, oldest first</caption>" in page
    assert '<th scope="col">' in page
    assert "<script" not in page and "src=" not in page
    assert [needle for needle in NOT_ADAS if needle in page] == []


# --- the download routes --------------------------------------------------------------------


def _ticket(db, token: str, kind: str, user_id: int) -> str:
    with Session(db) as s:
        principal = sessions.resolve_session(s, token, now=utcnow())
        s.commit()
    return tickets.issue(
        session_id=principal.session_id,
        user_id=user_id,
        account_id=None,
        kind=kind,
        date_from=None,
        date_to=None,
        now=utcnow(),
    )


def _browser(token: str | None) -> TestClient:
    return TestClient(api_app(), cookies={"doorstep_session": token} if token else None)


def _downloads(db) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == audit.DATA_DOWNLOADED)).all())


def test_the_resident_downloads_her_data_as_json_and_as_a_page_at_once_and_each_download_is_recorded(db, households):
    ada, token = households["ada"], households["tokens"]["ada"]
    client = _browser(token)

    as_json = client.get(f"/api/my-data.json?ticket={_ticket(db, token, 'my_data_json', ada.id)}")
    as_page = client.get(f"/api/my-data.html?ticket={_ticket(db, token, 'my_data_html', ada.id)}")

    assert as_json.status_code == 200 and as_page.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["cache-control"] == "no-store"
    assert as_json.headers["content-disposition"].startswith('attachment; filename="my-data-')
    assert as_json.json()["your_portal_account"]["email"] == "ada@example.org"
    assert as_page.headers["content-type"].startswith("text/html")
    assert "ada@example.org" in as_page.text
    assert [needle for needle in NOT_ADAS if needle in as_json.text + as_page.text] == []
    lines = _downloads(db)
    assert [(ln.actor_kind, ln.actor_id, ln.subject_user_id) for ln in lines] == [(audit.RESIDENT, ada.id, ada.id)] * 2
    assert {json.loads(ln.detail)["format"] for ln in lines} == {"JSON", "a readable page"}


def test_a_download_link_works_only_with_the_session_it_was_made_in(db, households):
    ada, tokens = households["ada"], households["tokens"]
    adas_ticket = _ticket(db, tokens["ada"], "my_data_json", ada.id)

    for token in (tokens["bea"], tokens["cal"], None):  # copied to another browser, or one signed out
        refused = _browser(token).get(f"/api/my-data.json?ticket={adas_ticket}")
        assert refused.status_code == 403
        assert "ada@example.org" not in refused.text and "Go back to your data" in refused.text
    assert _downloads(db) == []


def test_a_ticket_of_another_kind_a_forged_one_or_one_after_sign_out_is_refused(db, households):
    ada, token = households["ada"], households["tokens"]["ada"]
    client = _browser(token)
    json_ticket = _ticket(db, token, "my_data_json", ada.id)

    assert client.get(f"/api/my-data.html?ticket={json_ticket}").status_code == 403
    assert client.get(f"/api/my-data.json?ticket={json_ticket[:-2]}xx").status_code == 403
    assert client.get("/api/my-data.json").status_code == 403
    # A statement's ticket names an account: it is no data download, and the reverse.
    assert client.get(f"/api/statement.csv?ticket={json_ticket}").status_code == 403
    with Session(db) as s:
        sessions.sign_out(s, token, now=utcnow())
        s.commit()
    assert client.get(f"/api/my-data.json?ticket={json_ticket}").status_code == 403
    assert _downloads(db) == []


def test_a_data_ticket_cannot_name_an_account_and_a_statement_ticket_must():
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with pytest.raises(ValueError, match="names no account"):
        tickets.issue(session_id=1, user_id=1, account_id=5, kind="my_data_json", date_from=None, date_to=None, now=now)
    with pytest.raises(ValueError, match="needs an account"):
        tickets.issue(
            session_id=1, user_id=1, account_id=None, kind="statement_csv", date_from=None, date_to=None, now=now
        )
    ticket = tickets.issue(
        session_id=1, user_id=1, account_id=None, kind="my_data_html", date_from=None, date_to=None, now=now
    )
    assert tickets.verify(ticket, now=now).account_id is None
    assert tickets.verify(ticket, now=now + tickets.LIFETIME) is None


def test_her_direct_debit_is_in_her_download_with_the_bank_details_masked_and_not_in_the_other_tenants(db, households):
    from types import SimpleNamespace

    from portal_app.services.payments import direct_debit

    bea = households["bea"]
    caller = SimpleNamespace(user_id=bea.id, person_id=bea.person_id, tenancy_id=bea.tenancy_id)
    form = {
        "account_name": "Mrs B Okafor-Ruiz",
        "sort_code": "08-99-99",
        "account_number": "66374958",
        "frequency": "monthly",
        "collection_day": "15",
        "authorise": "yes",
    }
    with Session(db) as s:
        done = direct_debit.set_up(s, caller, "RENT-JOINT", form, now=utcnow(), settings=get_settings())
        s.commit()
    assert done.outcome == "done"

    beas = _collect(db, bea.id).sections
    adas = json.dumps(dict(_collect(db, households["ada"].id).sections))
    [mine] = beas["direct_debits"]
    assert mine["reference"] == done.reference and mine["account_reference"] == "RENT-JOINT"
    assert mine["bank_account"] == "Sort code ending 99, account ending 4958"
    assert mine["how_often"] == "every month" and mine["status"] == "Active"
    everything = json.dumps(dict(beas)) + my_data.to_html(_collect(db, bea.id)).decode()
    assert "66374958" not in everything and "089999" not in everything and "08-99-99" not in everything
    assert "Direct Debits you set up" in everything
    assert done.reference not in adas and "Mrs B Okafor-Ruiz" not in adas  # her bank's name for her


def test_a_repair_she_reported_is_in_her_download_and_not_in_the_other_tenants(db, households):
    from types import SimpleNamespace

    from portal_app.services.repairs import reporting

    bea = households["bea"]
    caller = SimpleNamespace(user_id=bea.id, person_id=bea.person_id, tenancy_id=bea.tenancy_id)
    form = {
        "path": "kitchen/taps/leaking_tap",
        "description": "The cold tap drips; Bea's own words",
        "pets": "Two cats, keep the door shut",
        "contact_way": "phone",
        "contact_phone": "07700 900 222",
    }
    with Session(db) as s:
        done = reporting.report(s, caller, form, now=utcnow(), settings=get_settings())
        s.commit()
    assert done.outcome == "done"

    [mine] = _collect(db, bea.id).sections["repairs_you_reported"]
    assert mine["reference"] == done.reference and mine["what_you_told_us"] == "The cold tap drips; Bea's own words"
    assert "Two cats" in mine["getting_in"] and mine["phone_number"] == "07700900222"
    assert "Repairs you reported" in my_data.to_html(_collect(db, bea.id)).decode()
    adas = json.dumps(dict(_collect(db, households["ada"].id).sections))
    assert done.reference not in adas and "Two cats" not in adas


def test_her_preferences_files_letters_and_transfer_application_are_in_her_download_and_not_anothers(db, households):
    from portal_app.models import RequestEvidence, ResidentDocument, TransferApplication

    ada, bea, cal = households["ada"], households["bea"], households["cal"]
    now = utcnow()
    with Session(db) as s:
        user = s.get(type(bea), bea.id)
        user.phone, user.preferred_contact, user.texts_wanted, user.wants_repair_updates = (
            "01632 960001",
            "text",
            True,
            False,
        )
        s.add(user)
        s.add(
            RequestEvidence(
                user_id=bea.id,
                key="k-bea-1",
                data=b"%PDF-1.4",
                content_type="application/pdf",
                name="birth-certificate.pdf",
                size_bytes=8,
                sha256="0" * 64,
                created_at=now,
            )
        )
        for ref, person_id, title in (
            ("DOC-ALL", None, "Your rent from April"),
            ("DOC-ADA", ada.person_id, "Ada only"),
        ):
            s.add(
                ResidentDocument(
                    document_ref=ref,
                    tenancy_id=bea.tenancy_id,
                    person_id=person_id,
                    kind="letter",
                    title=title,
                    issued_on=date(2026, 3, 1),
                    data=b"%PDF-1.4",
                    size_bytes=8,
                    sha256="0" * 64,
                    imported_at=now,
                )
            )
        s.add(
            TransferApplication(
                application_ref="TA-77",
                tenancy_id=bea.tenancy_id,
                band="Band B",
                effective_date=date(2025, 6, 1),
                status="active",
                bedrooms_needed=3,
            )
        )
        s.commit()

    sections = _collect(db, bea.id).sections
    assert sections["your_choices"]["how_we_contact_you"] == "Text message"
    assert sections["your_choices"]["other_phone"] == "01632 960001"
    assert sections["your_choices"]["repair_updates"] == "No"
    [sent] = sections["files_you_sent"]
    assert (sent["file"], sent["type"], sent["request"]) == (
        "birth-certificate.pdf",
        "PDF",
        "Not sent (deleted after a day)",
    )
    assert [letter["title"] for letter in sections["letters_in_the_portal"]] == ["Your rent from April"]
    assert sections["transfer_applications"][0]["band"] == "Band B"
    page = my_data.to_html(_collect(db, bea.id)).decode()
    assert "Files you sent with requests" in page and "Transfer applications" in page
    cals = json.dumps(dict(_collect(db, cal.id).sections))
    assert "birth-certificate.pdf" not in cals and "TA-77" not in cals and "Your rent from April" not in cals
