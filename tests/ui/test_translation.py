"""The English translation: complete for the source, compiled, and really shown by the UI."""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QToolButton

from crmdesk.services import lists
from crmdesk.ui.i18n import tr
from crmdesk.ui.shell.sections import SECTIONS
from tests.ui.conftest import translated, translations_tool


def test_every_text_of_the_source_is_translated():
    tool = translations_tool()
    problems = tool.problems("en")
    assert problems == [], "run tools/translations.py update, translate, compile:\n" + "\n".join(
        problems
    )
    texts = tool.extract()
    assert len(texts) > 400
    # the Qt-free texts the UI shows through tr(variable) are in the .ts too
    sources = {source for _context, source in texts}
    assert lists.spec("clients").title in sources
    assert all(col.title in sources for col in lists.spec("clients").columns)
    assert all(t in sources for _c, t, _i, _items in SECTIONS if re.search("[а-я]", t))


def test_update_keeps_translations_marks_gone_texts_obsolete_and_check_fails(
    tmp_path, monkeypatch, capsys
):
    tool = translations_tool()
    shipped = tool.ts_path("en").read_text(encoding="utf-8")
    monkeypatch.setattr(tool, "TRANSLATIONS", tmp_path)
    gone = "<message><source>Текст, которого больше нет</source><translation>Gone</translation>"
    forgotten = "<source>Записать и закрыть</source>"
    edited = shipped.replace(
        "<name>crmdesk</name>", "<name>crmdesk</name>" + gone + "</message>", 1
    ).replace(forgotten + "\n            <translation>Save and close</translation>", forgotten)
    assert edited.count("Save and close") == shipped.count("Save and close") - 1
    tool.ts_path("en").write_text(edited, encoding="utf-8")

    assert tool.main(["check"]) == 1
    assert "Записать и закрыть" in capsys.readouterr().out
    total, unfinished, obsolete = tool.update("en")
    assert (unfinished, obsolete) == (1, 1) and total > 400
    entries = tool.read_ts(tool.ts_path("en"))
    assert entries[("crmdesk", "Текст, которого больше нет")].kind == "obsolete"
    assert entries[("crmdesk", "Записать")].translation == "Save"
    assert entries[("crmdesk", "Записать и закрыть")].kind == "unfinished"


def test_the_shipped_qm_is_compiled_from_the_ts(tmp_path):
    tool = translations_tool()
    fresh = tool.compile_ts("en", tmp_path / "crmdesk_en.qm")
    shipped = tool.qm_path("en")
    assert shipped.exists(), "run tools/translations.py compile"
    assert fresh.read_bytes() == shipped.read_bytes(), "the .qm is stale: run compile"


def test_the_main_window_speaks_english(english, make_shell, demo_engine, qtbot):
    shell = make_shell(demo_engine)
    sections = [a.text() for a in shell.section_actions.values()]
    core = {"Home", "CRM", "Sales", "Money", "Reports", "Catalogs", "Administration"}
    # the core sections in their order; areas add theirs (Service…) between them
    assert [t for t in sections if t in core] == [
        "Home",
        "CRM",
        "Sales",
        "Money",
        "Reports",
        "Catalogs",
        "Administration",
    ]
    assert not [t for t in sections if any("а" <= ch.lower() <= "я" for ch in t)]
    shell.choose_section("crm")
    items = [shell.functions.item(i).text() for i in range(shell.functions.count())]
    assert "Clients" in items and "Record a call" in items
    assert "User: " in shell.status_user.text()

    form = shell.open_list("clients")
    assert form.windowTitle() == "Clients"
    model = form.view.model()
    horizontal = Qt.Orientation.Horizontal
    headers = [model.headerData(i, horizontal) for i in range(model.columnCount())]
    assert "Name" in headers and "Manager" in headers and "INN (Tax ID)" in headers
    assert not any(re.search("[А-Яа-яЁё]", h) for h in headers), headers
    actions = {a.text() for a in form.actions()}
    assert {"Create", "Edit", "Mark for deletion", "Refresh"} <= actions
    assert form.status.text().startswith("Records: ")  # "Записей: {0}" kept its {0}

    form.open_row(0)
    card = shell.mdi.activeSubWindow().widget()
    buttons = {a.text() for a in card.bar.actions()}
    assert {"Save and close", "Save", "Record a call", "Close"} <= buttons
    tabs = [card.tab_widget.tabText(i) for i in range(card.tab_widget.count())]
    assert tabs[:3] == ["Main", "Contact persons", "Interactions"]


