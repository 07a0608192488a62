"""The desktop's translations: extract the texts, keep the .ts, compile the .qm, check.

    python tools/translations.py update    # texts of the source → resources/translations/*.ts
    python tools/translations.py compile   # *.ts → *.qm with pyside6-lrelease
    python tools/translations.py check     # exit 1 listing untranslated or missing texts
    python tools/translations.py add a.tsv b.tsv   # set translations handed in as TSV lines
                                                   # context<TAB>russian<TAB>translation

Russian is the source language. Texts are found without running the UI:

* literal calls in crmdesk/ui/** and crmdesk/app.py — ``tr("…")`` (context ``crmdesk`` or the
  one given), ``self.tr("…")`` (the class's name), ``QCoreApplication.translate("C", "…")`` and
  module helpers that wrap it (the wizard's ``_tr``);
* the declarations the UI shows through ``tr(variable)`` — field titles, section items, tab and
  command titles, choices: every other Cyrillic string literal of those files (docstrings and
  f-strings aside), in the context its file displays them in;
* the texts of the Qt-free layer that the UI shows through ``tr(variable)``: list and column
  titles (services/lists.py SPECS), permissions and role names, sales stages, VAT modes,
  interaction kinds, task states, report columns (see ``qt_free_texts``).
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = {"en": "en_US"}
SOURCE_LANGUAGE = "ru_RU"
DEFAULT_CONTEXT = "crmdesk"
# files whose declared texts are shown in another context than crmdesk's
DECLARED_CONTEXT = {"crmdesk/ui/shell/wizard.py": "OrganizationPage"}
# files whose other Cyrillic literals are data, not texts of the UI (sample files)
NOT_DECLARATIONS = {"crmdesk/ui/screenshots.py", "crmdesk/ui/message_patterns.py"}
CYRILLIC = re.compile("[А-Яа-яЁё]")
PLACEHOLDER = re.compile(r"\{\d*\}")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Message:
    context: str
    source: str
    locations: list[tuple[str, int]] = field(default_factory=list)


def sources() -> list[Path]:
    files = sorted((ROOT / "crmdesk" / "ui").rglob("*.py"))
    return [*files, ROOT / "crmdesk" / "app.py"]


# --- extraction ------------------------------------------------------------------------


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _translate_wrappers(tree: ast.Module) -> dict[str, str]:
    """Module functions ``def f(text): return QCoreApplication.translate("C", text)``."""
    found = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        param = node.args.args[0].arg
        for stmt in node.body:
            call = stmt.value if isinstance(stmt, ast.Return) else None
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "translate"
                and len(call.args) >= 2
                and _literal(call.args[0]) is not None
                and isinstance(call.args[1], ast.Name)
                and call.args[1].id == param
            ):
                found[node.name] = _literal(call.args[0])
    return found


def _docstrings(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and _literal(body[0].value) is not None:
                ids.add(id(body[0].value))
    return ids


class _Extractor(ast.NodeVisitor):
    def __init__(self, rel: str, tree: ast.Module):
        self.rel = rel
        self.wrappers = _translate_wrappers(tree)
        self.classes: list[str] = []
        self.found: list[tuple[str, str, int]] = []  # (context, text, line)
        self.used: set[int] = set(_docstrings(tree))

    def visit_ClassDef(self, node):  # noqa: N802
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_JoinedStr(self, node):  # noqa: N802
        for part in ast.walk(node):
            self.used.add(id(part))  # f-string pieces cannot be translated as they are
        self.generic_visit(node)

    def visit_Call(self, node):  # noqa: N802
        func, args = node.func, node.args
        context = text_node = None
        if isinstance(func, ast.Name) and func.id == "tr" and args:
            text_node = args[0]
            context = DEFAULT_CONTEXT
            given = args[1] if len(args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "context":
                    given = kw.value
            if given is not None:
                context = _literal(given)
        elif isinstance(func, ast.Name) and func.id in self.wrappers and args:
            text_node, context = args[0], self.wrappers[func.id]
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "tr"
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and args
            and self.classes
        ):
            text_node, context = args[0], self.classes[-1]
        elif isinstance(func, ast.Attribute) and func.attr == "translate" and len(args) >= 2:
            text_node, context = args[1], _literal(args[0])
        if text_node is not None:
            text = _literal(text_node)
            if text is not None and context is not None:
                self.found.append((context, text, text_node.lineno))
                self.used.add(id(text_node))
        self.generic_visit(node)

    def declared(self, tree: ast.Module):
        """Cyrillic literals not taken by a call above: declarations shown via tr(variable)."""
        if self.rel in NOT_DECLARATIONS:
            return
        context = DECLARED_CONTEXT.get(self.rel, DEFAULT_CONTEXT)
        for node in ast.walk(tree):
            text = _literal(node)
            if text and id(node) not in self.used and CYRILLIC.search(text) and len(text) > 1:
                yield context, text, node.lineno  # (a single letter is code: «ё» → «е»)


def source_texts() -> list[tuple[str, str, str, int]]:
    """(context, text, file, line) of every translatable text of the UI's source."""
    out = []
    for path in sources():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        ex = _Extractor(rel, tree)
        ex.visit(tree)
        out += [(c, t, rel, line) for c, t, line in ex.found]
        out += [(c, t, rel, line) for c, t, line in ex.declared(tree)]
    return out


