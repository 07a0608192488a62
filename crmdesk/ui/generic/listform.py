"""The dynamic list form: command bar, quick search, filter, columns, export, choice mode."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services import lists
from crmdesk.services.errors import CrmError
from crmdesk.services.lists import ListState
from crmdesk.ui.generic.base import FormBase, guarded, show_error
from crmdesk.ui.generic.commandbar import CommandBar, pin
from crmdesk.ui.generic.listmodel import PagedListModel
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

SEARCH_DELAY_MS = 250
CARD_DELAY_MS = 100  # the client list's cursor → the quick card


class ListView(QTableView):
    """The table of a list: rows selected whole, Enter opens, Home/End go to the ends."""

    activated_row = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionsMovable(True)
        self.doubleClicked.connect(lambda idx: self.activated_row.emit(idx.row()))

    def moveCursor(self, action, modifiers):  # noqa: N802
        # Ctrl+End (and End) go to the real last row: a list whose exact count is still
        # coming from its thread waits for it first
        if action == QAbstractItemView.CursorAction.MoveEnd and hasattr(
            self.model(), "ensure_exact"
        ):
            self.model().ensure_exact()
        return super().moveCursor(action, modifiers)

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            if self.currentIndex().isValid():
                self.activated_row.emit(self.currentIndex().row())
                return
        super().keyPressEvent(event)


class FilterDialog(QDialog):
    """Advanced filter: rows of field, condition, value."""

    def __init__(self, spec: lists.ListSpec, filters: list[lists.Filter], parent=None):
        super().__init__(parent)
        self.spec = spec
        self.setWindowTitle(tr("Отбор: ") + tr(spec.title))
        self.grid = QGridLayout()
        self.rows: list[tuple[QComboBox, QComboBox, QLineEdit, QWidget]] = []
        add = QPushButton(icon("add"), tr("Добавить условие"))
        add.clicked.connect(lambda: self.add_row())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addWidget(add, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(buttons)
        for f in filters:
            self.add_row(f)
        if not filters:
            self.add_row()

    def add_row(self, flt: lists.Filter | None = None) -> None:
        field, op, value = QComboBox(), QComboBox(), QLineEdit()
        for col in self.spec.columns:
            field.addItem(tr(col.title), col.key)
        for key, title in lists.OPS.items():
            op.addItem(tr(title), key)
        remove = QToolButton()
        remove.setIcon(icon("mark_deletion"))
        remove.setToolTip(tr("Убрать условие"))
        n = len(self.rows)
        if flt is not None:
            field.setCurrentIndex(max(0, field.findData(flt.key)))
            op.setCurrentIndex(max(0, op.findData(flt.op)))
            value.setText("" if flt.value is None else str(flt.value))
        for c, w in enumerate((field, op, value, remove)):
            self.grid.addWidget(w, n, c)
        row = (field, op, value, remove)
        self.rows.append(row)
        remove.clicked.connect(lambda: self._remove(row))

    def _remove(self, row) -> None:
        for w in row:
            w.hide()
        self.rows.remove(row)

    def filters(self) -> list[lists.Filter]:
        return [
            lists.Filter(f.currentData(), o.currentData(), v.text().strip() or None)
            for f, o, v, _ in self.rows
        ]


class ListForm(FormBase):
    """A list of one entity: the generic form every catalogue and journal is."""

    chosen = Signal(int, str)  # choice mode: the id and how it reads

    def __init__(
        self, shell, entity, state: ListState | None = None, choice: bool = False, parent=None
    ):
        super().__init__(shell, parent)
        self.entity, self.choice = entity, choice
        self.spec = lists.spec(entity.list_name)
        self.form_key = f"list:{self.spec.name}"
        self.setWindowTitle(tr(self.spec.title))
        self.setWindowIcon(icon(entity.icon))
        self.model = PagedListModel(self.app, self.spec, state or ListState(), self)
        self.view = ListView(self)
        self.view.setModel(self.model)
        for i, col in enumerate(self.spec.columns):
            self.view.setColumnWidth(i, col.width)
            self.view.setColumnHidden(i, col.hidden)
        sort = self.model.sort_column()
        if sort:
            self.view.horizontalHeader().setSortIndicator(*sort)
        self.view.activated_row.connect(self._activated)
        self._card_id: int | None = None
        self._card_timer = QTimer(self, singleShot=True, interval=CARD_DELAY_MS)
        self._card_timer.timeout.connect(self._show_card)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(tr("Поиск (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._search_enter)

        self.bar = CommandBar(self)
        self.bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._build_actions()
        top = QHBoxLayout()
        top.addWidget(self.bar, 1)
        top.addWidget(self.search)
        self.search.setMinimumWidth(220)
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.app.hub.changed.connect(self._on_changed)
        self.model.modelReset.connect(self._update_status)
        self.model.exact_known.connect(self._update_status)
        # a new search or sort reloads the rows; the user's column widths and order stay
        self.model.modelAboutToBeReset.connect(self._keep_header)
        self.model.modelReset.connect(self._put_header_back)
        self._update_status()
        self.restore_state()
        if self.model.rowCount():
            self.view.selectRow(0)
        if self._card_timer.isActive():  # a list just opened shows its first client at once
            self._card_timer.stop()
            self._show_card()

    # --- commands ---
    def _act(
        self, name: str, text: str, shortcut, slot, menu: QMenu | None = None, bar: bool = True
    ) -> QAction:
        action = QAction(icon(name), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text} ({QKeySequence(shortcut).toString()})")
        action.triggered.connect(slot)
        self.addAction(action)
        if menu is not None:
            menu.addAction(action)
        elif bar:
            self.bar.addAction(action)
        return action

    def _build_actions(self) -> None:
        e = self.entity
        if self.choice:
            self._act("save_close", tr("Выбрать"), None, self._choose_current)
        if e.can_create(self.app):
            self.create_action = self._act("add", tr("Создать"), Qt.Key.Key_Insert, self.create)
            pin(self.create_action)
            if e.copy is not None:
                self._act("copy", tr("Скопировать"), Qt.Key.Key_F9, self.copy_current)
        self._act("edit", tr("Изменить"), Qt.Key.Key_F2, self.open_current)
        if e.mark is not None and e.can_create(self.app):  # no right: no marking either
            self._act(
                "mark_deletion", tr("Пометить на удаление"), Qt.Key.Key_Delete, self.toggle_mark
            )
        for extra in e.list_commands:
            self._act(
                extra.icon,
                tr(extra.text),
                extra.shortcut,
                lambda _=False, x=extra: self._run_extra(x),
            )
        self._act("refresh", tr("Обновить"), Qt.Key.Key_F5, self.refresh)
        self._act("find", tr("Найти"), "Ctrl+F", self.focus_search, bar=False)
        self._act("find_clear", tr("Отменить поиск"), "Ctrl+Q", self.clear_search, bar=False)
        more = self.bar.more  # what does not fit on the bar joins these entries
        self._act("filter", tr("Отбор…"), "Ctrl+Shift+L", self.edit_filter, menu=more)
        self._act("columns", tr("Настроить колонки…"), None, self.choose_columns, menu=more)
        self.marked_action = self._act(
            "marked",
            tr("Показывать помеченные на удаление"),
            None,
            self._toggle_show_marked,
            menu=more,
        )
        self.marked_action.setCheckable(True)
        self.marked_action.setChecked(True)
        more.addSeparator()
        self._act("export_xlsx", tr("Вывести список в XLSX…"), None, self.export, menu=more)

    def _keep_header(self) -> None:
        self._header_state = self.view.horizontalHeader().saveState()

    def _put_header_back(self) -> None:
        header = self.view.horizontalHeader()
        if getattr(self, "_header_state", None) is not None:
            self.model.frozen_sort = True
            try:
                header.restoreState(self._header_state)
            finally:
                self.model.frozen_sort = False
        sort = self.model.sort_column()
        if sort:
            header.setSortIndicator(*sort)

    def current_id(self) -> int | None:
        idx = self.view.currentIndex()
        return self.model.row_id(idx.row()) if idx.isValid() else None

    def _row_changed(self, current, _previous) -> None:
        if self.choice:  # a choice list (F4) does not move the quick card: the choice does
            return
        if self.spec.name == "clients" and hasattr(self.shell, "client_selected"):
            # the quick card follows the cursor once it rests: the list is painted first, and
            # holding ↓ or typing a search does not read a client's card for every row passed
            self._card_id = self.model.row_id(current.row())
            self._card_timer.start()

    def current_client(self) -> int | None:
        return self.current_id() if self.spec.name == "clients" and not self.choice else None

    def _show_card(self) -> None:
        self.shell.client_selected(self._card_id)

    def _activated(self, row: int) -> None:
        if self.choice:
            self._choose_row(row)
        else:
            self.open_row(row)

    def open_row(self, row: int) -> None:
        row_id = self.model.row_id(row)
        if row_id is not None:
            guarded(self, self.entity.open, self.shell, row_id, None)

    def open_current(self) -> None:
        idx = self.view.currentIndex()
        if idx.isValid():
            self.open_row(idx.row())

    def create(self) -> None:
        guarded(self, self.entity.open, self.shell, None, self.new_values())

    def new_values(self) -> dict:
        """A new row made from a related list starts with that list's owner filled in, and
        with what the owner's form adds (a deal's tab: the deal's client too)."""
        values = dict(self.model.state.fixed)
        owner = getattr(self, "owner_form", None)
        if owner is not None:
            values.update(owner.related_defaults(self.entity.name))
        return values

    def copy_current(self) -> None:
        row_id = self.current_id()
        if row_id is None:
            return
        try:
            with self.app.uow() as ctx:
                values = self.entity.copy(ctx, row_id)
        except CrmError as exc:
            show_error(self, exc)
            return
        guarded(self, self.entity.open, self.shell, None, values)

    def toggle_mark(self) -> None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return
        r = self.model.row(idx.row())
        label = lists.format_value(self.spec.columns[0], r.values[0])
        question = (
            tr("Снять пометку удаления с «{0}»?") if r.marked else tr("Пометить «{0}» на удаление?")
        ).format(label)
        answer = QMessageBox.question(self, tr("Пометка удаления"), question)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            with self.app.uow() as ctx:
                self.entity.mark(ctx, r.id, not r.marked)
        except CrmError as exc:
            show_error(self, exc)
            return
        self.app.changed(self.spec.name, *self.entity.affects)

    def _run_extra(self, extra) -> None:
        row_id = self.current_id()
        if row_id is None and extra.needs_row:
            return
        guarded(self, extra.run, self, row_id)

    def refresh(self) -> None:
        keep = self.current_id()
        row = self.view.currentIndex().row()
        self.model.refresh()
        self._restore_cursor(keep, row)

    def _restore_cursor(self, keep: int | None, row: int) -> None:
        if keep is not None:
            found = self.model.find_row(keep)
            if found is not None:
                row = found
        if self.model.rowCount():
            row = min(max(row, 0), self.model.rowCount() - 1)
            self.view.selectRow(row)
            self.view.scrollTo(self.model.index(row, 0))

    def _on_changed(self, name: str) -> None:
        if name == self.spec.name:
            self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def clear_search(self) -> None:
        self.search.clear()
        self.apply_search()
        self.view.setFocus()

    def apply_search(self) -> None:
        self._timer.stop()
        try:
            self.model.set_search(self.search.text())
        except CrmError as exc:
            show_error(self, exc)
        if self.model.rowCount():
            self.view.selectRow(0)

    def _search_enter(self) -> None:
        self.apply_search()
        self.view.setFocus()

    def edit_filter(self) -> None:
        dialog = FilterDialog(self.spec, self.model.state.filters, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        old = list(self.model.state.filters)
        try:
            self.model.set_filters(dialog.filters())
        except CrmError as exc:
            show_error(self, exc)
            self.model.set_filters(old)

    def choose_columns(self) -> None:
        menu = QMenu(self)
        for i, col in enumerate(self.spec.columns):
            action = menu.addAction(tr(col.title))
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.toggled.connect(lambda on, i=i: self.view.setColumnHidden(i, not on))
        menu.exec(self.mapToGlobal(self.bar.geometry().bottomLeft()))

    def _toggle_show_marked(self, show: bool) -> None:
        self.model.set_show_marked(show)

    def visible_keys(self) -> list[str]:
        header = self.view.horizontalHeader()
        order = sorted(range(len(self.spec.columns)), key=header.visualIndex)
        return [self.spec.columns[i].key for i in order if not self.view.isColumnHidden(i)]

    def export(self, path: str | None = None) -> str | None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("Вывести список"), f"{tr(self.spec.title)}.xlsx", "Excel (*.xlsx)"
            )
        if not path:
            return None
        try:
            with self.app.uow() as ctx:
                lists.export_xlsx(ctx, self.spec, self.model.state, self.visible_keys(), path)
        except (CrmError, OSError) as exc:
            show_error(self, exc)
            return None
        self.shell.message(tr("Список сохранён: {0}").format(path))
        return path

    # --- choice mode ---
    def _choose_row(self, row: int) -> None:
        r = self.model.row(row)
        if r is None:
            return
        text = self.spec.display(r.values) if self.spec.display else str(r.id)
        self.chosen.emit(r.id, text)

    def _choose_current(self) -> None:
        idx = self.view.currentIndex()
        if idx.isValid():
            self._choose_row(idx.row())

    # --- remembered state ---
    def _update_status(self) -> None:
        n = self.model.rowCount()
        shown = f"{n:,}".replace(",", " ")
        if not getattr(self.model, "exact", True):  # the exact count is on its way
            shown = tr("более {0}").format(f"{n - 1:,}".replace(",", " "))
        extra = []
        if self.model.state.search:
            extra.append(tr("поиск: «{0}»").format(self.model.state.search))
        if self.model.state.filters:
            extra.append(tr("отбор: {0} усл.").format(len(self.model.state.filters)))
        self.status.setText(
            tr("Записей: {0}").format(shown)
            + (" · " + ", ".join(extra) if extra else "")
        )

    def state_key(self) -> str:
        """Columns are remembered per list and per place: a client card's tab of invoices
        keeps its own layout apart from the journal of invoices."""
        place = "-by-" + "-".join(sorted(self.model.state.fixed)) if self.model.state.fixed else ""
        return f"lists/{self.spec.name}{place}{'-choice' if self.choice else ''}"

    def save_state(self) -> None:
        s = self.app.settings()
        s.setValue(f"{self.state_key()}/header", self.view.horizontalHeader().saveState())
        s.setValue(f"{self.state_key()}/sort", self.model.state.sort_key or "")
        s.setValue(f"{self.state_key()}/desc", self.model.state.descending)

    def restore_state(self) -> None:
        """Sort first (it reloads the rows), then the columns' order, widths and visibility."""
        s = self.app.settings()
        sort = s.value(f"{self.state_key()}/sort") or None
        if sort and any(c.key == sort and c.sortable for c in self.spec.columns):
            desc = str(s.value(f"{self.state_key()}/desc")).lower() == "true"
            self.model.state.sort_key, self.model.state.descending = sort, desc
            self.model.refresh()
        header = s.value(f"{self.state_key()}/header")
        if isinstance(header, QByteArray | bytes) and header:
            self.model.frozen_sort = True
            try:
                self.view.horizontalHeader().restoreState(header)
            finally:
                self.model.frozen_sort = False
        else:  # the first opening: widths that fit the title and the first page's values
            self.fit_columns()
        sort_column = self.model.sort_column()
        if sort_column:
            self.view.horizontalHeader().setSortIndicator(*sort_column)

    def fit_columns(self, limit: int = 360) -> None:
        """Each column at least as wide as its title and the values of the rows read so far
        («26.11.2026 14:05», «Безналичная»), never narrower than declared, at most ``limit``."""
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        rows = min(self.model.rowCount(), 40)  # within the first page: nothing more is read
        icon_width = self.view.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize) + 8
        for i, col in enumerate(self.spec.columns):
            if col.hidden:
                continue
            texts = (self.model.index(r, i).data() for r in range(rows))
            content = max((metrics.horizontalAdvance(str(t)) for t in texts if t), default=0)
            if any(self.model.index(r, i).data(Qt.ItemDataRole.DecorationRole) is not None
                   for r in range(rows)):  # the posted tick or the deletion cross beside it
                content += icon_width
            wanted = max(header.sectionSizeHint(i), content + 12) + 8
            self.view.setColumnWidth(i, min(max(col.width, wanted), max(limit, col.width)))

    def closeEvent(self, event):  # noqa: N802
        self.save_state()
        super().closeEvent(event)


class ChoiceDialog(QDialog):
    """A list in choice mode, as the «…» button (F4) of a reference field opens it."""

    def __init__(self, shell, entity, text: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Выбор: ") + tr(lists.spec(entity.list_name).title))
        self.resize(800, 500)
        self.form = ListForm(shell, entity, choice=True, parent=self)
        if text:
            self.form.search.setText(text)
            self.form.apply_search()
        self.result_id: int | None = None
        self.result_text = ""
        self.form.chosen.connect(self._chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)
        self.form.view.setFocus()

    def _chosen(self, row_id: int, text: str) -> None:
        self.result_id, self.result_text = row_id, text
        self.form.save_state()
        self.accept()
