"""Foundation figures at scale: demo generation rate, caller-ID and search latency.

    python benchmarks/foundation.py --clients 1000000 --db sqlite:////tmp/bench/crm1m.sqlite
    python benchmarks/foundation.py --clients 1000000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

(docs/benchmarks.md: how to run it and ``benchmarks/ui.py``, and the figures measured.)

The database must be empty (or already filled by a previous run: then pass --reuse and
only the queries run). Every figure is printed as one line; latencies are measured over
--queries random queries after a warm-up, as median and 95th percentile, each query in a
fresh session (as a form would do), through the same service functions the UI calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time

import sqlalchemy
from sqlalchemy import func, select, text

from crmdesk.db import describe, open_database, session_factory
from crmdesk.models import Client, ClientEmail, ClientPhone
from crmdesk.services import search
from crmdesk.services.setup import initialize
from crmdesk.services.users import find_user

LEGAL_FORMS = ("ооо ", "ао ", "ип ")


def say(line: str) -> None:
    print(line, flush=True)


def measure(factory, fn, queries: list[str], warmup: int = 5) -> tuple[float, float, float]:
    """(median ms, p95 ms, mean number of rows found) of ``fn(session, query)``."""
    for q in queries[:warmup]:
        with factory() as s:
            fn(s, q)
    times, found = [], []
    for q in queries:
        with factory() as s:
            t = time.perf_counter()
            rows = fn(s, q)
            times.append((time.perf_counter() - t) * 1000)
            found.append(len(rows))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, statistics.mean(found)


def report(label: str, figures: tuple[float, float, float], examples: list[str]) -> None:
    med, p95, found = figures
    sample = ", ".join(f"«{q}»" for q in examples[:3])
    say(f"{label}: median {med:.2f} ms, p95 {p95:.2f} ms, {found:.1f} found on average ({sample})")


def database_size(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            size = os.path.getsize(engine.url.database)
            wal = engine.url.database + "-wal"
            size += os.path.getsize(wal) if os.path.exists(wal) else 0
        else:
            size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    return f"{size / 2**30:.2f} GiB"


def server_version(engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return "SQLite " + conn.scalar(text("SELECT sqlite_version()"))
        return "PostgreSQL " + conn.scalar(text("SHOW server_version")).split()[0]


def generate(engine, clients: int) -> None:
    from crmdesk.services.demo import generate as demo

    t0 = time.perf_counter()
    marks = {max(1, clients // 10) * k for k in range(1, 11)}

    def progress(done: int, total: int) -> None:
        if done in marks or done == total:
            spent = time.perf_counter() - t0
            say(f"  generated {done:,} / {total:,} clients, {spent:.0f} s, {done / spent:,.0f}/s")

    counts = demo(engine, clients=clients, seed=1, progress=progress)
    spent = time.perf_counter() - t0
    rows = sum(counts.values())
    say(
        f"demo generation: {clients:,} clients in {spent:.1f} s ({spent / 60:.1f} min) = "
        f"{clients / spent:,.0f} clients/s, {rows:,} rows in all = {rows / spent:,.0f} rows/s"
    )
    say("  rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="skip generation if clients exist")
    ap.add_argument("--queries", type=int, default=200, help="queries per figure")
    ap.add_argument("--seed", type=int, default=5, help="seed of the random queries")
    ap.add_argument(
        "--quality",
        type=int,
        default=0,
        metavar="N",
        help="then N probes of search quality (benchmarks/search_quality.py)",
    )
    args = ap.parse_args()

    engine = open_database(args.db)
    initialize(engine)
    factory = session_factory(engine)
    say(f"database: {describe(engine)} ({server_version(engine)})")
    say(
        f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    with factory() as s:
        have = s.scalar(select(func.count(Client.id)))
    if have and not args.reuse:
        sys.exit(f"the database already has {have:,} clients: use an empty one, or --reuse")
    if not have:
        generate(engine, args.clients)
    with factory() as s:
        say(f"clients: {s.scalar(select(func.count(Client.id))):,}, size {database_size(engine)}")

    rnd = random.Random(args.seed)
    with factory() as s:
        admin = find_user(s, "admin")
        manager = find_user(s, "ivanov")  # a manager of the demo data
        top = s.scalar(select(func.max(Client.id)))
        ids = sorted({rnd.randint(1, top) for _ in range(args.queries * 3)})
        sample = s.execute(
            select(Client.id, Client.search_name, Client.inn).where(Client.id.in_(ids))
        ).all()
        phones = list(s.scalars(select(ClientPhone.e164).where(ClientPhone.client_id.in_(ids))))
        emails = list(s.scalars(select(ClientEmail.email).where(ClientEmail.client_id.in_(ids))))
    rnd.shuffle(sample)
    rnd.shuffle(phones)
    rnd.shuffle(emails)
    n = args.queries
    say(f"queries: {n} per figure, as «{admin.login}» (sees every client) unless said")

    def by_phone(user):
        return lambda s, q: search.by_phone(s, user, q)

    def find(user):
        return lambda s, q: search.find_clients(s, user, q)

    # caller ID: the number as the telephone system gives it, and as people type it
    national = [("8" + p[2:]) if p.startswith("+7") else p for p in phones][:n]
    report(
        "caller ID, full number 8XXXXXXXXXX", measure(factory, by_phone(admin), national), national
    )
    plus = phones[:n]
    report("caller ID, full number +7XXXXXXXXXX", measure(factory, by_phone(admin), plus), plus)
    unknown = [f"+7999{rnd.randrange(10**7):07d}" for _ in range(n)]
    report("caller ID, unknown number", measure(factory, by_phone(admin), unknown), unknown)

    # names: the first letters of a name (b-tree prefix), and a word inside it (trigrams)
    people = [nm for _, nm, _ in sample if not nm.startswith(LEGAL_FORMS)]
    prefixes = [nm[:4] for nm in people][:n]
    report("search, name prefix (4 letters)", measure(factory, find(admin), prefixes), prefixes)
    companies = [nm for _, nm, _ in sample if nm.startswith(LEGAL_FORMS)]
    words = [nm.split("«")[-1][:4] for nm in companies if "«" in nm][:n]
    report("search, word inside a name (4 letters)", measure(factory, find(admin), words), words)

    # phones: any fragment of the digits
    for size in (4, 6, 7):
        frags = [p[-3 - size : -3] for p in phones][:n]
        report(
            f"search, phone fragment ({size} digits)",
            measure(factory, find(admin), frags),
            frags,
        )

    inns = [inn for _, _, inn in sample if inn][:n]
    report("search, full INN", measure(factory, find(admin), inns), inns)
    mails = emails[:n]
    report("search, full e-mail", measure(factory, find(admin), mails), mails)

    if manager is not None:
        say(f"as manager «{manager.login}» (sees own clients only):")
        report(
            "  search, name prefix (4 letters)", measure(factory, find(manager), prefixes), prefixes
        )
        frags = [p[-7:-3] for p in phones][:n]
        report("  search, phone fragment (4 digits)", measure(factory, find(manager), frags), frags)
        report("  caller ID, full number", measure(factory, by_phone(manager), national), national)
    if args.quality:
        from search_quality import make_probes, run

        with factory() as s:
            probes = make_probes(s, random.Random(args.seed), args.quality)
        say(f"search quality: {len(probes)} probes as «{admin.login}»")
        run(factory, admin, probes)
    say(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
