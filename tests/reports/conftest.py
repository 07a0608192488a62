"""Fixtures for print forms and reports: requisites, pictures, and a small known sales history.

The history (``sales``) is small enough to compute every figure by hand; the tests say how.
All documents are dated in the first half of 2026; reports are asked «as of» 30.06.2026.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pdfcheck import picture
from sqlalchemy import select, update

from crmdesk.models import Document, Organization, Product, User
from crmdesk.services.clients import create_client
from crmdesk.services.documents import (
    create_based_on,
    create_document,
    post,
    set_deletion_mark,
)

AS_OF = date(2026, 6, 30)


@pytest.fixture
def org(uow):
    """The organization's requisites, as on a real invoice."""
    with uow() as ctx:
        o = ctx.session.scalar(select(Organization))
        o.name = "ООО «ТеплоДом»"
        o.full_name = "Общество с ограниченной ответственностью «ТеплоДом»"
        o.inn, o.kpp = "7729141771", "770101001"
        o.address = "125009, г. Москва, ул. Тверская, д. 7"
        o.phone = "+74951234567"
        o.email = "info@teplodom.ru"
        o.bank_name, o.bank_city = "ПАО Сбербанк", "г. Москва"
        o.bik, o.corr_account = "044525225", "30101810400000000225"
        o.account = "40702810038000012345"
        o.director = "Кузнецов Андрей Сергеевич"
        o.chief_accountant = "Попова Елена Ивановна"
        o.payment_terms = "Товар отпускается по факту прихода денег на р/с Поставщика."
        ctx.session.execute(
            update(User)
            .where(User.login == "ivanov")
            .values(position="Менеджер по продажам", phone="+79161234567",
                    email="ivanov@teplodom.ru")
        )
    return uow


@pytest.fixture
def products(uow):
    with uow() as ctx:
        pump = Product(article="P-1", name="Насос циркуляционный", unit="шт",
                       price=Decimal("1000"), cost_price=Decimal("600"), vat_rate=Decimal("22"),
                       description="Насос для систем отопления, гарантия 2 года",
                       image=picture(120, 90))
        tap = Product(article="P-2", name="Кран шаровой", unit="шт", price=Decimal("250"),
                      cost_price=Decimal("100"), vat_rate=Decimal("22"))
        ctx.session.add_all([pump, tap])
        ctx.session.flush()
        return SimpleNamespace(pump=pump.id, tap=tap.id)


@pytest.fixture
def buyer(org):
    with org("ivanov") as ctx:
        return create_client(
            ctx,
            {
                "name": "ООО «Альфа»",
                "full_name": "Общество с ограниченной ответственностью «Альфа»",
                "inn": "7707083893",
                "kpp": "773601001",
                "phones": ["+7 912 345-67-89"],
                "addresses": [{"kind": "legal", "text": "620014, г. Екатеринбург, ул. Мира, 1"}],
            },
        ).id


def _doc(ctx, doc_type, client, when, lines, **extra):
    data = {"date": when, "lines": lines, **extra}
    return create_document(ctx, doc_type, client, data)


def _pay(ctx, client, when, total, invoice=None):
    if invoice is not None:
        doc = create_based_on(ctx, invoice, "payment", {"total": total, "date": when})
    else:
        doc = create_document(ctx, "payment", client, {"total": total, "date": when})
    post(ctx, doc.id)
    return doc.id


class History(SimpleNamespace):
    """Ids of the fixture's clients and documents; calling it opens a unit of work."""

    def __call__(self, login: str | None = None):
        return self.uow(login)


