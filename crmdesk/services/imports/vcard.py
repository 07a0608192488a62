"""vCard 2.1 / 3.0 / 4.0 reading: folded lines, quoted-printable in any charset, escapes.

Each card becomes one row under fixed column names (``HEADERS``), so a vCard file goes
through the same mapping and row parsing as a table.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator

HEADERS = [
    "ФИО",
    "Организация",
    "Должность",
    "Телефон",
    "E-mail",
    "Адрес",
    "Юридический адрес",
    "Адрес доставки",
    "Примечание",
    "Дата рождения",
    "Группа",
    "ИНН",
    "КПП",
    "ОГРН",
    "Менеджер",
    "Вид",
    "Источник",
    "Статус",
    "Контактное лицо",
    "Полное наименование",
]
MULTI = " ::: "  # how several values of one column are joined (as Google Contacts does)
# crmdesk's own properties, written by the export so a round trip keeps them
X_PROPS = {
    "X-CRMDESK-INN": "ИНН",
    "X-CRMDESK-KPP": "КПП",
    "X-CRMDESK-OGRN": "ОГРН",
    "X-CRMDESK-OWNER": "Менеджер",
    "X-CRMDESK-KIND": "Вид",
    "X-CRMDESK-SOURCE": "Источник",
    "X-CRMDESK-STATUS": "Статус",
    "X-CRMDESK-CONTACT": "Контактное лицо",
    "X-CRMDESK-FULL-NAME": "Полное наименование",
}
ADDRESS_KINDS = {"legal": "Юридический адрес", "delivery": "Адрес доставки"}
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\", ":": ":"}


def decode_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _logical_lines(text: str) -> Iterator[str]:
    """Physical lines → properties: folded lines (leading blank) and QP soft breaks joined."""
    current: str | None = None
    for line in re.split(r"\r\n|\n|\r", text):
        if current is not None:
            head = current.split(":", 1)[0].upper()
            if "QUOTED-PRINTABLE" in head and current.endswith("="):
                current = current[:-1] + (line[1:] if line[:1] in (" ", "\t") else line)
                continue
            if line[:1] in (" ", "\t"):
                current += line[1:]
                continue
            yield current
        current = line
    if current is not None:
        yield current


def _split_unescaped(value: str, sep: str) -> list[str]:
    parts, buf, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            buf.append(value[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


def _colon(line: str) -> int:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return i
    return -1


def parse_property(line: str) -> tuple[str, dict[str, list[str]], str] | None:
    """'TEL;TYPE=CELL:+7…' → ('TEL', {'TYPE': ['CELL']}, '+7…'), value decoded from QP."""
    pos = _colon(line)
    if pos <= 0:
        return None
    head, value = line[:pos], line[pos + 1 :]
    parts = head.split(";")
    name = parts[0].split(".")[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params.setdefault(k.strip().upper(), []).extend(
                x.strip().strip('"') for x in v.split(",")
            )
        elif p.strip():
            bare = p.strip().upper()
            key = "ENCODING" if bare in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT") else "TYPE"
            params.setdefault(key, []).append(bare)
    encoding = [e.upper() for e in params.get("ENCODING", [])]
    if "QUOTED-PRINTABLE" in encoding:
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        raw = quopri.decodestring(value.encode("utf-8"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = decode_text(raw)
    elif any(e in ("B", "BASE64") for e in encoding):
        value = ""  # photos and other binary data are not imported
    return name, params, value


def _phone_value(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
        value = re.sub(r";ext=(\d+)", r" доб. \1", value)
        value = value.split(";", 1)[0]
    return value


def _card_row(props: list[tuple[str, dict, str]]) -> list[str]:
    cells: dict[str, list[str]] = {h: [] for h in HEADERS}
    fn = person = ""
    for name, _params, value in props:
        if name == "N":
            last, first, middle = (
                [_unescape(x).strip() for x in _split_unescaped(value, ";")] + ["", "", ""]
            )[:3]
            person = " ".join(x for x in (last, first, middle) if x)
        elif name == "FN":
            fn = _unescape(value).strip()
        elif name == "ORG":
            org = _unescape(_split_unescaped(value, ";")[0]).strip()
            if org:
                cells["Организация"].append(org)
        elif name == "TITLE":
            cells["Должность"].append(_unescape(value).strip())
        elif name == "TEL":
            cells["Телефон"].append(_phone_value(_unescape(value)))
        elif name == "EMAIL":
            cells["E-mail"].append(_unescape(value).strip())
        elif name == "ADR":
            parts = [_unescape(x).strip() for x in _split_unescaped(value, ";")]
            kind = (_params.get("X-CRMDESK-KIND") or [""])[0].lower()
            cells[ADDRESS_KINDS.get(kind, "Адрес")].append(", ".join(p for p in parts if p))
        elif name == "NOTE":
            cells["Примечание"].append(_unescape(value).strip())
        elif name == "BDAY":
            cells["Дата рождения"].append(value.strip())
        elif name == "CATEGORIES":
            cells["Группа"] += [_unescape(x).strip() for x in _split_unescaped(value, ",")]
        elif name in X_PROPS:
            cells[X_PROPS[name]].append(_unescape(value).strip())
    name = person or fn
    row = [name] + [MULTI.join(v for v in cells[h] if v) for h in HEADERS[1:]]
    return row


def read_cards(text: str) -> Iterator[list[str]]:
    """Every card of a vCard text as a row of cells under ``HEADERS``."""
    props: list | None = None
    for line in _logical_lines(text):
        if not line.strip():
            continue
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            props = []
            continue
        if upper == "END:VCARD":
            if props is not None:
                yield _card_row(props)
            props = None
            continue
        if props is not None:
            prop = parse_property(line)
            if prop is not None:
                props.append(prop)


def looks_like_vcard(data: bytes) -> bool:
    return b"BEGIN:VCARD" in data[:4096].upper()
