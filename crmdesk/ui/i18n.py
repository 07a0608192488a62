"""Russian is the source language; other languages come from Qt's .qm translations."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from crmdesk.config import resources_dir

TRANSLATIONS = resources_dir() / "translations"
LANGUAGES = {"ru": "Русский", "en": "English"}
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def tr(text: str, context: str = "crmdesk") -> str:
    """Translate a UI text (marked for lupdate by this call's name)."""
    return QCoreApplication.translate(context, text)


def _qt_own(app, language: str) -> None:
    """Qt's own texts (wizard and dialog buttons, context menus) in the same language."""
    from PySide6.QtCore import QLibraryInfo

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        app._crmdesk_qt_translator = translator  # keep it alive


def install_translator(app, language: str | None = None) -> str:
    """Load the language chosen in the settings, else the system's (Russian by default:
    crmdesk's texts are Russian in the source; Qt's own buttons get qtbase_ru)."""
    language = language or QLocale.system().name().split("_")[0]
    if language not in LANGUAGES:
        language = "ru"
    if language != "ru":
        translator = QTranslator(app)
        if not translator.load(str(TRANSLATIONS / f"crmdesk_{language}.qm")):
            language = "ru"
        else:
            app.installTranslator(translator)
            app._crmdesk_translator = translator  # keep it alive
    _qt_own(app, language)
    QLocale.setDefault(interface_locale(language))  # calendars speak the interface's language
    return language


def interface_locale(language: str) -> QLocale:
    """The locale of the interface language, not the system's: month and day names of the
    calendar popups; weeks start on Monday in both."""
    if language == "en":
        return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    return QLocale(QLocale.Language.Russian, QLocale.Country.Russia)


# --- the rules layer's messages ------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\d+)\}")
_compiled: list[tuple[re.Pattern, str]] | None = None


def _patterns() -> list[tuple[re.Pattern, str]]:
    """The messages with values (crmdesk/ui/message_patterns.py, written by
    tools/translations.py update) as regular expressions, the most specific first."""
    global _compiled
    if _compiled is None:
        from crmdesk.ui.message_patterns import PATTERNS

        found = []
        for pattern in PATTERNS:
            parts = _PLACEHOLDER.split(pattern.replace("{{", "\0").replace("}}", "\1"))
            regex = "".join(
                f"(?P<v{part}>.*?)" if i % 2 else re.escape(part)
                for i, part in enumerate(parts)
            ).replace("\0", r"\{").replace("\1", r"\}")
            try:
                found.append((re.compile(regex, re.S), pattern))
            except re.error:  # the same value twice in one text: not matched by pattern
                continue
        literal = {p: len(_PLACEHOLDER.sub("", p)) for _r, p in found}
        _compiled = sorted(found, key=lambda item: -literal[item[1]])
    return _compiled


def tr_message(text: str, _depth: int = 0) -> str:
    """A message of the rules layer (Russian in the source) in the interface's language: a
    listed text whole; else by the pattern it was made from («Поле «{0}»: клиент с кодом {1}
    не найден.»), the values kept and each translated in turn when it is a known text (a
    field's title); else line by line; else as it is."""
    if not text or _depth > 3:
        return text
    done = tr(text)
    if done != text or not CYRILLIC.search(text):
        return done
    for regex, pattern in _patterns():
        found = regex.fullmatch(text)
        if found is None:
            continue
        template = tr(pattern)
        if template == pattern:
            break  # the interface speaks Russian (or the pattern is not translated yet)
        values = {
            key[1:]: tr_message(value, _depth + 1) for key, value in found.groupdict().items()
        }
        return _PLACEHOLDER.sub(lambda m, v=values: v.get(m.group(1), ""), template)
    if "\n" in text:  # several messages, or a heading «…:\n» and the reasons under it
        return "\n".join(_line(line, _depth + 1) for line in text.split("\n"))
    return text


def _line(line: str, depth: int) -> str:
    done = tr_message(line, depth)
    if done == line and line.endswith(":"):
        done = tr_message(line + "\n", depth).rstrip("\n")
    return done


def tr_error(exc: BaseException) -> str:
    """What an error of the rules layer says, in the interface's language: a field's error
    from its translated template, field title and message; several at once line by line."""
    from crmdesk.services.errors import InvalidData, ValidationError

    if isinstance(exc, InvalidData):
        return "\n".join(tr_error(err) for err in exc.errors)
    if isinstance(exc, ValidationError):
        return ValidationError.compose(exc.field, exc.message, exc.row, tr=tr_message)
    return tr_message(str(exc))