@pytest.fixture
def sales(org, products):
    """Clients A, C (ivanov's), B, D (petrov's) and their documents; see the tests for sums."""
    pump, tap = products.pump, products.tap
    ns = History(uow=org)
    with org("ivanov") as ctx:
        a = ns.a = create_client(ctx, {"name": "ООО «Альфа»"}).id
        c = ns.c = create_client(ctx, {"name": "ООО «Вектор»"}).id
        # O1: 3 pumps + delivery, VAT included: 3 500,00 (VAT 540,98 + 90,16), cost 1 800
        o1 = _doc(ctx, "order", a, date(2026, 3, 10), [
            {"product_id": pump, "quantity": 3},
            {"description": "Доставка", "quantity": 1, "price": 500, "vat_rate": 22},
        ])
        post(ctx, o1.id)
        i1 = create_based_on(ctx, o1.id, "invoice", {"date": date(2026, 3, 11),
                                                     "due_date": date(2026, 3, 20)})
        post(ctx, i1.id)
        # O3: 2 pumps without VAT, 2 000,00, cost 1 200; invoiced for one pump only
        o3 = _doc(ctx, "order", a, date(2026, 4, 20), [{"product_id": pump, "quantity": 2}],
                  vat_mode="none", due_date=date(2026, 7, 15))
        post(ctx, o3.id)
        i2 = create_based_on(ctx, o3.id, "invoice", {
            "date": date(2026, 5, 1), "due_date": date(2026, 5, 10),
            "lines": [{"product_id": pump, "quantity": 1}],
        })
        post(ctx, i2.id)
        i3 = _doc(ctx, "invoice", a, date(2026, 6, 20),
                  [{"description": "Услуга", "quantity": 1, "price": 800}],
                  due_date=date(2026, 7, 5))
        post(ctx, i3.id)
        # 1 000 against I1 five days late; then 3 000 unnamed: 2 500 to I1, 500 to I2
        _pay(ctx, a, date(2026, 3, 25), "1000", invoice=i1.id)
        _pay(ctx, a, date(2026, 5, 20), "3000")
        # not counted: an unposted order, and a posted order marked for deletion behind the
        # services' back (they would unpost it) to prove the reports check the mark itself
        _doc(ctx, "order", a, date(2026, 4, 21), [{"product_id": pump, "quantity": 5}])
        o8 = _doc(ctx, "order", a, date(2026, 4, 10), [{"product_id": pump, "quantity": 7}])
        post(ctx, o8.id)
        ctx.session.execute(update(Document).where(Document.id == o8.id)
                            .values(deletion_mark=True))
        # C always pays ten days late
        o6 = _doc(ctx, "order", c, date(2026, 5, 15), [{"product_id": pump, "quantity": 1}],
                  due_date=date(2026, 7, 20))
        post(ctx, o6.id)
        for issued, due, paid in ((date(2026, 3, 20), date(2026, 4, 1), date(2026, 4, 11)),
                                  (date(2026, 4, 20), date(2026, 5, 1), date(2026, 5, 11))):
            inv = _doc(ctx, "invoice", c, issued,
                       [{"description": "Обслуживание", "quantity": 1, "price": 1000}],
                       due_date=due)
            post(ctx, inv.id)
            _pay(ctx, c, paid, "1000", invoice=inv.id)
        i10 = _doc(ctx, "invoice", c, date(2026, 6, 25),
                   [{"description": "Обслуживание", "quantity": 1, "price": 1000,
                     "vat_rate": 22}], vat_mode="on_top", due_date=date(2026, 7, 8))
        post(ctx, i10.id)  # 1 000 + 220 VAT on top = 1 220
        ns.i1, ns.i2, ns.i3, ns.i10, ns.o1 = i1.id, i2.id, i3.id, i10.id, o1.id
    with org("petrov") as ctx:
        b = ns.b = create_client(ctx, {"name": "ООО «Бета»"}).id
        d = ns.d = create_client(ctx, {"name": "ООО «Гамма»"}).id
        # O2: 10 taps, VAT on top: 2 500,00 + 550,00 = 3 050,00, cost 1 000
        o2 = _doc(ctx, "order", b, date(2026, 4, 5), [{"product_id": tap, "quantity": 10}],
                  vat_mode="on_top")
        post(ctx, o2.id)
        i4 = create_based_on(ctx, o2.id, "invoice", {"date": date(2026, 4, 6),
                                                     "due_date": date(2026, 4, 15)})
        post(ctx, i4.id)
        i5 = _doc(ctx, "invoice", b, date(2026, 6, 1),
                  [{"description": "Монтаж", "quantity": 1, "price": 1000}],
                  due_date=date(2026, 6, 15))
        post(ctx, i5.id)
        i11 = _doc(ctx, "invoice", b, date(2026, 3, 1),
                   [{"description": "Проект", "quantity": 1, "price": 600}],
                   due_date=date(2026, 3, 10))
        post(ctx, i11.id)
        # O7 of last year: 2 taps, 500,00 incl. VAT 90,16, cost 200, never invoiced
        o7 = _doc(ctx, "order", b, date(2025, 12, 20), [{"product_id": tap, "quantity": 2}],
                  due_date=date(2026, 1, 10))
        post(ctx, o7.id)
        # not counted: an unposted invoice and one posted, then marked for deletion
        _doc(ctx, "invoice", b, date(2026, 6, 2),
             [{"description": "Черновик", "quantity": 1, "price": 5000}])
        i7 = _doc(ctx, "invoice", b, date(2026, 6, 3),
                  [{"description": "Ошибочный", "quantity": 1, "price": 4000}])
        post(ctx, i7.id)
        set_deletion_mark(ctx, i7.id)
        # D paid 700 in advance, with no invoice at all
        _pay(ctx, d, date(2026, 6, 10), "700")
    return ns
