"""«Монитор руководителя» on the start page: sales this month against the plan, the
pipeline by stage, receivables and overdue, overdue tasks per manager, new leads — each
figure a link to the list or report behind it."""

from __future__ import annotations

import logging
import threading
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel

from crmdesk.services import monitor as figures
from crmdesk.services.money import format_money
from crmdesk.ui.forms import register_special
from crmdesk.ui.i18n import tr


def _short(full_name: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.»."""
    parts = full_name.split()
    return " ".join([parts[0], *(p[0] + "." for p in parts[1:3])]) if parts else ""


def _link(key: str, text: str) -> str:
    return f'<a href="{key}" style="text-decoration:none">{text}</a>'


class HeadMonitor(QFrame):
    """The figures, refreshed when deals, documents or tasks change.

    They are counted in a thread (seconds over a base of a million clients): the start page
    paints at once with «Загрузка…», and a colleague's posting never freezes the window; a
    refresh asked while one runs is run once after it."""

    loaded = Signal(object, int)  # (services.monitor's figures, generation), from the thread

    def __init__(self, shell, parent=None):
        super().__init__(parent)
        self.shell, self.app = shell, shell.app
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("HeadMonitor { background: #fbfbf2; }")
        grid = QGridLayout(self)
        self.cells: dict[str, QLabel] = {}
        for n, key in enumerate(("sales", "money", "tasks", "leads", "funnel")):
            label = QLabel(self)
            label.setWordWrap(key != "tasks")
            label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            label.linkActivated.connect(self.shell.open_key)
            label.setMinimumWidth(160)
            if key == "funnel":  # the stages side by side under the other figures
                grid.addWidget(label, 1, 0, 1, 4)
            else:
                grid.addWidget(label, 0, n)
                grid.setColumnStretch(n, 1)
            self.cells[key] = label
        for label in self.cells.values():
            label.setText(tr("Загрузка…"))
        self._thread: threading.Thread | None = None
        self._again = False
        self._generation = 0
        self.loaded.connect(self._show)
        self.app.hub.changed.connect(self._on_changed)
        self.refresh()

    def _on_changed(self, name: str) -> None:
        if name in ("deals", "invoices", "payments", "tasks", "leads"):
            self.refresh()

    def refresh(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._again = True  # counted once more when this count ends
            return
        self._again = False
        self._generation += 1
        self._thread = threading.Thread(target=self._count, args=(self._generation,),
                                        name="crmdesk-monitor", daemon=True)
        self._thread.start()

    def wait(self, timeout: float = 30.0) -> None:
        """For scripts and tests: until the figures asked for so far are counted."""
        from PySide6.QtCore import QCoreApplication

        while self._thread is not None and (self._thread.is_alive() or self._again):
            self._thread.join(0.02)
            QCoreApplication.processEvents()
            timeout -= 0.02
            if timeout <= 0:
                break
        QCoreApplication.processEvents()

    def _count(self, generation: int) -> None:
        try:
            with self.app.uow(read_only=True) as ctx:
                m = figures.monitor(ctx)
        except Exception:  # noqa: BLE001 — a figure that fails must not break the start page
            logging.getLogger(__name__).exception("head monitor")
            m = None
        try:
            self.loaded.emit(m, generation)
        except RuntimeError:  # the start page was closed meanwhile
            pass

    def _show(self, m, generation: int) -> None:
        if self._again and generation == self._generation:
            self._thread.join()  # its emit was its last act: it is ending
            self.refresh()
        if m is None or generation != self._generation:
            return  # a failed count, or one overtaken by a newer
        done = f" ({m.done} %)".replace(".", ",") if m.done is not None else ""
        self.cells["sales"].setText(
            f"<b>{tr('Продажи за месяц')}</b><br>"
            + _link("report:plan-fact", f"{format_money(m.sold)}<br>{tr('план')} "
                                        f"{format_money(m.plan)}{done}"))
        cells = "".join(
            f'<td style="background:{s["color"] or "#ddd"}; padding:3px">'
            f"{escape(tr(s['name']))}<br><b>{s['deals']}</b><br>"
            f"{format_money(s['amount'])}</td>"
            for s in m.stages if not s["refusal"])
        self.cells["funnel"].setText(
            f"<b>{_link('kanban:deals', tr('Воронка сделок'))}</b>"
            f"<table cellspacing=2><tr>{cells}</tr></table>")
        self.cells["money"].setText(
            f"<b>{tr('Задолженность клиентов')}</b><br>"
            + _link("report:receivables", format_money(m.receivables))
            + f"<br>{tr('просрочено')}: <span style='color:#c62828'>"
            + _link("report:receivables", format_money(m.overdue)) + "</span>")
        tasks = "".join(f"<tr><td nowrap>{escape(_short(name))}</td><td align=right>&nbsp;{n}"
                        "</td></tr>" for name, n in m.overdue_tasks[:6])
        tasks = f"<table>{tasks}</table>" if tasks else tr("нет")
        self.cells["tasks"].setText(
            f"<b>{_link('list:tasks', tr('Просроченные задачи'))}</b>{tasks}")
        self.cells["leads"].setText(
            f"<b>{tr('Новые обращения')}</b><br>" + _link("list:leads", str(m.new_leads)))


def monitor_for(shell, parent=None) -> HeadMonitor | None:
    """The monitor for a user with «Отчёты по всем менеджерам», else None."""
    with shell.app.uow(read_only=True) as ctx:
        if not figures.may_see(ctx):
            return None
    return HeadMonitor(shell, parent)


# the start page asks the registry for it (the shell imports no form module)
register_special("monitor", monitor_for)
