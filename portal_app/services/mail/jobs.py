"""The mail domain's background job: deliver the outbox every two seconds.

Mail is written to the outbox in the transaction of the action that caused it; this
job sends what has been committed, and ``outbox.deliver_due`` retries failures with
backoff, so stopping or crashing the worker never loses a message.
"""

from __future__ import annotations

from datetime import timedelta

from portal_app import worker
from portal_app.services.mail import delivery

DELIVER_EVERY = timedelta(seconds=2)

worker.job("mail.deliver", every=DELIVER_EVERY)(delivery.deliver_once)
