"""Clients out: XLSX, CSV for Russian Excel, vCard 3.0, Google Contacts CSV.

Every format is read back by the import (crmdesk.services.imports) into the same clients:
the columns carry the names the import recognizes, crmdesk's own vCard properties
(``X-CRMDESK-…``) and Google's custom fields carry what those formats have no place for.
Rows stream from the database in chunks, so a million clients export in constant memory.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import selectinload

from crmdesk.models import Client, ContactPerson
from crmdesk.services.context import Context, unit_of_work
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.services.phones import format_phone
from crmdesk.services.search import clients_query

FORMATS = {
    "xlsx": "Excel (XLSX)",
    "csv": "CSV для Excel",
    "vcard": "vCard 3.0",
    "google": "Google Контакты (CSV)",
}
CHUNK = 500
MULTI = " ::: "
KIND_TITLES = {"company": "Организация", "ip": "ИП", "person": "Частное лицо"}
ADDRESS_COLUMNS = {"actual": "Адрес", "legal": "Юридический адрес", "delivery": "Адрес доставки"}
TABLE_COLUMNS = [
    "Код",
    "Клиент",
    "Полное наименование",
    "Вид",
    "ИНН",
    "КПП",
    "ОГРН",
    "Телефон",
    "E-mail",
    "Группа",
    "Менеджер",
    "Контактное лицо",
    "Адрес",
    "Юридический адрес",
    "Адрес доставки",
    "Источник",
    "Статус",
    "Комментарий",
    "Дата создания",
    "Дата рождения",
]
GOOGLE_CUSTOM = [
    ("Полное наименование", "full_name"),
    ("ИНН", "inn"),
    ("КПП", "kpp"),
    ("ОГРН", "ogrn"),
    ("Менеджер", "owner"),
    ("Вид", "kind"),
    ("Источник", "source"),
    ("Статус", "status"),
    ("Контактное лицо", "more_contacts"),
]
GOOGLE_COLUMNS = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Organization Name",
    "Organization Title",
    "Birthday",
    "Notes",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
] + [f"Address {i} - {part}" for i in (1, 2, 3) for part in ("Label", "Formatted")] + [
    f"Custom Field {i} - {part}"
    for i in range(1, len(GOOGLE_CUSTOM) + 1)
    for part in ("Label", "Value")
]


def export_format(path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file name says (.xlsx, .csv, .vcf)."""
    if fmt:
        fmt = {"vcf": "vcard", "gmail": "google"}.get(fmt.lower(), fmt.lower())
        if fmt not in FORMATS:
            raise ValidationError(
                "--format", f"неизвестный формат «{fmt}»; есть: {', '.join(FORMATS)}"
            )
        return fmt
    suffix = Path(path).suffix.lower()
    by_suffix = {".xlsx": "xlsx", ".csv": "csv", ".vcf": "vcard", ".vcard": "vcard"}
    if suffix not in by_suffix:
        raise ValidationError(
            "Файл",
            f"по расширению «{suffix or '(нет)'}» не понять формат: нужен .xlsx, .csv "
            "или .vcf (или --format)",
        )
    return by_suffix[suffix]


def iter_clients(
    ctx: Context, ids=None, find: str | None = None, include_marked: bool = False
) -> tuple[int, Iterator[Client]]:
    """(how many, the clients in name order): visible to the user, by ids and/or search."""
    stmt = clients_query(ctx.session, ctx.user, find or "", include_marked=include_marked)
    order = stmt.with_only_columns(Client.id).order_by(Client.search_name, Client.id)
    all_ids = list(ctx.session.scalars(order))
    if ids is not None:  # a list filter of any size: not one IN (…) past the drivers' limits
        wanted = set(ids)
        all_ids = [i for i in all_ids if i in wanted]

    def chunks() -> Iterator[Client]:
        for i in range(0, len(all_ids), CHUNK):
            part = all_ids[i : i + CHUNK]
            rows = ctx.session.scalars(
                select(Client)
                .where(Client.id.in_(part))
                .options(
                    selectinload(Client.phones),
                    selectinload(Client.emails),
                    selectinload(Client.groups),
                    selectinload(Client.addresses),
                    selectinload(Client.contacts).selectinload(ContactPerson.phones),
                    selectinload(Client.owner),
                )
            )
            by_id = {c.id: c for c in rows}
            for cid in part:
                yield by_id[cid]
            ctx.session.expunge_all()

    return len(all_ids), chunks()


def _contacts(client: Client) -> list[ContactPerson]:
    return [c for c in client.contacts if not c.deletion_mark]