def qt_free_texts() -> list[tuple[str, str, str, int]]:
    """Texts declared by the Qt-free layer (never edited for the UI) that the UI shows through
    tr(variable). A new kind of such declaration is added here."""
    import crmdesk.reports as reports
    from crmdesk.models import crm, documents
    from crmdesk.reports import design, forecast, gross_profit, receivables
    from crmdesk.services import imports, lists, money, rights, setup
    from crmdesk.services.imports import columns as import_columns
    from crmdesk.services.imports import report as import_report

    out: list[tuple[str, str, str, int]] = []

    def add(module, texts, context=DEFAULT_CONTEXT):
        where = Path(module.__file__).resolve().relative_to(ROOT).as_posix()
        out.extend((context, t, where, 0) for t in texts if t)

    for spec in lists.SPECS.values():  # list and column titles, enum values
        add(lists, [spec.title])
        for col in spec.columns:
            add(lists, [col.title, *(col.choices or {}).values()])
    add(lists, lists.OPS.values())  # the filter's conditions
    add(lists, ["Да", "Нет"])  # format_value of a bool column
    add(rights, rights.PERMISSIONS.values())
    add(rights, [name for name, _perms in rights.DEFAULT_ROLES.values()])
    add(setup, [stage[1] for stage in setup.DEFAULT_STAGES])
    add(setup, getattr(setup, "ORG_LABELS", {}).values(), "OrganizationPage")  # the wizard's
    add(money, money.VAT_MODE_NAMES.values())
    add(money, money.VAT_MODE_NAMES.values(), "OrganizationPage")
    add(crm, crm.INTERACTION_KINDS.values())
    add(crm, crm.TASK_STATUSES.values())
    add(documents, [name for _prefix, name in documents.DOC_TYPES.values()])
    add(import_columns, [f.label for f in imports.FIELDS.values()])
    add(import_report, import_report.KIND_TITLES.values())
    for module in (gross_profit, receivables, forecast):
        add(module, _report_titles(Path(module.__file__)))
    for info in getattr(reports, "REPORTS", {}).values():  # the report form's title, choices
        add(reports, [info.title])
        for options in getattr(info, "choices", {}).values():
            add(reports, options.values())
    add(reports, getattr(reports, "PARAM_TITLES", {}).values())
    # choices the forms offer from the rules layer: client kinds, statuses, sources, the
    # calendar's day kinds, the service's settings; and the «who» a requisite's message names
    from crmdesk.services import calendar, clients, requestcatalog, validation

    add(clients, getattr(clients, "KINDS", {}).values())
    add(clients, getattr(clients, "STATUSES", ()))
    add(clients, getattr(clients, "SOURCES", ()))
    add(calendar, getattr(calendar, "KINDS", {}).values())
    add(requestcatalog, getattr(requestcatalog, "SERVICE_SETTINGS", {}).values())
    add(validation, [k.get("who") for k in getattr(validation, "KIND_REQUISITES", {}).values()])
    add(reports, [title for title, *_rest in getattr(reports, "PRINT_FORMS", {}).values()])
    for name in ("FIELDS", "DESIGNS", "FONTS"):  # the proposal design form's labels, choices
        add(design, getattr(design, name, {}).values())
    return out


