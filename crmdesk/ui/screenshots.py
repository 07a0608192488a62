"""Render the main window and every form on demo data into PNG files (offscreen)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _slug(text: str) -> str:
    keep = "".join(ch if ch.isalnum() else "-" for ch in text.lower())
    return "-".join(part for part in keep.split("-") if part)[:40]


def render(outdir: str | Path, url: str | None = None, clients: int = 200,
           language: str | None = None, size: tuple[int, int] = (1400, 860)) -> list[Path]:
    """Every section, list, object form, document, report and dialog as PNG; returns paths."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("CRMDESK_HOME", tempfile.mkdtemp(prefix="crmdesk-shots-"))
    from PySide6.QtWidgets import QMessageBox

    from crmdesk.app import make_qt_app
    from crmdesk.db import open_database
    from crmdesk.services.demo import generate
    from crmdesk.services.setup import initialize
    from crmdesk.ui.generic.listform import ListForm
    from crmdesk.ui.i18n import install_translator, tr
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow
    from crmdesk.ui.shell.menubar import about_text
    from crmdesk.ui.shell.sections import SECTIONS

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    qt = make_qt_app()
    install_translator(qt, language or "ru")
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='crmdesk-demo-')) / 'demo.sqlite'}"
    engine = open_database(url)
    initialize(engine)
    from sqlalchemy import func, select

    from crmdesk.models import Client

    with engine.connect() as conn:
        empty = not conn.scalar(select(func.count()).select_from(Client))
    if empty:
        generate(engine, clients=clients, seed=1)
    window = MainWindow(AppSession(engine), restore=False)
    window.resize(*size)
    window.show()
    shots: list[Path] = []

    def shot(name: str, widget=None, settle: float = 0.0) -> None:
        import time

        deadline = time.monotonic() + settle  # QPdfView renders pages in the background
        qt.processEvents()
        while time.monotonic() < deadline:
            qt.processEvents()
            time.sleep(0.02)
        path = out / f"{len(shots) + 1:02d}-{name}.png"
        (widget or window).grab().save(str(path))
        shots.append(path)

    def close_all() -> None:
        for sub in window.mdi.subWindowList():
            if hasattr(sub.widget(), "modified"):
                sub.widget().modified = False
            sub.close()
        qt.processEvents()

    window.open_special("start", "start")
    shot("main-window")
    seen_lists = set()
    shot_names: set[str] = set()
    for code, _title, _icon, items in SECTIONS:
        window.choose_section(code)
        for item in items:
            if item.kind in ("import", "backup", "purge", "new", "start"):
                continue
            if (item.kind, item.target) in seen_lists:
                continue
            seen_lists.add((item.kind, item.target))
            close_all()
            form = window.run_item(item)
            if item.kind == "report" and form is not None:
                form.generate()
            # the same list behind two functions («Заявки», «Мои заявки»): named by each
            name = f"{code}-{_slug(item.target)}"
            if name in shot_names:
                name = f"{code}-{_slug(tr(item.title))}"
            if name in shot_names:  # «Сделки» as the board and as the list
                name = f"{name}-{item.kind}"
            shot_names.add(name)
            shot(name)
            if isinstance(form, ListForm) and form.model.rowCount():
                form.open_row(0)
                shot(f"{code}-{_slug(item.target)}-card")
                active = window.mdi.activeSubWindow().widget()
                for i in range(1, (active.tab_widget.count() if getattr(active, "tab_widget", None)
                                   else 0)):
                    if item.target == "clients":
                        active.tab_widget.setCurrentIndex(i)
                        shot(f"client-tab-{i}")
                if hasattr(active, "print_menu"):
                    from crmdesk.ui.forms.printing import print_forms

                    for _title, handler in print_forms(active.doc_type):
                        handler(window, active.obj_id)
                        shot(f"print-{_slug(active.doc_type)}-{_slug(_title)}", settle=1.5)
                if hasattr(active, "show_structure"):  # «Структура подчинённости»
                    dialog = active.show_structure()
                    if dialog is not None:
                        dialog.resize(620, 320)
                        shot(f"structure-{_slug(active.doc_type)}", dialog)
                        dialog.close()
    close_all()
    window.menuBar().setActiveAction(window.help_menu.menuAction())
    about = QMessageBox(QMessageBox.Icon.Information, tr("О программе"), about_text(window),
                        parent=window)
    about.show()
    shot("about", about)
    about.close()
    _transfer_shots(window, shot, qt)
    try:
        from crmdesk.ui.shell.login import LoginDialog
        from crmdesk.ui.shell.wizard import FirstStartWizard

        wizard = FirstStartWizard()
        wizard.resize(760, 560)
        wizard.show()
        for n in range(len(wizard.pageIds())):
            shot(f"wizard-page-{n + 1}", wizard)
            page, before = wizard.currentPage(), wizard.currentId()
            # sample answers so that the administrator and demo pages are reached too
            name = getattr(page, "edits", {}).get("name")
            if name is not None and not name.text():
                name.setText("ООО «Ромашка»")
            if hasattr(page, "password_edit") and hasattr(page, "repeat_edit"):
                page.password_edit.setText("пароль-для-снимка")
                page.repeat_edit.setText("пароль-для-снимка")
            if n == len(wizard.pageIds()) - 1:
                break  # the last page's «Готово» would create a database
            wizard.next()
            if wizard.currentId() == before:
                break  # never the same picture twice
        wizard.close()
        dialog = LoginDialog(engine)
        dialog.show()
        shot("login", dialog)
        dialog.close()
    except ImportError:
        pass
    window.close()
    _manager_shots(engine, shot, qt, size)
    return shots


