"""Desktop tests: real widgets offscreen (pytest-qt) over a real SQLite file with demo data."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from crmdesk.db import checkpoint, make_engine, open_database  # noqa: E402
from crmdesk.services.demo import generate  # noqa: E402
from crmdesk.services.setup import initialize  # noqa: E402

DEMO_CLIENTS = 120


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    engine = open_database(f"sqlite:///{path}")
    initialize(engine)
    generate(engine, clients=DEMO_CLIENTS, seed=7)
    checkpoint(engine)
    engine.dispose()
    return path


@pytest.fixture
def demo_engine(demo_template, tmp_path):
    path = tmp_path / "crm.sqlite"
    shutil.copy(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """Window state goes to a folder of the test's own."""
    folder = tmp_path / "home"
    monkeypatch.setenv("CRMDESK_HOME", str(folder))
    return folder


@pytest.fixture
def make_shell(qtbot, home):
    from crmdesk.app import make_qt_app
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    make_qt_app()
    made = []

    def make(engine, login=None, restore=False):
        window = MainWindow(AppSession(engine, login), restore=restore)
        # a failed test may leave a changed form: closing must not ask «Сохранить?» offscreen
        qtbot.addWidget(window, before_close_func=_forget_changes)
        window.resize(1300, 800)
        window.show()
        window.activateWindow()
        qtbot.waitActive(window)
        made.append(window)
        return window

    yield make
    for window in made:
        for sub in window.mdi.subWindowList():
            if hasattr(sub.widget(), "modified"):
                sub.widget().modified = False


def _forget_changes(window) -> None:
    for sub in window.mdi.subWindowList():
        if hasattr(sub.widget(), "modified"):
            sub.widget().modified = False


@pytest.fixture
def shell(make_shell, demo_engine):
    return make_shell(demo_engine)


@pytest.fixture
def answer_yes(monkeypatch):
    """Questions (mark for deletion? save changes?) answered «Да»; the questions are kept."""
    asked = []

    def question(parent, title, text, *args, **kw):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


@pytest.fixture(autouse=True)
def unexpected_errors_fail(monkeypatch):
    """An unexpected error's box (QMessageBox.critical) would wait for a click forever
    offscreen: here it fails the test with its text instead. Tests that expect one patch
    QMessageBox.critical themselves."""

    def critical(parent, title, text, *args, **kw):
        raise AssertionError(f"error box shown: {title}: {text}")

    monkeypatch.setattr(QMessageBox, "critical", staticmethod(critical))


@pytest.fixture
def warnings(monkeypatch):
    shown = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        staticmethod(lambda parent, title, text, *a, **k: shown.append(text)),
    )
    return shown


@pytest.fixture
def type_text():
    return _type_text


def _type_text(widget, text: str) -> None:
    """Type text as a keyboard does, Cyrillic included (QTest only knows ASCII keys)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        QApplication.sendEvent(
            widget, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch)
        )


@pytest.fixture
def day(make_shell, engine, tmp_path):
    """A user's day: the real main window at 1366×768 on a fresh database (SQLite and
    PostgreSQL), and ``day.shot(name)`` keeping a screenshot of each step in the test's
    folder (shots/NN-name.png)."""
    from types import SimpleNamespace

    from PySide6.QtWidgets import QApplication

    folder = tmp_path / "shots"
    folder.mkdir()
    window = make_shell(engine)
    window.resize(1366, 768)
    steps = []

    def shot(name: str, widget=None):
        QApplication.processEvents()
        path = folder / f"{len(steps) + 1:02d}-{name}.png"
        (widget or window).grab().save(str(path))
        steps.append(path)
        return path

    def active():
        sub = window.mdi.activeSubWindow()
        return sub.widget() if sub else None

    return SimpleNamespace(window=window, engine=engine, shot=shot, steps=steps, active=active)


@contextmanager
def translated(language):
    """Install crmdesk's translator as the start does; take it off afterwards, so that the
    rest of the suite stays Russian. Yields what install_translator chose."""
    from PySide6.QtCore import QLocale

    from crmdesk.app import make_qt_app
    from crmdesk.ui.i18n import install_translator

    app = make_qt_app()
    names = ("_crmdesk_translator", "_crmdesk_qt_translator")
    before = {name: getattr(app, name, None) for name in names}
    locale = QLocale()
    try:
        yield install_translator(app, language)
    finally:
        QLocale.setDefault(locale)
        for name in names:
            translator = getattr(app, name, None)
            if translator is not None and translator is not before[name]:
                app.removeTranslator(translator)
                setattr(app, name, before[name])


@pytest.fixture
def english(qapp):
    with translated("en") as chosen:
        assert chosen == "en"
        yield
    from crmdesk.ui.i18n import tr

    assert tr("Главное") == "Главное"


def translations_tool():
    """tools/translations.py as a module (it is a script, not part of the package)."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "translations.py"
    spec = importlib.util.spec_from_file_location("translations", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("translations", module)
    spec.loader.exec_module(sys.modules["translations"])
    return sys.modules["translations"]
