"""Recompute clients' search texts from what is stored, for writers that bypass the ORM.

The ORM keeps a client's search text on every flush (``services/tracking.py`` for the
client's own fields, ``services/search.py`` for its contact persons). Bulk writers (the
import's INSERTs, migration 0005) call ``recompute_search_texts`` for the clients they wrote.
Plain SQL on a connection, a batch of clients at a time, so it serves a million.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from crmdesk.services.search import client_search_text

BATCH = 2000


def _rows(conn, sql: str, ids: list[int]):
    stmt = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
    return conn.execute(stmt, {"ids": ids}).all()


def _batch(conn, ids: list[int]) -> list[dict]:
    clients = _rows(
        conn,
        "SELECT id, substr(name, 1, 600), substr(full_name, 1, 600), inn, search_text "
        "FROM clients WHERE id IN :ids",
        ids,
    )
    phones: dict[int, list] = {}
    emails: dict[int, list] = {}
    people: dict[int, list] = {}
    persons: dict[int, SimpleNamespace] = {}
    for cid, e164 in _rows(
        conn, "SELECT client_id, e164 FROM client_phones WHERE client_id IN :ids ORDER BY id", ids
    ):
        phones.setdefault(cid, []).append(SimpleNamespace(e164=e164))
    for cid, email in _rows(
        conn, "SELECT client_id, email FROM client_emails WHERE client_id IN :ids ORDER BY id", ids
    ):
        emails.setdefault(cid, []).append(SimpleNamespace(email=email))
    for pid, cid, name, marked in _rows(
        conn,
        "SELECT id, client_id, substr(name, 1, 600), deletion_mark FROM contact_persons "
        "WHERE client_id IN :ids ORDER BY id",
        ids,
    ):
        persons[pid] = SimpleNamespace(name=name, deletion_mark=bool(marked), phones=[], emails=[])
        people.setdefault(cid, []).append(persons[pid])
    for pid, e164 in _rows(
        conn,
        "SELECT p.contact_id, p.e164 FROM contact_phones p JOIN contact_persons c "
        "ON c.id = p.contact_id WHERE c.client_id IN :ids ORDER BY p.id",
        ids,
    ):
        persons[pid].phones.append(SimpleNamespace(e164=e164))
    for pid, email in _rows(
        conn,
        "SELECT e.contact_id, e.email FROM contact_emails e JOIN contact_persons c "
        "ON c.id = e.contact_id WHERE c.client_id IN :ids ORDER BY e.id",
        ids,
    ):
        persons[pid].emails.append(SimpleNamespace(email=email))
    changed = []
    for cid, name, full_name, inn, old in clients:
        look = SimpleNamespace(
            name=name,
            full_name=full_name,
            inn=inn,
            phones=phones.get(cid, []),
            emails=emails.get(cid, []),
            contacts=people.get(cid, []),
        )
        text = client_search_text(look)
        if text != old:  # only then the full-text index is redone
            changed.append({"b_id": cid, "text": text})
    return changed


def recompute_search_texts(conn, ids: list[int], progress=None) -> int:
    """Recompute the search texts of these clients; returns how many changed."""
    ids = sorted(set(ids))
    done = 0
    for start in range(0, len(ids), BATCH):
        changed = _batch(conn, ids[start : start + BATCH])
        if changed:
            conn.execute(
                sa.text("UPDATE clients SET search_text = :text WHERE id = :b_id"), changed
            )
        done += len(changed)
        if progress:
            progress(min(start + BATCH, len(ids)), len(ids))
    return done


def clients_with_contacts(conn, ids: list[int]) -> list[int]:
    """Those of ``ids`` that have contact persons (whose texts a bulk writer left short)."""
    found: list[int] = []
    ids = sorted(set(ids))
    for start in range(0, len(ids), 900):
        found += [
            r[0]
            for r in _rows(
                conn,
                "SELECT DISTINCT client_id FROM contact_persons WHERE client_id IN :ids",
                ids[start : start + 900],
            )
        ]
    return found


# --- the first name of each frequent trigram (``search.first_key``) -----------------------
# Kept between rebuilds by triggers of migration 0016: a client written with a smaller name
# lowers the name of each listed trigram its text holds. Nothing raises it (a deleted or
# renamed first client leaves it lower than need be: still true, only a longer walk); the
# rebuild does, and lists the trigrams frequent now.
FREQUENT = 0.005  # share of the sampled clients a trigram must be in to be listed
MAX_TRIGRAMS = 400  # each client written tests this many trigrams (a few dozen µs)


def frequent_trigrams(texts: list[str]) -> list[str]:
    from collections import Counter

    from crmdesk.services.search import trigrams

    # letters only: digits (phones, INN) and e-mails are spread evenly over the names, so a
    # first name tells nothing of them, and they would crowd the words out of the list
    counts = Counter(g for t in texts for g in trigrams(t) if g.isalpha())
    least = max(2, FREQUENT * len(texts))
    return [g for g, n in counts.most_common(MAX_TRIGRAMS) if n >= least]


def refresh_first_keys(engine, progress=None) -> int:
    """Recompute ``search_first_keys`` from the clients (``fill_first_keys`` in a transaction
    of its own). Returns how many trigrams are listed."""
    from crmdesk.services.search import forget_samples

    forget_samples()
    with engine.begin() as conn:
        listed = fill_first_keys(conn, progress)
    forget_samples()
    return listed


def fill_first_keys(conn, progress=None) -> int:
    """Recompute ``search_first_keys`` in the caller's transaction (migration 0016 fills it
    so for a base it upgrades): the frequent trigrams of a sample, then a pass along the name
    index. Writes to clients wait meanwhile (seconds at a million), so that no client
    written during the pass is missed."""
    from crmdesk.services.search import draw_sample

    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE clients IN SHARE MODE")
    else:  # take the write lock now: a pass of seconds must not see writes
        conn.exec_driver_sql("DELETE FROM search_first_keys")
    grams = frequent_trigrams(draw_sample(conn).texts)
    first: dict[str, str] = {}
    left = set(grams)
    if left:
        rows = conn.execute(
            sa.text("SELECT search_name, search_text FROM clients ORDER BY search_name"),
            execution_options={"yield_per": 5000},
        )
        done = 0
        for name, body in rows:
            done += 1
            if progress and done % 100_000 == 0:
                progress(done)
            for g in [g for g in left if g in body]:
                first[g] = name
                left.discard(g)
            if not left:
                break
        rows.close()
    conn.exec_driver_sql("DELETE FROM search_first_keys")
    if first:
        conn.execute(
            sa.text("INSERT INTO search_first_keys (trigram, first_name) VALUES (:t, :n)"),
            [{"t": g, "n": n} for g, n in sorted(first.items())],
        )
    return len(first)
