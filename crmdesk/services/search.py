"""Search that works for Russian: case-insensitive on Cyrillic with ё = е, phones in any format.

Each client keeps ``search_name`` (its normalized name, for prefix search on a b-tree) and
``search_text`` (name, legal name, INN, e-mails, every phone's digit forms and the same of its
contact persons), indexed by trigrams (FTS5 on SQLite, pg_trgm on PostgreSQL) for fragment
search. Both are kept short (``MAX_TEXT``), and so is the query (``MAX_QUERY``): what a search
costs does not follow what someone pasted into a name.

``find_clients`` (the global search, ``crmdesk clients find``) shows the best matches first,
see ``services/ranking.py``; the client list keeps its own order and uses ``search_condition``.
"""

from __future__ import annotations

import random
import re
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field

from sqlalchemy import (
    Select,
    and_,
    bindparam,
    event,
    func,
    literal_column,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.orm import Session, object_session

from crmdesk.models import (
    Client,
    ClientPhone,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    User,
)
from crmdesk.services import rights
from crmdesk.services.phones import normalize_phone, phone_search_variants

_SPACES = re.compile(r"\s+")
_PHONEISH = re.compile(r"^[\d\s()+\-.]+$")
# what separates words besides spaces; deleted from names where words are compared
QUOTES = "«»\"“”„'()"
_SEPARATORS = re.compile(r"[\s«»\"“”„'()\[\],;:!?]+")

MAX_QUERY = 100  # characters of a query that are searched; the rest is ignored
MAX_WORDS = 8  # words of a query that are searched
MAX_PART = 300  # characters of each name, e-mail … kept in the search text
MAX_TEXT = 4000  # characters of a client's whole search text


def normalize(value: str | None) -> str:
    """Lower case, ё → е, inner whitespace folded: the form both query and data are kept in."""
    if not value:
        return ""
    return _SPACES.sub(" ", value.casefold().replace("ё", "е")).strip()


def words_of(value: str | None) -> list[str]:
    """The normalized words of a text, quotes and brackets taken for spaces."""
    return [w for w in _SEPARATORS.split(normalize(value)) if w]


def normalize_query(query: str | None) -> str:
    """A query as it is searched: normalized and at most ``MAX_QUERY`` characters."""
    return normalize((query or "")[: MAX_QUERY * 4])[:MAX_QUERY].strip()


def is_phoneish(q: str) -> bool:
    """A query of digits (and phone punctuation) with at least three digits."""
    return bool(_PHONEISH.match(q)) and sum(c.isdigit() for c in q) >= 3


def client_search_name(client: Client) -> str:
    return normalize((client.name or "")[: MAX_PART * 2])[:MAX_PART]


def _phones_text(phones) -> list[str]:
    return [v for p in phones or () for v in phone_search_variants(p.e164)]


def _deleted(obj) -> bool:
    """Deleted in its session, not yet flushed (a collection may still hold it)."""
    session = object_session(obj) if isinstance(obj, ContactPerson) else None
    return session is not None and obj in session.deleted


def client_search_text(client, contacts=None) -> str:
    """Name, legal name, INN, e-mails and phones of the client and of its contact persons.

    ``client`` is a Client or anything with the same attributes (the import passes plain
    namespaces); ``contacts`` may be missing, or given apart (``contacts``). At most
    ``MAX_TEXT`` characters.
    """

    def part(value) -> str:
        return " ".join(words_of((value or "")[: MAX_PART * 2]))[:MAX_PART]

    parts = [part(client.name), part(client.full_name), client.inn or ""]
    parts += [normalize(e.email)[:MAX_PART] for e in client.emails or ()]
    parts += _phones_text(client.phones)
    if contacts is None:
        contacts = getattr(client, "contacts", None) or ()
    for person in contacts:
        if getattr(person, "deletion_mark", False) or _deleted(person):
            continue
        parts.append(part(person.name))
        parts += [normalize(e.email)[:MAX_PART] for e in getattr(person, "emails", None) or ()]
        parts += _phones_text(getattr(person, "phones", None))
    return " ".join(p for p in parts if p)[:MAX_TEXT]


def fold(session: Session, expr):
    """Case- and ё-insensitive form of a text column, the same on both databases."""
    if session.get_bind().dialect.name == "sqlite":
        return func.crm_fold(expr)
    return func.replace(func.lower(expr), "ё", "е")


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fts_phrase(fragment: str) -> str:
    """An FTS5 query matching rows whose text contains ``fragment`` (3+ characters)."""
    return '"' + fragment.replace('"', '""') + '"'


def _fragment(session: Session, fragment: str, like: bool = False) -> object:
    """SQL condition: the client's search text contains ``fragment`` (3+ characters).
    ``like``: a test of each row (for a walk along an index), not the trigram index."""
    if session.get_bind().dialect.name == "sqlite" and not like:
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


def query_words(q: str) -> list[str]:
    """The words of a normalized query that are searched (at most ``MAX_WORDS``)."""
    return words_of(q)[:MAX_WORDS]


def digits_of(q: str) -> str:
    return re.sub(r"\D", "", q)


def prefix_only(q: str) -> bool:
    """Whether a normalized query searches only the names' beginnings (a range of an index)."""
    return not is_phoneish(q) and (len(q) < 3 or not query_words(q))


def search_condition(session: Session, query: str, like: bool = False):
    """The SQL condition for a quick-search string, or None when it is empty. ``like``: the
    same condition as a test of each row, for a walk along the name index."""
    q = normalize_query(query)
    if not q:
        return None
    if is_phoneish(q):
        return _fragment(session, digits_of(q), like)
    words = query_words(q)
    if len(q) < 3 or not words:
        return _prefix(session, q)
    conds = [_fragment(session, w, like) for w in words if len(w) >= 3]
    short = [w for w in words if len(w) < 3]
    if short:
        conds.append(
            and_(*[Client.search_text.like(f"%{escape_like(w)}%", escape="\\") for w in short])
        )
    return or_(_prefix(session, q), and_(*conds))


def candidates_condition(session: Session, query: str):
    """SQLite: the search as «the id is among the candidates» (the names starting with the
    query and the rows the FTS5 index finds for its words, one list), and the test of its
    short words; None when no index can list the candidates (a prefix, short words only).
    With it SQLite goes from the few candidates to their rows, not along another index of
    the list (a manager's clients by name) testing each of them."""
    q = normalize_query(query)
    if not q or prefix_only(q):
        return None
    if is_phoneish(q):
        match, short = fts_phrase(digits_of(q)), []
    else:
        words = query_words(q)
        long = [w for w in words if len(w) >= 3]
        short = [w for w in words if len(w) < 3]
        if not long:
            return None
        match = " AND ".join(fts_phrase(w) for w in long)
    found = select(literal_column("rowid")).select_from(text("clients_fts")).where(
        text("clients_fts MATCH :m").bindparams(bindparam("m", match, unique=True))
    )
    ids = Client.id.in_(union(select(Client.id).where(_prefix(session, q)), found))
    if not short:
        return ids if not is_phoneish(q) else Client.id.in_(found)
    likes = [Client.search_text.like(f"%{escape_like(w)}%", escape="\\") for w in short]
    return and_(ids, or_(_prefix(session, q), and_(*likes)))


def clients_query(session: Session, user: User, query: str = "", include_marked=True) -> Select:
    stmt = select(Client).where(rights.client_filter(user))
    cond = search_condition(session, query)
    if cond is not None:
        stmt = stmt.where(cond)
    if not include_marked:
        stmt = stmt.where(Client.deletion_mark.is_(False))
    return stmt


def find_clients(
    session: Session, user: User, query: str, limit: int = 50, details: bool = False
) -> list[Client]:
    """The clients a person most likely means by ``query``, best first (``ranking.py``).

    ``details``: phones, e-mails, groups and the manager are loaded with them, in a few
    queries for all the clients found rather than a few per client."""
    from crmdesk.services.ranking import ranked_ids

    ids = ranked_ids(session, user, query, limit)
    if not ids:
        return []
    stmt = select(Client).where(Client.id.in_(ids))
    if details:
        from sqlalchemy.orm import selectinload

        stmt = stmt.options(
            selectinload(Client.phones),
            selectinload(Client.emails),
            selectinload(Client.groups),
            selectinload(Client.owner),
        )
    found = {c.id: c for c in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


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


@event.listens_for(Session, "before_flush")
def _contacts_changed(session: Session, _ctx, _instances) -> None:
    """A contact person's name, phones or e-mails changed: their client's search text too.

    (The client's own fields are kept by ``services/tracking.py``.)"""
    persons: set[ContactPerson] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ContactPerson):
            persons.add(obj)
        elif isinstance(obj, (ContactPhone, ContactEmail)) and obj.contact_id is not None:
            person = session.get(ContactPerson, obj.contact_id)
            if person is not None:
                persons.add(person)
    by_client: dict[Client, set[ContactPerson]] = {}
    for person in persons:
        # a contact saved with client_id alone has no loaded «client» yet
        client = person.client
        if client is None and person.client_id is not None:
            client = session.get(Client, person.client_id)
        if client is not None:
            by_client.setdefault(client, set()).add(person)
    for client, changed in by_client.items():
        if client in session.deleted:
            continue
        with session.no_autoflush:
            # a new person saved by client_id alone is not in the loaded collection yet:
            # add it, so this text and later listeners (tracking) see it
            for person in changed:
                if person in session.new and person.client_id == client.id \
                        and person not in client.contacts:
                    client.contacts.append(person)
        value = client_search_text(client)
        if client.search_text != value:
            client.search_text = value


# --- how many clients a quick search matches, and where they start ------------------------
# The client list chooses its plan by these figures (``lists.fetch``), as a database planner
# does: few matches are found through the trigram index and sorted; many are met by walking
# the name index in order and testing each row. Both figures must cost next to nothing, the
# same on both databases: ``estimate`` tests the search on a sample of clients kept in memory
# (a few thousand rows read by random ids, renewed every few minutes); ``first_key`` reads the
# table ``search_first_keys`` (migration 0016): for each frequent trigram, a name no greater
# than that of the first client, in name order, whose search text holds it. A walk along the
# name index starts there, not at «А», so «ооо» does not pass half a million persons, АО and
# ИП first. The estimate only chooses a plan: what a list shows never depends on it.

SAMPLE_SIZE = 3000
SAMPLE_TTL = 300.0  # seconds a sample serves before it is drawn again


@dataclass
class Sample:
    """Clients drawn at random, sorted by name: (search_name, search_text) each."""

    rows: int  # how many clients the base had (estimated from the ids drawn)
    names: list[str]
    texts: list[str]
    taken: float
    owners: list = field(default_factory=list)  # the sampled clients' managers
    estimates: dict = field(default_factory=dict)  # the last searches' estimates

    @property
    def scale(self) -> float:
        """Clients of the base that one sampled client stands for."""
        return self.rows / len(self.names) if self.names else 0.0


_samples: dict[str, Sample] = {}
_samples_lock = threading.Lock()


def draw_sample(session) -> Sample:
    """A new sample of the clients (``session``: a Session or a Connection)."""
    low, high = session.execute(select(func.min(Client.id), func.max(Client.id))).one()
    if low is None:
        return Sample(0, [], [], time.monotonic(), [])
    span = high - low + 1
    if span <= SAMPLE_SIZE * 2:  # a small base: all of it
        rows = session.execute(
            select(Client.search_name, Client.search_text, Client.owner_id)
        ).all()
        found = len(rows)
    else:
        rnd = random.Random()
        ids = sorted({rnd.randint(low, high) for _ in range(SAMPLE_SIZE)})
        rows = []
        for start in range(0, len(ids), 900):
            rows += session.execute(
                select(Client.search_name, Client.search_text, Client.owner_id).where(
                    Client.id.in_(ids[start : start + 900])
                )
            ).all()
        found = round(span * len(rows) / len(ids))
    rows.sort(key=lambda r: r[0] or "")
    return Sample(
        found,
        [r[0] or "" for r in rows],
        [r[1] or "" for r in rows],
        time.monotonic(),
        [r[2] for r in rows],
    )


def sample(session: Session) -> Sample:
    """The sample of this base's clients (drawn now if there is none or it is old)."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _samples_lock:
        got = _samples.get(key)
    if got is None or time.monotonic() - got.taken > SAMPLE_TTL:
        got = draw_sample(session)
        with _samples_lock:
            if len(_samples) > 8:  # tests open many bases: keep the newest few
                _samples.clear()
            _samples[key] = got
    return got


def forget_samples() -> None:
    with _samples_lock:
        _samples.clear()


def matcher(query: str):
    """``search_condition`` in Python: a test of (search_name, search_text), or None."""
    q = normalize_query(query)
    if not q:
        return None
    if is_phoneish(q):
        digits = digits_of(q)
        return lambda name, text: digits in text
    words = query_words(q)
    if len(q) < 3 or not words:
        return lambda name, text: name.startswith(q)
    return lambda name, text: name.startswith(q) or all(w in text for w in words)


@dataclass
class Estimate:
    """What the sample says of a search: the matches in the base, and per sampled client
    in name order whether it matches (to guess how far a walk goes before it fills a page)."""

    matches: float
    rows: int
    names: list[str]
    hits: list[bool]
    found: float | None = None  # what the trigram index finds (all matches, any manager)

    @property
    def to_find(self) -> float:
        return self.matches if self.found is None else self.found

    @property
    def sampled_hits(self) -> int:
        return sum(self.hits)

    def walk(self, start: str, need: int, descending: bool = False) -> float:
        """Rows a walk along the name index reads from ``start`` (the far end when
        descending) until ``need`` matches have come by: the stretch before the first
        sampled matches where none are (beyond what their spacing explains), then ``need``
        rows at the density of the first few."""
        n = len(self.names)
        if not n:
            return 0.0
        scale = self.rows / n
        order = range(n - 1, -1, -1) if descending else range(bisect_left(self.names, start), n)
        at = []  # how many sampled rows had been read at each of the first matches
        for passed, i in enumerate(order, 1):
            if self.hits[i]:
                at.append(passed)
                if len(at) == 4:
                    break
        if len(at) < 2:  # the matches are too few to tell: up to the first, or to the end
            return (at[0] if at else len(order)) * scale * max(1.0, need / scale)
        spacing = (at[-1] - at[0]) / (len(at) - 1)  # sampled rows per match
        gap = max(0.0, at[0] - spacing)
        return gap * scale + need * spacing

def estimate(session: Session, query: str, owner: int | None = None) -> Estimate | None:
    """The estimated matches of a quick search among all clients (None: no search);
    ``owner``: among this manager's clients (``names`` and ``hits`` then are theirs only,
    as a walk along the index of (manager, name) meets them, ``found`` stays all matches,
    what the trigram index finds before the manager is tested)."""
    test = matcher(query)
    if test is None:
        return None
    s = sample(session)
    q = normalize_query(query)
    got = s.estimates.get(q)  # a keystroke asks for its count and again for its page
    if got is None:
        hits = [test(n, t) for n, t in zip(s.names, s.texts, strict=True)]
        got = Estimate(sum(hits) * s.scale, s.rows, s.names, hits)
        if len(s.estimates) > 64:
            s.estimates.clear()
        s.estimates[q] = got
    if owner is None:
        return got
    mine = [i for i, o in enumerate(s.owners) if o == owner]
    hits = [got.hits[i] for i in mine]
    return Estimate(
        sum(hits) * s.scale,
        round(len(mine) * s.scale),
        [s.names[i] for i in mine],
        hits,
        found=got.matches,
    )


def trigrams(word: str) -> set[str]:
    return {word[i : i + 3] for i in range(len(word) - 2)}


def first_key(session: Session, query: str) -> str:
    """A name no client matching ``query`` sorts before ('' when nothing is known).

    A match either starts with the query (the prefix) or holds every word of it, so every
    trigram of those words: it sorts after the first holder of each of them."""
    q = normalize_query(query)
    if not q or is_phoneish(q):
        return ""
    if prefix_only(q):
        return q
    grams = set().union(*[trigrams(w) for w in query_words(q) if len(w) >= 3])
    if not grams:
        return ""
    known = session.execute(
        text("SELECT first_name FROM search_first_keys WHERE trigram IN :g").bindparams(
            bindparam("g", sorted(grams), expanding=True)
        )
    ).scalars().all()
    if not known:
        return ""
    return min(q, max(known))
