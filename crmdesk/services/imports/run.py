"""The import run: stream rows, find duplicates in batches, write in bulk, one transaction.

New clients are written with bulk INSERTs (search_name/search_text computed here as the
flush hooks would; the SQLite FTS triggers follow them) with an audit entry each, like
the ORM path makes. Rows that merge into a stored client go through the ORM, so field
changes are audited and versions bumped as in any edit. A failure or a cancel rolls
everything back; a dry run does the whole work and rolls it back, so its report is exact.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import Engine, bindparam, func, insert, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from crmdesk.models import (
    AuditEntry,
    Client,
    ClientAddress,
    ClientEmail,
    ClientPhone,
    ContactPerson,
    Interaction,
    client_group_links,
    utcnow,
)
from crmdesk.services import rights
from crmdesk.services.context import Context, unit_of_work
from crmdesk.services.errors import CrmError
from crmdesk.services.imports import report as R
from crmdesk.services.imports.columns import (
    auto_mapping,
    describe_mapping,
    parse_mapping,
    save_mapping,
    suggest_mapping,
)
from crmdesk.services.imports.matching import Groups, Managers, find_stored
from crmdesk.services.imports.rows import ClientRow, RowParser, key_reason
from crmdesk.services.imports.sources import Sheet, Source, open_source
from crmdesk.services.phones import format_phone
from crmdesk.services.search import client_search_name, client_search_text, normalize
from crmdesk.services.search_upkeep import clients_with_contacts, recompute_search_texts
from crmdesk.services.settings import phone_region

BATCH = 2000
IDENTIFYING = {"name", "company", "last_name", "first_name", "phone", "email"}

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool] | threading.Event


class ImportCancelled(CrmError):
    def __init__(self):
        super().__init__("Загрузка отменена пользователем; база не изменена.")


@dataclass
class RowOutcome:
    """What happened to one row (the wizard's preview table)."""

    row: int
    status: str  # new | merged | rejected
    name: str
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    inn: str | None = None
    groups: list[str] = field(default_factory=list)
    manager: str | None = None
    problems: list[R.ReportRow] = field(default_factory=list)


@dataclass
class _New:
    row: ClientRow
    owner_id: int
    merged_items: list[R.ReportRow] = field(default_factory=list)
    warned_items: list[R.ReportRow] = field(default_factory=list)


def allocate_ids(conn, table, n: int) -> list[int]:
    """``n`` new primary keys, so children can be written without a round trip per row.

    PostgreSQL: taken from the table's sequence (safe with other writers). SQLite: after
    the largest, which is safe because the transaction holds the write lock
    (``BEGIN IMMEDIATE``) from its first statement.
    """
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "n": n},
            ).scalars()
        )
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + n + 1))


def _manager_phrase(name: str | None) -> str:
    return f"менеджером {name}" if name else "другим менеджером"


def _local_midnight(day) -> datetime:
    return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)


def _add_new(items: list, values: Iterable, same=lambda a, b: a == b) -> None:
    for v in values:
        if not any(same(v, x) for x in items):
            items.append(v)


def merge_rows(into: ClientRow, other: ClientRow) -> None:
    """A later row of the same client, still in memory: fill gaps, add what is new."""
    for attr in ("full_name", "inn", "kpp", "ogrn", "source", "status", "manager", "created"):
        if getattr(other, attr) and not getattr(into, attr):
            setattr(into, attr, getattr(other, attr))
    _add_new(into.phones, other.phones, lambda a, b: a[:2] == b[:2])
    _add_new(into.emails, other.emails, lambda a, b: a[0].lower() == b[0].lower())
    _add_new(into.groups, other.groups, lambda a, b: normalize(a) == normalize(b))
    _add_new(into.addresses, other.addresses, lambda a, b: normalize(a[1]) == normalize(b[1]))
    _add_new(
        into.contacts, other.contacts, lambda a, b: normalize(a["name"]) == normalize(b["name"])
    )
    _add_new(into.comment, other.comment, lambda a, b: normalize(a) == normalize(b))
    _add_new(into.lost, other.lost, lambda a, b: normalize(a) == normalize(b))
    if other.last_contact and (
        not into.last_contact or other.last_contact[0] > into.last_contact[0]
    ):
        into.last_contact = other.last_contact
    for attr in ("consent_email", "consent_sms"):  # a yes in any row of the client
        if getattr(other, attr) is not None and not getattr(into, attr):
            setattr(into, attr, getattr(other, attr))