def _report_titles(path: Path) -> list[str]:
    """What a report declares and the report form shows: column, series and chart titles
    (Column(key, "…"), Series("…"), Chart("…")), the total's label (sum_rows(…, "Итого")),
    the fixed notes (notes=["…"]) and the debt buckets."""
    titles = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            at = {"Column": 1, "Series": 0, "Chart": 0, "sum_rows": 3}.get(node.func.id)
            if at is not None and len(node.args) > at and _literal(node.args[at]):
                titles.append(_literal(node.args[at]))
        notes = None
        if isinstance(node, ast.keyword) and node.arg == "notes":
            notes = node.value
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "notes" for t in node.targets
        ):
            notes = node.value
        if isinstance(notes, ast.List):
            titles += [_literal(e) for e in notes.elts if _literal(e)]
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BUCKETS" for t in node.targets
        ):
            titles += [_literal(e.elts[1]) for e in node.value.elts if isinstance(e, ast.Tuple)]
    return [t for t in titles if t and CYRILLIC.search(t)]


# the calls whose texts are messages for the user: the rules' errors (ValidationError,
# AccessDenied, PostingError…, faults' DatabaseUnavailable…) and a Collector's add(field, text)
_ERROR_CALL = re.compile(
    r"(Error|Denied|NotFound|Unavailable|BadValue|Locked|Ended|Missing|Cancelled|InvalidData)$"
)
# modules whose every Cyrillic literal is a message (the wording of errors itself)
MESSAGE_MODULES = {"crmdesk/services/errors.py", "crmdesk/services/faults.py"}
PATTERNS_MODULE = ROOT / "crmdesk" / "ui" / "message_patterns.py"


def _pattern(node) -> str | None:
    """The text of a literal; an f-string as a pattern, each {value} numbered: {0}, {1}…"""
    if isinstance(node, ast.Constant):
        return _literal(node)
    if not isinstance(node, ast.JoinedStr):
        return None
    parts, n = [], 0
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
        else:
            parts.append(f"{{{n}}}")
            n += 1
    return "".join(parts)


def _literals_in(node):
    """Literal texts and f-strings anywhere under ``node`` (an f-string counts as one)."""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        yield node
        return
    for child in ast.iter_child_nodes(node):
        yield from _literals_in(child)


def service_texts() -> list[tuple[str, str, str, int]]:
    """The messages of the rules layer (crmdesk/services/**) the UI shows when a rule refuses:
    the texts and f-strings given to an error (``raise PostingError(f"… {n} …")`` becomes the
    pattern ``… {0} …``), a ValidationError's field title and message, a Collector's
    ``add(field, message)``, and every text of errors.py and faults.py. The UI translates a
    message whole when it is listed, else by pattern, keeping the values (see
    crmdesk/ui/i18n.py tr_message)."""
    out = []
    for path in sorted((ROOT / "crmdesk" / "services").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skip = _docstrings(tree)
        nodes = []
        if rel in MESSAGE_MODULES:
            nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Constant | ast.JoinedStr)]
            inner = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
            nodes = [n for n in nodes if id(n) not in inner]
        else:
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", "")
                collector_add = name == "add" and len(node.args) == 2  # col.add(field, text)
                if _ERROR_CALL.search(name) or name == "CrmError" or collector_add:
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        nodes += list(_literals_in(arg))
        for node in nodes:
            if id(node) in skip:
                continue
            text = _pattern(node)
            literal = PLACEHOLDER.sub("", text or "")
            if text and CYRILLIC.search(literal):
                out.append((DEFAULT_CONTEXT, text, rel, node.lineno))
    return out


