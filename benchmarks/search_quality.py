"""Search quality: is the client a person looks for on the first page of the search?

    python benchmarks/search_quality.py --db sqlite:////tmp/bench/crm1m.sqlite
    python benchmarks/search_quality.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

(``benchmarks/foundation.py --quality`` runs it after the speed figures.) Probes are made
from randomly chosen clients of a filled database, in the ways people look a client up: the
last 4, 6 or 7 digits of a phone, a fragment inside the name («омашк»), the name's word, a
person's surname and first name, a contact person's surname and first name, the INN, the
e-mail. Each probe runs through ``search.find_clients`` (the global search and ``crmdesk
clients find``); an independent judge ranks every client the probe matches by the rules of
issue 10 (whole name or phone; the name starts with the words; words start with them;
fragments; contact persons; phone digits before INN digits) and says whether the wanted
client could be on the first page at all: with the demo's small vocabulary a surname and a
first name match thousands of people equally well — such probes are «ambiguous» and counted
apart. Printed: the share of the findable probes whose wanted client is on the first page
(target ≥ 95 %), the share of all probes whose first page shows nothing worse than the
wanted client, and the same for the search before issue 10 (prefix matches, then the first
``limit*2`` fragment matches in whatever order the database gave them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter, defaultdict

from sqlalchemy import func, select

from crmdesk.db import open_database, session_factory
from crmdesk.models import Client, ClientPhone, ContactPerson, ContactPhone
from crmdesk.services import rights, search
from crmdesk.services.users import find_user

PAGE = 50
TOO_BROAD = 30_000  # a probe matching more clients is not judged (it costs minutes)
FORMS = ("ооо", "ао", "зао", "пао", "оао", "ип", "нко", "ано")
QUOTES = "«»\"“”„'()"
KINDS = ("phone4", "phone6", "phone7", "inside", "word", "person", "contact", "inn", "email")


def say(line: str) -> None:
    print(line, flush=True)


def _bare(name: str) -> str:
    return "".join(c for c in name if c not in QUOTES)


def judge_name(q: str, words: list[str], name: str, contacts: list[str]) -> int:
    bare, phrase = _bare(name), " ".join(words)
    if name == q or bare == phrase:
        return 0
    if bare.startswith(phrase) or any(bare.startswith(f"{f} {phrase}") for f in FORMS):
        return 1
    if all(f" {w}" in f" {bare}" for w in words):
        return 2
    if all(w in bare for w in words):
        return 3
    if any(all(w in search.normalize(c) for w in words) for c in contacts):
        return 4
    return 5


def _phone_forms(e164: str) -> list[str]:
    digits = e164.lstrip("+")
    return [digits, "8" + digits[1:]] if digits.startswith("7") else [digits]


def judge_digits(digits: str, inn: str | None, phones: list[str], their: list[str]) -> int:
    if any(digits in _phone_forms(p) for p in phones + their):
        return 0
    if any(digits in f for p in phones for f in _phone_forms(p)):
        return 1
    if any(digits in f for p in their for f in _phone_forms(p)):
        return 2
    if inn and digits in inn:
        return 3
    return 4


def old_find(session, user, query: str, limit: int = PAGE) -> list[int]:
    """find_clients before issue 10: prefix matches, then limit*2 unordered fragment matches."""
    q = search.normalize(query)
    seen: dict[int, str] = {}
    vis = rights.client_filter(user)
    if not search.is_phoneish(q):
        pref = select(Client.id, Client.search_name).where(vis, search._prefix(session, q))
        for cid, name in session.execute(pref.order_by(Client.search_name).limit(limit)):
            seen[cid] = name
    if len(seen) < limit:
        stmt = select(Client.id, Client.search_name).where(
            vis, search.search_condition(session, query)
        )
        for cid, name in sorted(session.execute(stmt.limit(limit * 2)), key=lambda r: r[1]):
            if len(seen) >= limit:
                break
            seen.setdefault(cid, name)
    return list(seen)


def make_probes(session, rnd: random.Random, n: int) -> list[tuple[str, str, int]]:
    """(kind, query, wanted client id) for n random clients."""
    top = session.scalar(select(func.max(Client.id)))
    probes = []
    kinds = list(KINDS)
    while len(probes) < n:
        cid = rnd.randint(1, top)
        c = session.get(Client, cid)
        if c is None or c.deletion_mark:
            continue
        kind = kinds[len(probes) % len(kinds)]
        words = search.words_of(c.name)
        query = None
        if kind.startswith("phone") and c.phones:
            size = int(kind[-1])
            query = c.phones[0].e164[-size:]
        elif kind == "inside" and words and len(words[-1]) >= 6:
            word = words[-1]
            query = word[1:6]  # «омашк» of «ромашкаинвест»
        elif kind == "word" and c.name.startswith(("ООО", "АО")) and words:
            query = words[-1]
        elif kind == "person" and c.kind == "person" and len(words) >= 2:
            query = f"{words[0]} {words[1]}"
        elif kind == "contact" and c.contacts:
            parts = search.words_of(c.contacts[0].name)
            query = " ".join(parts[:2])
        elif kind == "inn" and c.inn:
            query = c.inn
        elif kind == "email" and c.emails:
            query = c.emails[0].email
        if query:
            probes.append((kind, query, cid))
    return probes


def _facts(session, ids: list[int]):
    """name, INN, phones, contact names and contact phones of these clients."""
    names, inns = {}, {}
    phones, people, theirs = defaultdict(list), defaultdict(list), defaultdict(list)
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        for cid, name, inn, marked in session.execute(
            select(Client.id, Client.search_name, Client.inn, Client.deletion_mark).where(
                Client.id.in_(part)
            )
        ):
            names[cid], inns[cid] = (name, marked), inn
        for cid, e164 in session.execute(
            select(ClientPhone.client_id, ClientPhone.e164).where(ClientPhone.client_id.in_(part))
        ):
            phones[cid].append(e164)
        for cid, name, e164 in session.execute(
            select(ContactPerson.client_id, ContactPerson.name, ContactPhone.e164)
            .outerjoin(ContactPhone, ContactPhone.contact_id == ContactPerson.id)
            .where(ContactPerson.client_id.in_(part), ContactPerson.deletion_mark.is_(False))
        ):
            people[cid].append(name)
            if e164:
                theirs[cid].append(e164)
    return names, inns, phones, people, theirs


def judge(session, user, query: str) -> dict[int, tuple[int, str]] | None:
    """Every client the query matches with its rank by the judge, or None if too many."""
    cond = search.search_condition(session, query)
    stmt = select(Client.id).where(rights.client_filter(user), cond).limit(TOO_BROAD + 1)
    ids = list(session.scalars(stmt))
    if len(ids) > TOO_BROAD:
        return None
    names, inns, phones, people, theirs = _facts(session, ids)
    q = search.normalize_query(query)
    out = {}
    for cid in ids:
        name, marked = names[cid]
        if search.is_phoneish(q):
            rank = judge_digits(search.digits_of(q), inns[cid], phones[cid], theirs[cid])
        else:
            rank = judge_name(q, search.query_words(q) or [q], name, people[cid])
        out[cid] = (rank + (10 if marked else 0), name)
    return out


def _right(page: list[int], wanted: int, mine: int, ranks: dict) -> bool:
    """Nothing the judge ranks worse than the wanted client is shown before it (or, when it
    is not shown, on the page at all)."""
    shown = page[: page.index(wanted)] if wanted in page else page
    return all(ranks[c][0] <= mine for c in shown if c in ranks)


def run(factory, user, probes, say=say) -> dict:
    tally: dict[str, Counter] = defaultdict(Counter)
    times: list[float] = []
    old_times: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, query, wanted in probes:
        with factory() as s:
            t = time.perf_counter()
            page = [c.id for c in search.find_clients(s, user, query, limit=PAGE)]
            times.append((time.perf_counter() - t) * 1000)
            by_kind[kind].append(times[-1])
            t = time.perf_counter()
            before = old_find(s, user, query)
            old_times.append((time.perf_counter() - t) * 1000)
            ranks = judge(s, user, query)
        row = tally[kind]
        row["probes"] += 1
        if ranks is None:
            row["too broad"] += 1
            continue
        mine = ranks.get(wanted, (99, ""))[0]
        at_least_as_good = sum(1 for r, _ in ranks.values() if r <= mine)
        findable = at_least_as_good <= PAGE
        row["findable"] += findable
        row["on page, now"] += findable and wanted in page
        row["on page, before"] += findable and wanted in before
        row["page right, now"] += _right(page, wanted, mine, ranks)
        row["page right, before"] += _right(before, wanted, mine, ranks)
        row["judged"] += 1
    total: Counter = Counter()
    for kind in KINDS:
        row = tally.get(kind, Counter())
        total.update(row)
        say(
            f"  {kind:8}: {row['probes']} probes, {row['findable']} findable: wanted on page 1 "
            f"now {row['on page, now']} (before {row['on page, before']}); page with nothing "
            f"worse than the wanted now {row['page right, now']} of {row['judged']} "
            f"(before {row['page right, before']}); too broad {row['too broad']}; "
            f"find_clients median {statistics.median(by_kind[kind] or [0]):.1f} ms"
        )
    share = total["on page, now"] / max(1, total["findable"])
    say(
        f"search quality: wanted client on the first page in {total['on page, now']} of "
        f"{total['findable']} findable probes = {share:.1%} (before: {total['on page, before']}"
        f" = {total['on page, before'] / max(1, total['findable']):.1%}); first page with "
        f"nothing worse than the wanted client in {total['page right, now']} of "
        f"{total['judged']} judged probes (before: {total['page right, before']}); "
        f"{total['findable'] and total['judged'] - total['findable']} ambiguous, "
        f"{total['too broad']} too broad to judge"
    )
    times.sort()
    say(
        f"  find_clients over these probes: median {statistics.median(times):.2f} ms, "
        f"p95 {times[round(0.95 * (len(times) - 1))]:.2f} ms; the search before issue 10 on the "
        f"same probes at the same moment: median {statistics.median(old_times):.2f} ms"
    )
    return {"share": share, **total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--probes", type=int, default=180)
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args()
    engine = open_database(args.db)
    factory = session_factory(engine)
    with factory() as s:
        user = find_user(s, "admin")
        probes = make_probes(s, random.Random(args.seed), args.probes)
    say(f"search quality: {len(probes)} probes, page of {PAGE}, as «{user.login}»")
    run(factory, user, probes)


if __name__ == "__main__":
    main()
