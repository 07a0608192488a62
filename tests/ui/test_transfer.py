"""Clients in and out from the desktop: the import wizard, export of a list, backup/restore."""

from pathlib import Path

import openpyxl
from PySide6.QtWidgets import QMessageBox, QWizard
from sqlalchemy import func, select

from crmdesk.models import Client
from crmdesk.ui.forms.transfer import ImportWizard, export_clients_dialog, run_backup

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def _clients(engine) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(Client))


def _sample(tmp_path) -> Path:
    """office_clients.xlsx when ../shared is there, else a small file with the same traits."""
    src = SAMPLES / "office_clients.xlsx"
    if src.is_file():
        return src
    path = tmp_path / "clients.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Список клиентов на 01.11.2026"])
    ws.append(["Клиент", "Телефон", "ИНН", "E-mail"])
    ws.append(["ООО «Ромашка»", "8 (343) 123-45-67", "7707083893", "info@romashka.ru"])
    ws.append(["ИП Сидоров", "+7 912 000-11-22", "1234567890", "sidorov@mail.ru"])
    ws.append([None, None, None, None])
    ws.append([None, None, "", "плохой@"])
    wb.save(path)
    return path


def test_import_wizard_from_file_to_report(shell, demo_engine, tmp_path, qtbot):
    path = _sample(tmp_path)
    before = _clients(demo_engine)
    wizard = ImportWizard(shell, str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()  # file → sheet
    assert wizard.currentPage() is wizard.sheet_page
    assert wizard.sheet.headers and wizard.sheet.header_row >= 1
    assert wizard.sheet_page.sample.rowCount() > 0
    wizard.next()  # → columns
    page = wizard.mapping_page
    fields = set(page.mapping().values())
    assert {"name", "phone"} <= fields, page.mapping()
    wizard.next()  # → preview: nothing stored yet
    preview = wizard.preview_page
    assert preview.table.rowCount() > 0
    statuses = {o.status for o in preview.outcomes}
    assert "new" in statuses
    assert _clients(demo_engine) == before
    wizard.next()  # → import runs in a worker thread, then the report
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.report_page, timeout=30_000)
    report = wizard.report
    assert report.created > 0
    assert _clients(demo_engine) == before + report.created
    assert wizard.report_page.table.rowCount() == len(report.items)
    saved = wizard.report_page.save(str(tmp_path / "report.xlsx"))
    assert openpyxl.load_workbook(saved).active.max_row >= 1
    wizard.close()


def test_cancelled_import_changes_nothing(shell, demo_engine, tmp_path, qtbot, monkeypatch):
    import crmdesk.services.imports as imports

    real = imports.import_clients

    def slow(*args, cancelled=None, **kw):  # the user presses «Прервать» before the end
        cancelled.set()
        return real(*args, cancelled=cancelled, **kw)

    monkeypatch.setattr(imports, "import_clients", slow)
    before = _clients(demo_engine)
    wizard = ImportWizard(shell, str(_sample(tmp_path)))
    qtbot.addWidget(wizard)
    wizard.show()
    for _ in range(4):
        wizard.next()
    run = wizard.run_page
    qtbot.waitUntil(lambda: run.finished, timeout=30_000)
    assert wizard.currentPage() is run
    assert "отменена" in run.state.text()
    assert not run.isComplete()
    assert _clients(demo_engine) == before


def test_wizard_refuses_a_missing_file(shell, qtbot, tmp_path):
    wizard = ImportWizard(shell, str(tmp_path / "нет-такого.xlsx"))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "не найден" in wizard.file_page.error.text()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_export_follows_the_list_filter(shell, demo_engine, tmp_path, qtbot):
    form = shell.open_list("clients")
    form.model.state.search = "ООО"
    form.model.refresh()
    shown = form.model.rowCount()
    assert 0 < shown < _clients(demo_engine)
    out = tmp_path / "clients.xlsx"
    n = export_clients_dialog(form, str(out))
    assert n == shown  # the rows of the list as filtered, not the whole table
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    name_col = next(i for i, h in enumerate(header) if h in ("Наименование", "Клиент"))
    names = [r[name_col] for r in rows[1:] if r[name_col]]
    assert len(names) == n
    assert all("ООО" in name for name in names)