def write_patterns(texts) -> None:
    """crmdesk/ui/message_patterns.py: the messages with values ({0}…), which the UI matches
    a refusal's text against to translate it with its values kept."""
    patterns = sorted({t for _c, t, _r, _l in texts if PLACEHOLDER.search(t)})
    body = "".join(f"    {p!r},\n" for p in patterns)
    PATTERNS_MODULE.write_text(
        "# ruff: noqa: E501 — generated data, one message a line\n"
        '"""Generated by tools/translations.py update: the rules layer\'s messages with values\n'
        'in them, as patterns ({0}, {1}…) the UI translates by (crmdesk/ui/i18n.py)."""\n\n'
        f"PATTERNS = (\n{body})\n",
        encoding="utf-8",
    )


def extract() -> dict[tuple[str, str], Message]:
    messages: dict[tuple[str, str], Message] = {}
    for context, text, rel, line in source_texts() + qt_free_texts() + service_texts():
        msg = messages.setdefault((context, text), Message(context, text))
        if (rel, line) not in msg.locations:
            msg.locations.append((rel, line))
    for msg in messages.values():
        msg.locations.sort()
    return messages


# --- the .ts file ----------------------------------------------------------------------


@dataclass
class Entry:
    translation: str = ""
    kind: str | None = None  # None (finished) | unfinished | obsolete | vanished


def ts_path(language: str) -> Path:
    return TRANSLATIONS / f"crmdesk_{language}.ts"


def qm_path(language: str) -> Path:
    return TRANSLATIONS / f"crmdesk_{language}.qm"


def read_ts(path: Path) -> dict[tuple[str, str], Entry]:
    if not path.exists():
        return {}
    entries = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            entries[(name, msg.findtext("source") or "")] = Entry(
                (tr.text or "") if tr is not None else "",
                tr.get("type") if tr is not None else "unfinished",
            )
    return entries


