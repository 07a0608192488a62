"""Columns of an import file: the fields a column can hold, the header row, the mapping.

A mapping is ``{column index: field code}``; columns left out are not imported. It is
guessed from the header names (Russian and English, Google Contacts' own headers) and
can be corrected by hand; a corrected mapping is kept in the settings under the header
signature, so the same file layout is mapped the same way next time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from crmdesk.services.errors import ValidationError
from crmdesk.services.settings import get_setting, set_setting


@dataclass(frozen=True)
class Field:
    code: str
    label: str  # how the wizard and messages name it
    multi: bool = False  # several columns (or values in one cell) add up


FIELDS: dict[str, Field] = {
    f.code: f
    for f in (
        Field("name", "Наименование"),
        Field("full_name", "Полное наименование"),
        Field("last_name", "Фамилия"),
        Field("first_name", "Имя"),
        Field("middle_name", "Отчество"),
        Field("company", "Организация"),
        Field("kind", "Вид (организация / ИП / частное лицо)"),
        Field("contact", "Контактное лицо", multi=True),
        Field("position", "Должность"),
        Field("phone", "Телефон", multi=True),
        Field("email", "Эл. почта", multi=True),
        Field("inn", "ИНН"),
        Field("kpp", "КПП"),
        Field("ogrn", "ОГРН"),
        Field("group", "Группа", multi=True),
        Field("manager", "Менеджер"),
        Field("comment", "Комментарий", multi=True),
        Field("address", "Адрес", multi=True),
        Field("source", "Источник"),
        Field("status", "Статус"),
        Field("created", "Дата создания"),
        Field("last_contact", "Последний контакт"),
        Field("birthday", "Дата рождения"),
        # consent to advertising mailings: да/yes/1/+ is consent, нет/no/0/- is none
        Field("consent", "Согласие на рассылку (эл. почта и SMS)"),
        Field("consent_email", "Согласие на рассылку по эл. почте"),
        Field("consent_sms", "Согласие на рассылку SMS"),
        Field("custom", "Поле по подписи (Custom Field … Value)", multi=True),
    )
}

# patterns tried when no exact name matches, in this order
PATTERNS: list[tuple[str, str | None]] = [
    (r"^(phone|телефон) \d+ value$", "phone"),
    (r"^(e mail|email) \d+ value$", "email"),
    (r"^address \d+ formatted$", "address"),
    (r"^custom field \d+ value$", "custom"),
    (
        r"^(phone|e mail|email|address|custom field|relation|website|event|im) \d+ (label|type)$",
        None,
    ),
    (r"^(address|website|relation|event|im|organization) \d+ ", None),
    (r"^(согласи|consent).*\b(sms|смс)\b", "consent_sms"),
    (r"^(согласи|consent).*(e ?mail|почт|письм)", "consent_email"),
    (r"^(согласи|consent)", "consent"),
    (r"\bинн\b", "inn"),
    (r"\bкпп\b", "kpp"),
    (r"\bогрн", "ogrn"),
    (r"(рожден|birth)", "birthday"),
    (r"(последн|last (call|contact))", "last_contact"),
    (r"(e ?mail|почт)", "email"),
    (r"(телефон|\bтел\b|phone|\bмоб)", "phone"),
    (r"(контактн|contact)", "contact"),
    (r"(менеджер|ответствен|manager|owner)", "manager"),
    (r"(групп|категор|group|categor)", "group"),
    (r"(коммент|примечан|замет|comment|note)", "comment"),
    (r"(адрес|address)", "address"),
    (r"(наименован|название|фио|клиент|контрагент)", "name"),
    (r"(должност)", "position"),
    (r"(источник)", "source"),
    (r"^дата\b", "created"),
]


def normalize_header(value) -> str:
    """'E-mail' → 'e mail', 'Тел.' → 'тел', 'Phone 1 - Value' → 'phone 1 value'."""
    text = "" if value is None else str(value)
    text = text.casefold().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# exact header names, normalized (lower case, ё → е, punctuation → spaces)
_PHRASES: dict[str, str] = {
    "name": (
        "клиент|наименование|название|наименование клиента|название клиента|"
        "название компании|наименование организации|контрагент|покупатель|"
        "заказчик|фио|ф и о|фио клиента|имя клиента|клиент фио|name|client|"
        "client name|customer|customer name|display name|file as"
    ),
    "full_name": (
        "полное наименование|полное название|юридическое наименование|"
        "наименование полное|legal name|official name|full company name"
    ),
    "last_name": "фамилия|last name|family name|surname",
    "first_name": "имя|first name|given name",
    "middle_name": "отчество|middle name|additional name",
    "company": (
        "организация|компания|фирма|company|organization|organisation|"
        "organization name|organization 1 name|org"
    ),
    "kind": ("вид|тип|тип клиента|вид клиента|юр физ|юр лицо физ лицо|kind|type|client type"),
    "contact": (
        "контактное лицо|контакт|контактные лица|контакт лицо|contact|"
        "contact person|contact name|contacts"
    ),
    "position": ("должность|position|title|job title|organization title|organization 1 title"),
    "phone": (
        "телефон|телефоны|тел|моб|мобильный|мобильный телефон|сотовый|"
        "номер телефона|рабочий телефон|phone|phones|telephone|tel|mobile|"
        "mobile phone|cell|work phone|phone number"
    ),
    "email": (
        "e mail|email|эл почта|электронная почта|почта|емейл|емэйл|имейл|mail|"
        "e mail address|email address|e mails|emails"
    ),
    "inn": "инн|инн клиента|inn|tax id|taxpayer id",
    "kpp": "кпп|kpp",
    "ogrn": "огрн|огрнип|ogrn",
    "group": (
        "группа|группы|категория|категории|группа клиентов|сегмент|labels|label|"
        "group|groups|category|categories|group membership"
    ),
    "manager": (
        "менеджер|ответственный|ответственный менеджер|куратор|менеджер клиента|"
        "manager|owner|responsible|account manager|sales manager"
    ),
    "comment": (
        "комментарий|комментарии|примечание|примечания|заметки|заметка|описание|"
        "notes|note|comment|comments|description|remarks"
    ),
    "address": (
        "адрес|адреса|фактический адрес|юридический адрес|почтовый адрес|"
        "адрес доставки|address|addresses|address 1 formatted"
    ),
    "source": "источник|источник клиента|откуда узнал|канал|source|lead source",
    "status": "статус|status",
    "created": (
        "дата|дата создания|дата регистрации|дата добавления|создан|создано|"
        "created|date|date created"
    ),
    "last_contact": (
        "последний звонок|последний контакт|дата последнего звонка|"
        "дата последнего контакта|last call|last contact"
    ),
    "birthday": "день рождения|дата рождения|birthday|birth date|bday",
    "consent": (
        "согласие на рассылку|согласие на рассылки|согласие на рекламу|"
        "согласие на рекламную рассылку|согласие|рассылка|marketing consent|consent"
    ),
    "consent_email": (
        "согласие e mail|согласие email|согласие на e mail|согласие на email|"
        "согласие на рассылку e mail|согласие на письма|e mail рассылка|email consent"
    ),
    "consent_sms": (
        "согласие sms|согласие смс|согласие на sms|согласие на смс|"
        "согласие на рассылку sms|согласие на рассылку смс|sms рассылка|sms consent"
    ),
}
EXACT = {phrase: code for code, text in _PHRASES.items() for phrase in text.split("|")}
_COMPILED = [(re.compile(p), code) for p, code in PATTERNS]
# headers that are known and deliberately not imported (row numbers, codes, Google extras)
IGNORED = set(
    "n|no|nr|номер|номер п п|п п|код|id|photo|фото|nickname|name prefix|name suffix|"
    "phonetic first name|phonetic middle name|phonetic last name|organization department|"
    "organization 1 department|initials|short name|maiden name".split("|")
)


def match_header(header) -> str | None:
    """The field a header names, or None (not recognized or deliberately ignored)."""
    norm = normalize_header(header)
    if not norm or norm in IGNORED or str(header).strip() in {"№", "#"}:
        return None
    if norm in EXACT:
        return EXACT[norm]
    for rx, code in _COMPILED:
        if rx.search(norm):
            return code
    return None


def auto_mapping(headers: list) -> dict[int, str]:
    """Column index → field for every recognized header; a single-value field once only."""
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for i, header in enumerate(headers):
        code = match_header(header)
        if code is None:
            continue
        if not FIELDS[code].multi and code in used:
            continue
        mapping[i] = code
        used.add(code)
    return mapping


def header_score(cells: list) -> int:
    """How many cells of a row read as known column names (text cells only)."""
    return sum(1 for c in cells if isinstance(c, str) and c.strip() and match_header(c))


def detect_header(rows: list[tuple[int, list]]) -> int:
    """Index (in ``rows``) of the header row among the first rows of a sheet.

    The row naming the most known columns wins (a merged title above it names none);
    without any, the first row with two or more text cells.
    """
    best, best_score = None, 0
    for i, (_n, cells) in enumerate(rows):
        score = header_score(cells)
        if score > best_score:
            best, best_score = i, score
    if best is not None and (best_score >= 2 or len(rows) == 1):
        return best
    for i, (_n, cells) in enumerate(rows):
        if sum(1 for c in cells if isinstance(c, str) and c.strip()) >= 2:
            return i
    return best or 0


def label_columns(headers: list) -> dict[int, int]:
    """'Phone 1 - Value' → the index of its 'Phone 1 - Label' (or '- Type') sibling."""
    index = {normalize_header(h): i for i, h in enumerate(headers)}
    out = {}
    for i, h in enumerate(headers):
        norm = normalize_header(h)
        if norm.endswith(" value"):
            stem = norm[: -len(" value")]
            for suffix in (" label", " type"):
                if stem + suffix in index:
                    out[i] = index[stem + suffix]
                    break
    return out


def signature(headers: list) -> str:
    """A short stable key of a header layout (what a saved mapping is kept under)."""
    text = "\x1f".join(normalize_header(h) for h in headers)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def _setting_key(headers: list) -> str:
    return f"import_mapping:{signature(headers)}"


def saved_mapping(session: Session, headers: list) -> dict[int, str] | None:
    value = get_setting(session, _setting_key(headers))
    if not isinstance(value, dict) or len(value.get("fields", [])) != len(headers):
        return None
    return {i: code for i, code in enumerate(value["fields"]) if code in FIELDS}


def save_mapping(session: Session, headers: list, mapping: dict[int, str]) -> None:
    fields = [mapping.get(i) for i in range(len(headers))]
    set_setting(
        session,
        _setting_key(headers),
        {"headers": ["" if h is None else str(h) for h in headers], "fields": fields},
    )


def suggest_mapping(session: Session | None, headers: list) -> tuple[dict[int, str], str]:
    """(mapping, "saved" | "auto"): the one saved for this layout, else the guessed one."""
    if session is not None:
        saved = saved_mapping(session, headers)
        if saved is not None:
            return saved, "saved"
    return auto_mapping(headers), "auto"


def field_code(value) -> str | None:
    """A field given by code ('phone') or by its label ('Телефон'); None/'' skips a column."""
    if value in (None, "", "-", "skip"):
        return None
    text = str(value).strip()
    if text in FIELDS:
        return text
    for f in FIELDS.values():
        if normalize_header(f.label) == normalize_header(text):
            return f.code
    code = match_header(text)
    if code:
        return code
    raise ValidationError(
        "--mapping",
        f"неизвестное поле «{text}»; допустимо: {', '.join(FIELDS)}",
    )


def _column_index(key, headers: list) -> int:
    text = str(key).strip()
    norm = normalize_header(text)
    for i, h in enumerate(headers):
        if h is not None and (str(h).strip() == text or normalize_header(h) == norm):
            return i
    if text.isdigit() and 1 <= int(text) <= len(headers):
        return int(text) - 1
    if re.fullmatch(r"[A-Za-z]{1,3}", text):
        n = 0
        for ch in text.upper():
            n = n * 26 + ord(ch) - 64
        if n <= len(headers):
            return n - 1
    shown = ", ".join(f"«{h}»" for h in headers if h not in (None, ""))
    raise ValidationError("--mapping", f"в файле нет колонки «{text}»; колонки: {shown}")


def parse_mapping(spec, headers: list, base: dict[int, str] | None = None) -> dict[int, str]:
    """A hand-given mapping over ``base``: {header | column number | letter: field | null}.

    ``spec`` is a dict, a JSON text or the path of a JSON file.
    """
    if isinstance(spec, (str, Path)) and not str(spec).lstrip().startswith("{"):
        path = Path(spec)
        if not path.exists():
            raise ValidationError("--mapping", f"ни JSON, ни файл: «{spec}»")
        spec = path.read_text(encoding="utf-8")
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise ValidationError("--mapping", f"неверный JSON: {exc}") from None
    if not isinstance(spec, dict):
        raise ValidationError("--mapping", 'ожидается объект {"колонка": "поле"}')
    mapping = dict(base or {})
    for key, value in spec.items():
        idx = key if isinstance(key, int) else _column_index(key, headers)
        code = field_code(value)
        if code is None:
            mapping.pop(idx, None)
        else:
            mapping[idx] = code
    return mapping


def describe_mapping(headers: list, mapping: dict[int, str]) -> dict[str, str]:
    """{header: field code} as reports and --json show it."""
    return {
        str(headers[i]) if i < len(headers) and headers[i] not in (None, "") else f"#{i + 1}": code
        for i, code in sorted(mapping.items())
    }