def _person_text(c: ContactPerson) -> str:
    return f"{c.name} ({c.position})" if c.position else c.name


def table_row(client: Client) -> list:
    """A client as a row under ``TABLE_COLUMNS``."""
    addresses = {k: [a.text for a in client.addresses if a.kind == k] for k in ADDRESS_COLUMNS}
    if any(a.kind not in ADDRESS_COLUMNS for a in client.addresses):
        addresses["actual"] += [a.text for a in client.addresses if a.kind not in ADDRESS_COLUMNS]
    return [
        client.id,
        client.name,
        client.full_name,
        KIND_TITLES.get(client.kind, client.kind),
        client.inn,
        client.kpp,
        client.ogrn,
        ", ".join(format_phone(p.e164, p.ext) for p in client.phones),
        ", ".join(e.email for e in client.emails),
        ", ".join(g.name for g in client.groups),
        client.owner.login if client.owner else None,
        "; ".join(_person_text(c) for c in _contacts(client)),
        MULTI.join(addresses["actual"]),
        MULTI.join(addresses["legal"]),
        MULTI.join(addresses["delivery"]),
        client.source,
        client.status,
        client.comment,
        client.created_at.astimezone().strftime("%d.%m.%Y") if client.created_at else None,
        _main_birthday(client),
    ]


def _main_birthday(client: Client) -> str | None:
    """The birthday of the first contact person (the import gives it back to them)."""
    people = _contacts(client)
    day = people[0].birthday if people else None
    return day.strftime("%d.%m.%Y") if day else None


def _split_name(name: str) -> tuple[str, str, str]:
    """'Иванов Иван Иванович' → (last, first, middle); other shapes stay whole in last."""
    words = name.split()
    if 2 <= len(words) <= 3:
        return words[0], words[1], words[2] if len(words) == 3 else ""
    return name, "", ""


def _fold(line: str) -> str:
    """RFC 2425 folding: lines of at most 75 octets, never splitting a UTF-8 character."""
    out, cur, size = [], [], 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not out else 74):
            out.append("".join(cur))
            cur, size = [], 0
        cur.append(ch)
        size += n
    out.append("".join(cur))
    return "\r\n ".join(out)


def _esc(value) -> str:
    text = "" if value is None else str(value)
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def vcard(client: Client) -> str:
    """A client as a vCard 3.0 (CRLF line ends, folded)."""
    people = _contacts(client)
    lines = ["BEGIN:VCARD", "VERSION:3.0"]
    if client.kind == "person":
        last, first, middle = _split_name(client.name)
        lines += [f"FN:{_esc(client.name)}", f"N:{_esc(last)};{_esc(first)};{_esc(middle)};;"]
        extra = people
    else:
        main = people[0] if people else None
        if main is not None:
            last, first, middle = _split_name(main.name)
            lines += [f"FN:{_esc(main.name)}", f"N:{_esc(last)};{_esc(first)};{_esc(middle)};;"]
            if main.position:
                lines.append(f"TITLE:{_esc(main.position)}")
            if main.birthday:
                lines.append(f"BDAY:{main.birthday:%Y-%m-%d}")
        else:
            lines += [f"FN:{_esc(client.name)}", "N:;;;;"]
        lines.append(f"ORG:{_esc(client.name)}")
        extra = people[1:]
    for p in client.phones:
        number = format_phone(p.e164).replace(" доб. ", " ext. ")
        if p.ext:
            number += f" ext. {p.ext}"
        lines.append(f"TEL;TYPE=WORK,VOICE:{_esc(number)}")
    lines += [f"EMAIL;TYPE=INTERNET:{_esc(e.email)}" for e in client.emails]
    kinds = {"legal": "POSTAL", "delivery": "PARCEL"}
    lines += [
        f"ADR;TYPE={kinds.get(a.kind, 'WORK')};X-CRMDESK-KIND={a.kind}:;;{_esc(a.text)};;;;"
        for a in client.addresses
    ]
    if client.comment:
        lines.append(f"NOTE:{_esc(client.comment)}")
    if client.groups:
        lines.append("CATEGORIES:" + ",".join(_esc(g.name) for g in client.groups))
    own = {
        "X-CRMDESK-FULL-NAME": client.full_name,
        "X-CRMDESK-INN": client.inn,
        "X-CRMDESK-KPP": client.kpp,
        "X-CRMDESK-OGRN": client.ogrn,
        "X-CRMDESK-OWNER": client.owner.login if client.owner else None,
        "X-CRMDESK-KIND": client.kind,
        "X-CRMDESK-SOURCE": client.source,
        "X-CRMDESK-STATUS": client.status,
    }
    lines += [f"{k}:{_esc(v)}" for k, v in own.items() if v]
    lines += [f"X-CRMDESK-CONTACT:{_esc(_person_text(c))}" for c in extra]
    lines.append("END:VCARD")
    return "".join(_fold(line) + "\r\n" for line in lines)


