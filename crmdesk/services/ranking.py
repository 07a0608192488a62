"""Which clients a search shows first: what a person typing the query most likely means.

Ranks, best first (a client marked for deletion comes after every unmarked one):

- name queries: 0 the whole name; 1 the name starts with the typed words in their order
  (after a legal form: «ромашка» → «ООО «Ромашка»»); 2 every typed word starts a word of the
  name; 3 every typed word is inside the name; 4 a contact person's name has them; 5 the
  rest (the legal name, e-mails …);
- digit queries: 0 the whole phone number of the client or of a contact person; 1 inside
  one of the client's phones; 2 inside a contact person's phone; 3 inside the INN; 4 the
  rest.

Within a rank, by name. The first two name ranks are read from the name's index range by
range, so a short query that starts thousands of names does not rank all that contain it.
"""

from __future__ import annotations

from sqlalchemy import (
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from crmdesk.models import Client, ClientPhone, ContactPerson, ContactPhone, User
from crmdesk.services import rights
from crmdesk.services.errors import ValidationError
from crmdesk.services.phones import normalize_phone
from crmdesk.services.search import (
    _prefix,
    digits_of,
    escape_like,
    fold,
    fts_phrase,
    is_phoneish,
    normalize_query,
    query_words,
    search_condition,
)

LEGAL_FORMS = ("ооо", "ао", "зао", "пао", "оао", "ип", "нко", "ано")
NAME_QUOTES = '«»"'  # what names are compared without (a query's words never hold quotes)
# Up to this many matches every one is ranked in one query; with more (a fragment such as
# «ива» at a million clients) rank by rank, each read along the name index in order.
BROAD = 5_000
MARKED = 10  # added to the rank of a client marked for deletion


def _unquoted(expr):
    for ch in NAME_QUOTES:
        expr = func.replace(expr, ch, "")
    return expr


def _like(expr, pattern: str):
    return expr.like(pattern, escape="\\")


def _word_starts(words: list[str]):
    spaced = literal(" ") + _unquoted(Client.search_name)
    return and_(*[_like(spaced, f"% {escape_like(w)}%") for w in words])


def _inside(words: list[str]):
    bare = _unquoted(Client.search_name)
    return and_(*[_like(bare, f"%{escape_like(w)}%") for w in words])


def _name_rank_sql(session: Session, q: str, words: list[str]):
    phrase = " ".join(words)
    bare = _unquoted(Client.search_name)
    starts = [_like(bare, escape_like(phrase) + "%")]
    starts += [_like(bare, escape_like(f"{f} {phrase}") + "%") for f in LEGAL_FORMS]
    person = (
        exists()
        .where(
            ContactPerson.client_id == Client.id,
            ContactPerson.deletion_mark.is_(False),
            *[_like(fold(session, ContactPerson.name), f"%{escape_like(w)}%") for w in words],
        )
        .correlate(Client)
    )
    return case(
        (or_(Client.search_name == q, bare == phrase), 0),
        (or_(*starts), 1),
        (_word_starts(words), 2),
        (_inside(words), 3),
        (person, 4),
        else_=5,
    )


def name_rank(search_name: str, q: str, words: list[str]) -> int:
    """The rank of one name (the first four ranks; 5 for «elsewhere»), as SQL computes it."""
    bare = "".join(c for c in search_name if c not in NAME_QUOTES)
    phrase = " ".join(words)
    if search_name == q or bare == phrase:
        return 0
    if bare.startswith(phrase) or any(bare.startswith(f"{f} {phrase}") for f in LEGAL_FORMS):
        return 1
    spaced = " " + bare
    if all(f" {w}" in spaced for w in words):
        return 2
    if all(w in bare for w in words):
        return 3
    return 5


def _phone_contains(e164, digits: str):
    """A stored phone (E.164) whose digits, or its Russian 8… form, contain ``digits``."""
    pattern = f"%{escape_like(digits)}%"
    national = literal("8") + func.substr(e164, 3)
    return or_(_like(e164, pattern), and_(_like(e164, "+7%"), _like(national, pattern)))


def _own_and_theirs():
    own = select(ClientPhone.id).where(ClientPhone.client_id == Client.id)
    theirs = (
        select(ContactPhone.id)
        .join(ContactPerson, ContactPerson.id == ContactPhone.contact_id)
        .where(ContactPerson.client_id == Client.id)
    )
    return own, theirs


def _digit_tiers(digits: str) -> list:
    """Conditions of ranks 1-3 of a digit query: in a phone, a contact's phone, the INN."""
    own, theirs = _own_and_theirs()
    return [
        exists(own.where(_phone_contains(ClientPhone.e164, digits))),
        exists(theirs.where(_phone_contains(ContactPhone.e164, digits))),
        _like(func.coalesce(Client.inn, ""), f"%{escape_like(digits)}%"),
    ]


def _phone_rank_sql(session: Session, digits: str, region: str):
    try:
        phone = normalize_phone(digits, region=region) if len(digits) >= 10 else None
    except ValidationError:  # not a whole number: only fragments then
        phone = None
    own, theirs = _own_and_theirs()
    whens = []
    if phone is not None:
        whens.append(
            (
                or_(
                    exists(own.where(ClientPhone.e164 == phone.e164)),
                    exists(theirs.where(ContactPhone.e164 == phone.e164)),
                ),
                0,
            )
        )
    whens += [(cond, n) for n, cond in enumerate(_digit_tiers(digits), start=1)]
    return case(*whens, else_=4)


# the legal forms and quotes names are read after by range (each range is a query part;
# the rarer ones, «ООО "Ромашка"», are ranked with the rest)
RANGE_FORMS = ("ооо", "ао", "ип", "зао", "пао")


def _prefixes(q: str, words: list[str]) -> list[str]:
    """Where in name order the first two ranks of a name query lie."""
    phrase = " ".join(words)
    out = [q, phrase, f"«{phrase}"]
    for form in RANGE_FORMS:
        out += [f"{form} {phrase}", f"{form} «{phrase}"]
    return list(dict.fromkeys(p for p in out if p))


def _by_name_ranges(session: Session, user: User, q: str, words: list[str], limit: int):
    """The best clients of ranks 0-1 (all of them when fewer than ``limit``)."""
    vis = rights.client_filter(user)
    parts = [
        select(Client.id, Client.search_name, Client.deletion_mark)
        .where(vis, _prefix(session, p))
        # by the name alone: the index gives that order, so the range stops after the page
        # (with «, id» PostgreSQL, misjudging a range as one row, read all 10,000 «ип алек…»
        # and sorted them); equal names are put in id order below
        .order_by(Client.search_name)
        .limit(limit)
        .subquery()
        for p in _prefixes(q, words)
    ]
    stmt = union_all(*[select(p.c.id, p.c.search_name, p.c.deletion_mark) for p in parts])
    found: dict[int, tuple] = {}
    for cid, name, marked in session.execute(stmt):
        rank = name_rank(name, q, words) + (MARKED if marked else 0)
        if rank <= 1:
            found[cid] = (rank, name, cid)
    return [cid for _, _, cid in sorted(found.values())[:limit]]


def _count(session: Session, user: User, cond, cap: int, q: str | None = None) -> int:
    """How many clients match (at most ``cap + 1``). On SQLite, for a query searched by
    trigrams, the FTS index alone answers — an upper bound (rights not applied), read 10-30
    times faster than the clients themselves; it only chooses how to rank."""
    if q is not None and session.get_bind().dialect.name == "sqlite":
        parts = [digits_of(q)] if is_phoneish(q) else [w for w in query_words(q) if len(w) >= 3]
        if parts and len(q) >= 3:
            match = " AND ".join(fts_phrase(p) for p in parts)
            sub = text("SELECT rowid FROM clients_fts WHERE clients_fts MATCH :m LIMIT :n")
            sub = sub.bindparams(m=match, n=cap + 1).columns().subquery()
            return session.scalar(select(func.count()).select_from(sub)) or 0
    ids = select(Client.id).where(rights.client_filter(user), cond).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def _in_name_order(session, user, cond, limit: int, skip: list[int], walk: bool) -> list[int]:
    """The first ``limit`` clients matching ``cond`` in name order (but ``skip``).

    ``walk``: very many match; SQLite is handed the condition opaque so that it reads the
    name index in order and stops after the page, instead of collecting every match and
    sorting them all (see ``lists.fetch``). Otherwise the matches are found and sorted."""
    if walk and session.get_bind().dialect.name == "sqlite":
        cond = func.coalesce(cond, false())
    stmt = (
        select(Client.id, Client.deletion_mark)
        .where(rights.client_filter(user), cond)
        .order_by(Client.search_name)  # the index's order (see _by_name_ranges)
        .limit(limit + len(skip))
    )
    done = set(skip)
    rows = [(marked, n, cid) for n, (cid, marked) in enumerate(session.execute(stmt))]
    return [cid for _, _, cid in sorted(rows) if cid not in done][:limit]


def _word_starts_indexed(session: Session, words: list[str]):
    """Every word starts a word of the search text (the name, the legal name, a contact…):
    answered by the trigram index, as «ранг 2» is read when thousands match."""
    words = [w for w in words if len(w) >= 2]
    if not words:
        return None
    if session.get_bind().dialect.name == "sqlite":
        query = " AND ".join(
            "(" + " OR ".join(fts_phrase(p + w) for p in (" ", "«", '"')) + ")" for w in words
        )
        sub = text("SELECT rowid FROM clients_fts WHERE clients_fts MATCH :starts").bindparams(
            bindparam("starts", query, unique=True)
        )
        return Client.id.in_(sub)
    return and_(
        *[
            or_(*[_like(Client.search_text, f"%{p}{escape_like(w)}%") for p in (" ", "«", '"')])
            for w in words
        ]
    )


def _broad(session, user, cond, tiers: list, first: list[int], limit: int) -> list[int]:
    """Thousands match: rank by rank, each read along the name index in order (a rank with
    no clients is skipped: that walk would read the whole index); then the rest."""
    ids, before = list(first), []
    for tier in [*[t for t in tiers if t is not None], None]:
        if len(ids) >= limit:
            break
        this = and_(cond, *[~t for t in before], *([] if tier is None else [tier]))
        if tier is not None:
            before.append(tier)
            some = select(Client.id).where(rights.client_filter(user), cond, tier).limit(1)
            if session.scalar(some) is None:
                continue
        ids += _in_name_order(session, user, this, limit - len(ids), ids, walk=True)
    return ids[:limit]


def ranked_ids(session: Session, user: User, query: str, limit: int = 50) -> list[int]:
    """Ids of the best ``limit`` clients for ``query``, best first."""
    from crmdesk.services.settings import phone_region

    q = normalize_query(query)
    if not q or limit <= 0:
        return []
    cond = search_condition(session, q)
    if is_phoneish(q):
        digits = digits_of(q)
        if _count(session, user, cond, BROAD, q) > BROAD:
            return _broad(session, user, cond, _digit_tiers(digits), [], limit)
        rank = _phone_rank_sql(session, digits, phone_region(session))
    else:
        words = query_words(q) or [q]
        first = _by_name_ranges(session, user, q, words, limit)
        if len(first) >= limit:
            return first
        if _count(session, user, cond, BROAD, q) > BROAD:
            # at that breadth: words starting a word anywhere (the name, a contact person…),
            # then the rest, each in name order
            tiers = [_word_starts_indexed(session, words)]
            return _broad(session, user, cond, tiers, first, limit)
        rank = _name_rank_sql(session, q, words)
    rank = rank + case((Client.deletion_mark.is_(True), MARKED), else_=0)
    stmt = (
        select(Client.id)
        .where(rights.client_filter(user), cond)
        .order_by(rank, Client.search_name, Client.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
