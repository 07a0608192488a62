"""What an imported value refers to in the database: groups, managers, stored clients.

Stored clients are found by their keys — INN, normalized phone (with its extension),
e-mail — in batches, each key kind with one indexed ``IN`` query (``clients.inn``,
``client_phones.e164``, ``client_emails.email`` all carry an index).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from crmdesk.models import Client, ClientEmail, ClientGroup, ClientPhone, User
from crmdesk.services.search import normalize
from crmdesk.services.settings import get_setting

CHUNK = 900  # values per IN (…): far below every driver's parameter limit

# group names people write → the default group they mean (crmdesk.services.setup)
GROUP_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Оптовые": ("опт", "оптовик", "оптовики", "оптовый", "оптовая", "оптом", "wholesale"),
    "Розничные": ("розница", "розничный", "розничная", "розн", "розничные клиенты", "retail"),
    "Новые": ("новый", "новая", "новое", "новые клиенты", "new", "лид", "лиды"),
    "Повторные": (
        "повторный",
        "повторная",
        "постоянный",
        "постоянная",
        "постоянные",
        "постоянные клиенты",
        "repeat",
        "regular",
    ),
}


class Groups:
    """Group name → id: an existing group by name or synonym, else a new group — only for
    a user with the right to the catalogue (``may_create``); for others None."""

    def __init__(self, session: Session, may_create: bool = True):
        self.session, self.may_create = session, may_create
        self.ids: dict[str, int] = {}
        for gid, name in session.execute(select(ClientGroup.id, ClientGroup.name)):
            self.ids.setdefault(normalize(name), gid)
        self.synonyms: dict[str, str] = {}
        extra = get_setting(session, "import_group_synonyms") or {}
        for target, words in [*GROUP_SYNONYMS.items(), *dict(extra).items()]:
            for word in words:
                self.synonyms[normalize(word)] = target
        self.created: list[str] = []

    def resolve(self, name: str) -> int | None:
        key = normalize(name)
        if key in self.ids:
            return self.ids[key]
        target = self.synonyms.get(key)
        if target is not None and normalize(target) in self.ids:
            gid = self.ids[normalize(target)]
        elif not self.may_create:
            return None
        else:
            title = target or " ".join(name.split())
            title = title[:1].upper() + title[1:] if title.islower() else title
            gid = self.session.execute(
                insert(ClientGroup.__table__)
                .values(name=title[:100], deletion_mark=False)
                .returning(ClientGroup.__table__.c.id)
            ).scalar_one()
            self.ids[normalize(title)] = gid
            self.created.append(title)
        self.ids[key] = gid
        return gid


class Managers:
    """A manager as people write them — login, full name, surname, «Иванов И.И.» — → user id."""

    def __init__(self, session: Session):
        self.ids: dict[str, int | None] = {}
        self.session = session
        self.names: dict[int, str] = {}
        surnames: dict[str, list[int]] = {}
        rows = session.execute(
            select(User.id, User.login, User.full_name).where(User.deletion_mark.is_(False))
        )
        for uid, login, full_name in rows:
            self.names[uid] = full_name or login
            self.ids[_key(login)] = uid
            self.ids.setdefault(_key(full_name), uid)
            words = _key(full_name).split()
            if len(words) >= 2:
                self.ids.setdefault(" ".join([words[0], *(w[0] for w in words[1:])]), uid)
            if words:
                surnames.setdefault(words[0], []).append(uid)
        for surname, uids in surnames.items():
            if len(uids) == 1:
                self.ids.setdefault(surname, uids[0])

    def resolve(self, text: str) -> int | None:
        return self.ids.get(_key(text))

    def name(self, uid: int | None) -> str | None:
        """The manager's full name (also of a user marked for deletion), for messages."""
        if uid is None:
            return None
        if uid not in self.names:
            user = self.session.get(User, uid)
            self.names[uid] = (user.full_name or user.login) if user else None
        return self.names[uid]


def _key(text: str | None) -> str:
    return normalize(re.sub(r"[.\s]+", " ", text or ""))


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def find_stored(
    session: Session, keys: Iterable[str], emails_as_typed: Iterable[str] = ()
) -> dict[str, int]:
    """Key ('i:INN', 'p:+7…[;ext]', 'e:mail', 'n:name') → id of the stored client it is.

    E-mail keys are lower case; ``emails_as_typed`` adds the addresses as written, so a
    stored 'Ivan@mail.ru' is found too. Clients marked for deletion are not matched; of
    several, the oldest (smallest id) wins.
    """
    inns, phones, emails, names = set(), set(), set(), set()
    for key in keys:
        kind, value = key[0], key[2:]
        if kind == "i":
            inns.add(value)
        elif kind == "p":
            phones.add(value.split(";", 1)[0])
        elif kind == "e":
            emails.add(value)
        elif kind == "n":
            names.add(value)
    found: dict[str, int] = {}

    def put(key: str, cid: int) -> None:
        if key not in found or cid < found[key]:
            found[key] = cid

    alive = Client.deletion_mark.is_(False)
    for part in _chunks(sorted(inns)):
        for cid, inn in session.execute(
            select(Client.id, Client.inn).where(Client.inn.in_(part), alive)
        ):
            put(f"i:{inn}", cid)
    for part in _chunks(sorted(phones)):
        stmt = (
            select(ClientPhone.client_id, ClientPhone.e164, ClientPhone.ext)
            .join(Client, Client.id == ClientPhone.client_id)
            .where(ClientPhone.e164.in_(part), alive)
        )
        for cid, e164, ext in session.execute(stmt):
            put(f"p:{e164};{ext}" if ext else f"p:{e164}", cid)
    for part in _chunks(sorted(names)):
        for cid, name in session.execute(
            select(Client.id, Client.search_name).where(Client.search_name.in_(part), alive)
        ):
            put(f"n:{name}", cid)
    variants = sorted(emails | {e for e in emails_as_typed if e.lower() in emails})
    for part in _chunks(variants):
        stmt = (
            select(ClientEmail.client_id, ClientEmail.email)
            .join(Client, Client.id == ClientEmail.client_id)
            .where(ClientEmail.email.in_(part), alive)
        )
        for cid, email in session.execute(stmt):
            put(f"e:{email.lower()}", cid)
    return found
