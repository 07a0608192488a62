"""The table part's «Товары» cell: a reference to the product catalogue, not free text; its
«НДС, %» cell: a rate chosen from the allowed ones."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate

from crmdesk.ui.generic.fields import Field, RefEditor, find_data

if TYPE_CHECKING:
    from crmdesk.ui.generic.documentform import DocumentForm

PRODUCT_FIELD = Field("product_id", "Товары (работы, услуги)", kind="ref", ref="product")


class ProductDelegate(QStyledItemDelegate):
    """The «Товары» cell is a reference to the catalogue, as in 1C: typing finds a product by
    name or article, F4 opens the choice list, Shift+F4 clears; a chosen product fills the
    line's unit, price and VAT rate. A text that matches no product is not taken."""

    def __init__(self, form: DocumentForm):
        super().__init__(form.lines_view)
        self.form = form

    def createEditor(self, parent, option, index):  # noqa: N802
        editor = RefEditor(PRODUCT_FIELD, self.form.shell, parent)
        editor.setAutoFillBackground(True)
        editor.layout_.setContentsMargins(0, 0, 0, 0)
        editor.edited.connect(lambda e=editor: self._chosen(e))
        return editor

    def setEditorData(self, editor, index):  # noqa: N802
        ln = self.form.lines_model.lines[index.row()]
        if editor.value is None and not editor.edit.isModified():
            # a line without a product keeps its text until a product is chosen
            editor.value, editor.text = ln.get("product_id"), ln.get("description") or ""
            editor.edit.setText(editor.text)

    def setModelData(self, editor, model, index):  # noqa: N802
        ln = model.lines[index.row()]
        if editor.value is not None and editor.value != ln.get("product_id"):
            self.form.fill_product(index.row(), editor.value)
        elif editor.value is None and ln.get("product_id") is not None:
            ln["product_id"] = None  # Shift+F4: the product is cleared, the text stays typed
            model.setData(index, editor.edit.text())

    def _chosen(self, editor) -> None:
        if editor.value is not None:  # chosen from the list or the type-ahead: take it now
            self.commitData.emit(editor)

    def eventFilter(self, editor, event):  # noqa: N802
        if event.type() == QEvent.Type.FocusOut and getattr(editor, "choosing", False):
            return False  # the choice list took the focus: the cell stays in editing
        return super().eventFilter(editor, event)


def vat_rates(app) -> list[Decimal]:
    """The rates a line or a product may carry: the «vat_rates» setting, else the law's."""
    from crmdesk.services.documents import _allowed_rates

    with app.uow(read_only=True) as ctx:
        return list(_allowed_rates(ctx))


def rate_text(rate: Decimal) -> str:
    return f"{Decimal(rate).normalize():f}".replace(".", ",") + " %"


class VatDelegate(QStyledItemDelegate):
    """The «НДС, %» cell: a rate chosen from the list of allowed rates, never typed."""

    def __init__(self, form: DocumentForm):
        super().__init__(form.lines_view)
        self.form = form

    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        for rate in vat_rates(self.form.app):
            combo.addItem(rate_text(rate), rate)
        combo.activated.connect(lambda _i, c=combo: self.commitData.emit(c))
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        rate = self.form.lines_model.lines[index.row()].get("vat_rate")
        found = find_data(editor, Decimal(rate)) if rate is not None else -1
        if found < 0 and rate is not None:  # an old line's rate no longer allowed stays
            editor.addItem(rate_text(rate), Decimal(rate))
            found = editor.count() - 1
        editor.setCurrentIndex(max(found, 0))

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentData())