def write_ts(path: Path, language: str, messages, entries) -> None:
    """messages: the extracted ones in order; entries: translations by (context, source)."""
    root = ET.Element("TS", version="2.1", language=LANGUAGES[language])
    root.set("sourcelanguage", SOURCE_LANGUAGE)
    contexts: dict[str, ET.Element] = {}
    rel_dir = Path("../..")  # resources/translations → the repository
    for key, msg in messages.items():
        ctx = contexts.get(msg.context)
        if ctx is None:
            ctx = contexts[msg.context] = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = msg.context
        m = ET.SubElement(ctx, "message")
        for rel, line in msg.locations:
            loc = ET.SubElement(m, "location", filename=(rel_dir / rel).as_posix())
            if line:
                loc.set("line", str(line))
        ET.SubElement(m, "source").text = msg.source
        entry = entries.get(key, Entry(kind="unfinished"))
        t = ET.SubElement(m, "translation")
        if entry.kind:
            t.set("type", entry.kind)
        t.text = entry.translation
    ET.indent(root, "    ")
    body = ET.tostring(root, encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def update(language: str = "en", keep_obsolete: bool = True) -> tuple[int, int, int]:
    """Extract into the .ts: keep translations, add new texts unfinished, mark vanished ones
    obsolete (or drop them). Returns (texts, unfinished, obsolete)."""
    path = ts_path(language)
    old = read_ts(path)
    messages = extract()
    write_patterns(service_texts())
    entries: dict[tuple[str, str], Entry] = {}
    for key in messages:
        e = old.get(key)
        if e is None or not e.translation:
            entries[key] = Entry(e.translation if e else "", "unfinished")
        elif e.kind in ("obsolete", "vanished"):
            entries[key] = Entry(e.translation, None)  # came back
        else:
            entries[key] = e
    gone = {}
    for key, e in old.items():
        if key not in messages and e.translation and keep_obsolete:
            gone[key] = Message(*key)
            entries[key] = Entry(e.translation, "obsolete")
    write_ts(path, language, {**messages, **gone}, entries)
    unfinished = sum(1 for k in messages if entries[k].kind == "unfinished")
    return len(messages), unfinished, len(gone)


# --- compiling and checking --------------------------------------------------------------


def lrelease() -> str:
    """pyside6-lrelease from PATH, else the lrelease shipped inside the PySide6 package."""
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    import PySide6

    folder = Path(PySide6.__file__).parent
    for name in ("lrelease", "lrelease.exe", "Qt/libexec/lrelease", "Qt/bin/lrelease"):
        if (folder / name).exists():
            return str(folder / name)
    raise SystemExit("pyside6-lrelease not found: install PySide6")


def compile_ts(language: str = "en", target: Path | None = None) -> Path:
    target = target or qm_path(language)
    subprocess.run(
        [lrelease(), "-silent", str(ts_path(language)), "-qm", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def problems(language: str = "en") -> list[str]:
    """What keeps the translation from being complete: missing, unfinished, broken {0}."""
    entries = read_ts(ts_path(language))
    out = []
    for key, msg in extract().items():
        where = f"{msg.locations[0][0]}:{msg.locations[0][1]}" if msg.locations else ""
        e = entries.get(key)
        if e is None:
            out.append(f"missing    [{key[0]}] {key[1]!r}  ({where})")
        elif not e.translation or e.kind in ("unfinished", "obsolete", "vanished"):
            out.append(f"unfinished [{key[0]}] {key[1]!r}  ({where})")
        elif sorted(PLACEHOLDER.findall(key[1])) != sorted(PLACEHOLDER.findall(e.translation)):
            out.append(f"placeholders differ [{key[0]}] {key[1]!r} → {e.translation!r}")
    return out


def _unescape(text: str) -> str:
    """A TSV cell: ``\\n`` a line break, ``\\t`` a tab, ``\\\\`` a backslash."""
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t"}.get(m[1], "\\"), text)


def add(files, language: str = "en") -> tuple[int, list[str]]:
    """Set translations from TSV files (``context<TAB>russian<TAB>translation`` a line, as the
    areas hand them in) into the .ts after an ``update``: a text the .ts has gets the
    translation, finished. Returns (how many were set, lines not applied and why)."""
    path = ts_path(language)
    entries = read_ts(path)
    messages = extract()
    set_, skipped = 0, []
    for file in files:
        for n, line in enumerate(Path(file).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.rstrip("\r").split("\t")
            where = f"{Path(file).name}:{n}"
            if len(cells) != 3 or not all(c.strip() for c in cells):
                skipped.append(f"{where}: not context<TAB>russian<TAB>translation")
                continue
            context, source, translation = (_unescape(c) for c in cells)
            key = (context, source)
            if key not in entries:
                if context == DEFAULT_CONTEXT or (DEFAULT_CONTEXT, source) not in entries:
                    skipped.append(f"{where}: not in the source (run update?): {source!r}")
                    continue
                key = (DEFAULT_CONTEXT, source)  # declared texts live in crmdesk's context
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                skipped.append(f"{where}: placeholders differ: {source!r} → {translation!r}")
                continue
            entries[key] = Entry(translation, None if key in messages else "obsolete")
            set_ += 1
    gone = {k: Message(*k) for k in entries if k not in messages}
    write_ts(path, language, {**messages, **gone}, entries)
    return set_, skipped


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "compile", "check", "add"])
    parser.add_argument("files", nargs="*", help="add: TSV files context<TAB>russian<TAB>text")
    parser.add_argument("--language", default="en", choices=sorted(LANGUAGES))
    parser.add_argument(
        "--no-obsolete", action="store_true", help="update: drop texts gone from the source"
    )
    args = parser.parse_args(argv)
    if args.command == "update":
        total, unfinished, gone = update(args.language, not args.no_obsolete)
        print(f"{ts_path(args.language).relative_to(ROOT)}: {total} texts, "
              f"{unfinished} to translate, {gone} obsolete")
        return 0
    if args.command == "add":
        done, skipped = add(args.files, args.language)
        for line in skipped:
            print(line, file=sys.stderr)
        print(f"{ts_path(args.language).name}: {done} translations set, "
              f"{len(skipped)} lines skipped")
        return 1 if skipped else 0
    if args.command == "compile":
        target = compile_ts(args.language)
        print(f"{target.relative_to(ROOT)} written")
        return 0
    found = problems(args.language)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} texts need translating: edit {ts_path(args.language).name} "
              "(Qt Linguist or by hand), then run compile", file=sys.stderr)
        return 1
    print("all texts translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
