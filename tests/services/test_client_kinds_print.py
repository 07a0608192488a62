"""An ИП on the print forms: «ИП Фамилия Имя Отчество, ИНН …», no KPP — on both databases."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from crmdesk.models import Product
from crmdesk.reports.invoice import invoice_form, invoice_pdf
from crmdesk.reports.upd import upd_data
from crmdesk.services.clients import create_client
from crmdesk.services.documents import create_document, post

INN12 = "500100732259"
OGRNIP = "304500116000157"


def _flat_pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def test_invoice_and_upd_name_the_ip_with_its_inn_and_no_kpp(uow):
    with uow() as ctx:
        ctx.session.add(Product(article="P-1", name="Насос", unit="шт", price=Decimal("1000"),
                                cost_price=Decimal("600"), vat_rate=Decimal("22")))
    with uow("ivanov") as ctx:
        ip = create_client(ctx, {
            "kind": "ip", "name": "ип Ёлкин Пётр Сергеевич", "inn": INN12, "ogrn": OGRNIP,
            "addresses": [{"kind": "legal", "text": "620014, г. Екатеринбург, ул. Мира, 2"}]})
        inv = create_document(ctx, "invoice", ip.id, {
            "date": date(2026, 11, 24), "lines": [{"product": "P-1", "quantity": 2}]})
        post(ctx, inv.id)
        inv_id = inv.id
    with uow("ivanov") as ctx:
        form = invoice_form(ctx, inv_id)
        buyer = dict(form.parties)["Покупатель (Заказчик):"]
        assert buyer == ("ИП Ёлкин Пётр Сергеевич, ИНН 500100732259, "
                         "620014, г. Екатеринбург, ул. Мира, 2")
        assert "Покупатель(Заказчик):ИПЁлкинПётрСергеевич,ИНН500100732259,620014" in (
            _flat_pdf_text(invoice_pdf(ctx, inv_id)))
        upd = upd_data(ctx, inv_id)
        assert upd.buyer == "ИП Ёлкин Пётр Сергеевич"
        assert upd.buyer_inn_kpp.startswith(INN12) and "/" not in upd.buyer_inn_kpp.strip("/")
        assert "КПП" not in buyer
