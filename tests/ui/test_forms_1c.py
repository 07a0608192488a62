"""Issue 11: the forms the way a 1C user expects — driven through the real main window."""

from __future__ import annotations

from PySide6.QtWidgets import QToolButton

from crmdesk.ui.generic.commandbar import CommandBar
from crmdesk.ui.generic.registry import open_entity
from crmdesk.ui.i18n import tr


def _texts(items) -> list[str]:
    return [i.text() for i in items]


def _more_texts(bar: CommandBar) -> list[str]:
    bar.more.aboutToShow.emit()  # the menu is filled as it opens
    return [a.text() for a in bar.more.actions() if a.text()]


def test_list_commands_go_into_more_not_behind_chevrons(shell, qtbot):
    form = shell.open_list("clients")
    bar = form.bar
    assert isinstance(bar, CommandBar)
    shell.resize(3200, 1000)  # the clients list has many commands: a very wide window
    qtbot.waitUntil(lambda: not bar.overflow_items())
    assert "Обновить" in _texts(bar.shown_items())
    shell.resize(700, 700)  # a narrow window: commands leave the bar for «Ещё»
    qtbot.waitUntil(lambda: bool(bar.overflow_items()))
    gone = _texts(bar.overflow_items())
    assert "Обновить" in gone  # the last command leaves first
    assert "Создать" in _texts(bar.shown_items())  # the main command never leaves
    assert bar.more_button.isVisible()
    more = _more_texts(bar)
    assert more[: len(gone)] == gone  # on top of «Ещё», in the bar's order
    assert "Отбор…" in more  # the form's own entries stay
    # a command in «Ещё» still works from the menu and by its shortcut
    bar.more.aboutToShow.emit()
    refresh = next(a for a in bar.more.actions() if a.text() == "Обновить")
    refresh.trigger()
    shell.resize(3200, 1000)
    qtbot.waitUntil(lambda: not bar.overflow_items())
    assert "Обновить" not in _more_texts(bar)
    assert not any(b.text() == "››" for b in form.findChildren(QToolButton))


def test_document_keeps_post_print_and_post_close_on_the_bar(shell, qtbot):
    form = open_entity(shell, "order")
    bar = form.bar
    shell.resize(560, 700)
    qtbot.waitUntil(lambda: bool(bar.overflow_items()))
    shown = [
        i.text() for i in bar.shown_items()
    ]
    for must in ("Провести и закрыть", "Провести", "Печать"):
        assert must in shown, shown
    assert bar.more_button.isVisible()
    more = _more_texts(bar)
    assert "Закрыть" in more
    # nothing overflows at a full HD width
    shell.resize(1920, 1000)
    qtbot.waitUntil(lambda: not bar.overflow_items())
    assert not bar.more_button.isVisible()


def test_payment_has_no_empty_print_command(shell):
    from crmdesk.ui.generic.registry import print_forms

    form = open_entity(shell, "payment")
    texts = [i.text() for i in form.bar.shown_items()]
    if print_forms("payment"):
        assert tr("Печать") in texts
    else:
        assert tr("Печать") not in texts
    order = open_entity(shell, "order")
    assert tr("Печать") in [i.text() for i in order.bar.shown_items()]


def _first_id(engine, model, **where):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        query = select(model.id).filter_by(**where).order_by(model.id)
        return s.scalars(query).first()


def test_rights_are_visible_before_the_user_tries(make_shell, demo_engine, qtbot, warnings):
    from crmdesk.models import Product, User

    manager = make_shell(demo_engine, "ivanov")
    sections = [a.text() for a in manager.section_actions.values()]
    assert "Администрирование" not in sections  # not an empty section
    assert "Главное" in sections and "Справочники" in sections
    manager.choose_section("admin")  # a remembered section he has no function in
    assert manager.section == "main"
    # the administrator's card and a product open read-only with the reason shown
    admin_id = _first_id(demo_engine, User, login="admin")
    open_entity(manager, "user", admin_id)  # the rules do not let him read it at all
    assert warnings and "Недостаточно прав" in warnings[-1]
    product = open_entity(manager, "product", _first_id(demo_engine, Product))
    assert product.read_only_reason and "Справочники" in product.read_only_reason
    assert product.banner.isVisibleTo(product)
    saves = [a for a in product.bar.actions() if a.text() in ("Записать", "Записать и закрыть")]
    assert saves and not any(a.isEnabled() for a in saves)
    assert not product.write()  # and writing is still refused
    assert all(
        e.edit.isReadOnly() for e in product.editors.values() if hasattr(e, "edit")
        and hasattr(e.edit, "isReadOnly")
    )
    products = manager.open_list("products")
    texts = [a.text() for a in products.bar.actions()]
    assert "Создать" not in texts and "Пометить на удаление" not in texts
    # the administrator has everything
    admin = make_shell(demo_engine)
    assert "Администрирование" in [a.text() for a in admin.section_actions.values()]
    product = open_entity(admin, "product", _first_id(demo_engine, Product))
    assert not product.read_only_reason
    assert "Создать" in [a.text() for a in admin.open_list("products").bar.actions()]


