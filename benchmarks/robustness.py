"""Opening a database, posting payments at once, exchange files checked: the figures.

    python benchmarks/robustness.py                      # SQLite files under /tmp/bench-h1
    python benchmarks/robustness.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres

1. Cold open: a fresh interpreter imports crmdesk, opens a ready SQLite base and checks its
   defaults (what every CLI command and the desktop do first) — median of 5, and whether
   alembic got imported (it should not: it costs about half a second).
2. The same open while another connection holds SQLite's write lock (an import running):
   it must not wait for the lock.
3. Exchange: dump and verify_file of a base with N clients — seconds and MB/s of the checksum.
4. PostgreSQL (with --pg): six processes posting payments of one invoice at once, repeated;
   the invoice's remainder must never go below zero.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path("/tmp/bench-h1")


def cold_open(url: str) -> tuple[float, bool]:
    code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        "from crmdesk.db import open_database\n"
        "from crmdesk.services.setup import initialize\n"
        f"e = open_database({url!r})\n"
        "initialize(e)\n"
        "print(time.perf_counter() - t, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, alembic = out.stdout.split()
    return float(seconds), alembic == "True"


def make_base(path: Path, clients: int) -> str:
    from crmdesk.db import checkpoint, open_database
    from crmdesk.services.clients import create_client
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.setup import initialize

    if path.exists():
        path.unlink()
    engine = open_database(f"sqlite:///{path}")
    initialize(engine)
    with unit_of_work(engine) as ctx:
        for i in range(clients):
            create_client(ctx, {"name": f"ООО «Клиент {i}»", "inn": None})
    checkpoint(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def bench_open(url: str, path: Path) -> None:
    runs = [cold_open(url) for _ in range(5)]
    print(f"cold open + initialize, SQLite: median {statistics.median(r[0] for r in runs):.3f} s"
          f"; alembic imported: {any(r[1] for r in runs)}")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        t = time.perf_counter()
        seconds, _ = cold_open(url)
        print(f"the same while another process holds the write lock: {seconds:.3f} s "
              f"(wall {time.perf_counter() - t:.2f} s incl. interpreter start)")
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def bench_exchange(url: str) -> None:
    from crmdesk.db import make_engine
    from crmdesk.services.exchange import dump, verify_file

    engine = make_engine(url)
    target = ROOT / "dump.json"
    t = time.perf_counter()
    counts = dump(engine, target)
    t_dump = time.perf_counter() - t
    t = time.perf_counter()
    verify_file(target)
    t_verify = time.perf_counter() - t
    mb = target.stat().st_size / 2**20
    print(f"dump of {sum(counts.values()):,} rows ({mb:.1f} MB): {t_dump:.2f} s; "
          f"verify_file: {t_verify:.2f} s ({mb / t_verify:.0f} MB/s)")
    engine.dispose()


def _post(url, doc_id, barrier, queue):
    from crmdesk.db import make_engine
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.documents import post

    engine = make_engine(url)
    with engine.connect():  # connected before the start, so the race is the posting only
        pass
    barrier.wait()
    t = time.perf_counter()
    try:
        with unit_of_work(engine) as ctx:
            post(ctx, doc_id)
        queue.put(("ok", time.perf_counter() - t))
    except Exception as exc:  # counted in the figures
        queue.put((type(exc).__name__, time.perf_counter() - t))
    engine.dispose()


def bench_pg(admin_url: str, trials: int = 10) -> None:
    import psycopg
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from crmdesk.db import open_database
    from crmdesk.models import Settlement
    from crmdesk.services.clients import create_client
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.documents import create_based_on, create_document, post
    from crmdesk.services.setup import initialize

    u = make_url(admin_url)
    name = f"bench_h1_{uuid.uuid4().hex[:8]}"
    conninfo = f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"
    with psycopg.connect(conninfo, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = u.set(database=name).render_as_string(hide_password=False)
    engine = open_database(url)
    initialize(engine)
    ctx_spawn = multiprocessing.get_context("spawn")
    worst, seconds = None, []
    try:
        with unit_of_work(engine) as ctx:
            client = create_client(ctx, {"name": "ООО «Гонка»"}).id
        for _ in range(trials):
            with unit_of_work(engine) as ctx:
                line = {"description": "Работа", "price": 1000}
                inv = create_document(ctx, "invoice", client, {"lines": [line]})
                post(ctx, inv.id)
                pays = [
                    create_based_on(ctx, inv.id, "payment", {"total": 400}).id for _ in range(6)
                ]
            barrier, queue = ctx_spawn.Barrier(6), ctx_spawn.Queue()
            procs = [
                ctx_spawn.Process(target=_post, args=(url, p, barrier, queue)) for p in pays
            ]
            for p in procs:
                p.start()
            results = [queue.get() for _ in procs]
            seconds.append(max(r[1] for r in results))  # the last of the six to commit
            for p in procs:
                p.join()
            with unit_of_work(engine, read_only=True) as ctx:
                left = ctx.session.scalar(
                    select(func.sum(Settlement.amount)).where(Settlement.invoice_id == inv.id)
                )
            worst = left if worst is None else min(worst, left)
            assert [r[0] for r in results] == ["ok"] * 6, results
        print(f"PostgreSQL, {trials} trials of 6 payments of one 1,000 invoice posted at once: "
              f"lowest remainder {worst} (must be 0.00); from the barrier to the last commit "
              f"median {statistics.median(seconds) * 1000:.0f} ms")
    finally:
        engine.dispose()
        with psycopg.connect(conninfo, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20000)
    parser.add_argument("--pg", help="maintenance URL of a PostgreSQL server")
    args = parser.parse_args()
    shutil.rmtree(ROOT, ignore_errors=True)
    ROOT.mkdir(parents=True)
    path = ROOT / "crm.sqlite"
    url = make_base(path, args.clients)
    bench_open(url, path)
    bench_exchange(url)
    if args.pg:
        bench_pg(args.pg)


if __name__ == "__main__":
    main()
