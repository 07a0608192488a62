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


MAX_VALUE = 32_767  # the longest text a property keeps (Excel's cell limit, as for tables)
BINARY = {"PHOTO", "LOGO", "SOUND", "KEY"}  # binary data: read past, never kept
CUT = f" […обрезано: длиннее {MAX_VALUE} символов]"


def decode_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def detect_encoding(path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes so, else Windows-1251; read
    in chunks, so a file of any size costs no memory."""
    import codecs

    with open(path, "rb") as f:
        head = f.read(3)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            decoder.decode(head)
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"


def physical_lines(f, cap: int = 1 << 20) -> Iterator[str]:
    """The lines of an open text file, none longer than ``cap``: the rest of a longer line
    follows as folded lines (a leading blank), which is how vCard continues a line anyway."""
    more = False
    for piece in iter(lambda: f.readline(cap), ""):
        yield " " + piece if more else piece
        more = not piece.endswith(("\n", "\r"))


def _head_of(first: str) -> tuple[str, bool, bool]:
    """(property name, quoted-printable?, binary?) from a property's first physical line."""
    head = first.split(":", 1)[0].upper()
    name = head.split(";", 1)[0].split(".")[-1].strip()
    binary = name in BINARY or "ENCODING=B" in head or "BASE64" in head
    return name, "QUOTED-PRINTABLE" in head, binary


def _logical_lines(lines) -> Iterator[str]:
    """Physical lines → properties: folded lines (leading blank) and QP soft breaks joined.

    Linear in the size of the input: the parts of a property are collected in a list and
    joined once; binary data (a photo) is skipped as it is read, and text is kept up to
    ``MAX_VALUE`` characters (plus its head), so a folded 16 MB photo costs nothing.
    """
    if isinstance(lines, str):
        lines = re.split(r"\r\n|\n|\r", lines)
    parts: list[str] | None = None
    qp = binary = False
    size = 0

    def joined() -> str:
        return "".join(parts) + (CUT if size >= MAX_VALUE * 4 else "")

    soft = False  # the last line of a quoted-printable value ended with a soft break "="
    for line in lines:
        line = line.rstrip("\r\n")
        if parts is not None:
            if soft:
                piece = line[1:] if line[:1] in (" ", "\t") else line
            elif line[:1] in (" ", "\t"):
                piece = line[1:]
            else:
                yield joined()
                parts = None
                piece = None
            if piece is not None:
                soft = qp and piece.endswith("=")
                if soft:
                    piece = piece[:-1]
                if not binary and size < MAX_VALUE * 4:
                    parts.append(piece[: MAX_VALUE * 4 - size + 1])
                    size += len(parts[-1])
                continue
        _name, qp, binary = _head_of(line)
        if binary:
            line = line[: line.find(":") + 1] if ":" in line else line
        soft = qp and line.endswith("=")
        if soft:
            line = line[:-1]
        parts, size = [line], len(line)
    if parts is not None:
        yield joined()


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
    """The first colon outside double quotes (params may quote a colon), or -1."""
    pos = 0
    while True:
        colon = line.find(":", pos)
        quote = line.find('"', pos, colon if colon >= 0 else len(line))
        if quote < 0:
            return colon
        close = line.find('"', quote + 1)
        if close < 0:
            return -1
        pos = close + 1


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
    return [c if len(c) <= MAX_VALUE + len(CUT) else c[:MAX_VALUE] + CUT for c in row]


def read_cards(text) -> Iterator[list[str]]:
    """Every card of a vCard text (a str, or an iterable of its lines: an open file) as a
    row of cells under ``HEADERS``."""
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