def _products(engine):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from crmdesk.models import Product

    with Session(engine) as s:
        return s.scalars(
            select(Product).where(Product.article.is_not(None)).order_by(Product.id)
        ).all()


def _edit_product_cell(form, qtbot, row: int):
    from PySide6.QtWidgets import QApplication

    from crmdesk.ui.generic.fields import RefEditor

    view = form.lines_view
    index = form.lines_model.index(row, 1)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.indexWidget(index)
    assert isinstance(editor, RefEditor)  # a reference, not a free-text cell
    QApplication.processEvents()
    return editor


def test_table_part_product_is_a_catalogue_reference(shell, demo_engine, qtbot, type_text):
    from PySide6.QtCore import Qt

    products = _products(demo_engine)
    a, b = products[0], products[-1]
    form = open_entity(shell, "order")
    form.add_line()
    # typing part of the article finds the product; Enter takes it with its values
    editor = _edit_product_cell(form, qtbot, 0)
    type_text(editor.edit, a.article)
    assert any(a.name in text for text in editor._ids), editor._ids
    editor.edit.setText(next(t for t in editor._ids if a.name in t))
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    line = form.lines_model.lines[0]
    assert line["product_id"] == a.id and line["description"] == a.name
    assert (line["unit"], line["price"], line["vat_rate"]) == (a.unit, a.price, a.vat_rate)
    assert line["amount"] is not None  # the amount is computed at once
    # a typed name that is no product is not taken: the line keeps its product
    editor = _edit_product_cell(form, qtbot, 0)
    editor.edit.selectAll()
    type_text(editor.edit, "Нет такого товара ЪЪЪ")
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    assert form.lines_model.lines[0]["product_id"] == a.id
    assert form.lines_model.lines[0]["description"] == a.name
    # another product chosen by name replaces the line's values
    editor = _edit_product_cell(form, qtbot, 0)
    editor.edit.selectAll()
    type_text(editor.edit, b.name)
    editor.edit.setText(next(t for t in editor._ids if b.name in t))
    qtbot.keyClick(editor.edit, Qt.Key.Key_Return)
    line = form.lines_model.lines[0]
    assert line["product_id"] == b.id and line["price"] == b.price
    assert form.modified


def test_report_form_hint_and_readable_charts(shell, qtbot):
    from PySide6.QtCharts import QBarCategoryAxis, QCategoryAxis

    form = shell.open_special("report", "receivables")
    # before «Сформировать»: a hint, no bare «1» header, no empty chart frames
    assert form.table.isHeaderHidden()
    assert "Сформировать" in form.table.topLevelItem(0).text(0)
    assert not form.chart_panel.isVisibleTo(form)
    result = form.generate()
    assert not form.table.isHeaderHidden() and form.chart_panel.isVisibleTo(form)
    debtors = next(c for c in result.charts if c.kind != "pie")
    view = form.charts[result.charts.index(debtors)]
    names = next(a for a in view.chart().axes() if isinstance(a, QBarCategoryAxis))
    assert len(names.categories()) == len(debtors.categories) >= 5  # every one labelled
    amounts = next(a for a in view.chart().axes() if isinstance(a, QCategoryAxis))
    labels = amounts.categoriesLabels()
    assert labels and all(label.replace("\u00a0", "").isdigit() for label in labels)
    biggest = max(float(v) for s in debtors.series for v in s.values)
    assert amounts.max() >= biggest and any("\u00a0" in label for label in labels)
    ends = [amounts.endValue(label) for label in labels]
    steps = {round(b - a, 6) for a, b in zip([amounts.startValue(), *ends], ends, strict=False)}
    assert len(steps) == 1  # round, even ticks


def test_menu_bar_as_in_1c_and_the_start_page_on_the_first_start(make_shell, demo_engine):
    from crmdesk import __version__
    from crmdesk.ui.shell.menubar import about_text

    admin = make_shell(demo_engine, restore=True)  # a first start: nothing remembered
    titles = [a.text() for a in admin.menuBar().actions() if a.isVisible()]
    assert titles[:2] == ["Файл", "Вид"] and titles[-2:] == ["Сервис", "Справка"]
    file_items = [a.text() for a in admin.file_menu.actions() if a.text()]
    assert file_items == ["Сменить пользователя…", "Параметры…", "Выход"]
    text = about_text(admin)
    assert __version__ in text and admin.app.database in text and "Лицензия" in text
    forms_open = [s.widget() for s in admin.mdi.subWindowList()]
    assert any(type(f).__name__ == "StartPage" or "Начальная" in f.windowTitle()
               for f in forms_open), [f.windowTitle() for f in forms_open]
    manager = make_shell(demo_engine, "ivanov")
    titles = [a.text() for a in manager.menuBar().actions() if a.isVisible()]
    assert "Сервис" not in titles and "Справка" in titles  # nothing of Сервис is his
    assert "Параметры…" not in [a.text() for a in manager.file_menu.actions()]


