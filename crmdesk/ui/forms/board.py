"""«Воронка сделок»: the deal board. A column per stage of a process, headed by its count
and sum in the stage's colour; cards (client, deal, amount, manager, days in the stage, the
next task — red when overdue) drawn by a delegate for the rows on screen, fetched a page at
a time as the column scrolls. Dragging a card lights the columns it may go to; a forbidden
drop is refused with the reason; «Отказ» asks the reason from the catalogue; «+» in a
column starts a deal there. Filters: process, manager, «только мои», period, source,
search."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services import board as data
from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money
from crmdesk.ui.forms import register_special
from crmdesk.ui.forms.board_cards import CARD, KanbanColumn  # noqa: F401  (CARD: the tests)
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

PERIODS = {"": "За всё время", "month": "Этот месяц", "quarter": "Этот квартал",
           "year": "Этот год", "last30": "Последние 30 дней"}


def period_dates(kind: str, today: date | None = None) -> tuple[date | None, date | None]:
    today = today or date.today()
    if kind == "month":
        return today.replace(day=1), today
    if kind == "quarter":
        return date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today
    if kind == "year":
        return date(today.year, 1, 1), today
    if kind == "last30":
        return today - timedelta(days=30), today
    return None, None


class KanbanBoard(FormBase):
    """Deals of a process by stage; drag a card to move the deal."""

    form_key = "kanban:deals"
    PER_PAGE = 30

    def __init__(self, shell):
        super().__init__(shell)
        self.setWindowTitle(tr("Воронка сделок"))
        self.setWindowIcon(icon("kanban"))
        self.columns: dict[int, KanbanColumn] = {}
        self.titles: dict[int, QLabel] = {}
        self.edges: set[tuple[int, int]] = set()
        self._build_filters()
        self.strip = QWidget()
        self.row = QHBoxLayout(self.strip)
        self.row.setContentsMargins(4, 4, 4, 4)
        self.row.setSpacing(6)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)  # the columns take the window's height
        self.scroll.setWidget(self.strip)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self.filters)
        layout.addWidget(self.scroll, 1)
        self._build_columns()
        self.app.hub.changed.connect(self._on_changed)  # a method: dropped with the board
        self.refresh()

    # --- building ---
    def _build_filters(self) -> None:
        from crmdesk.services import processes

        self.filters = QHBoxLayout()
        self.process = QComboBox(self)
        self.manager = QComboBox(self)
        self.manager.addItem(tr("Все менеджеры"), None)
        self.only_mine = QCheckBox(tr("Только мои"), self)
        self.period = QComboBox(self)
        for key, title in PERIODS.items():
            self.period.addItem(tr(title), key)
        self.source = QComboBox(self)
        self.source.addItem(tr("Все источники"), None)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(tr("Поиск: сделка или клиент"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.manager.setMaximumWidth(240)
        from sqlalchemy import select

        from crmdesk.models import Deal, User

        with self.app.uow(read_only=True) as ctx:
            for p in processes.processes(ctx):
                self.process.addItem(p.name, p.id)
            for uid, name in ctx.session.execute(select(User.id, User.full_name).where(
                    User.active.is_(True)).order_by(User.full_name)):
                self.manager.addItem(name, uid)
            for (source,) in ctx.session.execute(select(Deal.source).where(
                    Deal.source.is_not(None)).distinct().order_by(Deal.source).limit(100)):
                self.source.addItem(source, source)
        for w, label in ((self.process, "Процесс:"), (self.manager, None),
                         (self.only_mine, None), (self.period, None), (self.source, None)):
            if label:
                self.filters.addWidget(QLabel(tr(label)))
            self.filters.addWidget(w)
        self.filters.addWidget(self.search, 1)
        self.process.currentIndexChanged.connect(self._process_changed)
        for combo in (self.manager, self.period, self.source):
            combo.currentIndexChanged.connect(self.refresh)
        self.only_mine.toggled.connect(self.refresh)
        self._search_timer = QTimer(self, singleShot=True, interval=300)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)

    def _build_columns(self) -> None:
        from sqlalchemy import select

        from crmdesk.models import Stage
        from crmdesk.services.processes import transitions

        while self.row.count():
            child = self.row.takeAt(0)
            if child.widget() is not None:
                child.widget().deleteLater()
        self.columns.clear()
        self.titles.clear()
        process_id = self.process.currentData()
        with self.app.uow(read_only=True) as ctx:
            stages = [{"id": s.id, "code": s.code, "name": s.name, "color": s.color,
                       "refusal": s.is_refusal}
                      for s in ctx.session.scalars(select(Stage).where(
                          Stage.process_id == process_id).order_by(Stage.order))]
            self.edges = transitions(ctx, process_id)
        self.stages = {s["id"]: s for s in stages}
        for stage in stages:
            box = QVBoxLayout()
            box.setSpacing(2)
            head = QHBoxLayout()
            title = QLabel(self)
            title.setTextFormat(Qt.TextFormat.RichText)
            title.setStyleSheet(f"background: {stage['color'] or '#d0d0d0'}; padding: 4px;"
                                "border-radius: 3px;")
            plus = QToolButton(self)
            plus.setText("+")
            plus.setToolTip(tr("Новая сделка на этапе «{0}»").format(tr(stage["name"])))
            plus.setVisible(not stage["refusal"])
            plus.clicked.connect(lambda _=False, code=stage["code"]: self.new_deal(code))
            head.addWidget(title, 1)
            head.addWidget(plus)
            column = KanbanColumn(self, stage)
            box.addLayout(head)
            box.addWidget(column, 1)
            self.row.addLayout(box)
            self.columns[stage["id"]], self.titles[stage["id"]] = column, title
        self.row.addStretch(1)

    def _process_changed(self) -> None:
        self._build_columns()
        self.refresh()

    # --- data ---
    def board_filter(self) -> data.BoardFilter:
        start, end = period_dates(self.period.currentData() or "")
        return data.BoardFilter(
            process_id=self.process.currentData(), manager_id=self.manager.currentData(),
            only_mine=self.only_mine.isChecked(), date_from=start, date_to=end,
            source=self.source.currentData(), text=self.search.text())

    def _on_changed(self, name: str) -> None:
        if name in ("deals", "clients", "tasks"):
            self.refresh()

    def refresh(self) -> None:
        f = self.board_filter()
        try:
            with self.app.uow(read_only=True) as ctx:
                totals = data.column_totals(ctx, f)
                pages = {sid: data.cards(ctx, f, sid, 0, self.PER_PAGE) for sid in self.columns}
        except CrmError as exc:
            show_error(self, exc)
            return
        for sid, column in self.columns.items():
            count, amount = totals.get(sid, (0, 0))
            column.fill(pages[sid], count)
            name = tr(self.stages[sid]["name"])
            self.titles[sid].setText(
                f"<b>{name}</b><br>{count} · {format_money(amount)}")

    def more(self, column: KanbanColumn) -> None:
        with self.app.uow(read_only=True) as ctx:
            cards = data.cards(ctx, self.board_filter(), column.stage_id, column.count(),
                               self.PER_PAGE)
        column.add(cards)

    # --- moving ---
    def dragging(self, deal_id: int | None, stage_id: int | None) -> None:
        for sid, column in self.columns.items():
            if deal_id is None or sid == stage_id:
                column.highlight(None)
            else:
                column.highlight("allowed" if (stage_id, sid) in self.edges else "forbidden")

    def move(self, deal_id: int, stage_id: int) -> bool:
        from crmdesk.services import deals

        stage = self.stages[stage_id]
        reason = None
        with self.app.uow(read_only=True) as ctx:
            deal = deals.get_deal(ctx, deal_id)
            process_id, from_stage = deal.process_id, deal.stage_id
        if (from_stage, stage_id) in self.edges and stage["refusal"]:
            from crmdesk.ui.forms.deals import ask_reason

            reason = ask_reason(self, process_id)  # before the unit of work: none waits
            if reason is None:
                return False
        try:
            with self.app.uow() as ctx:
                deals.move_deal(ctx, deal_id, stage["code"], reason=reason)
        except CrmError as exc:
            show_error(self, exc)
            return False
        self.app.changed("deals")
        return True

    def new_deal(self, code: str) -> None:
        open_entity(self.shell, "deal", None, {"stage_code": code})


def bench_open_board(engine):
    """benchmarks/pipeline.py: a function that opens the board in a window of 1366×768."""
    from crmdesk.app import make_qt_app
    from crmdesk.ui import forms
    from crmdesk.ui.session import AppSession

    make_qt_app()
    forms.install()
    app = AppSession(engine)

    class Shell:
        def __init__(self):
            self.app = app

        def message(self, text):
            pass

    shell = Shell()

    def go():
        from PySide6.QtWidgets import QApplication

        board = KanbanBoard(shell)
        board.resize(1366, 768)
        board.show()
        QApplication.processEvents()
        board.close()
        board.deleteLater()

    return go


register_special("kanban", lambda shell, _target: KanbanBoard(shell))
