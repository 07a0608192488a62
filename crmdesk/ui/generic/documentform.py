"""The document form: header fields, an editable table part with live totals, posting."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.errors import CrmError
from crmdesk.services.money import format_money, line_amounts
from crmdesk.ui.generic.base import show_error
from crmdesk.ui.generic.commandbar import pin
from crmdesk.ui.generic.objectform import ObjectForm
from crmdesk.ui.generic.productcell import ProductDelegate, VatDelegate
from crmdesk.ui.generic.registry import open_entity, print_forms
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

LINE_COLUMNS = [
    ("description", "Товары (работы, услуги)", 280),
    ("quantity", "Кол-во", 70),
    ("unit", "Ед.", 45),
    ("price", "Цена", 95),
    ("discount_pct", "Скидка, %", 70),
    ("vat_rate", "НДС, %", 60),
    ("amount", "Сумма", 100),
    ("vat_amount", "НДС", 90),
]
EDITABLE = {"description", "quantity", "unit", "price", "discount_pct", "vat_rate"}
NUMERIC = {"quantity", "price", "discount_pct", "vat_rate", "amount", "vat_amount"}


def _number(text) -> Decimal | None:
    if isinstance(text, Decimal):
        return text
    text = str(text or "").replace(" ", "").replace("\xa0", "").replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _show(key: str, value) -> str:
    if value is None:
        return ""
    if key in ("price", "amount", "vat_amount"):
        return format_money(value)
    if key in ("quantity", "discount_pct", "vat_rate"):
        return f"{Decimal(value).normalize():f}".replace(".", ",")
    return str(value)


class LinesModel(QAbstractTableModel):
    """The table part: lines as dicts; amounts recomputed with the business layer's rules."""

    def __init__(self, form: DocumentForm):
        super().__init__(form)
        self.form = form
        self.lines: list[dict] = []

    def set_lines(self, lines: list[dict]) -> None:
        self.beginResetModel()
        self.lines = [dict(ln) for ln in lines]
        for ln in self.lines:
            self._recompute(ln)
        self.endResetModel()

    def vat_mode(self) -> str:
        return self.form.vat_mode()

    def _recompute(self, ln: dict) -> None:
        qty, price = _number(ln.get("quantity")), _number(ln.get("price"))
        if qty is None or price is None:
            ln["amount"] = ln["vat_amount"] = None
            return
        rate = None if self.vat_mode() == "none" else _number(ln.get("vat_rate"))
        disc = _number(ln.get("discount_pct")) or Decimal(0)
        try:
            a = line_amounts(qty, price, disc, rate, self.vat_mode(), Decimal(0))
        except (ArithmeticError, ValueError):
            ln["amount"] = ln["vat_amount"] = None
            return
        ln["amount"], ln["vat_amount"] = a.amount, a.vat_amount

    def recompute_all(self) -> None:
        for ln in self.lines:
            self._recompute(ln)
        if self.lines:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.lines) - 1, 8))

    def totals(self) -> tuple[Decimal, Decimal]:
        amount = sum((ln["amount"] or Decimal(0) for ln in self.lines), Decimal(0))
        vat = sum((ln["vat_amount"] or Decimal(0) for ln in self.lines), Decimal(0))
        total = amount + vat if self.vat_mode() == "on_top" else amount
        return total, vat

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(LINE_COLUMNS) + 1

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr("№") if section == 0 else tr(LINE_COLUMNS[section - 1][1])
        return None

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() and LINE_COLUMNS[index.column() - 1][0] in EDITABLE:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        ln = self.lines[index.row()]
        if index.column() == 0:
            return index.row() + 1 if role == Qt.ItemDataRole.DisplayRole else None
        key = LINE_COLUMNS[index.column() - 1][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return _show(key, ln.get(key))
        if role == Qt.ItemDataRole.EditRole:
            return _show(key, ln.get(key)).replace("\xa0", "")
        if role == Qt.ItemDataRole.TextAlignmentRole and key in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() == 0:
            return False
        key = LINE_COLUMNS[index.column() - 1][0]
        ln = self.lines[index.row()]
        if key in NUMERIC:
            number = _number(value)
            if number is None and str(value).strip():
                self.form.shell.message(tr("«{0}» — не число").format(value))
                return False
            ln[key] = number
        else:
            ln[key] = str(value)
        self._recompute(ln)
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), 8))
        self.form.lines_edited()
        return True

    def add(self, line: dict) -> int:
        row = len(self.lines)
        self.beginInsertRows(QModelIndex(), row, row)
        line = {"quantity": Decimal(1), "unit": "шт", "discount_pct": Decimal(0), **line}
        self._recompute(line)
        self.lines.append(line)
        self.endInsertRows()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self.lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.lines[row]
            self.endRemoveRows()


