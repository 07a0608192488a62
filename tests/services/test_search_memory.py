"""Issue 18: a client with a 10 MB name (stored before the limits) no longer makes a search
cost memory in proportion to it, whatever the length of the query. SQLite (PostgreSQL keeps
names in VARCHAR(300), it cannot hold such a name)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from crmdesk.db import make_engine, upgrade
from crmdesk.services.search import MAX_TEXT
from crmdesk.services.setup import initialize

PROBE = """
import resource, sys
from crmdesk.db import make_engine
from crmdesk.services.context import unit_of_work
from crmdesk.services import search
engine = make_engine(sys.argv[1])
with unit_of_work(engine) as ctx:
    search.find_clients(ctx.session, ctx.user, "разогрев")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with unit_of_work(engine) as ctx:
    found = search.find_clients(ctx.session, ctx.user, sys.argv[2])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024, len(found))
"""


def _search_memory(url: str, query: str) -> tuple[int, int]:
    """(MiB the search added to the peak of a fresh process, clients found)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, url, query], capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_a_10_mb_name_of_an_old_base_costs_no_memory_per_query_character(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    upgrade(engine, "0004")  # a base from before the limits and migration 0005
    huge = "Ромашка " * (10_000_000 // 8)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO clients (kind, name, search_name, search_text, deletion_mark, "
                "version, created_at, updated_at) VALUES ('company', :name, :sname, :text, 0, 1, "
                "'2026-01-01', '2026-01-01')"
            ),
            {"name": huge, "sname": huge.lower()[:300], "text": huge.lower()},
        )
    upgrade(engine)
    initialize(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT length(search_text) FROM clients")) <= MAX_TEXT
    engine.dispose()
    short = ("ромашка " * 13)[:100]
    used_short, found_short = _search_memory(url, short)
    used_long, found_long = _search_memory(url, "ромашка " * 1250)  # 10,000 characters
    assert found_short == found_long == 1
    # reading the client itself (its 10 MB name) is all it costs, whatever the query
    assert used_short < 120 and used_long < 120, (used_short, used_long)
    assert abs(used_long - used_short) < 30, (used_short, used_long)
