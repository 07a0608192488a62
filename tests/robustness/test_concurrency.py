"""Several processes posting and saving at the same moment, on SQLite and PostgreSQL.

Each test starts real processes (multiprocessing, spawn) on the same database; a barrier
makes them act together. The settlements must equal the payments: an invoice is never
settled beyond its total, whatever the interleaving.
"""

from __future__ import annotations

import multiprocessing
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crmdesk.models import Product, Settlement
from crmdesk.services.documents import create_based_on, create_document, post

from . import workers

PROCESSES = 6
SPAWN = multiprocessing.get_context("spawn")


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run_all(target, args_list) -> list[tuple[str, str]]:
    barrier, queue = SPAWN.Barrier(len(args_list)), SPAWN.Queue()
    procs = [SPAWN.Process(target=target, args=(*a, barrier, queue)) for a in args_list]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def _invoice(uow, client_id, price: str) -> int:
    with uow("ivanov") as ctx:
        inv = create_document(
            ctx,
            "invoice",
            client_id,
            {"vat_mode": "none", "lines": [{"description": "Работа", "price": price}]},
        )
        post(ctx, inv.id)
        return inv.id


def _settled(uow, invoice_id) -> Decimal:
    with uow() as ctx:
        return ctx.session.scalar(
            select(func.sum(Settlement.amount)).where(Settlement.invoice_id == invoice_id)
        )


def test_payments_of_one_invoice_posted_at_once_never_over_settle_it(uow, team, client_id):
    inv_id = _invoice(uow, client_id, "1000")
    with uow("ivanov") as ctx:
        payments = [
            create_based_on(ctx, inv_id, "payment", {"total": "400"}).id
            for _ in range(PROCESSES)
        ]
    results = run_all(workers.post_document, [(url_of(team), p) for p in payments])
    assert results == [("ok", "400.00")] * PROCESSES
    assert _settled(uow, inv_id) == Decimal("0.00")  # 1,000 owed, 1,000 settled, no more
    with uow() as ctx:
        for pay in payments:  # each payment is wholly allocated: invoice part + advance
            rows = ctx.session.scalars(select(Settlement).where(Settlement.recorder_id == pay))
            assert sum(r.amount for r in rows) == Decimal("-400.00")
        to_invoice = ctx.session.scalar(
            select(func.sum(Settlement.amount)).where(
                Settlement.invoice_id == inv_id, Settlement.recorder_id != inv_id
            )
        )
        advances = ctx.session.scalar(
            select(func.sum(Settlement.amount)).where(Settlement.invoice_id.is_(None))
        )
    assert to_invoice == Decimal("-1000.00") and advances == Decimal("-1400.00")


def test_payments_without_basis_settle_the_oldest_invoices_exactly_once(uow, team, client_id):
    invoices = [_invoice(uow, client_id, price) for price in ("300", "500", "700")]
    with uow("ivanov") as ctx:
        payments = [
            create_document(ctx, "payment", client_id, {"total": "350"}).id
            for _ in range(PROCESSES)
        ]
    results = run_all(workers.post_document, [(url_of(team), p) for p in payments])
    assert [r[0] for r in results] == ["ok"] * PROCESSES, results
    for inv in invoices:  # 6 × 350 = 2,100 ≥ 1,500: every invoice settled, none beyond
        assert _settled(uow, inv) == Decimal("0.00")
    with uow() as ctx:
        total = ctx.session.scalar(select(func.sum(Settlement.amount)))
    assert total == Decimal("1500.00") - PROCESSES * Decimal("350.00")


def test_editors_saving_the_same_record_at_once_get_one_clear_conflict(uow, team):
    with uow() as ctx:
        product = Product(name="Насос", price=Decimal("1000"), vat_rate=Decimal("22"))
        ctx.session.add(product)
        ctx.session.flush()
        pid, version = product.id, product.version
    names = [f"Насос {i}" for i in range(PROCESSES)]
    results = run_all(workers.save_product, [(url_of(team), pid, version, n) for n in names])
    winners = [r for r in results if r[0] == "ok"]
    conflicts = [r for r in results if r[0] == "ConflictError"]
    assert len(winners) == 1 and len(conflicts) == PROCESSES - 1, results
    assert all("уже изменён пользователем" in msg for _, msg in conflicts)
    assert all("Перечитайте данные" in msg for _, msg in conflicts)
    with uow() as ctx:
        stored = ctx.session.get(Product, pid)
        assert stored.name == winners[0][1] and stored.version == version + 1


@pytest.mark.parametrize("engine", ["pg"], indirect=True)
def test_a_stale_save_names_who_saved_first(uow, team):
    """PostgreSQL: the later editor's UPDATE finds the row changed (StaleDataError): the
    message is the read-then-save one, with the name of who saved."""
    with uow() as ctx:
        product = Product(name="Кран", price=Decimal("10"), vat_rate=Decimal("22"))
        ctx.session.add(product)
        ctx.session.flush()
        pid, version = product.id, product.version
    results = run_all(
        workers.save_product, [(url_of(team), pid, version, n) for n in ("А", "Б")]
    )
    conflict = [msg for kind, msg in results if kind == "ConflictError"]
    assert len(conflict) == 1 and "Администратор" in conflict[0], results