class LinesView(QTableView):
    """Typing starts editing the cell; Ins adds a line, Del removes it."""

    def __init__(self, form: DocumentForm):
        super().__init__(form)
        self.form = form
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setAlternatingRowColors(True)


class DocumentForm(ObjectForm):
    """A sales document: header, table part (unless ``has_lines`` is False), posting."""

    doc_type = ""
    has_lines = True
    history_type = "document"
    attachments_type = "document"
    basis_targets: list[tuple[str, str]] = []  # (doc_type, title) «Создать на основании»

    def build_commands(self) -> None:
        self.add_command("post", tr("Провести и закрыть"), "Ctrl+Return", self.post_close)
        self.add_command("save", tr("Записать"), "Ctrl+S", self.write)
        pin(self.add_command("post", tr("Провести"), None, self.post))
        self.add_command("unpost", tr("Отмена проведения"), None, self.unpost)
        if self.basis_targets:
            menu = QMenu(tr("Создать на основании"), self)
            for doc_type, title in self.basis_targets:
                action = menu.addAction(icon(doc_type), tr(title))
                action.triggered.connect(lambda _=False, t=doc_type: self.create_based_on(t))
            self._menu_button("basis", tr("Создать на основании"), menu)
        self.add_command("basis", tr("Структура подчинённости"), None, self.show_structure)
        self.print_menu = QMenu(tr("Печать"), self)
        self.print_menu.aboutToShow.connect(self._fill_print_menu)
        if print_forms(self.doc_type):  # nothing to print: no «Печать» at all, as in 1C
            pin(self._menu_button("print", tr("Печать"), self.print_menu))
        if print_forms(self.doc_type):  # its print form goes as the letter's attachment
            self.add_command("mail", tr("Отправить по почте"), None, self.send_by_mail)
        close = self.add_command("close", tr("Закрыть"), "Esc", self.close_form)
        close.setPriority(QAction.Priority.LowPriority)

    def _menu_button(self, name: str, text: str, menu: QMenu) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(icon(name))
        button.setText(text)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bar.addWidget(button)
        return button

    def extend_layout(self, layout: QVBoxLayout) -> None:
        self.lines_model = LinesModel(self)
        # warnings (allowed, probably a mistake) under the form, as 1C's message area
        self.warnings_area = QLabel(self)
        self.warnings_area.setObjectName("documentWarnings")
        self.warnings_area.setStyleSheet("color: #8a5a00; background: #fff8e1; padding: 3px;")
        self.warnings_area.setWordWrap(True)
        self.warnings_area.hide()
        if self.has_lines:
            self._build_lines(layout)
        layout.addWidget(self.warnings_area)

    def show_warnings(self) -> list[str]:
        """What documents.warnings says about the written document, under the form."""
        from crmdesk.services import documents

        texts: list[str] = []
        if self.obj_id is not None:
            with self.app.uow(read_only=True) as ctx:
                texts = documents.warnings(documents.get_document(ctx, self.obj_id))
        self.warnings_area.setText("\n".join(texts))
        self.warnings_area.setVisible(bool(texts))
        return texts

    def write(self) -> bool:
        if not super().write():
            return False
        self.show_warnings()
        return True

    def _build_lines(self, layout: QVBoxLayout) -> None:
        part = QWidget(self)
        box = QVBoxLayout(part)
        box.setContentsMargins(0, 0, 0, 0)
        bar = QToolBar(part)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.lines_view = LinesView(self)
        self.lines_view.setModel(self.lines_model)
        self.lines_view.setItemDelegateForColumn(1, ProductDelegate(self))
        vat_column = 1 + [k for k, _t, _w in LINE_COLUMNS].index("vat_rate")
        self.lines_view.setItemDelegateForColumn(vat_column, VatDelegate(self))  # from a list
        # «Товары» takes the spare width: every column, «НДС» the last, stays in view
        self.lines_view.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.Stretch
        )
        self.lines_view.setColumnWidth(0, 36)
        header = self.lines_view.horizontalHeader()
        for i, (_k, _t, width) in enumerate(LINE_COLUMNS, 1):  # never narrower than the title
            self.lines_view.setColumnWidth(i, max(width, header.sectionSizeHint(i)))
        for name, text, key, slot in (
            ("add", tr("Добавить"), Qt.Key.Key_Insert, self.add_line),
            ("product", tr("Подбор"), "Ctrl+P", self.pick_products),
            ("mark_deletion", tr("Удалить строку"), Qt.Key.Key_Delete, self.remove_line),
        ):
            action = QAction(icon(name), text, self.lines_view)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.lines_view.addAction(action)
            bar.addAction(action)
        self.totals = QLabel(part)
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals.setStyleSheet("font-weight: bold;")
        foot = QHBoxLayout()
        foot.addStretch(1)
        foot.addWidget(self.totals)
        box.addWidget(bar)
        box.addWidget(self.lines_view, 1)
        box.addLayout(foot)
        if self.tab_widget is not None:
            self.body.layout().addWidget(part, len(self.rows), 0, 1, 4)
            self.body.layout().setRowStretch(len(self.rows), 1)
        else:
            layout.addWidget(part, 1)
        if "vat_mode" in self.editors:
            self.editors["vat_mode"].edited.connect(self._vat_changed)

    # --- the table part ---
    def vat_mode(self) -> str:
        editor = self.editors.get("vat_mode")
        return editor.get() if editor is not None else "included"

    def _vat_changed(self) -> None:
        self.lines_model.recompute_all()
        self._update_totals()

    def lines_edited(self) -> None:
        self._edited()
        self._update_totals()

    def _update_totals(self) -> None:
        if not self.has_lines:
            return
        total, vat = self.lines_model.totals()
        mode = self.vat_mode()
        vat_text = {
            "none": tr("Без НДС"),
            "included": tr("в т.ч. НДС: {0}").format(format_money(vat)),
            "on_top": tr("НДС сверху: {0}").format(format_money(vat)),
        }[mode]
        self.totals.setText(tr("Всего: {0}").format(format_money(total)) + "    " + vat_text)

    def add_line(self, line: dict | None = None) -> None:
        row = self.lines_model.add(line or {"description": ""})
        self.lines_view.setCurrentIndex(self.lines_model.index(row, 1))
        self.lines_view.setFocus()
        self.lines_edited()

    def remove_line(self) -> None:
        self.lines_model.remove(self.lines_view.currentIndex().row())
        self.lines_edited()

    def pick_products(self) -> None:
        """Подбор (crmdesk.ui.generic.picker): many products with quantities at once."""
        from crmdesk.ui.generic.picker import PickDialog

        self.pick_dialog = PickDialog(self)  # the tests drive it
        try:
            if self.pick_dialog.exec() == PickDialog.DialogCode.Accepted:
                self.transfer_picked(self.pick_dialog.lines())
        finally:
            self.pick_dialog = None

    def transfer_picked(self, picked: list[dict]) -> None:
        """«Перенести в документ»: a product already on a line at the same price adds its
        quantity there; others become new lines, all at once."""
        model = self.lines_model
        for line in picked:
            same = next((i for i, ln in enumerate(model.lines)
                         if ln.get("product_id") == line["product_id"]
                         and _number(ln.get("price")) == line["price"]), None)
            if same is None:
                model.add(line)
                continue
            ln = model.lines[same]
            ln["quantity"] = (_number(ln.get("quantity")) or Decimal(0)) + line["quantity"]
            model._recompute(ln)
            model.dataChanged.emit(model.index(same, 0), model.index(same, len(LINE_COLUMNS)))
        if picked:
            self.lines_view.setCurrentIndex(model.index(len(model.lines) - 1, 1))
            self.lines_edited()

    def product_values(self, product_id: int) -> dict:
        """What a chosen product brings to a line: its name, unit, price and VAT rate."""
        from crmdesk.services import records

        with self.app.uow() as ctx:
            p = records.get(ctx, "product", product_id)
            return {
                "product_id": p.id,
                "description": p.name,
                "unit": p.unit,
                "price": p.price,
                "vat_rate": p.vat_rate,
                "cost_price": p.cost_price,
            }

    def add_product(self, product_id: int) -> None:
        self.add_line(self.product_values(product_id))

    def fill_product(self, row: int, product_id: int) -> None:
        """The «Товары» cell of ``row`` got a product: the line takes its values."""
        model = self.lines_model
        if not 0 <= row < len(model.lines):
            return
        try:
            values = self.product_values(product_id)
        except CrmError as exc:
            show_error(self, exc)
            return
        model.lines[row].update(values)
        model._recompute(model.lines[row])
        model.dataChanged.emit(model.index(row, 0), model.index(row, len(LINE_COLUMNS)))
        self.lines_edited()

    def after_load(self, values: dict) -> None:
        self.lines_model.set_lines(values.get("lines") or [])
        self._update_totals()

    def values(self) -> dict:
        data = super().values()
        if self.has_lines:
            data["lines"] = [
                {
                    k: ln.get(k)
                    for k in (
                        "product_id",
                        "description",
                        "unit",
                        "quantity",
                        "price",
                        "discount_pct",
                        "vat_rate",
                        "cost_price",
                    )
                }
                for ln in self.lines_model.lines
            ]
        return data

    # --- posting ---
    def post(self) -> bool:
        from crmdesk.services import documents

        if (self.modified or self.obj_id is None) and not self.write():
            return False
        try:
            with self.app.uow() as ctx:
                documents.post(ctx, self.obj_id)
        except CrmError as exc:
            self._show_errors(exc)
            return False
        self.reload()
        self.app.changed(*self.lists_changed)
        self.shell.message(tr("Проведён: {0}").format(self.title))
        self.show_warnings()
        return True

    def post_close(self) -> None:
        if self.post():
            self.close_form()

    def unpost(self) -> None:
        from crmdesk.services import documents

        if self.obj_id is None:
            return
        try:
            with self.app.uow() as ctx:
                documents.unpost(ctx, self.obj_id)
        except CrmError as exc:
            show_error(self, exc)
            return
        self.reload()
        self.app.changed(*self.lists_changed)

    def show_structure(self):
        from crmdesk.ui.generic.structure import show_structure

        return show_structure(self)

    def create_based_on(self, doc_type: str) -> None:
        """The new document opens unsaved, filled from this one (the 1C way): it takes its
        number at its first write, and closing it unsaved leaves nothing behind."""
        from crmdesk.services import documents

        if (self.modified or self.obj_id is None) and not self.write():
            return
        try:
            with self.app.uow(read_only=True) as ctx:
                values = documents.based_on_values(ctx, self.obj_id, doc_type)
        except CrmError as exc:
            show_error(self, exc)
            return
        open_entity(self.shell, doc_type, None, values)

    def send_by_mail(self) -> None:
        """«Отправить по почте» (crmdesk.ui.forms.mail): the print form attached."""
        from crmdesk.ui.generic.registry import special

        if (self.modified or self.obj_id is None) and not self.write():
            return
        try:
            special("send_mail")(self.shell, self.obj_id)
        except CrmError as exc:
            show_error(self, exc)

    def _fill_print_menu(self) -> None:
        self.print_menu.clear()
        for title, handler in print_forms(self.doc_type):
            action = self.print_menu.addAction(icon("print"), title)
            action.triggered.connect(lambda _=False, h=handler: self._print(h))
        if self.print_menu.isEmpty():
            self.print_menu.addAction(tr("(нет печатных форм)")).setEnabled(False)

    def _print(self, handler) -> None:
        if (self.modified or self.obj_id is None) and not self.write():
            return
        try:
            handler(self.shell, self.obj_id)
        except CrmError as exc:
            show_error(self, exc)
