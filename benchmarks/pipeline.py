"""The sales pipeline at scale: the funnel over 100,000 deals with about 600,000 stage
moves (target < 2 s), and the deal board's opening with 10,000 open deals (< 500 ms), on
SQLite and PostgreSQL.

    python benchmarks/pipeline.py                    # a temporary SQLite file and
                                                     # PostgreSQL at 127.0.0.1:5432
    python benchmarks/pipeline.py --only sqlite --reuse
    python benchmarks/pipeline.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench_pipe

Deals and their stage history are written in bulk (executemany / COPY): 100,000 deals of
5,000 clients and five managers over two years — 10 % still open (at «Новый», «Выбор»,
«Выставление счёта»), 15 % lost with a reason, the rest won (paid and on to documents,
«Клиент», a contract, some back to invoicing and paid again). Figures are medians of --runs
runs in fresh read-only units of work, through the functions the desktop and the command
line call: the funnel report for the whole two years and for one quarter by manager; the
board's data (every column's count and sum, and the first page of each column's cards);
and, when PySide6 is there, the board form itself built offscreen (QT_QPA_PLATFORM).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reports import (  # noqa: E402  (the bulk writer and the timing of benchmarks/reports.py)
    Writer,
    _day,
    _money,
    _time,
    figure,
    fresh_pg,
    fresh_sqlite,
    load,
    say,
    size_of,
    timed,
)

from crmdesk.db import checkpoint, describe, open_database  # noqa: E402
from crmdesk.models import Deal, DealStageHistory, Stage  # noqa: E402
from crmdesk.services.context import unit_of_work  # noqa: E402
from crmdesk.services.setup import initialize  # noqa: E402
from crmdesk.services.users import create_user  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/crmdesk_bench_pipeline"
START = datetime(2024, 12, 1, 9, tzinfo=UTC)
DAYS = 730
WON_PATHS = [  # (share, stages after «Новый»)
    (0.3, ["choice", "invoicing", "paid", "awaiting_docs", "client"]),
    (0.4, ["choice", "invoicing", "paid", "awaiting_docs", "client", "contract"]),
    (0.3, ["choice", "invoicing", "paid", "awaiting_docs", "client", "contract",
           "invoicing", "paid"]),
]
REASONS = ["Дорого", "Выбрали другого поставщика", "Нет бюджета", "Не отвечает"]
SOURCES = ["Сайт", "Звонок", "Рекомендация", "Выставка", None]


def generate(engine, deals: int, seed: int = 11) -> dict:
    rnd = random.Random(seed)
    sqlite = engine.dialect.name == "sqlite"
    with unit_of_work(engine) as ctx:
        managers = [create_user(ctx.session, f"m{i}", f"Менеджер {i}", "manager").id
                    for i in range(5)]
        stages = dict(ctx.session.execute(select(Stage.code, Stage.id).where(
            Stage.process_id == 1)).all())
    counts = {"clients": 0, "deals": 0, "deal_stage_history": 0}
    raw = engine.raw_connection()
    try:
        w = Writer(raw.driver_connection, sqlite)
        now = _time(START, sqlite)
        clients = []
        for i in range(1, 5001):
            name = f"ООО «Клиент {i}»"
            clients.append(("company", name, rnd.choice(managers), now, name.lower(),
                            name.lower(), i, 1, now, False))
        counts["clients"] = w.write("clients", ["kind", "name", "owner_id", "created_at",
                                                "search_name", "search_text", "id", "version",
                                                "updated_at", "deletion_mark"], clients)
        deal_rows, hist_rows = [], []
        hid = 0
        for deal_id in range(1, deals + 1):
            client = rnd.randrange(1, 5001)
            owner = clients[client - 1][2]
            created = START + timedelta(minutes=rnd.randrange(DAYS * 24 * 60))
            roll = rnd.random()
            reason = None
            if roll < 0.10:  # open
                path = ["new", "choice", "invoicing"][: rnd.randrange(1, 4)]
            elif roll < 0.25:
                path = ["new", "choice", "refusal"] if rnd.random() < 0.6 else ["new",
                                                                                "refusal"]
                reason = rnd.choice(REASONS)
            else:
                path = ["new", *rnd.choices([r for _, r in WON_PATHS],
                                            [s for s, _ in WON_PATHS])[0]]
            at, prev, times = created, None, []
            for _ in path:
                times.append(at)
                at += timedelta(hours=rnd.randrange(2, 24 * 12))
            for n, code in enumerate(path):
                hid += 1
                left = (int((times[n + 1] - times[n]).total_seconds()) if n + 1 < len(path)
                        else None)
                hist_rows.append((hid, deal_id, prev, stages[code], owner,
                                  _time(times[n], sqlite), left))
                prev = stages[code]
            amount = rnd.randrange(5_000_00, 500_000_00)
            deal_rows.append((
                deal_id, 1, client, owner, f"Сделка {deal_id}", stages[path[-1]],
                _money(amount, sqlite), reason, None, _time(created, sqlite), 1,
                _time(created, sqlite), False,
                _day((created + timedelta(days=rnd.randrange(10, 120))).date(), sqlite),
                None, rnd.choice(SOURCES), False, hist_rows[-1][5]))
            if len(hist_rows) > 50_000:
                counts["deal_stage_history"] += _flush(w, deal_rows, hist_rows)
                counts["deals"] += len(deal_rows)
                deal_rows, hist_rows = [], []
        counts["deals"] += len(deal_rows)
        counts["deal_stage_history"] += _flush(w, deal_rows, hist_rows)
        raw.commit()
    finally:
        raw.close()
    return counts


def _flush(w, deal_rows, hist_rows) -> int:
    w.write("deals", ["id", "process_id", "client_id", "manager_id", "title", "stage_id",
                      "amount", "refusal_reason", "contract_end", "created_at", "version",
                      "updated_at", "deletion_mark", "expected_close", "probability",
                      "source", "amount_fixed", "stage_since"], deal_rows)
    return w.write("deal_stage_history", ["id", "deal_id", "from_stage_id", "to_stage_id",
                                          "user_id", "at", "stayed_seconds"], hist_rows)


def funnel_figures(engine, runs: int) -> None:
    from crmdesk.reports import run_report

    cases = [
        ("funnel, two years, whole company", {"date_from": START.date(),
                                              "date_to": START.date() + timedelta(days=DAYS)}),
        ("funnel, one quarter, by manager", {"date_from": date(2025, 10, 1),
                                             "date_to": date(2025, 12, 31),
                                             "group_by": "manager"}),
        ("funnel, one quarter, one manager", {"date_from": date(2025, 10, 1),
                                              "date_to": date(2025, 12, 31),
                                              "manager": "m1"}),
    ]
    for label, params in cases:
        def go(params=params):
            with unit_of_work(engine, read_only=True) as ctx:
                run_report(ctx, "funnel", params)
        figure(label, timed(go, runs), 2000)


def board_figures(engine, runs: int) -> None:
    from crmdesk.services import board

    def data():
        with unit_of_work(engine, read_only=True) as ctx:
            f = board.BoardFilter(process_id=1)
            board.column_totals(ctx, f)
            for stage_id in ctx.session.scalars(select(Stage.id).where(Stage.process_id == 1)):
                board.cards(ctx, f, stage_id, 0, 30)
    figure("board data: every column's count and sum + first page of cards", timed(data, runs),
           500)
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from crmdesk.ui.forms.board import bench_open_board
    except ImportError as exc:
        say(f"  board form: skipped ({exc})")
        return
    figure("board form opened (offscreen, 1366×768)", timed(bench_open_board(engine), runs),
           500)


def bench(url: str, deals: int, runs: int, reuse: bool) -> None:
    engine = open_database(url)
    initialize(engine)
    say(f"database: {describe(engine)}")
    with unit_of_work(engine) as ctx:
        have = ctx.session.scalar(select(func.count(Deal.id)))
    if have and not reuse:
        raise SystemExit(f"{describe(engine)} already has {have:,} deals: use an empty "
                         "database, or --reuse")
    if not have:
        t = time.perf_counter()
        counts = generate(engine, deals)
        say(f"  generated in {time.perf_counter() - t:,.1f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    checkpoint(engine)
    with unit_of_work(engine) as ctx:
        n_deals = ctx.session.scalar(select(func.count(Deal.id)))
        n_moves = ctx.session.scalar(select(func.count(DealStageHistory.id)))
        n_open = ctx.session.scalar(select(func.count(Deal.id)).join(Stage).where(
            Stage.code.in_(("new", "choice", "invoicing"))))
    say(f"  deals {n_deals:,} ({n_open:,} open), stage moves {n_moves:,}, "
        f"size {size_of(engine)}")
    funnel_figures(engine, runs)
    board_figures(engine, runs)
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", action="append", help="a database URL (repeat for several)")
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep and reuse filled databases")
    ap.add_argument("--only", choices=("sqlite", "pg"))
    args = ap.parse_args()
    say(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"{os.cpu_count()} CPUs, {load()} at start")
    urls = args.db or []
    if not urls:
        if args.only != "pg":
            path = Path(tempfile.gettempdir()) / "crmdesk-bench-pipeline.sqlite"
            urls.append(f"sqlite:///{path}" if args.reuse else fresh_sqlite(path))
        if args.only != "sqlite":
            try:
                urls.append(PG_DEFAULT if args.reuse else fresh_pg(PG_DEFAULT))
            except Exception as exc:  # no server: SQLite only
                say(f"PostgreSQL skipped: {exc}")
    for url in urls:
        bench(url, args.deals, args.runs, args.reuse)
    say(f"{load()} at the end")


if __name__ == "__main__":
    main()
