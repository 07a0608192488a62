"""The desktop takes the daily backup itself and says so — in red when backups fail."""

from crmdesk.services import backup as backups
from crmdesk.services.settings import set_setting
from crmdesk.ui.shell.backup_check import after_start


def test_start_takes_the_due_backup_and_shows_it(shell, demo_engine, tmp_path, warnings, qtbot):
    folder = tmp_path / "copies"
    with shell.app.uow() as ctx:
        set_setting(ctx.session, "backup_dir", str(folder))
    watch = after_start(shell)
    qtbot.waitUntil(lambda: not watch.running.is_alive(), timeout=20_000)
    qtbot.waitUntil(lambda: watch.label.text() not in ("", "Резервная копия: —"), timeout=5_000)
    assert len(list(folder.glob("crmdesk-*.sqlite"))) == 1
    assert "color" not in watch.label.styleSheet()
    assert warnings == []
    assert backups.backup_due(demo_engine) is False, backups.backup_status(demo_engine)
    # a second check within the day copies nothing more
    watch.check()
    watch.running.join()
    qtbot.wait(50)
    assert len(list(folder.glob("crmdesk-*.sqlite"))) == 1


def test_a_failing_backup_turns_the_label_red_and_warns_once(
    shell, tmp_path, warnings, qtbot
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    with shell.app.uow() as ctx:
        set_setting(ctx.session, "backup_dir", str(blocker / "copies"))
    watch = after_start(shell)
    qtbot.waitUntil(lambda: bool(warnings), timeout=20_000)
    assert "не удалось" in warnings[0]
    assert "#c00000" in watch.label.styleSheet()
    watch.check()
    watch.running.join()
    qtbot.wait(50)
    assert len(warnings) == 1
