"""The background worker's own table: which run of which periodic job is claimed by whom."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class JobRun(SQLModel, table=True):
    """One run of a periodic job (``portal_app/worker.py``): the job's name and the start of
    its period are unique together, so however many consumers run, one of them claims the
    period and the others find the row. A run whose claimer died (its lease passed, never
    finished) may be taken over by another consumer."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_name", "period_start", name="uq_job_run_job_period"),)
    id: int | None = Field(default=None, primary_key=True)
    job_name: str = Field(max_length=80)
    period_start: datetime
    claimed_by: str = Field(max_length=120)
    started_at: datetime
    lease_until: datetime
    finished_at: datetime | None = None
