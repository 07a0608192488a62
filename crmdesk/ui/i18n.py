"""Russian is the source language; other languages come from Qt's .qm translations."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from crmdesk.config import resources_dir

TRANSLATIONS = resources_dir() / "translations"
LANGUAGES = {"ru": "Русский", "en": "English"}


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
