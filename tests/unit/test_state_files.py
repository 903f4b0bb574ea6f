"""Reflex pickles every resident's state to disk: only the portal's own user may read it."""

from __future__ import annotations

import os
import stat
import time

from portal_app.integrations import disk_states
from portal_app.portal_app import keep_state_files_private


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_state_folder_is_created_readable_by_the_portals_user_only(tmp_path):
    folder = keep_state_files_private(tmp_path / ".states")
    assert folder.is_dir()
    assert _mode(folder) == 0o700


def test_a_state_folder_left_open_by_an_earlier_version_is_closed(tmp_path):
    folder = tmp_path / ".states"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / "someone.pkl").write_bytes(b"state")
    keep_state_files_private(folder)
    assert _mode(folder) == 0o700
    assert (folder / "someone.pkl").read_bytes() == b"state"  # nothing lost


def test_running_it_again_in_another_worker_changes_nothing(tmp_path):
    folder = keep_state_files_private(tmp_path / ".states")
    keep_state_files_private(folder)
    assert _mode(folder) == 0o700


def test_by_default_it_is_the_folder_reflex_writes_states_to(tmp_path, monkeypatch):
    from reflex.utils import prerequisites

    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(tmp_path / "states-here"))
    assert prerequisites.get_states_dir() == tmp_path / "states-here"
    keep_state_files_private()
    assert _mode(tmp_path / "states-here") == 0o700


def _expired(folder, name: str, expiration: int):
    path = folder / name
    path.write_bytes(b"state")
    old = time.time() - expiration - 10
    os.utime(path, (old, old))
    return path


def test_an_expired_tab_state_is_deleted_within_a_minute_and_the_folder_is_not_read_after_every_write(
    tmp_path, monkeypatch
):
    from reflex.istate.manager.disk import StateManagerDisk

    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(tmp_path))
    manager = StateManagerDisk()
    clock = [1000.0]
    unthrottled = getattr(StateManagerDisk._purge_expired_states, "__wrapped__", StateManagerDisk._purge_expired_states)
    purge = disk_states.once_a_minute(unthrottled, clock=lambda: clock[0])

    first = _expired(tmp_path, "first.pkl", manager.token_expiration)
    live = tmp_path / "live.pkl"
    live.write_bytes(b"state")
    purge(manager)
    assert not first.exists() and live.exists()

    second = _expired(tmp_path, "second.pkl", manager.token_expiration)
    clock[0] += 30
    purge(manager)  # Reflex calls this after each batch of writes: many times a minute under load
    assert second.exists()
    clock[0] += 31
    purge(manager)
    assert not second.exists() and live.exists()


def test_the_portal_runs_reflexs_disk_states_with_the_once_a_minute_look():
    from reflex.istate.manager.disk import StateManagerDisk

    assert getattr(StateManagerDisk._purge_expired_states, "doorstep_once_a_minute", False)