MERGED_COLUMNS = ("full_name", "inn", "kpp", "ogrn", "source", "status", "owner_id", "comment",
                  "consent_email", "consent_sms", "opt_out_at")


def _audit_text(value) -> str | None:
    return None if value is None else str(value)


class _Stored:
    """What the merge needs of the stored clients of one batch, read with a few queries."""

    def __init__(self, conn, ids: list[int]):
        c = Client.__table__
        self.clients: dict[int, dict] = {}
        self.phones: dict[int, list[tuple[str, str | None]]] = {}
        self.emails: dict[int, list[str]] = {}
        self.groups: dict[int, set[int]] = {}
        self.places: dict[int, set[str]] = {}
        self.people: dict[int, set[str]] = {}
        self.latest: dict[int, datetime] = {}
        self.new_rows: dict[str, list[dict]] = {
            k: [] for k in ("phones", "emails", "links", "addresses", "contacts")
        }
        self.new_calls: list[dict] = []
        cols = [c.c.id, c.c.name, c.c.version, c.c.search_text] + [c.c[k] for k in MERGED_COLUMNS]
        p, e = ClientPhone.__table__, ClientEmail.__table__
        a, cp = ClientAddress.__table__, ContactPerson.__table__
        i = Interaction.__table__
        for part in _chunks(ids):
            for row in conn.execute(select(*cols).where(c.c.id.in_(part))):
                self.clients[row.id] = dict(row._mapping)
            for cid, e164, ext in conn.execute(
                select(p.c.client_id, p.c.e164, p.c.ext)
                .where(p.c.client_id.in_(part))
                .order_by(p.c.id)
            ):
                self.phones.setdefault(cid, []).append((e164, ext))
            for cid, email in conn.execute(
                select(e.c.client_id, e.c.email).where(e.c.client_id.in_(part)).order_by(e.c.id)
            ):
                self.emails.setdefault(cid, []).append(email)
            link = client_group_links
            for cid, gid in conn.execute(
                select(link.c.client_id, link.c.group_id).where(link.c.client_id.in_(part))
            ):
                self.groups.setdefault(cid, set()).add(gid)
            for cid, place in conn.execute(
                select(a.c.client_id, a.c.text).where(a.c.client_id.in_(part))
            ):
                self.places.setdefault(cid, set()).add(normalize(place))
            for cid, name in conn.execute(
                select(cp.c.client_id, cp.c.name).where(cp.c.client_id.in_(part))
            ):
                self.people.setdefault(cid, set()).add(normalize(name))
            for cid, at in conn.execute(
                select(i.c.client_id, func.max(i.c.occurred_at))
                .where(i.c.client_id.in_(part))
                .group_by(i.c.client_id)
            ):
                self.latest[cid] = at


def _chunks(values: list, size: int = 900):
    for k in range(0, len(values), size):
        yield values[k : k + size]


