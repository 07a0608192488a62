"""Foundation figures at scale: demo generation rate, caller-ID and search latency.

    python benchmarks/foundation.py --clients 1000000 --db sqlite:////tmp/bench.sqlite
    python benchmarks/foundation.py --clients 1000000 --db postgresql://postgres@127.0.0.1/bench

The database must be empty (or already filled by a previous run with --reuse).
Prints one line per figure; medians over many random queries.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from sqlalchemy import func, select

from crmdesk.db import describe, open_database, session_factory
from crmdesk.models import Client, ClientPhone
from crmdesk.services import search
from crmdesk.services.setup import initialize
from crmdesk.services.users import find_user


def median_ms(fn, args_list) -> float:
    times = []
    for args in args_list:
        t = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, default=1_000_000)
    ap.add_argument("--reuse", action="store_true", help="skip generation if clients exist")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    engine = open_database(args.db)
    initialize(engine)
    print(f"database: {describe(engine)}")
    with session_factory(engine)() as s:
        have = s.scalar(select(func.count(Client.id)))
    if not (args.reuse and have):
        from crmdesk.services.demo import generate

        t = time.perf_counter()
        counts = generate(engine, clients=args.clients, seed=1)
        spent = time.perf_counter() - t
        print(
            f"demo: {args.clients} clients in {spent:.1f} s = {args.clients / spent:,.0f}/s"
            f" ({counts})"
        )
    rnd = random.Random(5)
    with session_factory(engine)() as s:
        admin = find_user(s, "admin")
        n = s.scalar(select(func.max(Client.id)))
        ids = [rnd.randint(1, n) for _ in range(args.queries)]
        phones = [
            p for p in s.scalars(select(ClientPhone.e164).where(ClientPhone.client_id.in_(ids)))
        ]
        names = [x for x in s.scalars(select(Client.search_name).where(Client.id.in_(ids)))]
        national = [("8" + p[2:]) if p.startswith("+7") else p for p in phones]
        ms = median_ms(lambda q: search.by_phone(s, admin, q), [(p,) for p in national])
        print(f"caller ID by full number (national format): median {ms:.2f} ms")
        prefixes = [(nm.split(" ")[-1][:4],) for nm in names if nm]
        ms = median_ms(lambda q: search.find_clients(s, admin, q), prefixes)
        print(f"search by a 4-letter name prefix: median {ms:.2f} ms")
        frags = [(p[-7:-3],) for p in phones]
        ms = median_ms(lambda q: search.find_clients(s, admin, q), frags)
        print(f"search by a 4-digit phone fragment: median {ms:.2f} ms")
        frags = [(p[-9:-3],) for p in phones]
        ms = median_ms(lambda q: search.find_clients(s, admin, q), frags)
        print(f"search by a 6-digit phone fragment: median {ms:.2f} ms")


if __name__ == "__main__":
    main()
