"""Print forms and reports at scale: a 100-line invoice as PDF and XLSX; gross profit,
receivables and the payment forecast over a million order lines, on SQLite and PostgreSQL.

    python benchmarks/reports.py                      # both: a temporary SQLite file and
                                                      # PostgreSQL at 127.0.0.1:5432
    python benchmarks/reports.py --db sqlite:////tmp/bench-reports.sqlite --reuse
    python benchmarks/reports.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_rep

Without --db the script makes its own databases (a file in the temporary folder and the
PostgreSQL database «crmdesk_bench_reports», both replaced on each run unless --reuse).
The data is written in bulk (executemany on SQLite, COPY on PostgreSQL), not through the
ORM row by row: clients, products, posted orders of ten lines each, an invoice for most
orders (with the same lines), payments of most invoices (some partial, some late, some
against several invoices at once), a few unposted and deletion-marked documents, and the
Settlement register rows posting would have written. Every figure is a median of --runs
runs after a warm-up, each in a fresh unit of work, through the same functions the desktop
and the command line call. The load average is printed beside the figures: the machine
may be shared.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from crmdesk.db import checkpoint, describe, open_database
from crmdesk.models import Client, Document, DocumentLine, Settlement
from crmdesk.services.context import unit_of_work
from crmdesk.services.setup import initialize
from crmdesk.services.users import create_user

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/crmdesk_bench_reports"
AS_OF = date(2026, 6, 30)
START = date(2024, 7, 1)
LINES_PER_ORDER = 10
VAT = 22


def say(line: str) -> None:
    print(line, flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


# ---------------------------------------------------------------- data

def _money(kopecks: int, sqlite: bool):
    return kopecks if sqlite else Decimal(kopecks).scaleb(-2)


def _qty(thousandths: int, sqlite: bool):
    return thousandths if sqlite else Decimal(thousandths).scaleb(-3)


def _rate(hundredths: int | None, sqlite: bool):
    if hundredths is None:
        return None
    return hundredths if sqlite else Decimal(hundredths).scaleb(-2)


def _time(value: datetime, sqlite: bool):
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def _day(value: date | None, sqlite: bool):
    if value is None:
        return None
    return value.isoformat() if sqlite else value


class Writer:
    """Bulk rows into one table: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, raw, sqlite: bool):
        self.raw, self.sqlite = raw, sqlite

    def write(self, table: str, columns: list[str], rows) -> int:
        rows = list(rows)
        if not rows:
            return 0
        cur = self.raw.cursor()
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        else:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.close()
        return len(rows)


DOC_COLS = ["id", "doc_type", "number", "year", "date", "client_id", "manager_id", "basis_id",
            "posted", "vat_mode", "total", "vat_total", "cost_total", "due_date",
            "payment_method", "created_at", "version", "updated_at", "deletion_mark"]
LINE_COLS = ["id", "document_id", "line_no", "product_id", "description", "unit", "quantity",
             "price", "discount_pct", "vat_rate", "amount", "vat_amount", "cost_price",
             "cost_amount"]
SETTLE_COLS = ["id", "recorder_id", "client_id", "invoice_id", "date", "due_date", "amount"]


