"""«Подбор» as in 1C:УНФ: many products with their quantities at once, through a basket."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.services.money import format_money
from crmdesk.ui.generic.registry import entity
from crmdesk.ui.i18n import tr

# the catalogue's groups on the left: everything, goods, services
GROUPS = [(None, "Все товары и услуги"), ("goods", "Товары"), ("service", "Услуги")]
BASKET_COLUMNS = ["Товары (работы, услуги)", "Кол-во", "Ед.", "Цена", "Сумма"]
QTY, PRICE, AMOUNT = 1, 3, 4


def _number(text) -> Decimal | None:
    text = str(text or "").replace(" ", "").replace("\xa0", "").replace(",", ".")
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _show(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


class PickDialog(QDialog):
    """The catalogue (search, groups) above, the basket of picked products below.

    Enter (or a double click) on a product puts it into the basket with quantity 1 and its
    price, and opens its quantity for typing; Enter there returns to the catalogue. The same
    product picked twice adds up. «Перенести в документ» (Ctrl+Enter) hands over the basket;
    Esc cancels and the document stays untouched."""

    def __init__(self, form, parent=None):
        from crmdesk.ui.generic.listform import ListForm

        super().__init__(parent or form)
        self.form, self.shell = form, form.shell
        self.setWindowTitle(tr("Подбор товаров"))
        self.resize(980, 640)
        self.basket: list[dict] = []  # product_id, description, unit, price, quantity, …

        self.groups = QListWidget(self)
        for code, title in GROUPS:
            item = QListWidgetItem(tr(title))
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.groups.addItem(item)
        self.groups.setCurrentRow(0)
        self.groups.currentRowChanged.connect(self._group_changed)
        self.catalogue = ListForm(self.shell, entity("product"), choice=True, parent=self)
        self.catalogue.state_key = lambda: "pick:products"  # its own remembered columns
        self.catalogue.chosen.connect(lambda pid, _t: self.pick(pid))

        self.table = QTableWidget(0, len(BASKET_COLUMNS), self)
        self.table.setHorizontalHeaderLabels([tr(t) for t in BASKET_COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((QTY, 80), (2, 50), (PRICE, 110), (AMOUNT, 120)):
            self.table.setColumnWidth(col, width)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.itemChanged.connect(self._cell_changed)
        self.table.itemDelegate().closeEditor.connect(lambda *_a: self._back_to_catalogue())
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.remove_current,
                  context=Qt.ShortcutContext.WidgetShortcut)
        self.summary = QLabel(self)
        self.summary.setStyleSheet("font-weight: bold;")

        self.transfer_button = QPushButton(tr("Перенести в документ"), self)
        self.transfer_button.setToolTip(tr("Перенести в документ") + " (Ctrl+Enter)")
        self.transfer_button.clicked.connect(self.accept)
        cancel = QPushButton(tr("Отмена"), self)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.accept)

        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.groups)
        top.addWidget(self.catalogue)
        top.setStretchFactor(1, 1)
        top.setSizes([170, 800])
        bottom = QWidget(self)
        box = QVBoxLayout(bottom)
        box.setContentsMargins(4, 0, 4, 0)
        box.addWidget(QLabel(tr("Подобранные товары (кол-во и цену можно изменить):"), bottom))
        box.addWidget(self.table, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.summary, 1)
        foot.addWidget(self.transfer_button)
        foot.addWidget(cancel)
        box.addLayout(foot)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)
        self._update_summary()
        self.catalogue.view.setFocus()

    # --- the catalogue ---
    def _group_changed(self, row: int) -> None:
        code = self.groups.item(row).data(Qt.ItemDataRole.UserRole) if row >= 0 else None
        state = self.catalogue.model.state
        state.fixed = {} if code is None else {"kind": code}
        self.catalogue.model.refresh()
        if self.catalogue.model.rowCount():
            self.catalogue.view.selectRow(0)

    def _back_to_catalogue(self) -> None:
        self.catalogue.view.setFocus()

    # --- the basket ---
    def pick(self, product_id: int, quantity=None, price=None) -> int:
        """Put a product into the basket (again: its quantity adds up); its row."""
        quantity = Decimal(quantity) if quantity is not None else Decimal(1)
        for row, line in enumerate(self.basket):
            if line["product_id"] == product_id:
                line["quantity"] += quantity
                if price is not None:
                    line["price"] = Decimal(price)
                self._show_row(row)
                self._edit_quantity(row)
                return row
        line = dict(self.form.product_values(product_id), quantity=quantity)
        if price is not None:
            line["price"] = Decimal(price)
        self.basket.append(line)
        row = len(self.basket) - 1
        self.table.insertRow(row)
        self._show_row(row)
        self._edit_quantity(row)
        return row

    def _edit_quantity(self, row: int) -> None:
        index = self.table.model().index(row, QTY)
        self.table.setCurrentIndex(index)
        if self.isVisible():
            self.table.setFocus()
            self.table.edit(index)

    def _show_row(self, row: int) -> None:
        line = self.basket[row]
        amount = line["quantity"] * (line["price"] or Decimal(0))
        texts = [line["description"], _show(line["quantity"]), line["unit"] or "",
                 format_money(line["price"] or Decimal(0)), format_money(amount)]
        self.table.blockSignals(True)
        for col, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if col not in (QTY, PRICE):
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self._update_summary()

    def _cell_changed(self, item: QTableWidgetItem) -> None:
        row, col = item.row(), item.column()
        if not 0 <= row < len(self.basket) or col not in (QTY, PRICE):
            return
        number = _number(item.text())
        key = "quantity" if col == QTY else "price"
        if number is None or number < 0 or (col == QTY and number == 0):
            self.shell.message(
                tr("Поле «{0}» заполнено неверно: «{1}»").format(
                    tr(BASKET_COLUMNS[col]), item.text()))
        else:
            self.basket[row][key] = number
        self._show_row(row)

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.basket):
            del self.basket[row]
            self.table.removeRow(row)
            self._update_summary()

    def _update_summary(self) -> None:
        total = sum((ln["quantity"] * (ln["price"] or 0) for ln in self.basket), Decimal(0))
        self.summary.setText(
            tr("Подобрано позиций: {0}, на сумму {1}").format(len(self.basket),
                                                               format_money(total)))
        self.transfer_button.setEnabled(bool(self.basket))

    def lines(self) -> list[dict]:
        """What «Перенести в документ» hands over: one line per product."""
        return [dict(line) for line in self.basket]