def test_document_form_uses_1c_terms_in_english(english, make_shell, demo_engine):
    from crmdesk.ui.forms import entity

    shell = make_shell(demo_engine)
    form = entity("order").open(shell, None, None)
    texts = {a.text() for a in form.bar.actions()} | {
        b.text() for b in form.bar.findChildren(QToolButton)
    }
    assert {"Post and close", "Save", "Post", "Unpost", "Create based on", "Print"} <= texts
    assert form.windowTitle().startswith("Customer order (new)")
    header = form.lines_model.headerData
    columns = [header(i, Qt.Orientation.Horizontal) for i in range(form.lines_model.columnCount())]
    assert columns[:3] == ["No.", "Goods and services", "Qty"]


def test_placeholders_survive_translation(english):
    assert tr("Записей: {0}").format(7) == "Records: 7"
    assert tr("Пользователь: {0} ({1})").format("Anna", "Manager") == "User: Anna (Manager)"
    text = QCoreApplication.translate("FirstStartWizard", "Не удалось подключиться к {0}: {1}.")
    assert text.format("db", "refused") == "Could not connect to db: refused."
    tool = translations_tool()
    for (_context, source), entry in tool.read_ts(tool.ts_path("en")).items():
        assert sorted(re.findall(r"\{\d*\}", source)) == sorted(
            re.findall(r"\{\d*\}", entry.translation)
        ), source


def test_without_the_translator_the_ui_stays_russian(qapp):
    assert tr("Записать и закрыть") == "Записать и закрыть"


def test_english_chosen_in_the_settings_is_what_the_next_start_reads(
    make_shell, demo_engine, home
):
    from crmdesk.config import data_dir
    from crmdesk.ui.forms import entity

    shell = make_shell(demo_engine)
    form = entity("settings").open(shell, None, None)
    label = [f.title for f in form.fields if f.key == "language"][0]
    assert "следующего запуска" in label  # the form says when it applies
    form.editors["language"].set("en")
    assert form.write()
    stored = QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)
    assert stored.value("language") == "en"  # the key crmdesk.app.main reads before login
    with translated(stored.value("language")) as chosen:  # the next start
        assert chosen == "en"
        assert tr("Главное") == "Home"
    reopened = entity("settings").open(shell, None, None) or form
    reopened.reload()
    assert reopened.editors["language"].get() == "en"


def test_the_translator_is_found_for_an_installed_app(english):
    assert QApplication.instance().translate("crmdesk", "Главное") == "Home"


def test_add_sets_handed_in_translations_and_refuses_what_does_not_fit(tmp_path, monkeypatch,
                                                                       capsys):
    tool = translations_tool()
    shipped = tool.ts_path("en").read_text(encoding="utf-8")
    monkeypatch.setattr(tool, "TRANSLATIONS", tmp_path)
    forgotten = "<source>Записать и закрыть</source>"
    tool.ts_path("en").write_text(
        shipped.replace(forgotten + "\n            <translation>Save and close</translation>",
                        forgotten), encoding="utf-8")
    tool.update("en")
    assert tool.read_ts(tool.ts_path("en"))[("crmdesk", "Записать и закрыть")].kind == (
        "unfinished")
    handed = tmp_path / "tr_area.tsv"
    handed.write_text(
        "crmdesk\tЗаписать и закрыть\tSave & close\n"
        "crmdesk\tПоле «{0}» не заполнено\tField “{0}” is empty: {1}\n"  # placeholders differ
        "crmdesk\tТекст, которого нет\tNo such text\n"
        "not a line\n", encoding="utf-8")
    assert tool.main(["add", str(handed)]) == 1  # something was skipped: say so
    out = capsys.readouterr()
    assert "1 translations set, 3 lines skipped" in out.out
    assert "placeholders differ" in out.err and "not in the source" in out.err
    entries = tool.read_ts(tool.ts_path("en"))
    assert entries[("crmdesk", "Записать и закрыть")] == tool.Entry("Save & close", None)
    assert entries[("crmdesk", "Поле «{0}» не заполнено")].translation == "Field “{0}” is empty"
