"""Where a repair's photos are kept: in the database (``RepairPhoto``), never in a folder the
web server serves, so every worker on every machine has them and only the routes that check
who is asking can hand one out (``api/repair_photos.py``).

* While reporting, each photo the resident adds is cleaned (``photos.clean``: checked by its
  content, resized, re-encoded, its location and every other piece of metadata gone) and
  kept as the resident's draft (``repair_id`` None, ``user_id`` theirs): at most
  ``photos.MAX_PHOTOS`` at a time. ``report`` attaches them; a draft never sent is deleted
  after a day (``delete_old_drafts``, the worker's ``repairs.tidy_photos``).
* Who may fetch one (``photo_for``): the resident whose draft it is; the residents of the
  home whose repair it is attached to (``common.home_of``); and a member of staff whose role
  may see repairs. Anyone else, and any unknown key, gets nothing, the same way.

Nothing here commits. No reflex import.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, func, select

from portal_app.clock import uk_today
from portal_app.models import Repair, RepairPhoto
from portal_app.services.repairs import common, photos

DRAFT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class Draft:
    key: str
    name: str  # "kitchen-tap.jpg", as the device named it (shortened)


def drafts(session: Session, user_id: int, *, now: datetime) -> list[Draft]:
    rows = session.exec(
        select(RepairPhoto.key, RepairPhoto.name)
        .where(
            RepairPhoto.user_id == user_id,
            RepairPhoto.repair_id.is_(None),
            RepairPhoto.created_at >= now - DRAFT_LIFETIME,
        )
        .order_by(RepairPhoto.id)
    ).all()
    return [Draft(key, name) for key, name in rows]


def add_draft(session: Session, user_id: int, photo: photos.CleanPhoto, name: str, *, now: datetime) -> Draft | str:
    """Keep a cleaned photo as the resident's draft; the message when they already have the most."""
    have = session.exec(
        select(func.count(RepairPhoto.id)).where(
            RepairPhoto.user_id == user_id,
            RepairPhoto.repair_id.is_(None),
            RepairPhoto.created_at >= now - DRAFT_LIFETIME,
        )
    ).one()
    problem = photos.check_count(int(have), 1)
    if problem:
        return problem
    shown = (name or "photo")[-80:]
    row = RepairPhoto(
        key=secrets.token_urlsafe(18),
        user_id=user_id,
        data=photo.data,
        thumbnail=photo.thumbnail,
        name=shown,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size_bytes=len(photo.data),
        sha256=photo.sha256,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return Draft(row.key, shown)


def remove_draft(session: Session, user_id: int, key: object) -> bool:
    if not isinstance(key, str) or not key or len(key) > 40:
        return False
    done = session.execute(
        delete(RepairPhoto).where(
            RepairPhoto.key == key, RepairPhoto.user_id == user_id, RepairPhoto.repair_id.is_(None)
        )
    )
    return done.rowcount == 1


def photo_for(
    session: Session,
    *,
    key: object,
    caller=None,
    staff_may_see: bool = False,
    thumbnail: bool = False,
    now: datetime,
    settings,
) -> tuple[bytes, str] | None:
    """The photo's bytes and type for whoever asks, if they may see it; else None."""
    if not isinstance(key, str) or not key or len(key) > 40:
        return None
    row = session.exec(select(RepairPhoto).where(RepairPhoto.key == key)).first()
    if row is None:
        return None
    allowed = staff_may_see
    if not allowed and caller is not None:
        if row.repair_id is None:
            allowed = row.user_id == caller.user_id
        else:
            repair = session.get(Repair, row.repair_id)
            home = common.home_of(session, caller, uk_today(now), settings)
            allowed = repair is not None and home is not None and repair.property_id == home.property_id
    if not allowed:
        return None
    body = row.thumbnail if thumbnail and row.thumbnail else row.data
    return body, row.content_type


def delete_old_drafts(session: Session, *, now: datetime) -> int:
    done = session.execute(
        delete(RepairPhoto).where(RepairPhoto.repair_id.is_(None), RepairPhoto.created_at < now - DRAFT_LIFETIME)
    )
    return int(done.rowcount or 0)


__all__ = ["DRAFT_LIFETIME", "Draft", "add_draft", "delete_old_drafts", "drafts", "photo_for", "remove_draft"]
