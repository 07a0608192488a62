"""Search that works for Russian: case-insensitive on Cyrillic with ё = е, phones in any format.

Each client keeps ``search_name`` (its normalized name, for prefix search on a b-tree) and
``search_text`` (name, legal name, INN, e-mails and every phone's digit forms), indexed by
trigrams (FTS5 on SQLite, pg_trgm on PostgreSQL) for fragment search.
"""

from __future__ import annotations

import re

from sqlalchemy import Select, and_, bindparam, literal_column, or_, select, text
from sqlalchemy.orm import Session

from crmdesk.models import Client, ClientPhone, ContactPerson, ContactPhone, User
from crmdesk.services import rights
from crmdesk.services.phones import normalize_phone, phone_search_variants

_SPACES = re.compile(r"\s+")
_PHONEISH = re.compile(r"^[\d\s()+\-.]+$")


def normalize(value: str | None) -> str:
    """Lower case, ё → е, inner whitespace folded: the form both query and data are kept in."""
    if not value:
        return ""
    return _SPACES.sub(" ", value.casefold().replace("ё", "е")).strip()


def client_search_name(client: Client) -> str:
    return normalize(client.name)[:300]


def client_search_text(client: Client) -> str:
    parts = [normalize(client.name), normalize(client.full_name), client.inn or ""]
    parts += [normalize(e.email) for e in client.emails]
    for phone in client.phones:
        parts += phone_search_variants(phone.e164)
    return " ".join(p for p in parts if p)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(fragment: str) -> str:
    """An FTS5 query matching rows whose text contains ``fragment`` (3+ characters)."""
    return '"' + fragment.replace('"', '""') + '"'


def _fragment(session: Session, fragment: str) -> object:
    """SQL condition: the client's search text contains ``fragment`` (3+ characters)."""
    if session.get_bind().dialect.name == "sqlite":
        # A quoted phrase of trigrams is exactly "contains the fragment", answered from the
        # FTS5 index alone. (``LIKE … ESCAPE`` is not handed to FTS5: it scanned every row.)
        # unique: a search of several words has a subquery per word, each with its own value
        # (with one shared name every word's subquery searched the last word)
        sub = text("SELECT rowid FROM clients_fts WHERE clients_fts MATCH :frag").bindparams(
            bindparam("frag", fts_phrase(fragment), unique=True)
        )
        return Client.id.in_(sub)
    return Client.search_text.like(f"%{escape_like(fragment)}%", escape="\\")


def _prefix(session: Session, prefix: str) -> object:
    """Names starting with ``prefix``: a range on the name's index in code-point order
    (SQLite compares binary; on PostgreSQL the column is in collation "C", migration 0003).
    A range, not LIKE: a prepared statement's generic plan keeps using the index with it."""
    return and_(Client.search_name >= prefix, Client.search_name < prefix + "\U0010ffff")


def search_condition(session: Session, query: str):
    """The SQL condition for a quick-search string, or None when it is empty."""
    q = normalize(query)
    if not q:
        return None
    if _PHONEISH.match(q) and sum(c.isdigit() for c in q) >= 3:
        digits = re.sub(r"\D", "", q)
        return _fragment(session, digits)
    words = q.split(" ")
    if len(q) < 3:
        return _prefix(session, q)
    conds = [_fragment(session, w) for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    if short:
        conds.append(or_(*[Client.search_text.like(f"%{escape_like(w)}%") for w in short]))
    return or_(_prefix(session, q), and_(*conds))


def clients_query(session: Session, user: User, query: str = "", include_marked=True) -> Select:
    stmt = select(Client).where(rights.client_filter(user))
    cond = search_condition(session, query)
    if cond is not None:
        stmt = stmt.where(cond)
    if not include_marked:
        stmt = stmt.where(Client.deletion_mark.is_(False))
    return stmt


def find_clients(session: Session, user: User, query: str, limit: int = 50) -> list[Client]:
    """Prefix matches on the name first (in name order), then fragment matches."""
    q = normalize(query)
    if not q:
        return []
    seen: dict[int, Client] = {}
    if not _PHONEISH.match(q):
        pref = select(Client).where(rights.client_filter(user), _prefix(session, q))
        for c in session.scalars(pref.order_by(Client.search_name).limit(limit)):
            seen[c.id] = c
    if len(seen) < limit:
        stmt = clients_query(session, user, query).limit(limit * 2)
        more = sorted(session.scalars(stmt), key=lambda c: c.search_name)
        for c in more:
            if len(seen) >= limit:
                break
            seen.setdefault(c.id, c)
    return list(seen.values())


def by_phone(session: Session, user: User, number: str, region: str = "RU"):
    """Caller ID: clients and contact persons with this phone, however it is typed.

    Returns a list of (client, contact or None, matched phone e164).
    """
    phone = normalize_phone(number, region=region)
    if phone is None:
        return []
    vis = rights.client_filter(user)
    rows = session.execute(
        select(Client, literal_column("NULL"), ClientPhone.e164)
        .join(ClientPhone, ClientPhone.client_id == Client.id)
        .where(ClientPhone.e164 == phone.e164, vis)
    ).all()
    rows += session.execute(
        select(Client, ContactPerson, ContactPhone.e164)
        .join(ContactPerson, ContactPerson.client_id == Client.id)
        .join(ContactPhone, ContactPhone.contact_id == ContactPerson.id)
        .where(ContactPhone.e164 == phone.e164, vis)
    ).all()
    return [(c, p, e) for c, p, e in rows]