def google_row(client: Client) -> list:
    """A client as a Google Contacts CSV row under ``GOOGLE_COLUMNS``."""
    people = _contacts(client)
    if client.kind == "person":
        names, org, title, birthday, extra = _split_name(client.name), "", "", None, people
    else:
        main = people[0] if people else None
        names = _split_name(main.name) if main else ("", "", "")
        title = (main.position or "") if main else ""
        birthday = main.birthday if main else None
        org, extra = client.name, people[1:]
    last, first, middle = names
    labels = MULTI.join(["* myContacts", *(g.name for g in client.groups)])
    values = {
        "full_name": client.full_name,
        "inn": client.inn,
        "kpp": client.kpp,
        "ogrn": client.ogrn,
        "owner": client.owner.login if client.owner else None,
        "kind": client.kind,
        "source": client.source,
        "status": client.status,
        "more_contacts": "; ".join(_person_text(c) for c in extra),
    }
    custom = []
    for label, key in GOOGLE_CUSTOM:
        custom += [label, values[key] or ""] if values[key] else ["", ""]
    return [
        first,
        middle,
        last,
        org,
        title,
        birthday.isoformat() if birthday else "",
        client.comment or "",
        labels,
        "* Work" if client.emails else "",
        MULTI.join(e.email for e in client.emails),
        (client.phones[0].label or "Work") if client.phones else "",
        MULTI.join(format_phone(p.e164, p.ext) for p in client.phones),
        *_google_addresses(client),
        *custom,
    ]


GOOGLE_ADDRESS_LABELS = {"actual": "Work", "legal": "Юридический", "delivery": "Доставка"}


def _google_addresses(client: Client) -> list[str]:
    """Address 1 (actual), 2 (legal), 3 (delivery): label and formatted text each."""
    out = []
    for kind, label in GOOGLE_ADDRESS_LABELS.items():
        texts = [a.text for a in client.addresses if (a.kind if a.kind in
                                                       GOOGLE_ADDRESS_LABELS else "actual") == kind]
        out += [label, MULTI.join(texts)] if texts else ["", ""]
    return out


def _check(cancelled) -> None:
    if cancelled is None:
        return
    if (
        isinstance(cancelled, threading.Event)
        and cancelled.is_set()
        or (callable(cancelled) and cancelled())
    ):
        raise CrmError("Выгрузка отменена пользователем.")


def export_clients(
    engine: Engine,
    path,
    *,
    user: str | None = None,
    fmt: str | None = None,
    ids=None,
    find: str | None = None,
    include_marked: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled=None,
) -> int:
    """Write the clients the user sees (all, by ``ids``, or found by ``find``) to ``path``.

    Returns how many were written. The file appears only when the export is complete.
    """
    fmt = export_format(path, fmt)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with unit_of_work(engine, user) as ctx:
        total, clients = iter_clients(ctx, ids, find, include_marked)
        done = 0

        def step() -> None:
            nonlocal done
            done += 1
            if done % CHUNK == 0:
                _check(cancelled)
                if progress:
                    progress(done, total)

        try:
            if fmt == "xlsx":
                _write_xlsx(tmp, clients, step)
            elif fmt == "vcard":
                with open(tmp, "w", encoding="utf-8", newline="") as out:
                    for c in clients:
                        out.write(vcard(c))
                        step()
            else:
                header, row, delim = (
                    (GOOGLE_COLUMNS, google_row, ",")
                    if fmt == "google"
                    else (TABLE_COLUMNS, table_row, ";")
                )
                with open(tmp, "w", encoding="utf-8-sig", newline="") as out:
                    w = csv.writer(out, delimiter=delim, lineterminator="\r\n")
                    w.writerow(header)
                    for c in clients:
                        w.writerow(["" if v is None else v for v in row(c)])
                        step()
            _check(cancelled)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    if progress:
        progress(done, total)
    return done


def _write_xlsx(path: Path, clients, step) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Клиенты")
    widths = [8, 40, 40, 14, 14, 11, 16, 40, 30, 20, 14, 40, 40, 40, 40, 16, 14, 50, 12, 12]
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = w
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for title in TABLE_COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for c in clients:
        ws.append(table_row(c))
        step()
    wb.save(path)
