"""Forms are registered once at start from one list; the order they are opened in is free."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from crmdesk.ui import forms
from crmdesk.ui.generic import registry

ROOT = Path(__file__).resolve().parents[2]

FRESH_SESSION = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from crmdesk.app import make_qt_app
from crmdesk.config import data_dir
from crmdesk.db import make_engine
from crmdesk.ui.session import AppSession
from crmdesk.ui.shell.mainwindow import MainWindow

boxes = []
QMessageBox.warning = staticmethod(lambda *a, **k: boxes.append(a[2]))
QMessageBox.critical = staticmethod(lambda *a, **k: boxes.append(a[2]))
qt = make_qt_app()
engine = make_engine(sys.argv[1])
state = QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)
state.setValue("user-admin/main/open_forms", ["kanban:deals"])  # the board, restored first
state.sync()
window = MainWindow(AppSession(engine), restore=True)
board = window.form("kanban:deals")
assert board is not None, "the board was not restored"
deal_id = next(c.item(0) for c in board.columns.values() if c.count()).data(256)
board.columns[next(iter(board.columns))].itemActivated.emit(
    next(c.item(0) for c in board.columns.values() if c.count()))
assert window.form(f"deal:{deal_id}") is not None, "the deal card did not open"
for name in ("clients", "tasks", "invoices", "contacts", "products"):
    assert window.open_list(name) is not None, name
window.open_list("clients").open_row(0)
assert window.mdi.activeSubWindow().widget().form_key.startswith("client:")
assert not boxes, boxes
print("OK")
"""


def test_deal_board_opened_first_in_a_fresh_process_breaks_nothing(demo_engine, tmp_path):
    env = {**os.environ, "CRMDESK_HOME": str(tmp_path / "home"), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-c", FRESH_SESSION, str(demo_engine.url)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("OK")
    assert "KeyError" not in run.stderr and "StopIteration" not in run.stderr


def test_every_form_module_of_the_list_registers_and_nothing_else_is_needed(shell):
    names = set(registry.entities())
    for expected in ("client", "contact", "task", "interaction", "deal", "proposal",
                     "order", "invoice", "payment", "product", "user", "settings"):
        assert expected in names
    for kind in ("kanban", "report", "import", "backup"):
        assert callable(registry.special(kind))
    assert registry.print_forms("invoice"), "the invoice has no print form"
    forms.install()  # a second call changes nothing
    assert set(registry.entities()) == names


def test_no_generic_piece_or_shell_module_imports_a_form():
    offenders = []
    for folder in ("generic", "shell"):
        for path in (ROOT / "crmdesk" / "ui" / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "crmdesk.ui.forms."
                ):
                    offenders.append(f"{path.name}: {node.module}")
                if isinstance(node, ast.ImportFrom) and node.module == "crmdesk.ui.forms":
                    if path.name != "mainwindow.py" or [a.name for a in node.names] != ["forms"]:
                        offenders.append(f"{path.name}: {[a.name for a in node.names]}")
    assert not offenders, offenders


def test_an_unknown_or_broken_form_is_a_message_box_not_a_traceback(shell, monkeypatch):
    shown = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(
            QMessageBox, kind, staticmethod(lambda p, t, text, *a, **k: shown.append(text))
        )
    assert shell.open_list("no_such_list") is None
    assert "не найдена" in shown[-1]
    shell.open_key("nothing:5")
    assert "«nothing»" in shown[-1]

    def broken(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(registry._ENTITIES, "task", registry.entity("task"))
    monkeypatch.setattr(registry.entity("task"), "open", broken)
    assert registry.open_entity(shell, "task", 1) is None
    assert "Непредвиденная ошибка" in shown[-1] and "ZeroDivisionError" in shown[-1]
    shell.today.list.clear()
    shell.today.list.addItem("x")
    shell.today.list.item(0).setData(256, 1)
    shell.today._open(shell.today.list.item(0))
    assert "Непредвиденная ошибка" in shown[-1]