class Importer:
    """Writes parsed rows batch by batch inside the caller's unit of work."""

    def __init__(self, ctx: Context, report: R.ImportReport, collect: bool = False):
        self.ctx, self.session, self.user = ctx, ctx.session, ctx.user
        self.report = report
        # a group the catalogue lacks is made only for a user with the right to it
        self.groups = Groups(self.session, may_create=ctx.can(rights.CATALOG))
        self.unknown_groups: set[str] = set()
        self.managers = Managers(self.session)
        self.known: dict[str, int] = {}  # key → id of a client in the database (old or new)
        self.missing: set[str] = set()  # keys looked up and not stored
        self.outcomes: list[RowOutcome] | None = [] if collect else None
        self.now = utcnow()
        self.can_assign = ctx.can(rights.ASSIGN)
        self.unknown_managers: set[str] = set()
        self.no_right_noted = False

    # -- one batch -----------------------------------------------------------------------
    def process(self, batch: list[ClientRow]) -> None:
        rows = [r for r in batch if not r.rejected]
        need, typed = set(), set()
        for r in rows:
            need.update(k for k in r.keys() if k not in self.known and k not in self.missing)
            typed.update(e for e, _ in r.emails)
        if need:
            found = find_stored(self.session, need, typed)
            self.known.update(found)
            self.missing |= need - found.keys()
        pending: dict[str, _New] = {}
        new: list[_New] = []
        merges: list[tuple[int, ClientRow, str]] = []
        for r in batch:
            if r.rejected:
                self.report.rejected += 1
                for item in r.issues:
                    self.report.add(item)
                self._outcome(r, "rejected", r.issues)
                continue
            key = next((k for k in r.keys() if k in pending or k in self.known), None)
            if key is not None and key in pending:
                target = pending[key]
                merge_rows(target.row, r)
                item = self._merged_item(r, key, target.row.name, None)
                target.merged_items.append(item)
                target.warned_items += r.issues
                self.report.merged += 1
                self._report_row_issues(r, target.row.name, None)
                self._outcome(r, "merged", [item, *r.issues])
                for k in r.keys():
                    pending.setdefault(k, target)
            elif key is not None:
                merges.append((self.known[key], r, key))
                for k in r.keys():
                    self.known.setdefault(k, self.known[key])
            else:
                item = _New(r, self._owner(r))
                item.warned_items += r.issues
                new.append(item)
                self._report_row_issues(r, r.name, None)
                self._outcome(r, "new", r.issues)
                for k in r.keys():
                    pending.setdefault(k, item)
        ids = self._insert(new)
        for item, cid in zip(new, ids, strict=True):
            typed = {e.lower() for e, _ in item.row.emails if e != e.lower()}
            for k in item.row.keys():
                self.missing.discard(k)
                # a later row with this INN or phone finds the new client in the database
                # (same transaction), as it finds a stored one: remembering the keys of a
                # million new clients took hundreds of megabytes. Kept: names (matched on the
                # search name) and e-mails typed with capitals (matched as typed)
                if k[0] == "n" or (k[0] == "e" and k[2:] in typed):
                    self.known[k] = cid
            for ri in item.merged_items + item.warned_items:
                ri.client_id = cid
        self.report.created += len(new)
        if merges:
            self._merge(merges)
        # contact persons are part of their client's search text (services/search_upkeep.py)
        conn = self.session.connection()
        written = [*ids, *(cid for cid, _, _ in merges)]
        recompute_search_texts(conn, clients_with_contacts(conn, written))
        self.session.flush()
        self.session.expunge_all()

    def _outcome(self, r: ClientRow, status: str, problems: list[R.ReportRow]) -> None:
        if self.outcomes is None:
            return
        self.outcomes.append(
            RowOutcome(
                r.row,
                status,
                r.name,
                [format_phone(e, x) for e, x, _ in r.phones],
                [e for e, _ in r.emails],
                r.inn,
                list(r.groups),
                r.manager,
                list(problems),
            )
        )

    def _report_row_issues(self, r: ClientRow, client: str, cid: int | None) -> None:
        for item in r.issues:
            item.client, item.client_id = client, cid
            self.report.add(item)

    def _merged_item(self, r: ClientRow, key: str, client: str, cid: int | None) -> R.ReportRow:
        reason, why = key_reason(key)
        column, raw = r.key_sources.get(key, ("", ""))
        item = R.ReportRow(
            r.row,
            R.MERGED,
            column,
            raw,
            reason,
            f"Строка {r.row}: {why} с клиентом «{client}» — данные объединены, "
            "записанное не изменено",
            client,
            cid,
        )
        self.report.add(item)
        return item

    def _note(self, r: ClientRow, column: str, value: str, reason: str, message: str) -> None:
        item = R.ReportRow(r.row, R.NOTE, column, value, reason, f"Строка {r.row}: {message}")
        item.client = r.name
        r.issues.append(item)

    def _group(self, r: ClientRow, name: str) -> int | None:
        """The group's id; None when the catalogue lacks it and the user may not add it
        (said once per group; the name goes into the client's comment)."""
        gid = self.groups.resolve(name)
        lost = f"Группы: «{name}» (нет в справочнике)"
        if gid is None and lost not in r.lost:
            r.lost.append(lost)
            if normalize(name) not in self.unknown_groups:
                self.unknown_groups.add(normalize(name))
                item = R.ReportRow(
                    r.row, R.NOTE, "Группы", name, R.UNKNOWN_GROUP,
                    f"Строка {r.row}: группы «{name}» нет в справочнике «Группы клиентов», а "
                    "права создавать группы нет — название сохранено в комментарии", r.name)
                self.report.add(item)
        return gid

    def _owner(self, r: ClientRow) -> int:
        if not r.manager:
            return self.user.id
        uid = self.managers.resolve(r.manager)
        if uid is None:
            if normalize(r.manager) not in self.unknown_managers:  # said once, not per row
                self.unknown_managers.add(normalize(r.manager))
                self._note(
                    r,
                    r.manager_field,
                    r.manager,
                    R.UNKNOWN_MANAGER,
                    f"менеджер «{r.manager}» не найден среди пользователей — его клиенты "
                    f"закреплены за {self.user.login}, имя сохранено в комментарии",
                )
            r.lost.append(f"{r.manager_field}: «{r.manager}» (нет такого пользователя)")
            return self.user.id
        if uid != self.user.id and not self.can_assign:
            r.lost.append(f"{r.manager_field}: «{r.manager}» (нет права назначать менеджера)")
            if self.no_right_noted:
                return self.user.id
            self.no_right_noted = True
            self._note(
                r,
                r.manager_field,
                r.manager,
                R.NO_ASSIGN_RIGHT,
                f"нет права «Распределение клиентов» — клиент закреплён за {self.user.login}",
            )
            return self.user.id
        return uid

    # -- new clients: bulk -----------------------------------------------------------------
    def _insert(self, new: list[_New]) -> list[int]:
        if not new:
            return []
        conn = self.session.connection()
        now, uid = self.now, self.user.id
        values = []
        for item in new:
            r = item.row
            for g in r.groups:  # a group that cannot be made goes into the comment below
                self._group(r, g)
            look = SimpleNamespace(
                name=r.name,
                full_name=r.full_name,
                inn=r.inn,
                emails=[SimpleNamespace(email=e) for e, _ in r.emails],
                phones=[SimpleNamespace(e164=e) for e, _, _ in r.phones],
            )
            values.append(
                {
                    "kind": r.kind,
                    "name": r.name,
                    "full_name": r.full_name,
                    "inn": r.inn,
                    "kpp": r.kpp,
                    "ogrn": r.ogrn,
                    "source": r.source,
                    "status": r.status,
                    "owner_id": item.owner_id,
                    "comment": r.comment_text,
                    "created_at": _local_midnight(r.created) if r.created else now,
                    "consent_email": bool(r.consent_email),
                    "consent_sms": bool(r.consent_sms),
                    "updated_at": now,
                    "updated_by_id": uid,
                    "version": 1,
                    "deletion_mark": False,
                    "search_name": client_search_name(look),
                    "search_text": client_search_text(look),
                }
            )
        ids = allocate_ids(conn, Client.__table__, len(values))
        for v, cid in zip(values, ids, strict=True):
            v["id"] = cid
        conn.execute(insert(Client.__table__), values)
        phones, emails, addresses, links, calls, audit = [], [], [], [], [], []
        contact_rows = []
        for item, cid in zip(new, ids, strict=True):
            r = item.row
            phones += [
                {"client_id": cid, "e164": e, "ext": x, "label": lbl} for e, x, lbl in r.phones
            ]
            emails += [{"client_id": cid, "email": e, "label": lbl} for e, lbl in r.emails]
            addresses += [{"client_id": cid, "kind": k, "text": t[:500]} for k, t in r.addresses]
            gids = []
            for g in r.groups:
                gid = self._group(r, g)
                if gid is not None and gid not in gids:
                    gids.append(gid)
            links += [{"client_id": cid, "group_id": gid} for gid in gids]
            for c in r.contacts:
                contact_rows.append(
                    {
                        "client_id": cid,
                        "name": c["name"][:200],
                        "position": (c.get("position") or None),
                        "birthday": c.get("birthday"),
                        "comment": None,
                        "deletion_mark": False,
                    }
                )
            if r.last_contact:
                calls.append(self._call(cid, r))
            audit.append(self._audit("client", cid, r.name))
        pids = allocate_ids(conn, ContactPerson.__table__, len(contact_rows))
        for c, pid in zip(contact_rows, pids, strict=True):
            c["id"] = pid
            audit.append(self._audit("contact", pid, c["name"]))
        for model, rows in (
            (ContactPerson.__table__, contact_rows),
            (ClientPhone.__table__, phones),
            (ClientEmail.__table__, emails),
            (ClientAddress.__table__, addresses),
            (client_group_links, links),
            (Interaction.__table__, calls),
            (AuditEntry.__table__, audit),
        ):
            if rows:
                conn.execute(insert(model), rows)
        return ids

    def _audit(self, kind: str, oid: int, label: str | None) -> dict:
        return {
            "at": self.now,
            "user_id": self.user.id,
            "object_type": kind,
            "object_id": oid,
            "field": "(создан)",
            "old_value": None,
            "new_value": label,
        }

    def _call(self, cid: int, r: ClientRow) -> dict:
        day, column = r.last_contact
        kind = "call_out" if any(w in column.casefold() for w in ("звон", "call")) else "note"
        return {
            "client_id": cid,
            "user_id": self.user.id,
            "kind": kind,
            "occurred_at": _local_midnight(day),
            "gist": f"{column} (из файла {self.report.file})",
            "deletion_mark": False,
        }

    # -- rows of stored clients: bulk, audited as an edit would be ------------------------
    def _merge(self, merges: list[tuple[int, ClientRow, str]]) -> None:
        """Fill and add into stored clients with a handful of statements per batch.

        What an edit through the ORM records is recorded here too: every changed field in
        the audit log (old → new), a new contact's creation, the version bumped (checked
        against the one read, as the ORM's optimistic lock does), updated_at/by stamped,
        the search name and text recomputed.
        """
        conn = self.session.connection()
        ids = sorted({cid for cid, _, _ in merges})
        stored = _Stored(conn, ids)
        changed: dict[int, dict] = {}  # client id → {column: new value}
        for cid, r, key in merges:
            client = stored.clients[cid]
            if not rights.can_write_client(self.user, SimpleNamespace(owner_id=client["owner_id"])):
                self.report.rejected += 1
                item = R.ReportRow(
                    r.row,
                    R.REJECTED,
                    *r.key_sources.get(key, ("", "")),
                    R.OTHER_MANAGER,
                    # the policy for another manager's client: its name and its manager,
                    # never its requisites, contacts, history or money
                    f"Строка {r.row}: клиент «{client['name']}» уже есть и закреплён за "
                    f"{_manager_phrase(self.managers.name(client['owner_id']))} — строка "
                    "не загружена",
                    client["name"],
                    cid,
                )
                self.report.add(item)
                self._outcome(r, "rejected", [item])
                continue
            item = self._merged_item(r, key, client["name"], cid)
            self.report.merged += 1
            self._fill(stored, cid, r, changed.setdefault(cid, {}))
            self._report_row_issues(r, client["name"], cid)
            self._outcome(r, "merged", [item, *r.issues])
            if r.last_contact:
                call = self._call(cid, r)
                last = stored.latest.get(cid)
                if last is not None and last.tzinfo is None:
                    last = last.replace(tzinfo=UTC)
                if last is None or call["occurred_at"] > last:
                    stored.latest[cid] = call["occurred_at"]
                    stored.new_calls.append(call)
        self._write_merges(conn, stored, changed)

    def _fill(self, stored: _Stored, cid: int, r: ClientRow, changes: dict) -> None:
        """Fill what is empty, add what is new; never overwrite a stored value."""
        client = stored.clients[cid]

        def now(col):
            return changes.get(col, client[col])

        extra = []
        for attr, title in (("inn", "ИНН"), ("kpp", "КПП"), ("ogrn", "ОГРН")):
            value, have = getattr(r, attr), now(attr)
            if value and not have:
                changes[attr] = value
            elif value and have != value:
                extra.append(f"{title} из файла «{value}» не совпадает с записанным «{have}»")
        for attr in ("full_name", "source", "status"):
            if getattr(r, attr) and not now(attr):
                changes[attr] = getattr(r, attr)
        if now("owner_id") is None:
            changes["owner_id"] = self._owner(r)
        # consent: a yes fills a stored no, unless the client withdrew it (opt_out_at);
        # a no in the file never takes a stored consent away (withdrawal is the form's)
        for attr in ("consent_email", "consent_sms"):
            if getattr(r, attr) and not now(attr) and now("opt_out_at") is None:
                changes[attr] = True
        have_phones = stored.phones.setdefault(cid, [])
        for e, x, lbl in r.phones:
            if (e, x) not in have_phones:
                have_phones.append((e, x))
                stored.new_rows["phones"].append(
                    {"client_id": cid, "e164": e, "ext": x, "label": lbl}
                )
        mails = stored.emails.setdefault(cid, [])
        for e, lbl in r.emails:
            if e.lower() not in {m.lower() for m in mails}:
                mails.append(e)
                stored.new_rows["emails"].append({"client_id": cid, "email": e, "label": lbl})
        gids = stored.groups.setdefault(cid, set())
        for g in r.groups:
            gid = self._group(r, g)
            if gid is not None and gid not in gids:
                gids.add(gid)
                stored.new_rows["links"].append({"client_id": cid, "group_id": gid})
        places = stored.places.setdefault(cid, set())
        for kind, place in r.addresses:
            if normalize(place) not in places:
                places.add(normalize(place))
                stored.new_rows["addresses"].append(
                    {"client_id": cid, "kind": kind, "text": place[:500]}
                )
        people = stored.people.setdefault(cid, set())
        for c in r.contacts:
            if normalize(c["name"]) not in people:
                people.add(normalize(c["name"]))
                stored.new_rows["contacts"].append(
                    {
                        "client_id": cid,
                        "name": c["name"][:200],
                        "position": c.get("position"),
                        "birthday": c.get("birthday"),
                        "comment": None,
                        "deletion_mark": False,
                    }
                )
        comment = now("comment") or ""
        folded = normalize(comment)
        for line in r.comment + r.lost + extra:
            if line and normalize(line) not in folded:
                comment = f"{comment}\n{line}" if comment else line
                folded = normalize(comment)
        if comment != (now("comment") or ""):
            changes["comment"] = comment

    def _write_merges(self, conn, stored: _Stored, changed: dict[int, dict]) -> None:
        c = Client.__table__
        contacts = stored.new_rows["contacts"]
        for row, pid in zip(
            contacts, allocate_ids(conn, ContactPerson.__table__, len(contacts)), strict=True
        ):
            row["id"] = pid
        audit = [self._audit("contact", row["id"], row["name"]) for row in contacts]
        effective = {
            cid: {k: v for k, v in fields.items() if v != stored.clients[cid][k]}
            for cid, fields in changed.items()
        }
        touched = {cid for cid, fields in effective.items() if fields} | {
            row["client_id"]
            for kind in ("phones", "emails", "links", "addresses", "contacts")
            for row in stored.new_rows[kind]
        }
        plain, searched = [], []
        for cid in sorted(touched):
            client = stored.clients[cid]
            changes = effective.get(cid, {})
            for col, new in changes.items():
                audit.append(
                    {
                        "at": self.now,
                        "user_id": self.user.id,
                        "object_type": "client",
                        "object_id": cid,
                        "field": col,
                        "old_value": _audit_text(client[col]),
                        "new_value": _audit_text(new),
                    }
                )
            merged = {**client, **changes}
            look = SimpleNamespace(
                name=merged["name"],
                full_name=merged["full_name"],
                inn=merged["inn"],
                emails=[SimpleNamespace(email=e) for e in stored.emails.get(cid, [])],
                phones=[SimpleNamespace(e164=e) for e, _ in stored.phones.get(cid, [])],
            )
            values = {f"v_{col}": merged[col] for col in MERGED_COLUMNS}
            values.update(
                b_id=cid,
                b_version=client["version"],
                v_version=client["version"] + 1,
                v_updated_at=self.now,
                v_updated_by_id=self.user.id,
                v_search_name=client_search_name(look),
            )
            text_now = client_search_text(look)
            if text_now != client["search_text"]:  # only then the full-text index is redone
                searched.append({**values, "v_search_text": text_now})
            else:
                plain.append(values)
        for rows in (plain, searched):
            if not rows:
                continue
            cols = [k[2:] for k in rows[0] if k.startswith("v_")]
            stmt = (
                update(c)
                .where(c.c.id == bindparam("b_id"), c.c.version == bindparam("b_version"))
                .values({col: bindparam(f"v_{col}", type_=c.c[col].type) for col in cols})
            )
            result = conn.execute(stmt, rows)
            if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
                raise CrmError(
                    "Загрузка прервана, база не изменена: клиентов, с которыми объединяются "
                    "строки, в это время изменил другой пользователь. Повторите загрузку."
                )
        for model, rows in (
            (ContactPerson.__table__, contacts),
            (ClientPhone.__table__, stored.new_rows["phones"]),
            (ClientEmail.__table__, stored.new_rows["emails"]),
            (ClientAddress.__table__, stored.new_rows["addresses"]),
            (client_group_links, stored.new_rows["links"]),
            (Interaction.__table__, stored.new_calls),
            (AuditEntry.__table__, audit),
        ):
            if rows:
                conn.execute(insert(model), rows)

    def finish(self) -> None:
        rep = self.report
        self.session.execute(
            insert(AuditEntry.__table__),
            [
                {
                    "at": utcnow(),
                    "user_id": self.user.id,
                    "object_type": "import",
                    "object_id": 0,
                    "field": "(загрузка клиентов)",
                    "old_value": None,
                    "new_value": (
                        f"{rep.file}: строк {rep.rows}, создано {rep.created}, "
                        f"объединено {rep.merged}, отклонено {rep.rejected}, "
                        f"предупреждений {rep.warnings}"
                    ),
                }
            ],
        )


