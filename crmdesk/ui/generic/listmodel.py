"""A table model over a dynamic list that fetches only the pages the view shows."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from crmdesk.services import lists
from crmdesk.services.lists import ListRow, ListSpec, ListState
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon
from crmdesk.ui.session import AppSession

PAGE = 100
KEEP_PAGES = 40
# A keystroke of the quick search counts at most this many matches and shows the first
# page at once; the exact number (for the scrollbar and «Записей») follows from a worker
# thread. A fragment matching half a million clients would otherwise cost seconds.
COUNT_CAP = 5_000
COUNT_DELAY_MS = 300  # typing on: no exact count is started for a text already replaced
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
RED = QColor("#c62828")
AMBER = QColor("#b26a00")  # a row's second tone (ListSpec.warn): near a deadline
AMBER_BACK = QColor("#fff3d6")


class PagedListModel(QAbstractTableModel):
    """Rows come from ``services.lists`` a page at a time; sorting and search run in SQL."""

    counted = Signal(int, int)  # (generation, exact total), from the counting thread
    exact_known = Signal()  # the exact number of rows has arrived

    def __init__(
        self, app: AppSession, spec: ListSpec, state: ListState | None = None, parent=None
    ):
        super().__init__(parent)
        self.app, self.spec = app, spec
        self.state = state or ListState()
        self._pages: OrderedDict[int, list[ListRow]] = OrderedDict()
        self._total = 0
        self._exact = True
        self._generation = 0
        self._counting: threading.Thread | None = None
        self._counted_total: tuple[int, int] | None = None
        self._count_conn = None  # the DBAPI connection the counting thread uses
        self.cap = COUNT_CAP
        self.frozen_sort = False  # set while the view restores its header
        self.counted.connect(self._apply_count)
        self._count_timer = QTimer(self, singleShot=True, interval=COUNT_DELAY_MS)
        self._count_timer.timeout.connect(lambda: self._count_exactly(self._generation))
        self.refresh()

    # --- what the list holds ---
    def refresh(self) -> None:
        """Count again and forget the pages (after a save, F5, a new search or sort).

        The count stops at ``cap``: when there are more rows, the list shows them at once
        and the exact count runs in a thread (``exact`` is False until it arrives)."""
        self.beginResetModel()
        self._pages.clear()
        self._generation += 1
        self._count_timer.stop()
        self._interrupt_count()
        with self.app.uow(read_only=True) as ctx:
            self._total = lists.count(ctx, self.spec, self.state, cap=self.cap)
        self._exact = self._total <= self.cap
        self.endResetModel()
        if not self._exact:
            self._count_timer.start()

    def _interrupt_count(self) -> None:
        """Stop counting for a search that has been replaced (SQLite: interrupt(),
        PostgreSQL: cancel())."""
        conn, self._count_conn = self._count_conn, None
        if conn is None or self._counting is None or not self._counting.is_alive():
            return
        stop = getattr(conn, "interrupt", None) or getattr(conn, "cancel", None)
        try:
            stop()
        except Exception:  # noqa: BLE001 - the count may just have finished
            pass

    @property
    def exact(self) -> bool:
        return self._exact

    def _count_exactly(self, generation: int) -> None:
        state = replace(self.state)  # what was asked, whatever the user types next

        def work():
            try:
                with self.app.uow(read_only=True) as ctx:
                    self._count_conn = ctx.session.connection().connection.driver_connection
                    total = lists.count(ctx, self.spec, state)
            except Exception:  # noqa: BLE001 - interrupted: a newer search replaced it
                return
            self._counted_total = (generation, total)
            self.counted.emit(generation, total)

        self._counting = threading.Thread(target=work, name="crmdesk-count", daemon=True)
        self._counting.start()

    def _apply_count(self, generation: int, total: int) -> None:
        if generation != self._generation or self._exact:
            return  # a newer search replaced it, or it was already applied
        self._exact = True
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:  # rows went away meanwhile: start over
            self.beginResetModel()
            self._pages.clear()
            self._total = total
            self.endResetModel()
        self.exact_known.emit()

    def ensure_exact(self) -> None:
        """Wait for the exact count (Ctrl+End needs the real last row)."""
        if self._exact:
            return
        self._count_timer.stop()
        if self._counting is not None:
            self._counting.join()
        done = self._counted_total
        if done is not None and done[0] == self._generation:
            self._apply_count(*done)
        else:
            with self.app.uow(read_only=True) as ctx:
                self._apply_count(self._generation, lists.count(ctx, self.spec, self.state))

    def set_search(self, text: str) -> None:
        if text != self.state.search:
            self.state.search = text
            self.refresh()

    def set_filters(self, filters: list[lists.Filter]) -> None:
        self.state.filters = list(filters)
        self.refresh()

    def set_show_marked(self, show: bool) -> None:
        self.state.show_marked = show
        self.refresh()

    def row(self, row: int) -> ListRow | None:
        if not 0 <= row < self._total:
            return None
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            with self.app.uow(read_only=True) as ctx:
                page = lists.fetch(
                    ctx, self.spec, self.state, page_no * PAGE, PAGE, self._total, self._exact
                )
            self._pages[page_no] = page
            while len(self._pages) > KEEP_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        index = row - page_no * PAGE
        return page[index] if index < len(page) else None

    def row_id(self, row: int) -> int | None:
        r = self.row(row)
        return r.id if r else None

    def find_row(self, row_id: int) -> int | None:
        with self.app.uow(read_only=True) as ctx:
            return lists.row_index(ctx, self.spec, self.state, row_id)

    def loaded_pages(self) -> int:
        return len(self._pages)

    # --- Qt model interface ---
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.spec.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.spec.columns[section].title)
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.row(index.row())
        if r is None:
            return None
        col = self.spec.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = lists.format_value(col, r.values[index.column()])
            return tr(text) if col.kind in ("enum", "bool") or col.translated else text
        if role == ID_ROLE:
            return r.id
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.TextAlignmentRole and col.kind in ("money", "int", "percent"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and r.marked:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.alert:
                return QBrush(RED)
            if r.warn:
                return QBrush(AMBER)
            if r.marked:
                return QBrush(QColor("#777777"))
        if role == Qt.ItemDataRole.BackgroundRole and r.warn:
            return QBrush(AMBER_BACK)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            if r.marked:
                return icon("marked")
            if r.posted is not None:
                return icon("posted" if r.posted else "unposted")
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0 and r.marked:
            return tr("Помечен на удаление")
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        col = self.spec.columns[column]
        if not col.sortable or self.frozen_sort or self.sort_column() == (column, order):
            return
        self.state.sort_key = col.key
        self.state.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def sort_column(self) -> tuple[int, Qt.SortOrder] | None:
        key = self.state.sort_key or self.spec.default_sort
        desc = self.state.descending if self.state.sort_key else self.spec.default_descending
        for i, col in enumerate(self.spec.columns):
            if col.key == key:
                order = Qt.SortOrder.DescendingOrder if desc else Qt.SortOrder.AscendingOrder
                return i, order
        return None
