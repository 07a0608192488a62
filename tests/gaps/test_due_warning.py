"""Issue 18: a due date before the invoice's date is written, and the form says so in its
message area under the form (1C's way: a warning, not a refusal) after «Записать» and
after «Провести»; a correct due date shows nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt

from crmdesk.models import Document
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.ui.generic.documentform import DocumentForm


def _client(engine) -> tuple[int, str]:
    with unit_of_work(engine) as ctx:
        c = create_client(ctx, {"name": "ООО «Срок»"})
        return c.id, c.name


def _new_invoice(day, qtbot, client):
    invoices = day.window.open_list("invoices")
    invoices.view.setFocus()
    qtbot.keyClick(invoices.view, Qt.Key.Key_Insert)
    form = day.active()
    assert isinstance(form, DocumentForm) and form.doc_type == "invoice"
    form.editors["client"].set(client)
    form.editors["date"].set(datetime(2026, 11, 20, 10, 0).astimezone())
    form.add_line({"description": "Насос", "quantity": Decimal(1), "price": Decimal("100")})
    return form


def test_due_date_before_invoice_date_is_written_with_a_warning(day, qtbot):
    form = _new_invoice(day, qtbot, _client(day.engine))
    form.editors["due_date"].set(date(2026, 11, 10))
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.obj_id is not None, form.messages.text()
    assert form.warnings_area.isVisible()
    assert form.warnings_area.text() == (
        "Срок 10.11.2026 раньше даты документа 20.11.2026: проверьте дату оплаты."
    )
    assert form.messages.isHidden()  # not an error: nothing refused
    day.shot("invoice-due-warning")
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Document, form.obj_id).due_date == date(2026, 11, 10)

    assert form.post()  # «Провести»: posted, and the warning is still there
    assert form.warnings_area.isVisible() and "10.11.2026" in form.warnings_area.text()
    with unit_of_work(day.engine) as ctx:
        assert ctx.session.get(Document, form.obj_id).posted

    form.editors["due_date"].set(date(2026, 11, 20) + timedelta(days=5))
    form._edited()
    assert form.write()
    assert form.warnings_area.isHidden() and form.warnings_area.text() == ""


def test_a_correct_due_date_shows_no_warning(day, qtbot):
    form = _new_invoice(day, qtbot, _client(day.engine))
    form.editors["due_date"].set(date(2026, 11, 25))
    assert form.write(), form.messages.text()
    assert form.warnings_area.isHidden()
