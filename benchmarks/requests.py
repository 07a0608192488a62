"""The requests registry with a million requests: opening it and filtering by executor and
overdue, as the desktop's list model does (a count capped at 5,000, then the first page of 50
rows, ``services.lists``; the exact count of a bigger list follows in a worker thread and is
measured apart), target < 300 ms each, on SQLite and PostgreSQL.

    python benchmarks/requests.py                                   # /tmp/bench/requests.sqlite
    python benchmarks/requests.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_req

The database is made and filled once (a million requests over three years, 20 executors,
six categories, about 8 % still open and a part of them overdue); later runs reuse it.
Printed: each case's median and worst of ``--rounds`` runs, in ms, and the rows it found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

DEFAULT_DB = "sqlite:////tmp/bench/requests.sqlite"
TARGET_MS = 300
N = 1_000_000
CAP = 5_000  # the desktop list model's COUNT_CAP


def prepare(url: str, n: int) -> None:
    from crmdesk.db import make_engine, open_database
    from crmdesk.models.service import RequestCategory, ServiceRequest
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requestcatalog import save_category
    from crmdesk.services.setup import initialize
    from crmdesk.services.users import create_user

    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    else:
        _create_pg(url)
    engine = open_database(url)
    initialize(engine)
    with engine.connect() as conn:
        have = conn.scalar(select(func.count()).select_from(ServiceRequest))
    if have >= n:
        return
    with unit_of_work(engine) as ctx:
        users = [create_user(ctx.session, f"exec{i:02d}", f"Исполнитель {i:02d}", "executor")
                 for i in range(20)]
        create_user(ctx.session, "disp", "Диспетчер", "dispatcher")
        ctx.session.flush()
        cats = [save_category(ctx, {"name": f"Категория {i}", "sla_days": 2}).id
                for i in range(6)]
        execs = [u.id for u in users]
    rnd = random.Random(1)
    now = datetime.now(UTC)
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()
    batch = []
    t0 = time.perf_counter()
    with make_engine(url).begin() as conn:
        for i in range(have, n):
            at = start + timedelta(seconds=span * i / n)
            deadline = at + timedelta(days=rnd.choice((1, 2, 3, 5)))
            recent = (now - at).days < 60
            status = (rnd.choice(("new", "assigned", "in_work", "postponed"))
                      if (recent and rnd.random() < 0.6) or rnd.random() < 0.03 else "closed")
            batch.append({
                "number": f"ЗВ-{at.year}-{i + 1:07d}", "registered_at": at, "channel": "call",
                "applicant_name": f"Заявитель {i % 5000}", "address": f"ул. Садовая, {i % 300}",
                "category_id": rnd.choice(cats), "description": "Не работает", "priority": 2,
                "paid": False, "executor_id": rnd.choice(execs), "deadline": deadline,
                "status": status, "deletion_mark": False, "reminded": False,
                "escalated": False, "version": 1, "updated_at": at,
                "done_at": at + timedelta(hours=30) if status == "closed" else None})
            if len(batch) == 20_000:
                conn.execute(insert(ServiceRequest), batch)
                batch.clear()
                print(f"\r{i + 1:,} заявок", end="", file=sys.stderr, flush=True)
        if batch:
            conn.execute(insert(ServiceRequest), batch)
    print(f"\rзаполнено {n:,} заявок за {time.perf_counter() - t0:.0f} с", file=sys.stderr)
    with make_engine(url).begin() as conn:
        if url.startswith("sqlite"):
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE service_requests")
    del RequestCategory


def _create_pg(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = psycopg.conninfo.make_conninfo(host=u.host, port=u.port or 5432,
                                           user=u.username, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (u.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{u.database}"')


def measure(url: str, rounds: int) -> list[tuple[str, float, float, int, float]]:
    from crmdesk.db import make_engine
    from crmdesk.models import User
    from crmdesk.services import lists
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.requestlists import REQUESTS, registry_state

    engine = make_engine(url)
    with unit_of_work(engine, "disp", read_only=True) as ctx:
        ex = ctx.session.scalar(select(User.id).where(User.login == "exec07"))
    cases = [
        ("open (dispatcher, all, first page)", "disp", registry_state()),
        ("by executor", "disp", registry_state(executor_id=ex)),
        ("overdue", "disp", registry_state(overdue=True)),
        ("by executor + overdue", "disp", registry_state(executor_id=ex, overdue=True)),
        ("«Мои заявки» (executor)", "exec07", registry_state()),
        ("status «В работе»", "disp", registry_state(status="in_work")),
    ]
    out = []
    for title, login, state in cases:
        times, found = [], 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            with unit_of_work(engine, login, read_only=True) as ctx:
                total = lists.count(ctx, REQUESTS, state, cap=CAP)
                exact = total <= CAP
                rows = lists.fetch(ctx, REQUESTS, state, 0, 50, total=total, exact=exact)
            times.append((time.perf_counter() - t0) * 1000)
            assert len(rows) == min(50, total)
        t0 = time.perf_counter()
        with unit_of_work(engine, login, read_only=True) as ctx:
            found = lists.count(ctx, REQUESTS, state)
        counted = (time.perf_counter() - t0) * 1000
        out.append((title, statistics.median(times), max(times), found, counted))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default=DEFAULT_DB)
    p.add_argument("--count", type=int, default=N)
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args()
    prepare(args.db, args.count)
    print(f"{args.db.split('://')[0]}: {args.count:,} заявок, цель < {TARGET_MS} мс")
    worst = 0.0
    for title, median, top, found, counted in measure(args.db, args.rounds):
        worst = max(worst, median)
        print(f"  {title:36s} медиана {median:6.1f} мс, худшее {top:6.1f} мс; строк {found:,}"
              f" (точный подсчёт в фоне {counted:.0f} мс)")
    print("OK" if worst < TARGET_MS else "МЕДЛЕННО")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
