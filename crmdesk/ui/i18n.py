"""Russian is the source language; other languages come from Qt's .qm translations."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

from crmdesk.config import resources_dir

TRANSLATIONS = resources_dir() / "translations"
LANGUAGES = {"ru": "Русский", "en": "English"}


def tr(text: str, context: str = "crmdesk") -> str:
    """Translate a UI text (marked for lupdate by this call's name)."""
    return QCoreApplication.translate(context, text)


def install_translator(app, language: str | None = None) -> str:
    """Load the language chosen in the settings, else the system's; Russian needs nothing."""
    language = language or QLocale.system().name().split("_")[0]
    if language == "ru" or language not in LANGUAGES:
        return "ru"
    translator = QTranslator(app)
    if translator.load(str(TRANSLATIONS / f"crmdesk_{language}.qm")):
        app.installTranslator(translator)
        app._crmdesk_translator = translator  # keep it alive
        return language
    return "ru"
