"""What each process of the concurrency tests does; run with multiprocessing's spawn.

Every worker opens its own engine on the URL, waits at the barrier so all of them act at
the same moment, and puts ("ok", detail) or (error class, message) on the queue — never
lets an exception pass unseen.
"""

from __future__ import annotations


def _result(queue, fn):
    try:
        queue.put(("ok", fn()))
    except Exception as exc:  # reported to the test, which names what went wrong
        queue.put((type(exc).__name__, str(exc)))


def post_document(url: str, doc_id: int, barrier, queue) -> None:
    from crmdesk.db import make_engine
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.documents import post

    engine = make_engine(url)

    def work():
        barrier.wait(timeout=60)
        with unit_of_work(engine, "ivanov") as ctx:
            return str(post(ctx, doc_id).total)

    _result(queue, work)
    engine.dispose()


def save_product(url: str, product_id: int, version: int, name: str, barrier, queue) -> None:
    """Editors saving the same record at the same moment, each from the version it read.

    PostgreSQL: every one reads the row before the barrier, so all pass the version check
    and meet at the UPDATE … WHERE version = n (SQLAlchemy's StaleDataError for the later
    ones). SQLite serializes writers at BEGIN: the later ones see the newer version."""
    from crmdesk.db import make_engine
    from crmdesk.models import Product
    from crmdesk.services import records
    from crmdesk.services.context import unit_of_work

    engine = make_engine(url)
    inside = engine.dialect.name == "postgresql"  # SQLite: the second waits at BEGIN

    def work():
        if not inside:
            barrier.wait(timeout=60)
        with unit_of_work(engine) as ctx:
            ctx.session.get(Product, product_id)
            if inside:
                barrier.wait(timeout=60)
            records.save(ctx, "product", product_id, {"name": name}, expected_version=version)
        return name

    _result(queue, work)
    engine.dispose()