def test_basis_is_a_link_and_the_subordination_structure(shell, qtbot):
    from crmdesk.ui.generic.fields import LinkEditor

    order = open_entity(shell, "order")
    client = order.editors["client"]
    with shell.app.uow() as ctx:
        from sqlalchemy import select

        from crmdesk.models import Client

        first = ctx.session.scalars(select(Client).order_by(Client.id)).first()
        client.set_ref(first.id, first.name)
    order.add_product(_first_product_id(shell))
    assert order.write()
    order.create_based_on("invoice")
    invoice = shell.mdi.activeSubWindow().widget()
    assert invoice.doc_type == "invoice"
    assert invoice.write()
    basis = invoice.editors["basis"]
    assert isinstance(basis, LinkEditor) and order.title.split(" от ")[0] in basis.label.text()
    assert "<a " in basis.label.text()  # a link, not clipped read-only text
    opened = basis.open()
    assert opened is not None and opened.obj_id == order.obj_id
    dialog = invoice.show_structure()
    rows = dialog.rows
    assert [(r.doc_type, r.depth) for r in rows] == [("order", 0), ("invoice", 1)]
    assert [r.current for r in rows] == [False, True]
    top = dialog.tree.topLevelItem(0)
    assert top.child(0).font(0).bold() and top.childCount() == 1
    dialog._open(top)  # opens the order
    assert shell.mdi.activeSubWindow().widget().obj_id == order.obj_id
    assert order.editors["basis"].label.text() == ""


def _first_product_id(shell):
    from sqlalchemy import select

    from crmdesk.models import Product

    with shell.app.uow() as ctx:
        return ctx.session.scalars(select(Product.id).order_by(Product.id)).first()


def test_single_line_rows_stay_compact_and_multiline_fields_take_the_height(shell, qtbot):
    shell.resize(1366, 768)
    for name in ("product", "task", "deal", "user"):
        form = open_entity(shell, name)
        qtbot.wait(50)
        tops = sorted({e.mapTo(form, e.rect().topLeft()).y()
                       for e in form.editors.values() if e.field.kind not in ("multiline",)})
        gaps = [b - a for a, b in zip(tops, tops[1:], strict=False)]
        assert gaps and max(gaps) < 45, (name, gaps)  # no label far above its field
        tall = [e for e in form.editors.values() if e.field.kind == "multiline"]
        for editor in tall:
            assert editor.height() > 150, (name, editor.height())  # the spare height
        form.modified = False


def test_the_calendar_follows_the_interface_language_not_the_system(qapp):
    from PySide6.QtCore import QLocale, Qt

    from crmdesk.ui.generic.fields import DateEditor, Field
    from crmdesk.ui.i18n import interface_locale

    before = QLocale()
    try:
        for language, month in (("en", "December"), ("ru", "декабрь")):
            QLocale.setDefault(interface_locale(language))
            editor = DateEditor(Field("d", "Дата", "date"))
            calendar = editor.edit.calendarWidget()
            assert calendar.locale().standaloneMonthName(12).lower() == month.lower()
            assert calendar.firstDayOfWeek() == Qt.DayOfWeek.Monday
    finally:
        QLocale.setDefault(before)


def test_columns_fit_their_content_on_first_opening_and_card_tabs_are_whole(shell, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFontMetrics

    shell.resize(1366, 768)
    form = shell.open_list("interactions")
    view, model = form.view, form.model
    metrics = QFontMetrics(view.font())
    for i, col in enumerate(form.spec.columns):
        if col.hidden:
            continue
        title = model.headerData(i, Qt.Orientation.Horizontal)
        assert view.columnWidth(i) >= metrics.horizontalAdvance(str(title)), title
        texts = [str(model.index(r, i).data() or "") for r in range(min(20, model.rowCount()))]
        longest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        if longest < 340:
            assert view.columnWidth(i) >= longest, (title, texts)
    card = form  # the client card's many tabs: whole titles, scroll arrows
    clients = shell.open_list("clients")
    clients.open_row(0)
    card = shell.mdi.activeSubWindow().widget()
    bar = card.tab_widget.tabBar()
    assert bar.elideMode() == Qt.TextElideMode.ElideNone and card.tab_widget.usesScrollButtons()
    card.modified = False


def test_function_panel_entries_are_whole(shell, qtbot):
    shell.resize(1366, 768)
    for code in shell.section_actions:
        shell.choose_section(code)
        qtbot.wait(20)
        panel = shell.functions
        metrics = panel.fontMetrics()
        for row in range(panel.count()):
            item = panel.item(row)
            needed = metrics.horizontalAdvance(item.text()) + panel.iconSize().width() + 12
            assert panel.viewport().width() >= needed, (code, item.text())