def _manager_shots(engine, shot, qt, size=(1400, 860)) -> None:
    """What a manager sees: no «Администрирование», a product card read-only with why."""
    from sqlalchemy import select

    from crmdesk.models import Product, User
    from crmdesk.ui.generic.registry import open_entity
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    with engine.connect() as conn:
        login = conn.scalar(select(User.login).where(User.login == "ivanov"))
        product_id = conn.scalar(select(Product.id).order_by(Product.id))
    if login is None or product_id is None:
        return
    window = MainWindow(AppSession(engine, login), restore=False)
    window.resize(*size)
    window.show()
    window.choose_section("catalogs")
    open_entity(window, "product", product_id)
    shot("manager-product-read-only", window)
    for sub in window.mdi.subWindowList():
        sub.close()
    window.close()
    qt.processEvents()


def _transfer_shots(window, shot, qt) -> None:
    """The import wizard page by page on a small messy file, and the backup dialog."""
    import time

    import openpyxl

    from crmdesk.ui.forms.transfer import ImportWizard, run_backup

    path = Path(tempfile.mkdtemp(prefix="crmdesk-import-")) / "клиенты.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Клиенты отдела продаж на 01.11.2026"])
    ws.append(["Клиент", "Телефон", "ИНН", "E-mail", "Группа", "Комментарий"])
    ws.append(["ООО «Северный ветер»", "8 (343) 210-45-67, доб. 12", "6670000000", "",
               "Опт", "звонить после обеда"])
    ws.append(["ИП Карпов Олег", "+7 912 605 11 22", "", "karpov@mail.ru", "Розница", ""])
    ws.append(["", "", "", "", "", "без имени и телефона"])
    ws.append(["ООО «Альфа»", "89001234567", "7707083893", "alfa@", "Опт", ""])
    wb.save(path)
    wizard = ImportWizard(window, str(path))
    wizard.show()
    for n in range(6):
        if wizard.currentPage() is wizard.run_page:
            deadline = time.monotonic() + 30
            while wizard.currentPage() is wizard.run_page and time.monotonic() < deadline:
                qt.processEvents()
                time.sleep(0.02)
        shot(f"import-{n + 1}", wizard)
        if wizard.currentPage() is wizard.report_page:
            break
        wizard.next()
    wizard.close()
    dialog = run_backup(window)
    shot("backup", dialog)
    dialog.close()
