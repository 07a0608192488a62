"""Desktop figures at scale: the client list over a million clients, memory, cold start.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui.py                      # /tmp/bench SQLite
    QT_QPA_PLATFORM=offscreen python benchmarks/ui.py --db sqlite:////tmp/bench/crm1m.sqlite
    QT_QPA_PLATFORM=offscreen python benchmarks/ui.py \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

The database is one filled by ``benchmarks/foundation.py`` (or ``crmdesk demo --clients
1000000``). Everything runs offscreen through the real widgets: ``MainWindow.open_list``,
the ``ListForm`` and its ``PagedListModel``. A step's time runs until the list's viewport has
been painted with the new rows (the first screen the user sees), not just until the model
answers. Each step runs ``--repeat`` times; first, median and max are printed. The first
open is cold (form modules imported, database pages not yet cached); Ctrl+End and the
typing get one uncounted warm-up pass first, so they are figures of a database in the
cache, as one used all day is. Window state goes to a temporary folder, so the user's own
remembered layout neither helps nor suffers.

Figures:
  open       open_list("clients") → first screen painted
  Ctrl+End   the key → last rows painted (the model's page cache emptied before each time)
  keystroke  one character typed into the quick search → list painted; also → the model's
             reset (the count); the debounce delay (ListForm.SEARCH_DELAY_MS) is left out
             and printed apart; each character of each --type text is one keystroke. The
             quick card (a dock that follows the list's cursor once it rests) is timed
             apart: it loads within the debounce delay, before the next search
  RSS        the process's resident memory after all that (and its peak)
  cold start a fresh ``python`` process: imports, opens the database, builds the main
             window, shows it (measured from the parent: spawn → "ready" line)
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

STARTED = time.perf_counter()
DEFAULT_DB = "sqlite:////tmp/bench/crm1m.sqlite"
TARGETS = {"open": 300, "ctrl_end": 300, "keystroke": 150, "rss": 400, "cold": 2000}


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB."""
    now = peak = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    return now, peak


def cold_child(url: str) -> None:
    """The child of the cold-start figure: what ``crmdesk`` does before the window is usable."""
    marks = []

    def mark(stage: str) -> None:
        marks.append((stage, time.perf_counter()))

    mark("interpreter")
    from crmdesk.app import _ui_state, make_qt_app
    from crmdesk.ui.i18n import install_translator

    mark("Qt imports")
    qt = make_qt_app()
    install_translator(qt, _ui_state().value("language"))
    mark("QApplication")
    from crmdesk.db import open_database
    from crmdesk.services.setup import initialize

    mark("SQLAlchemy, alembic, models imports")
    engine = open_database(url)
    initialize(engine)
    mark("database opened and checked")
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    mark("window imports")
    window = MainWindow(AppSession(engine))
    window.resize(1300, 800)
    window.show()
    mark("MainWindow built")
    until_painted(qt, window)
    mark("painted")
    stages = []
    last = STARTED
    for stage, at in marks:
        stages.append(f"{stage}={(at - last) * 1000:.1f}")
        last = at
    print("stages " + ";".join(stages), flush=True)
    print(f"ready {(time.perf_counter() - STARTED) * 1000:.1f}", flush=True)


def drawn_words(engine, seed: int = 7) -> list[str]:
    """A surname and a company word of the base itself (a realistic vocabulary has thousands
    of them: typing one narrows to a few hundred clients, not to a fifteenth of the base)."""
    import random

    from sqlalchemy import select

    from crmdesk.models import Client

    rnd = random.Random(seed)
    with engine.connect() as conn:
        top = conn.scalar(select(Client.id).order_by(Client.id.desc()).limit(1)) or 0
        ids = [rnd.randint(1, max(top, 1)) for _ in range(400)]
        names = conn.scalars(select(Client.name).where(Client.id.in_(ids))).all()
    person = next((n.split()[0] for n in names if "«" not in n and " " in n
                   and not n.startswith("ИП ")), "Смирнов")
    company = next((n.split("«")[1].rstrip("»") for n in names if "«" in n), "Вектор")
    return [person.lower(), company[:6].lower()]


class PaintWatch:
    """Notes when a widget has been painted."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        class Filter(QObject):
            def eventFilter(inner, obj, event):  # noqa: N802, N805
                if event.type() == QEvent.Type.Paint:
                    self.painted = True
                return False

        self.painted = False
        self.filter = Filter()
        widget.installEventFilter(self.filter)


def until_painted(qt, widget, timeout: float = 30.0) -> None:
    """Process events until ``widget`` (or, for a window, anything) has been painted."""
    watch = PaintWatch(widget)
    widget.update()
    end = time.perf_counter() + timeout
    while not watch.painted and time.perf_counter() < end:
        qt.processEvents()
    qt.processEvents()  # whatever the paint itself queued


def settle(qt, form) -> None:
    """Let the quick card catch up with the list's cursor (its timer), as it does while the
    user reads the list or while the search's debounce delay runs, before the next step."""
    end = time.perf_counter() + 5
    while form._card_timer.isActive() and time.perf_counter() < end:
        qt.processEvents()
        time.sleep(0.005)
    qt.processEvents()


