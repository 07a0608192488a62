"""Demo data: deterministic, consistent with the rules, and searchable."""

from decimal import Decimal

from sqlalchemy import func, select

from crmdesk.models import Client, Document, DocumentLine, Organization, Settlement
from crmdesk.services import validation
from crmdesk.services.context import unit_of_work
from crmdesk.services.demo import generate
from crmdesk.services.numbering import next_number
from crmdesk.services.search import find_clients


def snapshot(engine):
    with engine.connect() as conn:
        names = conn.execute(select(Client.name).order_by(Client.id)).scalars().all()
        totals = conn.execute(select(Document.number, Document.total).order_by(Document.id)).all()
    return names, totals


def test_demo_is_consistent_with_the_rules(engine):
    counts = generate(engine, clients=150, seed=3)
    assert counts["clients"] == 150 and counts["documents"] > 40
    with unit_of_work(engine) as ctx:
        s = ctx.session
        org = s.scalar(select(Organization))
        assert validation.validate_inn(org.inn) and validation.validate_bik(org.bik)
        assert validation.validate_account(org.account, org.bik)
        assert validation.validate_corr_account(org.corr_account, org.bik)
        for doc in s.scalars(select(Document).where(Document.doc_type != "payment")):
            assert doc.total == sum((ln.amount for ln in doc.lines), Decimal(0))
        owed = s.scalar(select(func.sum(Settlement.amount)))
        invoiced = s.scalar(
            select(func.sum(Document.total)).where(
                Document.doc_type == "invoice", Document.posted.is_(True)
            )
        )
        paid = s.scalar(
            select(func.sum(Document.total)).where(
                Document.doc_type == "payment", Document.posted.is_(True)
            )
        )
        assert owed == invoiced - paid > 0
        numbers = s.scalars(select(Document.number)).all()
        assert len(numbers) == len(set(numbers))
        last = max(n for n in numbers if n.startswith("СЧ-2026"))
        assert next_number(s, "invoice", 2026) == f"СЧ-2026-{int(last[-6:]) + 1:06d}"
        client = s.scalar(select(Client).order_by(Client.id.desc()))
        word = client.name.split()[-1].strip("«»")[:5].upper()
        assert client in find_clients(s, ctx.user, word, limit=200)
        assert s.scalar(select(func.count(DocumentLine.id))) > 0


def test_demo_is_deterministic_for_a_seed(tmp_path):
    from crmdesk.db import open_database

    a = open_database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    b = open_database(f"sqlite:///{tmp_path / 'b.sqlite'}")
    generate(a, clients=80, seed=11)
    generate(b, clients=80, seed=11)
    assert snapshot(a) == snapshot(b)
    generate(a, clients=20, seed=12)  # adding to a filled database continues ids and numbers
    names, totals = snapshot(a)
    assert len(names) == 100 and len({n for n, _ in totals}) == len(totals)