SQLITE_CACHE_KB = 128 * 1024


def _big_cache(session) -> None:
    """SQLite: a page cache of 128 MB for this connection (the default is 2 MB), so index
    pages of a database of millions of clients stay in memory while thousands of rows go
    into them; memory stays far under what the import may use."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        session.info["sqlite_cache_size"] = before


def _default_cache(session) -> None:
    """Give the connection its usual page cache back before it returns to the pool."""
    before = session.info.pop("sqlite_cache_size", None)
    if before is not None:
        session.connection().exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def _batches(source: Source, sheet: Sheet, parser: RowParser, limit: int | None):
    """The rows of the sheet parsed, ``BATCH`` at a time (the first ``limit`` rows only).

    Reading and parsing stay in the importing thread: a reader thread would fight the
    database writes for the GIL and make the whole import slower, not faster.
    """
    batch: list[ClientRow] = []
    read = 0
    for n, cells in source.rows(sheet):
        if limit is not None and read >= limit:
            break
        read += 1
        batch.append(parser.parse(n, cells))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _is_cancelled(cancelled: Cancel | None) -> bool:
    if cancelled is None:
        return False
    if isinstance(cancelled, threading.Event):
        return cancelled.is_set()
    return bool(cancelled())


def resolve_mapping(session, sheet: Sheet, mapping) -> tuple[dict[int, str], bool]:
    """(mapping to use, given by hand?): the wizard's {index: field}, a --mapping spec over
    the suggested one, or — without any — the saved or guessed mapping."""
    if mapping is None:
        return suggest_mapping(session, sheet.headers)[0], False
    if isinstance(mapping, dict) and all(isinstance(k, int) for k in mapping):
        return {k: v for k, v in mapping.items() if v}, True
    base = suggest_mapping(session, sheet.headers)[0]
    return parse_mapping(mapping, sheet.headers, base), True


def check_mapping(sheet: Sheet, mapping: dict[int, str]) -> None:
    if not IDENTIFYING & set(mapping.values()):
        shown = ", ".join(f"«{h}»" for h in sheet.headers if h) or "нет"
        raise CrmError(
            f"Не найдено ни одной колонки с наименованием, телефоном или e-mail (лист "
            f"«{sheet.name}», строка заголовка {sheet.header_row}; колонки: {shown}). "
            "Укажите колонки вручную (--mapping)."
        )


def run_import(
    engine: Engine,
    path,
    *,
    user: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping=None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancelled: Cancel | None = None,
    limit: int | None = None,
    collect: bool = False,
) -> tuple[R.ImportReport, list[RowOutcome] | None]:
    started = time.monotonic()
    source: Source = open_source(path)
    try:
        sh = source.sheet(sheet, sample=0, header_row=header_row)
        if not sh.headers:
            raise CrmError(f"В файле {Path(path).name} нет данных (лист «{sh.name}» пуст).")
        with unit_of_work(engine, user) as ctx:
            rights.require(ctx.user, rights.EDIT_OWN)
            _big_cache(ctx.session)
            used, by_hand = resolve_mapping(ctx.session, sh, mapping)
            check_mapping(sh, used)
            report = R.ImportReport(
                file=Path(path).name,
                format=source.describe(),
                sheet=sh.name,
                header_row=sh.header_row,
                mapping=describe_mapping(sh.headers, used),
                dry_run=dry_run,
            )
            importer = Importer(ctx, report, collect=collect)
            parser = RowParser(sh.headers, used, phone_region(ctx.session))
            total = min(sh.total, limit) if limit else sh.total
            if progress:
                progress(0, total)
            try:
                for batch in _batches(source, sh, parser, limit):
                    report.rows += len(batch)
                    if _is_cancelled(cancelled):
                        raise ImportCancelled()
                    importer.process(batch)
                    if progress and len(batch) >= BATCH:
                        progress(report.rows, max(total, report.rows))
                importer.finish()
                if by_hand and not dry_run and limit is None and used != auto_mapping(sh.headers):
                    save_mapping(ctx.session, sh.headers, used)
            except SQLAlchemyError as exc:
                msg = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise CrmError(f"Загрузка прервана, база не изменена: {msg}") from exc
            if progress:
                progress(report.rows, report.rows)
            if dry_run:
                ctx.session.rollback()
            _default_cache(ctx.session)
        report.seconds = time.monotonic() - started
        return report, importer.outcomes
    finally:
        close = getattr(source, "close", None)
        if close:
            close()
