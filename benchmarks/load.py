"""Ten users on one PostgreSQL base of a million clients: searching, opening cards, writing
interactions, posting invoices and payments at once, then checking that nothing was lost.

    python benchmarks/load.py                          # a copy of bench1m, 10 users, 300 s
    python benchmarks/load.py --users 10 --seconds 60 --db postgresql+psycopg://…/load1m
    python benchmarks/load.py --copy-from bench1m      # (re)make the copy first

Each user is a process of its own with its own engine, signed in as one of the base's
managers, doing through the same service functions the desktop calls, with a think time of
--think seconds (default 0.2 s, a fast clerk) between operations:

    search      a clients list's first page (count capped as the list does, then the page)
                for a word typed by a user: surnames, company-name words, streets, phone
                digits, and the worst texts of the old vocabulary («ооо», «ооо р», «рома»)
    open card   a client with phones, e-mails, contacts, its history page and balance
    interaction a call recorded on a client
    invoice     an invoice of two lines created and posted
    payment     a payment of part of one of this user's posted invoices, posted

Printed: per operation the count and p50 / p95 / p99 in ms, and errors by kind (a version
conflict or a lock is an answer the user gets, not a failure: counted apart). Then the
checks: document numbers unique per type and year, every invoice / payment / interaction a
worker was told was written is there, and receivables (the settlements) equal the posted
documents of the run. Targets: p95 under 100 ms for reads, 200 ms for postings.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/load1m"
READS = ("search", "open card")
WORST = ["ооо", "ооо р", "рома", "ип", "ао", "ива", "сер", "9", "+7 9"]
SURNAMES = [
    "Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
    "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров",
    "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
]


def _vocabulary(engine, n: int = 3000) -> list[str]:
    """Words as users type them: prefixes of real names of the base (a random sample of
    clients), surnames, and the old vocabulary's worst texts."""
    from sqlalchemy import text

    with engine.connect() as conn:
        names = conn.scalars(text(
            "SELECT name FROM clients TABLESAMPLE SYSTEM (1) LIMIT :n"), {"n": n}).all()
    words = set()
    for name in names:
        for w in name.replace("«", " ").replace("»", " ").replace('"', " ").split():
            if len(w) >= 3:
                words.add(w[: random.randint(3, min(len(w), 8))].lower())
    return sorted(words) + [s.lower()[:5] for s in SURNAMES] + WORST


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def worker(url: str, login: str, seconds: float, think: float, seed: int, queue) -> None:
    from sqlalchemy import func, select

    from crmdesk.db import make_engine
    from crmdesk.models import Client, Document
    from crmdesk.services import lists, rights
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.documents import client_balance, create_document, post
    from crmdesk.services.errors import ConflictError, CrmError
    from crmdesk.services.interactions import client_history, record_interaction

    rnd = random.Random(seed)
    engine = make_engine(url, pool_size=2)
    with engine.connect() as conn:
        top = conn.scalar(select(func.max(Client.id)))
    words = _vocabulary(engine, 500)
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}  # this process's CPU per operation: the box is shared
    errors: dict[str, int] = {}
    written = {"invoice": [], "payment": [], "interaction": []}
    my_invoices: list[tuple[int, Decimal]] = []
    spec = lists.spec("clients")

    with unit_of_work(engine, login, read_only=True) as ctx:  # a manager works his clients
        limited = not ctx.can(rights.EDIT_ALL)
        own = ctx.session.scalars(select(Client.id).where(
            Client.owner_id == ctx.user.id, Client.deletion_mark.is_(False)).limit(20000)
        ).all() if limited else []

    def some_client(ctx) -> int:
        if own:
            return rnd.choice(own)
        while True:  # ids of the generated base are dense; a visible, unmarked one
            cid = rnd.randint(1, top)
            c = ctx.session.get(Client, cid)
            if c is not None and not c.deletion_mark:
                return cid

    def search():
        state = lists.ListState(search=rnd.choice(words))
        with unit_of_work(engine, login, read_only=True) as ctx:
            total = lists.count(ctx, spec, state, cap=5000)
            lists.fetch(ctx, spec, state, 0, 50, total, total < 5000)

    def open_card():
        with unit_of_work(engine, login, read_only=True) as ctx:
            cid = some_client(ctx)
            c = ctx.session.get(Client, cid)
            _ = [p.e164 for p in c.phones], [e.email for e in c.emails]
            _ = [p.name for p in c.contacts]
            client_history(ctx, cid, limit=50)
            client_balance(ctx, cid)

    def interaction():
        with unit_of_work(engine, login) as ctx:
            item = record_interaction(ctx, some_client(ctx), "call_out",
                                      f"Нагрузочный звонок {rnd.random():.6f}")
            ctx.session.flush()
            written["interaction"].append(item.id)

    def invoice():
        price = Decimal(rnd.randint(100, 90000)) / 100
        with unit_of_work(engine, login) as ctx:
            doc = create_document(ctx, "invoice", some_client(ctx), {
                "vat_mode": "none",
                "lines": [{"description": "Работа", "price": str(price)},
                          {"description": "Доставка", "price": "500", "quantity": "2"}]})
            post(ctx, doc.id)
            written["invoice"].append(doc.id)
            my_invoices.append((doc.id, doc.total))

    def payment():
        if not my_invoices:
            return invoice()
        inv_id, total = rnd.choice(my_invoices)
        with unit_of_work(engine, login) as ctx:
            inv = ctx.session.get(Document, inv_id)
            pay = create_document(ctx, "payment", inv.client_id, {
                "total": str((total / 4).quantize(Decimal("0.01")))}, basis_id=inv_id)
            post(ctx, pay.id)
            written["payment"].append(pay.id)

    ops = [("search", search, 40), ("open card", open_card, 30),
           ("interaction", interaction, 15), ("invoice", invoice, 10), ("payment", payment, 5)]
    names, funcs, weights = zip(*ops, strict=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        i = rnd.choices(range(len(ops)), weights)[0]
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            funcs[i]()
        except ConflictError:
            errors["conflict (answer)"] = errors.get("conflict (answer)", 0) + 1
        except CrmError as exc:
            key = f"{names[i]}: {str(exc)[:60]}"
            errors[key] = errors.get(key, 0) + 1
        except Exception as exc:  # noqa: BLE001 - counted and printed: a failure of the run
            key = f"{names[i]}: FAILED {type(exc).__name__}: {str(exc).splitlines()[0][:80]}"
            errors[key] = errors.get(key, 0) + 1
        else:
            times.setdefault(names[i], []).append((time.perf_counter() - started) * 1000)
            cpu.setdefault(names[i], []).append((time.process_time() - cpu_started) * 1000)
        if think:
            time.sleep(rnd.uniform(0, 2 * think))
    engine.dispose()
    queue.put((login, times, errors, written, cpu))


def checks(url: str, written: dict[str, list[int]], since_id: int) -> list[str]:
    from sqlalchemy import func, select, text

    from crmdesk.db import make_engine
    from crmdesk.models import Document, Interaction, Settlement

    engine = make_engine(url)
    found = []
    with engine.connect() as conn:
        dup = conn.execute(text(
            "SELECT doc_type, year, number, count(*) FROM documents GROUP BY doc_type, year, "
            "number HAVING count(*) > 1 LIMIT 5")).all()
        found.append(f"numbers unique per type and year: {'yes' if not dup else dup}")
        for kind, model in (("invoice", Document), ("payment", Document),
                            ("interaction", Interaction)):
            ids = written[kind]
            there = 0
            for i in range(0, len(ids), 5000):
                there += conn.scalar(select(func.count()).select_from(model)
                                     .where(model.id.in_(ids[i:i + 5000])))
            found.append(f"{kind}s written {len(ids)}, in the base {there}"
                         + ("" if there == len(ids) else "  <-- LOST"))
        posted = conn.scalar(select(func.coalesce(func.sum(Document.total), 0)).where(
            Document.id > since_id, Document.doc_type == "invoice", Document.posted))
        paid = conn.scalar(select(func.coalesce(func.sum(Document.total), 0)).where(
            Document.id > since_id, Document.doc_type == "payment", Document.posted))
        settled = conn.scalar(select(func.coalesce(func.sum(Settlement.amount), 0)).where(
            Settlement.recorder_id > since_id))
        ok = Decimal(settled) == Decimal(posted) - Decimal(paid)
        found.append(f"receivables of the run {settled} = invoices {posted} - payments {paid}: "
                     + ("yes" if ok else "NO"))
    engine.dispose()
    return found


def _copy(url: str, source: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from crmdesk.db import make_engine

    target = make_url(url).database
    admin = make_engine(make_url(url).set(database="postgres")
                        .render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        started = time.monotonic()
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
        print(f"copied {source} -> {target} in {time.monotonic() - started:.0f} s")
    admin.dispose()


SYNC_NUMBERS = (
    "INSERT INTO number_sequences (doc_type, year, last_number) "
    "SELECT doc_type, year, max(CAST(split_part(number, '-', 3) AS integer)) FROM documents "
    "WHERE number ~ '^[^-]+-[0-9]{4}-[0-9]+$' GROUP BY doc_type, year "
    "ON CONFLICT (doc_type, year) DO UPDATE "
    "SET last_number = GREATEST(number_sequences.last_number, EXCLUDED.last_number)"
)


def _sync_numbers(engine) -> None:
    """A generated base may hold documents numbered past its counters (bulk-inserted, not
    through ``numbering``): the counters are brought up to them, else every new invoice
    would meet a number already taken."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text(SYNC_NUMBERS))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=os.environ.get("CRMDESK_LOAD_DB", DEFAULT_DB))
    ap.add_argument("--copy-from", metavar="DBNAME", help="make --db a fresh copy of this base")
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--think", type=float, default=0.2, help="mean pause between operations")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from crmdesk.db import make_engine, open_database
    from crmdesk.models import Client, Document, User

    if args.copy_from:
        _copy(args.db, args.copy_from)
    engine = open_database(args.db)
    _sync_numbers(engine)
    with engine.connect() as conn:
        clients = conn.scalar(select(func.count()).select_from(Client))
        since = conn.scalar(select(func.coalesce(func.max(Document.id), 0)))
        logins = conn.scalars(select(User.login).where(User.active).order_by(User.id)).all()
    engine.dispose()
    print(f"base: {make_engine(args.db).url.database}, clients {clients:,}; "
          f"{args.users} users, {args.seconds:.0f} s, think {args.think} s")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(args.db, logins[i % len(logins)], args.seconds,
                                              args.think, 1000 + i, queue))
             for i in range(args.users)]
    load_before = os.getloadavg()
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get(timeout=args.seconds + 600) for _ in procs]
    for p in procs:
        p.join(60)
    wall = time.monotonic() - started
    load_after = os.getloadavg()
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    written = {"invoice": [], "payment": [], "interaction": []}
    for _login, t, e, w, c in results:
        for k, v in t.items():
            times.setdefault(k, []).extend(v)
        for k, v in c.items():
            cpu.setdefault(k, []).extend(v)
        for k, v in e.items():
            errors[k] = errors.get(k, 0) + v
        for k, v in w.items():
            written[k].extend(v)
    print(f"\n{'operation':<12} {'count':>7} {'per s':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'cpu p50':>7} {'cpu p95':>7}  target p95 (wall)")
    for name in ("search", "open card", "interaction", "invoice", "payment"):
        v = times.get(name, [])
        target = 100 if name in READS else 200
        mark = "ok" if v and _pct(v, 0.95) < target else "MISSED"
        print(f"{name:<12} {len(v):>7} {len(v) / args.seconds:>6.1f} "
              f"{statistics.median(v) if v else 0:>7.1f} {_pct(v, .95):>7.1f} "
              f"{_pct(v, .99):>7.1f} {_pct(cpu.get(name, []), .5):>7.1f} "
              f"{_pct(cpu.get(name, []), .95):>7.1f}  < {target} {mark}")
    client_cpu = sum(sum(v) for v in cpu.values()) / 1000
    print(f"\nwall {wall:.0f} s; the users' own CPU in their operations {client_cpu:.0f} s "
          f"(server and think time apart); load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after, on {os.cpu_count()} CPUs")
    if errors:
        print("\nanswers and errors:")
        for k, v in sorted(errors.items(), key=lambda kv: -kv[1]):
            print(f"  {v:>6}  {k}")
    print("\nchecks:")
    for line in checks(args.db, written, since):
        print("  " + line)


if __name__ == "__main__":
    main()