def test_backup_now_and_restore_into_a_new_file(shell, tmp_path, qtbot, monkeypatch):
    from crmdesk.services.settings import set_setting

    with shell.app.uow() as ctx:
        set_setting(ctx.session, "backup_dir", str(tmp_path / "copies"))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
    )
    dialog = run_backup(shell)
    qtbot.addWidget(dialog)
    dialog.backup_now()
    qtbot.waitUntil(lambda: not dialog.worker.running() and dialog.result is not None,
                    timeout=20_000)
    assert dialog.result.ok, dialog.result.message
    copy = dialog.result.path
    target = tmp_path / "restored.sqlite"
    dialog.restore(str(copy), str(target))
    qtbot.waitUntil(lambda: dialog.restored_url is not None, timeout=20_000)
    assert target.is_file()
    assert dialog.result.clients == _clients(shell.app.engine)
    from crmdesk.app import remembered_database

    assert "restored.sqlite" in remembered_database()


def test_settings_form_keeps_the_backup_rotation(shell, demo_engine, warnings):
    from crmdesk.services import backup as backups
    from crmdesk.ui.forms import entities

    entities()["settings"].open(shell, None, None)
    form = shell.mdi.activeSubWindow().widget()
    form.editors["backup_keep_daily"].set(0)
    assert not form.write()  # refused, named, nothing stored
    assert backups.backup_status(demo_engine)["keep_daily"] == 7
    form.editors["backup_keep_daily"].set(10)
    form.editors["backup_keep_weekly"].set(8)
    form.editors["backup_auto"].set(False)
    assert form.write()
    status = backups.backup_status(demo_engine)
    assert (status["keep_daily"], status["keep_weekly"]) == (10, 8)
    assert backups.auto_backup_if_due(demo_engine) is None  # switched off


def test_a_corrected_mapping_is_remembered_for_the_next_file(shell, tmp_path, qtbot):
    path = _sample(tmp_path)
    wizard = ImportWizard(shell, str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.next()
    page = wizard.mapping_page
    assert "по названиям" in page.origin.text()
    email_col = next(i for i, code in page.mapping().items() if code == "email")
    page.set_field(email_col, None)  # the user decides not to load e-mails
    for _ in range(2):
        wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.report_page, timeout=30_000)
    wizard.close()
    again = ImportWizard(shell, str(path))
    qtbot.addWidget(again)
    again.show()
    again.next()
    again.next()
    assert "в прошлый раз" in again.mapping_page.origin.text()
    assert email_col not in again.mapping_page.mapping()


def test_the_header_row_can_be_chosen_by_hand(shell, demo_engine, tmp_path, qtbot):
    path = tmp_path / "two-headers.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Клиент", "Телефон"])  # looks like a header, but the real one is below
    ws.append(["Наименование", "Тел. офиса"])
    ws.append(["ООО «Ручной выбор»", "8 (343) 222-33-44"])
    wb.save(path)
    before = _clients(demo_engine)
    wizard = ImportWizard(shell, str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    page = wizard.sheet_page
    assert page.header_spin.value() == 1
    page.header_spin.setValue(2)
    assert wizard.sheet.headers == ["Наименование", "Тел. офиса"]
    assert "вручную" in page.header_label.text()
    wizard.next()
    assert set(wizard.mapping_page.mapping().values()) == {"name", "phone"}
    wizard.next()
    assert [o.name for o in wizard.preview_page.outcomes] == ["ООО «Ручной выбор»"]
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.report_page, timeout=30_000)
    assert wizard.report.rows == 1 and _clients(demo_engine) == before + 1