def generate(engine, order_lines: int, seed: int = 7) -> dict:
    """Fill an empty, initialized database; return the row counts."""
    rnd = random.Random(seed)
    sqlite = engine.dialect.name == "sqlite"
    managers = []
    with unit_of_work(engine) as ctx:
        for k in range(1, 11):
            managers.append(create_user(ctx.session, f"mgr{k:02d}", f"Менеджер {k:02d} Бенчмарк",
                                        "manager").id)
    now = datetime.now(UTC)
    n_orders = max(1, order_lines // LINES_PER_ORDER)
    n_clients = max(10, n_orders // 5)
    n_products = 2000
    counts: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        w = Writer(raw.driver_connection, sqlite)
        cur = raw.driver_connection.cursor()
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")
        cur.close()
        # clients: each belongs to one manager
        owners = [managers[i % len(managers)] for i in range(n_clients)]
        counts["clients"] = w.write(
            "clients",
            ["id", "kind", "name", "search_name", "search_text", "owner_id", "created_at",
             "version", "updated_at", "deletion_mark"],
            (
                (i, "company", f"ООО «Клиент {i:06d}»", f"ооо «клиент {i:06d}»",
                 f"ооо «клиент {i:06d}»", owners[i - 1], _time(now, sqlite), 1,
                 _time(now, sqlite), False)
                for i in range(1, n_clients + 1)
            ),
        )
        prices = [rnd.randrange(100, 500_000) * 100 for _ in range(n_products)]
        costs = [p * rnd.randrange(40, 90) // 100 for p in prices]
        counts["products"] = w.write(
            "products",
            ["id", "article", "name", "kind", "unit", "price", "cost_price", "vat_rate",
             "version", "updated_at", "deletion_mark"],
            (
                (i, f"B-{i:05d}", f"Товар {i:05d}", "goods", "шт", _money(prices[i - 1], sqlite),
                 _money(costs[i - 1], sqlite), _rate(VAT * 100, sqlite), 1,
                 _time(now, sqlite), False)
                for i in range(1, n_products + 1)
            ),
        )
        docs, lines, settles = [], [], []
        seq: dict[tuple[str, int], int] = {}
        prefix = {"order": "ЗК", "invoice": "СЧ", "payment": "ПО"}
        doc_id = line_id = settle_id = 0
        span = (AS_OF - START).days

        def doc(kind, client, manager, when, total, vat, cost, *, basis=None, due=None,
                posted=True, marked=False, mode="included", method=None):
            nonlocal doc_id
            doc_id += 1
            year = when.year
            seq[kind, year] = seq.get((kind, year), 0) + 1
            moment = datetime(when.year, when.month, when.day, 9, tzinfo=UTC)
            docs.append((
                doc_id, kind, f"{prefix[kind]}-{year}-{seq[kind, year]:06d}", year,
                _time(moment, sqlite), client, manager, basis, posted, mode,
                _money(total, sqlite), _money(vat, sqlite), _money(cost, sqlite),
                _day(due, sqlite), method, _time(moment, sqlite), 1, _time(moment, sqlite),
                marked,
            ))
            return doc_id, moment

        def settle(recorder, client, invoice, moment, due, amount):
            nonlocal settle_id
            settle_id += 1
            settles.append((settle_id, recorder, client, invoice, _time(moment, sqlite),
                            _day(due, sqlite), _money(amount, sqlite)))

        def flush():
            counts["documents"] = counts.get("documents", 0) + w.write("documents", DOC_COLS,
                                                                       docs)
            counts["document_lines"] = counts.get("document_lines", 0) + w.write(
                "document_lines", LINE_COLS, lines)
            counts["settlements"] = counts.get("settlements", 0) + w.write(
                "settlements", SETTLE_COLS, settles)
            docs.clear()
            lines.clear()
            settles.clear()

        order_line_count = 0
        pending: dict[int, list] = {}  # client → unpaid invoices (for one payment of several)
        for _ in range(n_orders):
            client = rnd.randrange(1, n_clients + 1)
            manager = owners[client - 1]
            when = START + timedelta(days=rnd.randrange(span))
            mode = rnd.choices(("included", "on_top", "none"), (70, 20, 10))[0]
            posted = rnd.random() > 0.02
            marked = posted and rnd.random() < 0.01
            items = []
            for k in range(1, LINES_PER_ORDER + 1):
                product = rnd.randrange(1, n_products + 1)
                qty = rnd.randrange(1, 20) * 1000
                price = prices[product - 1]
                amount = price * qty // 1000
                rate = None if mode == "none" else VAT * 100
                if mode == "included":
                    vat = (amount * VAT * 2 + (100 + VAT)) // (2 * (100 + VAT))
                elif mode == "on_top":
                    vat = (amount * VAT * 2 + 100) // 200
                else:
                    vat = 0
                cost = costs[product - 1] * qty // 1000
                items.append((k, product, qty, price, rate, amount, vat, costs[product - 1],
                              cost))
            amount = sum(i[5] for i in items)
            vat = sum(i[6] for i in items)
            total = amount + (vat if mode == "on_top" else 0)
            cost = sum(i[8] for i in items)
            due = when + timedelta(days=rnd.choice((5, 10, 14, 30)))
            order, _ = doc("order", client, manager, when, total, vat, cost, due=due,
                           posted=posted, marked=marked, mode=mode)
            for k, product, qty, price, rate, amt, v, cprice, c in items:
                line_id += 1
                lines.append((line_id, order, k, product, f"Товар {product:05d}", "шт",
                              _qty(qty, sqlite), _money(price, sqlite), _money(0, sqlite),
                              _rate(rate, sqlite), _money(amt, sqlite), _money(v, sqlite),
                              _money(cprice, sqlite), _money(c, sqlite)))
            order_line_count += len(items)
            if posted and not marked and rnd.random() < 0.9:
                issued = when + timedelta(days=rnd.randrange(0, 4))
                inv_due = issued + timedelta(days=rnd.choice((5, 10, 14)))
                inv, moment = doc("invoice", client, manager, issued, total, vat, cost,
                                  basis=order, due=inv_due, mode=mode)
                for k, product, qty, price, rate, amt, v, cprice, c in items:
                    line_id += 1
                    lines.append((line_id, inv, k, product, f"Товар {product:05d}", "шт",
                                  _qty(qty, sqlite), _money(price, sqlite), _money(0, sqlite),
                                  _rate(rate, sqlite), _money(amt, sqlite), _money(v, sqlite),
                                  _money(cprice, sqlite), _money(c, sqlite)))
                settle(inv, client, inv, moment, inv_due, total)
                late = rnd.choice((-3, 0, 0, 2, 5, 10, 25, 45))
                paid_on = inv_due + timedelta(days=late)
                roll = rnd.random()
                if paid_on <= AS_OF and roll < 0.75:  # paid in full, alone
                    pay, pm = doc("payment", client, manager, paid_on, total, 0, 0, basis=inv,
                                  mode="none", method="bank")
                    settle(pay, client, inv, pm, None, -total)
                elif paid_on <= AS_OF and roll < 0.85:  # paid half
                    part = total // 2
                    pay, pm = doc("payment", client, manager, paid_on, part, 0, 0, basis=inv,
                                  mode="none", method="bank")
                    settle(pay, client, inv, pm, None, -part)
                elif roll < 0.95:  # waits to be paid together with the client's next invoice
                    queue = pending.setdefault(client, [])
                    queue.append((inv, total, inv_due))
                    if len(queue) >= 2 and paid_on <= AS_OF:
                        whole = sum(t for _, t, _ in queue)
                        pay, pm = doc("payment", client, manager, paid_on, whole, 0, 0,
                                      mode="none", method="bank")
                        for i, t, _ in queue:
                            settle(pay, client, i, pm, None, -t)
                        queue.clear()
            if len(lines) >= 50_000:
                flush()
        flush()
        if sqlite:
            raw.driver_connection.commit()
        else:
            raw.driver_connection.commit()
        counts["order_lines"] = order_line_count
    finally:
        raw.close()
    with engine.begin() as conn:
        from crmdesk.db import reset_sequences

        reset_sequences(conn)
        for (kind, year), last in seq.items():
            conn.execute(text("DELETE FROM number_sequences WHERE doc_type = :t AND year = :y"),
                         {"t": kind, "y": year})
            conn.execute(text("INSERT INTO number_sequences (doc_type, year, last_number) "
                              "VALUES (:t, :y, :n)"), {"t": kind, "y": year, "n": last})
    return counts


# ---------------------------------------------------------------- measuring

def timed(fn, runs: int, warmup: int = 1) -> tuple[float, float, float]:
    """(median, best, median CPU of this process) in milliseconds. On a shared machine the
    CPU time says what the work costs (on SQLite all of it; on PostgreSQL the server's
    part runs in another process) when the wall time is stretched by other programs."""
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), min(times), statistics.median(cpu)


def figure(label: str, ms: tuple[float, float, float], target_ms: float | None = None,
           extra=""):
    med, best, cpu = ms
    verdict = ""
    if target_ms is not None:
        verdict = f" (target < {target_ms:,.0f} ms: {'ok' if med < target_ms else 'MISSED'})"
    say(f"  {label}: median {med:,.0f} ms, best {best:,.0f} ms, CPU {cpu:,.0f} ms{verdict}"
        f"{extra}  [{load()}]")


def invoice_figures(engine, runs: int) -> None:
    """A 100-line invoice: PDF and XLSX through print_document (reading it included)."""
    from crmdesk.reports import print_document
    from crmdesk.reports.form_pdf import form_pdf
    from crmdesk.reports.form_xlsx import form_xlsx
    from crmdesk.reports.invoice import invoice_form
    from crmdesk.services.documents import create_document

    with unit_of_work(engine) as ctx:
        client = ctx.session.scalar(select(Client.id).order_by(Client.id).limit(1))
        lines = [{"product_id": 1 + k % 50, "quantity": 1 + k % 9,
                  "description": f"Товар {1 + k % 50:05d}, позиция {k}"} for k in range(100)]
        doc_id = create_document(ctx, "invoice", client, {"lines": lines}).id

    def run(fmt):
        def go():
            with unit_of_work(engine) as ctx:
                print_document(ctx, "invoice", doc_id, fmt)
        return go

    figure("invoice, 100 lines, PDF (read + render)", timed(run("pdf"), runs), 200)
    figure("invoice, 100 lines, XLSX (read + render)", timed(run("xlsx"), runs), 300)
    with unit_of_work(engine) as ctx:
        form = invoice_form(ctx, doc_id)
    figure("  render only, PDF", timed(lambda: form_pdf(form), runs))
    figure("  render only, XLSX", timed(lambda: form_xlsx(form), runs))


def report_figures(engine, runs: int) -> None:
    from pypdf import PdfReader

    from crmdesk.reports import report_pdf, report_xlsx, run_report

    cases = [
        ("gross profit by client, whole history", "gross-profit", {"group_by": "client"}, 3000),
        ("gross profit by month, whole history", "gross-profit", {"group_by": "month"}, 3000),
        ("gross profit by product, whole history", "gross-profit", {"group_by": "product"},
         3000),
        ("gross profit by order, whole history", "gross-profit", {"group_by": "order"}, 3000),
        ("gross profit by product, one year", "gross-profit",
         {"group_by": "product", "date_from": date(2025, 7, 1), "date_to": AS_OF}, 3000),
        ("gross profit by manager, one quarter", "gross-profit",
         {"group_by": "manager", "date_from": date(2026, 4, 1), "date_to": AS_OF}, 3000),
        ("gross profit by order, one month", "gross-profit",
         {"group_by": "order", "date_from": date(2026, 6, 1), "date_to": AS_OF}, 3000),
        ("receivables as of 30.06.2026", "receivables", {"as_of": AS_OF}, 3000),
        ("receivables as of 31.12.2025", "receivables", {"as_of": date(2025, 12, 31)}, 3000),
        ("forecast by week", "forecast", {"as_of": AS_OF, "period": "week"}, None),
        ("forecast by month", "forecast", {"as_of": AS_OF, "period": "month"}, None),
    ]
    for label, name, params, target in cases:
        holder = {}

        def go(name=name, params=params, holder=holder):
            with unit_of_work(engine) as ctx:
                holder["r"] = run_report(ctx, name, params)

        ms = timed(go, runs)
        r = holder["r"]
        figure(label, ms, target, f", {len(r.rows):,} rows")
        if name == "receivables" and params["as_of"] == AS_OF:
            figure("  the same to XLSX", timed(lambda r=r: report_xlsx(r), 1, 0))
            out: dict = {}
            ms = timed(lambda r=r, out=out: out.setdefault("pdf", report_pdf(r)), 1, 0)
            pages = len(PdfReader(io.BytesIO(out["pdf"])).pages)
            figure("  the same to PDF", ms, None, f", {pages:,} pages")
    say("  as a manager who sees only own clients (mgr01):")
    for label, name, params in (
        ("gross profit by client", "gross-profit", {"group_by": "client"}),
        ("receivables", "receivables", {"as_of": AS_OF}),
    ):
        def go(name=name, params=params):
            with unit_of_work(engine, "mgr01") as ctx:
                run_report(ctx, name, params)

        figure(label, timed(go, runs), 3000)


# ---------------------------------------------------------------- databases

def fresh_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()
    return f"sqlite:///{path}"


def fresh_pg(url: str) -> str:
    import psycopg

    u = make_url(url)
    admin = psycopg.conninfo.make_conninfo(
        host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
        password=u.password or None, dbname="postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')
    return url


def size_of(engine) -> str:
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        size = sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    else:
        with engine.connect() as conn:
            size = conn.scalar(text("SELECT pg_database_size(current_database())"))
    return f"{size / 2**20:,.0f} MiB"


def bench(url: str, lines: int, runs: int, reuse: bool, analyze: bool) -> None:
    engine = open_database(url)
    initialize(engine)
    with unit_of_work(engine) as ctx:
        have = ctx.session.scalar(select(func.count(DocumentLine.id)))
    say(f"database: {describe(engine)}")
    if have and not reuse:
        raise SystemExit(f"{describe(engine)} already has {have:,} document lines: "
                         "use an empty database, or --reuse")
    if not have:
        t = time.perf_counter()
        counts = generate(engine, lines)
        spent = time.perf_counter() - t
        say(f"  generated in {spent:,.1f} s: " + ", ".join(f"{k} {v:,}"
                                                          for k, v in counts.items()))
    if analyze:
        t = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        say(f"  ANALYZE: {time.perf_counter() - t:,.1f} s")
    checkpoint(engine)
    with unit_of_work(engine) as ctx:
        s = ctx.session
        n_lines = s.scalar(select(func.count(DocumentLine.id)).join(Document).where(
            Document.doc_type == "order"))
        n_docs = s.scalar(select(func.count(Document.id)))
        n_settle = s.scalar(select(func.count(Settlement.id)))
    say(f"  order lines {n_lines:,}, documents {n_docs:,}, settlements {n_settle:,}, "
        f"size {size_of(engine)}")
    invoice_figures(engine, max(runs, 10))
    report_figures(engine, runs)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", action="append", help="a database URL (repeat for several); "
                    "default: a temporary SQLite file and " + PG_DEFAULT)
    ap.add_argument("--lines", type=int, default=1_000_000, help="order lines to generate")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per figure")
    ap.add_argument("--reuse", action="store_true", help="keep and reuse filled databases")
    ap.add_argument("--only", choices=("sqlite", "pg"), help="without --db: just this one")
    ap.add_argument("--no-analyze", dest="analyze", action="store_false",
                    help="do not run ANALYZE after generating (SQLite gets no statistics)")
    args = ap.parse_args()
    say(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, {load()} at start")
    urls = args.db
    if not urls:
        urls = []
        if args.only != "pg":
            path = Path(tempfile.gettempdir()) / "crmdesk-bench-reports.sqlite"
            urls.append(f"sqlite:///{path}" if args.reuse else fresh_sqlite(path))
        if args.only != "sqlite":
            try:
                urls.append(PG_DEFAULT if args.reuse else fresh_pg(PG_DEFAULT))
            except Exception as exc:  # no server: SQLite only
                say(f"PostgreSQL skipped: {exc}")
    for url in urls:
        bench(url, args.lines, args.runs, args.reuse, args.analyze)
    say(f"{load()} at the end")


if __name__ == "__main__":
    main()
