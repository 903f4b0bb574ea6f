"""Reflex pickles every resident's state to disk: only the portal's own user may read it."""

from __future__ import annotations

import stat

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