def type_key(widget, ch: str) -> None:
    """One key as a keyboard sends it, Cyrillic included (QTest knows only ASCII keys)."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    mod = Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, 0, mod, ch))
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyRelease, 0, mod, ch))


def fig(times: list[float]) -> str:
    return f"{times[0]:7.1f} {statistics.median(times):7.1f} {max(times):7.1f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=DEFAULT_DB, help=f"database URL (default {DEFAULT_DB})")
    ap.add_argument("--repeat", type=int, default=5, help="times each step is measured")
    ap.add_argument(
        "--type",
        action="append",
        help="text typed into the quick search, a keystroke per character "
        "(repeatable; default: the old worst texts «ооо ром», «ромашка», «ип», «ао», "
        "«иванов», «9123», and a surname and a company word drawn from the base)",
    )
    ap.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold_child:
        cold_child(args.db)
        return
    typed = args.type

    home = tempfile.mkdtemp(prefix="crmdesk-uibench-")
    os.environ["CRMDESK_HOME"] = home  # remembered window state starts empty

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from sqlalchemy import func, select

    from crmdesk.app import make_qt_app
    from crmdesk.db import describe, open_database
    from crmdesk.models import Client
    from crmdesk.services.setup import initialize
    from crmdesk.ui.generic import listform
    from crmdesk.ui.session import AppSession
    from crmdesk.ui.shell.mainwindow import MainWindow

    qt = make_qt_app()
    engine = open_database(args.db)
    initialize(engine)
    with engine.connect() as conn:
        clients = conn.scalar(select(func.count(Client.id)))
    load0 = os.getloadavg()
    print(f"database: {describe(engine)}, {clients:,} clients")
    print(f"{os.cpu_count()} CPUs, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    if not typed:
        typed = ["ооо ром", "ромашка", "ип", "ао", "иванов", "9123", *drawn_words(engine)]

    window = MainWindow(AppSession(engine), restore=False)
    window.resize(1300, 800)
    window.show()
    until_painted(qt, window)
    rss_window = rss_mb()[0]

    cards = []  # the quick card the client list's cursor fills, timed apart
    show_card = window.client_selected

    def timed_card(client_id):
        t = time.perf_counter()
        show_card(client_id)
        cards.append((time.perf_counter() - t) * 1000)

    window.client_selected = timed_card

    def close_forms() -> None:
        for sub in window.mdi.subWindowList():
            sub.close()
        qt.processEvents()

    # --- open the list: open_list → first screen painted ---
    opens = []
    for _ in range(args.repeat):
        close_forms()
        t = time.perf_counter()
        form = window.open_list("clients")
        until_painted(qt, form.view.viewport())
        opens.append((time.perf_counter() - t) * 1000)
    rows_shown = form.model.rowCount()

    # --- Ctrl+End: the last rows painted; the page cache emptied before each time ---
    ends = []
    for n in range(args.repeat + 1):  # the first, a warm-up, is not counted
        form.model.refresh()
        form.view.selectRow(0)
        form.view.setFocus()
        settle(qt, form)
        t = time.perf_counter()
        QTest.keyClick(form.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        until_painted(qt, form.view.viewport())
        if n:
            ends.append((time.perf_counter() - t) * 1000)
    last_row = form.view.currentIndex().row()
    # the list opens with a count capped at COUNT_CAP; Ctrl+End waits for the exact one
    rows_shown = form.model.rowCount()
    assert form.model.exact and last_row == rows_shown - 1, (last_row, rows_shown)
    form.model.refresh()
    form.view.selectRow(0)

    # --- quick search: key → the debounce timer armed; timer's slot → list painted ---
    resets = []
    form.model.modelReset.connect(lambda: resets.append(time.perf_counter()))
    keys, searches, to_reset, per_text, cpus = [], [], [], [], []
    for text in typed:
        mine = []
        for n in range(args.repeat + 1):  # the first, a warm-up, is not counted
            form.search.clear()
            form.apply_search()
            form.model.refresh()
            qt.processEvents()
            form.search.setFocus()
            for ch in text:
                t = time.perf_counter()
                type_key(form.search, ch)
                keys.append((time.perf_counter() - t) * 1000)
                assert form._timer.isActive()
                # the debounce would fire 250 ms later; its slot is run now instead, after
                # the previous list's quick card has caught up (within that delay)
                form._timer.stop()
                settle(qt, form)
                t = time.perf_counter()
                c = time.process_time()
                del resets[:]
                form.apply_search()
                until_painted(qt, form.view.viewport())
                assert resets, "the list was not reset"
                if not n:
                    continue
                searches.append((time.perf_counter() - t) * 1000)
                cpus.append((time.process_time() - c) * 1000)
                to_reset.append((resets[-1] - t) * 1000)
                mine.append((form.search.text(), searches[-1], form.model.rowCount()))
        per_text.append((text, mine))
    form.search.clear()
    form.apply_search()
    qt.processEvents()
    rss_now, rss_peak = rss_mb()

    # --- cold start, in a fresh process ---
    colds, inner, stages = [], [], {}
    child_home = tempfile.mkdtemp(prefix="crmdesk-uibench-")
    env = dict(os.environ, CRMDESK_HOME=child_home)
    for _ in range(args.repeat):
        t = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--cold-child", "--db", args.db],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in child.stdout:  # spawn → the "ready" line; the exit after it not counted
            if line.startswith("stages "):
                for item in line.split(None, 1)[1].strip().split(";"):
                    stage, ms = item.rsplit("=", 1)
                    stages.setdefault(stage, []).append(float(ms))
            if line.startswith("ready "):
                colds.append((time.perf_counter() - t) * 1000)
                inner.append(float(line.split()[1]))
        if child.wait() != 0 or len(colds) != len(inner) or not inner:
            sys.exit("the cold-start child failed")
    load1 = os.getloadavg()

    def verdict(value: float, key: str) -> str:
        return "ok" if value < TARGETS[key] else "MISSED"

    print()
    print(f"{'figure':44} {'first':>7} {'median':>7} {'max':>7}  target")
    print("-" * 80)
    print(
        f"{'client list opens, first screen (ms)':44} {fig(opens)}  "
        f"<{TARGETS['open']} {verdict(statistics.median(opens), 'open')}"
    )
    print(
        f"{'Ctrl+End to the last row (ms)':44} {fig(ends)}  "
        f"<{TARGETS['ctrl_end']} {verdict(statistics.median(ends), 'ctrl_end')}"
    )
    print(
        f"{'quick-search keystroke → list shown (ms)':44} {fig(searches)}  "
        f"<{TARGETS['keystroke']} {verdict(statistics.median(searches), 'keystroke')}"
        f" (max {verdict(max(searches), 'keystroke')})"
    )
    print(f"{'  CPU time of this process (ms)':44} {fig(cpus)}  (others share the CPUs)")
    print(f"{'  of which to the model reset (ms)':44} {fig(to_reset)}")
    print(f"{'  the key itself, to the timer armed (ms)':44} {fig(keys)}")
    print(f"{'  debounce delay, not counted above (ms)':44} {listform.SEARCH_DELAY_MS:7d}")
    for text, mine in per_text:
        typed_so_far = {}  # the search as it stands after each keystroke
        for so_far, ms, n in mine:
            typed_so_far.setdefault(so_far, []).append((ms, n))
        cells = ", ".join(
            f"«{so_far}» {statistics.median(m for m, _ in v):.0f} ms/{v[0][1]:,}"
            for so_far, v in typed_so_far.items()
        )
        every = [ms for _, ms, _ in mine]
        print(
            f"    typing «{text}»: first {every[0]:.0f}, median {statistics.median(every):.0f}, "
            f"max {max(every):.0f} ms; per keystroke (median ms/rows shown): {cells}"
        )
    if cards:
        print(f"{'quick card, after the cursor rests (ms)':44} {fig(cards)}  (not in the above)")
    print(
        f"{'process RSS after all that (MiB)':44} {rss_now:7.0f} {'':7} {rss_peak:7.0f}  "
        f"<{TARGETS['rss']} {verdict(rss_peak, 'rss')} (max = peak; {rss_window:.0f} with the "
        f"bare window)"
    )
    print(
        f"{'cold start to a usable window (ms)':44} {fig(colds)}  "
        f"<{TARGETS['cold']} {verdict(statistics.median(colds), 'cold')}"
    )
    print(f"{'  of which inside the child process (ms)':44} {fig(inner)}")
    for stage, times in stages.items():
        print(f"{'    ' + stage + ' (ms)':44} {fig(times)}")
    print("-" * 80)
    print(
        f"list rows: {rows_shown:,}; repeats: {args.repeat}; load average at the end "
        f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}"
    )
    close_forms()
    window.close()
    for folder in (home, child_home):
        shutil.rmtree(folder, ignore_errors=True)
    # PySide6 6.12 may crash while the interpreter tears the widgets down ("none_dealloc");
    # the figures are out, so leave without that teardown
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
