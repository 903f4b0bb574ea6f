"""Texts and email through GOV.UK Notify (integrations/notify.py, services/mail/outbox.py,
receipts.py, texts.py, api/notify_callback.py), against a local Notify that checks what
Notify checks (tests/notify_server.py), over real HTTP: each message goes with its kind's
template and personalisation, a bad key is refused and recorded, delivery is read back, a
temporary failure is tried again and a permanent one is not, the callback believes only
its token, and only residents who chose texts are texted about their repair appointments."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
import requests
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.integrations.mail import Channels, LocalTransport, SmtpTransport
from portal_app.integrations.notify import NotifyTransport
from portal_app.integrations.transports import transport_from
from portal_app.models import OutboxMessage, PortalUser
from portal_app.services.mail import outbox, receipts, texts
from portal_app.services.repairs import appointments, office
from portal_app.settings import get_settings, load_settings
from portal_app.worker import job_named, run_job
from tests.notify_server import NotifyServer
from tests.unit.repairs import conftest as repairs_fixtures
from tests.unit.repairs.test_appointments import NOW as REPAIRS_NOW
from tests.unit.repairs.test_appointments import _offer

# The repairs tests' fixtures: the sandbox contractor and two homes, each with a leaking tap.
sandbox = repairs_fixtures.sandbox
two = repairs_fixtures.two

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
MOBILE = "+447700900123"
CALLBACK_TOKEN = "callback-token-for-tests-0123456789"

EMAIL_DEFAULT = NotifyServer.email_template(name="Portal email")
EMAIL_RESET = NotifyServer.email_template(subject="((subject))", body="Northbrook Homes\n\n((body))", name="Reset")
SMS_DEFAULT = NotifyServer.sms_template(name="Portal text")
SMS_REPAIR = NotifyServer.sms_template(body="((body)) Reply STOP? Call us instead.", name="Repair text")


@pytest.fixture
def notify():
    with NotifyServer(templates=[EMAIL_DEFAULT, EMAIL_RESET, SMS_DEFAULT, SMS_REPAIR]) as server:
        yield server


def transport_for(server: NotifyServer, *, api_key: str | None = None) -> NotifyTransport:
    return NotifyTransport(
        api_key or server.api_key,
        base_url=server.base_url,
        email_templates=[("default", EMAIL_DEFAULT.id), ("password_reset", EMAIL_RESET.id)],
        sms_templates=[("default", SMS_DEFAULT.id), ("repair_update", SMS_REPAIR.id)],
        timeout=5,
    )


def queue_email(db, *, kind: str = "password_reset") -> int:
    with Session(db) as s:
        outbox.queue_mail(
            s, to="ada@example.org", subject="Set a new password", body="Open this link", kind=kind, now=NOW
        )
        s.commit()
        return s.exec(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()


def queue_text(db, *, to: str = MOBILE, kind: str = "repair_update", body: str = "Your repair is booked.") -> int:
    with Session(db) as s:
        texts.queue_text(s, to=to, body=body, kind=kind, now=NOW)
        s.commit()
        return s.exec(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()


def stored(db, message_id: int) -> OutboxMessage:
    with Session(db) as s:
        return s.get(OutboxMessage, message_id)


def sent_one(db, server: NotifyServer, transport, *, at: datetime = NOW) -> OutboxMessage:
    delivered, failed = outbox.deliver_due(db, transport, at)
    assert (delivered, failed) == (1, 0)
    with Session(db) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.status == "sent")).one()


def test_an_email_and_a_text_go_through_notify_with_their_kinds_templates_and_personalisation(db, notify):
    email_id, text_id = queue_email(db), queue_text(db, to="07700 900123")

    delivered, failed = outbox.deliver_due(db, transport_for(notify), NOW)

    assert (delivered, failed) == (2, 0)
    email, text = notify.sent("email")[0], notify.sent("sms")[0]
    assert (email.template.id, email.to, email.reference) == (EMAIL_RESET.id, "ada@example.org", f"outbox-{email_id}")
    assert email.personalisation == {"subject": "Set a new password", "body": "Open this link"}
    assert email.body == "Northbrook Homes\n\nOpen this link" and email.subject == "Set a new password"
    assert (text.template.id, text.to, text.reference) == (SMS_REPAIR.id, MOBILE, f"outbox-{text_id}")
    assert text.body == "Your repair is booked. Reply STOP? Call us instead."
    for message_id, notification in ((email_id, email), (text_id, text)):
        row = stored(db, message_id)
        assert (row.status, row.provider_ref, row.delivery_status) == ("sent", notification.id, "created")


def test_a_kind_with_no_template_of_its_own_goes_with_the_default_template(db, notify):
    queue_email(db, kind="repair_update")
    queue_text(db, kind="payment_reminder")

    outbox.deliver_due(db, transport_for(notify), NOW)

    assert [n.template.id for n in notify.sent()] == [EMAIL_DEFAULT.id, SMS_DEFAULT.id]


def test_a_key_notify_does_not_know_is_refused_and_recorded_and_the_message_waits_without_the_key_logged(
    db, notify, caplog
):
    message_id = queue_text(db)
    other = NotifyServer().api_key  # a real-looking key for another service
    caplog.set_level(logging.DEBUG)

    delivered, failed = outbox.deliver_due(db, transport_for(notify, api_key=other), NOW)

    row = stored(db, message_id)
    assert (delivered, failed) == (0, 1) and notify.sent() == []
    assert row.status == "pending" and row.next_attempt_at > NOW
    assert "403" in row.last_error and "AuthError: Invalid token: service not found" in row.last_error
    secret = other[-36:]
    assert secret not in caplog.text and secret not in row.last_error


def test_a_token_signed_with_another_secret_or_too_old_is_refused_by_notify(notify):
    def post(token: str) -> requests.Response:
        return requests.post(
            f"{notify.base_url}/v2/notifications/sms",
            json={"phone_number": MOBILE, "template_id": SMS_DEFAULT.id, "personalisation": {"body": "hi"}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

    now = int(time.time())
    wrong_secret = post(
        jwt.encode({"iss": notify.service_id, "iat": now}, "0c9f7e2a-6a52-4a8e-9a0b-8d1f0e3c2b1a", algorithm="HS256")
    )
    too_old = post(jwt.encode({"iss": notify.service_id, "iat": now - 31}, notify.secret, algorithm="HS256"))
    right = post(jwt.encode({"iss": notify.service_id, "iat": now}, notify.secret, algorithm="HS256"))
    unsigned = requests.get(f"{notify.base_url}/v2/notifications/{right.json()['id']}", timeout=5)

    assert (wrong_secret.status_code, wrong_secret.json()["errors"][0]["error"]) == (403, "AuthError")
    assert too_old.status_code == 403 and "30 seconds" in too_old.json()["errors"][0]["message"]
    assert right.status_code == 201 and right.json()["content"]["body"] == "hi"
    assert unsigned.status_code == 401


def test_a_number_notify_will_not_text_is_recorded_failed_and_not_tried_again(db, notify):
    with Session(db) as s:  # written straight to the outbox: queue_text itself refuses it
        s.add(
            OutboxMessage(
                to_address="+441632960000",
                subject="Text message",
                body_text="Hello",
                kind="repair_update",
                channel="sms",
                created_at=NOW,
                next_attempt_at=NOW,
            )
        )
        s.commit()

    first = outbox.deliver_due(db, transport_for(notify), NOW)
    later = outbox.deliver_due(db, transport_for(notify), NOW + timedelta(hours=1))

    with Session(db) as s:
        row = s.exec(select(OutboxMessage)).one()
    assert first == (0, 1) and later == (0, 0)
    assert row.status == "failed" and "ValidationError: phone_number Not a UK mobile number" in row.last_error


def test_the_delivery_status_is_read_back_until_notify_has_finished_with_the_message(db, notify):
    transport = transport_for(notify)
    queue_text(db)
    row = sent_one(db, notify, transport)

    notify.set_status(row.provider_ref, "sending")
    assert receipts.check_delivery(db, transport, now=NOW + timedelta(minutes=1)) == 0
    assert stored(db, row.id).delivery_status == "sending"
    notify.set_status(row.provider_ref, "delivered")
    assert receipts.check_delivery(db, transport, now=NOW + timedelta(seconds=90)) == 0  # read a minute at most
    assert receipts.check_delivery(db, transport, now=NOW + timedelta(minutes=2)) == 1
    reads = len(notify.requests)
    assert receipts.check_delivery(db, transport, now=NOW + timedelta(minutes=10)) == 0
    assert len(notify.requests) == reads  # finished with: not asked again

    done = stored(db, row.id)
    assert (done.status, done.delivery_status, done.delivery_checked_at) == (
        "sent",
        "delivered",
        NOW + timedelta(minutes=2),
    )


def test_the_workers_check_delivery_job_reads_back_through_the_transport_it_is_given(db, notify):
    transport = transport_for(notify)
    queue_text(db)
    row = sent_one(db, notify, transport)
    notify.set_status(row.provider_ref, "delivered")
    job = job_named("mail.check_delivery")

    without_notify = run_job(job, engine=db, transport=LocalTransport(), now=NOW + timedelta(minutes=1))
    with_notify = run_job(
        job, engine=db, transport=Channels(LocalTransport(), transport), now=NOW + timedelta(minutes=1)
    )

    assert (without_notify, with_notify) == (0, 1)
    assert stored(db, row.id).delivery_status == "delivered"


def test_a_temporary_failure_is_sent_again_from_the_outbox_and_a_permanent_one_is_not(db, notify):
    transport = transport_for(notify)
    temporary_id, permanent_id = queue_text(db), queue_text(db, to="07700900456")
    outbox.deliver_due(db, transport, NOW)
    temporary, permanent = stored(db, temporary_id), stored(db, permanent_id)
    notify.set_status(temporary.provider_ref, "temporary-failure")
    notify.set_status(permanent.provider_ref, "permanent-failure")

    assert receipts.check_delivery(db, transport, now=NOW + timedelta(minutes=1)) == 2
    retry = stored(db, temporary_id)
    assert retry.status == "pending" and "temporary-failure" in retry.last_error
    assert stored(db, permanent_id).status == "failed"

    again = outbox.deliver_due(db, transport, NOW + timedelta(minutes=5))

    assert again == (1, 0)
    resent = stored(db, temporary_id)
    assert resent.status == "sent" and resent.provider_ref not in (None, temporary.provider_ref)
    assert [n.to for n in notify.sent("sms")] == [MOBILE, "+447700900456", MOBILE]  # the permanent one once
    final = stored(db, permanent_id)
    assert (final.status, final.delivery_status, final.attempts) == ("failed", "permanent-failure", 1)


def test_a_text_that_fails_every_time_is_given_up_after_three_tries(db, notify):
    transport = transport_for(notify)
    message_id = queue_text(db)
    at = NOW
    for _ in range(receipts.MAX_TRIES):
        assert outbox.deliver_due(db, transport, at) == (1, 0)
        notify.set_status(stored(db, message_id).provider_ref, "technical-failure")
        at += timedelta(minutes=5)
        receipts.check_delivery(db, transport, now=at)
        at += timedelta(minutes=5)

    row = stored(db, message_id)
    assert (row.status, row.attempts) == ("failed", 3) and "after 3 tries" in row.last_error
    assert outbox.deliver_due(db, transport, at + timedelta(hours=1)) == (0, 0)
    assert len(notify.sent("sms")) == 3


def test_notify_down_holds_texts_back_but_not_the_mail_going_by_smtp(db, notify):
    class Collecting(LocalTransport):
        name = "collecting"

        def __init__(self) -> None:
            self.sent: list[str] = []

        def send(self, mail):
            self.sent.append(mail.to_address)

    email = Collecting()
    text_id = queue_text(db)
    queue_text(db, to="07700900456")
    queue_email(db)
    notify.fail_next(503, count=5)

    delivered, failed = outbox.deliver_due(db, Channels(email, transport_for(notify)), NOW)

    assert (delivered, failed) == (1, 1) and email.sent == ["ada@example.org"]
    with Session(db) as s:
        waiting = s.exec(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
    assert {m.status for m in waiting} == {"pending"}
    assert all(m.next_attempt_at > NOW for m in waiting) and stored(db, text_id).attempts == 1


def _callback(body: bytes, headers: dict[str, str]):
    return TestClient(api_app()).post("/api/notify/callback", content=body, headers=headers)


@pytest.fixture
def callback_token(monkeypatch):
    settings = dataclasses.replace(get_settings(), notify_callback_token=CALLBACK_TOKEN)
    monkeypatch.setattr("portal_app.api.notify_callback.get_settings", lambda: settings)
    return CALLBACK_TOKEN


def test_the_delivery_callback_with_the_right_token_records_delivery(db, notify, callback_token):
    queue_text(db)
    row = sent_one(db, notify, transport_for(notify))
    notify.callback_token = callback_token
    notify.set_status(row.provider_ref, "delivered")

    answer = _callback(*notify.callback(row.provider_ref))
    repeat = _callback(*notify.callback(row.provider_ref))

    assert (answer.status_code, answer.json()["outcome"]) == (200, "recorded")
    assert repeat.status_code == 200
    assert stored(db, row.id).delivery_status == "delivered"


def test_the_delivery_callback_with_a_wrong_token_or_none_is_refused_and_changes_nothing(db, notify, callback_token):
    queue_text(db)
    row = sent_one(db, notify, transport_for(notify))
    notify.set_status(row.provider_ref, "permanent-failure")

    wrong = _callback(*notify.callback(row.provider_ref, token="callback-token-for-tests-0123456788"))
    body, headers = notify.callback(row.provider_ref, token=callback_token)
    missing = _callback(body, {"Content-Type": "application/json"})
    not_bearer = _callback(body, {"Authorization": f"Basic {callback_token}"})
    nonsense = _callback(json.dumps(["not", "a", "status"]).encode(), headers)

    assert [wrong.status_code, missing.status_code, not_bearer.status_code] == [401, 401, 401]
    assert nonsense.status_code == 400
    assert (stored(db, row.id).status, stored(db, row.id).delivery_status) == ("sent", "created")


def test_without_notify_texts_stay_in_the_local_outbox_and_smtp_never_mails_a_phone_number(db):
    first, second = queue_text(db), queue_text(db)

    outbox.deliver_due(db, LocalTransport(), NOW)
    outbox.deliver_due(db, SmtpTransport("smtp://127.0.0.1:9", timeout=1), NOW)  # nothing listens there

    assert stored(db, first).status == "local" and stored(db, second).status == "local"
    with Session(db) as s:  # closed, or PostgreSQL's TRUNCATE after the test waits for its transaction
        assert [m.to_address for m in outbox.recent_messages(s)] == [MOBILE, MOBILE]


def test_the_settings_choose_notify_for_texts_and_for_email_only_when_asked(tmp_path):
    where = str(tmp_path)
    key = NotifyServer().api_key
    ids = "default=" + SMS_DEFAULT.id
    local = transport_from(load_settings({"PORTAL_DATA_DIR": where}))
    texts_only = transport_from(
        load_settings(
            {"PORTAL_DATA_DIR": where, "NOTIFY_API_KEY": key, "SMTP_URL": "smtp://x", "NOTIFY_SMS_TEMPLATE_IDS": ids}
        )
    )
    asked = {"PORTAL_DATA_DIR": where, "NOTIFY_API_KEY": key, "MAIL_TRANSPORT": "notify"}
    with pytest.raises(ValueError, match="NOTIFY_SMS_TEMPLATE_IDS needs a default"):
        transport_from(load_settings(asked))
    both = {"NOTIFY_SMS_TEMPLATE_IDS": ids, "NOTIFY_EMAIL_TEMPLATE_IDS": f"default={EMAIL_DEFAULT.id}"}
    everything = transport_from(load_settings(asked | both))

    assert isinstance(local, LocalTransport)
    assert isinstance(texts_only, Channels) and isinstance(texts_only.email, SmtpTransport)
    assert isinstance(texts_only.sms, NotifyTransport) and isinstance(everything, NotifyTransport)
    assert key[-36:] not in repr(texts_only.sms) and key[-36:] not in repr(
        load_settings({"PORTAL_DATA_DIR": where, "NOTIFY_API_KEY": key})
    )
    with pytest.raises(ValueError, match="NOTIFY_API_KEY is not"):
        load_settings({"PORTAL_DATA_DIR": where, "NOTIFY_API_KEY": "not-a-key"})


# --- residents ---------------------------------------------------------------------------


def _choose_texts(db, user_id: int, wanted: bool) -> None:
    with Session(db) as s:
        user = s.get(PortalUser, user_id)
        user.texts_wanted = wanted
        s.add(user)
        s.commit()


def _texts(db) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all())


def test_a_resident_who_chose_texts_is_texted_when_their_appointment_is_booked_changed_and_cancelled(db, two):
    _choose_texts(db, two.ann.user_id, True)
    slots = _offer(two.ann, two.ann_ref).slots
    appointments.book(two.ann, two.ann_ref, slots[0].slot_id, now=REPAIRS_NOW, settings=get_settings())
    from portal_app.services.repairs import following

    with Session(db) as s:
        following.confirm(s, two.ann_ref, now=REPAIRS_NOW, settings=get_settings())
        s.commit()
    changed = appointments.change(two.ann, two.ann_ref, slots[1].slot_id, now=REPAIRS_NOW, settings=get_settings())
    assert changed.outcome == "changed"
    cancelled = appointments.cancel(two.ann, two.ann_ref, now=REPAIRS_NOW, settings=get_settings())
    assert cancelled.outcome == "cancelled"

    sent = _texts(db)
    assert [m.to_address for m in sent] == [MOBILE, MOBILE, MOBILE]
    assert "is cancelled" in sent[2].body_text and slots[1].words in sent[2].body_text
    assert sent[0].body_text.startswith("Northbrook Homes: Your repair appointment is booked. Appointment: ")
    assert slots[0].words in sent[0].body_text and two.ann_ref in sent[0].body_text
    assert "has changed" in sent[1].body_text and slots[1].words in sent[1].body_text


def test_a_resident_who_did_not_choose_texts_gets_none_about_their_appointment(db, two):
    _choose_texts(db, two.ann.user_id, False)
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=REPAIRS_NOW, settings=get_settings())
    from portal_app.services.repairs import following

    with Session(db) as s:
        following.confirm(s, two.ann_ref, now=REPAIRS_NOW, settings=get_settings())
        s.commit()

    assert _texts(db) == []
    with Session(db) as s:
        assert s.exec(select(OutboxMessage).where(OutboxMessage.to_address == "ann@example.org")).all()


def test_a_resident_who_chose_texts_is_texted_when_an_officer_books_their_repair(db):
    from tests.factories import make_resident, make_staff
    from tests.unit.repairs.test_office import _do, _report

    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", ref="RPTXT1", texts_wanted=True)
        bea = make_resident(s, email="bea@example.org", first="Bea", ref="RPTXT2", mobile="+447700900456")
        rosa = make_staff(s, "repairs_officer", name="Rosa Diaz", email="rosa@northbrook-homes.example")
        s.commit()
    callers = [SimpleNamespace(user_id=r.user.id, person_id=r.person.id, tenancy_id=r.tenancy.id) for r in (ann, bea)]
    refs = [_report(db, caller) for caller in callers]

    for ref in refs:
        moved = _do(
            db, office.set_status, ref, "booked", "", staff_id=rosa.id, now=REPAIRS_NOW, settings=get_settings()
        )
        assert moved.outcome == "done", moved

    [text] = _texts(db)
    assert text.to_address == MOBILE and refs[0] in text.body_text
