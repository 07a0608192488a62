"""Clients in from files: the sample files, encodings, separators, merging, all-or-nothing."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from crmdesk.models import (
    AuditEntry,
    Client,
    ClientEmail,
    ClientGroup,
    ClientPhone,
    ContactPerson,
    Interaction,
    Setting,
)
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import CrmError, ValidationError
from crmdesk.services.imports import (
    ImportCancelled,
    import_clients,
    open_source,
    preview,
    save_mapping,
    suggest_mapping,
)
from crmdesk.services.imports import run as run_module

SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "data" / "samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))


def counts(engine) -> dict:
    """Row counts of everything an import writes."""
    with unit_of_work(engine) as ctx:
        return {
            m.__tablename__: ctx.session.scalar(select(func.count()).select_from(m))
            for m in (
                Client,
                ClientPhone,
                ClientEmail,
                ClientGroup,
                ContactPerson,
                Interaction,
                AuditEntry,
                Setting,
            )
        }


def client_by_name(engine, name: str) -> Client:
    with unit_of_work(engine) as ctx:
        c = ctx.session.scalars(select(Client).where(Client.name == name)).one()
        # touch what the asserts read, the session closes
        c.phones, c.emails, c.groups, c.contacts, c.owner  # noqa: B018
        return c


def write_csv(path: Path, rows: list[list[str]], sep: str, encoding: str) -> Path:
    text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


TABLE = [
    ["Наименование", "Тел.", "Эл. почта", "ИНН", "Категория", "Примечание"],
    ["ООО «Ромашка»", "8 (912) 345-67-89", "info@romashka.ru", "7707083893", "Опт", "важный"],
    ["Иванов Иван Иванович", "+7 495 123-45-67 доб. 105", "", "", "розница", ""],
    ["", "", "", "", "Опт", "только комментарий"],
    ["ИП «Берёза»", "9123", "bad@", "", "", ""],
]


# -- the sample files --------------------------------------------------------------------
def test_office_xlsx_gives_the_expected_counts_and_report_rows(engine):
    exp = EXPECTED["office_clients.xlsx"]
    report = import_clients(engine, SAMPLES / "office_clients.xlsx")
    assert report.header_row == 3  # under the merged title row
    assert report.rows == exp["rows"]
    assert report.created == exp["clients_created"]
    assert report.merged == exp["duplicates_merged"]
    assert report.rejected == len(exp["rejected"])
    assert report.warnings == len(exp["warnings"])
    got = {k: [{"row": i.row, "field": i.field, "reason": i.reason} for i in report.of_kind(k)]
           for k in ("rejected", "warning")}
    assert got["rejected"] == exp["rejected"]
    assert got["warning"] == exp["warnings"]
    assert len(report.of_kind("merged")) == exp["duplicates_merged"]
    # managers who are not users: said once each, the clients go to the importing user
    assert [(i.row, i.value, i.reason) for i in report.of_kind("note")] == [
        (4, "Макаров", "unknown manager"), (7, "Семёнов", "unknown manager"),
        (18, "Орлова", "unknown manager")]
    assert counts(engine)["clients"] == exp["clients_created"]
    for name, phones in exp["phones"].items():
        assert [p.e164 for p in client_by_name(engine, name).phones] == phones
    assert client_by_name(engine, "ООО «Стройснаб»").phones[0].ext == "105"
    # the bad INN is not stored but kept in the comment
    pavlova = client_by_name(engine, "Павлова Мария Ивановна")
    assert pavlova.inn is None and "2391454988" in pavlova.comment
    # the client entered again in capitals was merged, not created: both e-mails, one phone
    popova = client_by_name(engine, "Попова Ирина Сергеевна")
    assert [e.email for e in popova.emails] == ["popova94@mail.ru", "popova25@gmail.com"]
    assert [p.e164 for p in popova.phones] == ["+79662585178"]
    # group names spelled several ways go to one group
    assert [g.name for g in popova.groups] == ["Розничные"]
    with unit_of_work(engine) as ctx:
        names = set(ctx.session.scalars(select(ClientGroup.name)))
    assert not names & {"Опт", "оптовик", "розница", "Розница"}


def test_google_contacts_csv(engine):
    exp = EXPECTED["google_contacts.csv"]
    report = import_clients(engine, SAMPLES / "google_contacts.csv")
    assert report.format.startswith("google, utf-8-sig")
    assert (report.rows, report.created, report.rejected, report.warnings) == (
        exp["rows"], exp["clients_created"], 0, 0)
    sokolov = client_by_name(engine, "ИП «Вектор»")  # an organization, its contact inside
    assert [p.e164 for p in sokolov.phones] == ["+79788577598", "+79474488889"]
    assert [(c.name, c.position) for c in sokolov.contacts] == [
        ("Соколов Николай Сергеевич", "главный инженер")]
    assert [g.name for g in sokolov.groups] == ["Розничные"]  # "* myContacts" is not a group
    novikov = client_by_name(engine, "Новиков Сергей Алексеевич")
    assert novikov.comment == "Звонил 12.09: интересуется доставкой.\nПерезвонить в понедельник."


def test_phone_vcf(engine):
    exp = EXPECTED["phone_contacts.vcf"]
    report = import_clients(engine, SAMPLES / "phone_contacts.vcf")
    assert (report.rows, report.created, report.merged, report.rejected) == (
        exp["rows"], exp["clients_created"], 0, 0)
    # vCard 2.1, quoted-printable UTF-8 Cyrillic
    assert [p.e164 for p in client_by_name(engine, "Павлова Мария Николаевна").phones] == [
        "+79791907483"]
    cont = client_by_name(engine, "ООО «Континент»")
    assert [c.name for c in cont.contacts] == ["Андреева Светлана Алексеевна"]


# -- encodings, separators, layouts --------------------------------------------------------
@pytest.mark.parametrize(
    "sep,encoding,fmt",
    [(";", "cp1251", "cp1251"), ("\t", "utf-8", "utf-8"), (";", "utf-8-sig", "utf-8-sig"),
     (",", "utf-8", "utf-8")],
)
def test_csv_encoding_and_separator_are_detected(engine, tmp_path, sep, encoding, fmt):
    rows = [r[:] for r in TABLE] if sep != "," else [[c.replace(",", " ") for c in r]
                                                      for r in TABLE]
    if sep != ",":  # commas inside values do not fool the separator detection
        rows[1][5] = "важный, звонить с утра"
    path = write_csv(tmp_path / "clients.csv", rows, sep, encoding)
    source = open_source(path)
    assert (source.encoding, source.delimiter) == (fmt, sep)
    report = import_clients(engine, path)
    assert (report.rows, report.created, report.rejected) == (4, 3, 1)
    assert [(i.row, i.kind, i.field, i.reason) for i in report.items] == [
        (4, "rejected", "Наименование", "no name and no contact data"),
        (5, "warning", "Тел.", "impossible phone"),
        (5, "warning", "Эл. почта", "invalid e-mail"),
    ]
    romashka = client_by_name(engine, "ООО «Ромашка»")
    assert romashka.inn == "7707083893" and [g.name for g in romashka.groups] == ["Оптовые"]
    assert romashka.comment == ("важный" if sep == "," else "важный, звонить с утра")
    ivanov = client_by_name(engine, "Иванов Иван Иванович")
    assert ivanov.kind == "person"
    assert [(p.e164, p.ext) for p in ivanov.phones] == [("+74951234567", "105")]
    bereza = client_by_name(engine, "ИП «Берёза»")
    assert bereza.phones == [] and bereza.emails == []
    assert "9123" in bereza.comment and "bad@" in bereza.comment


def test_cp1251_letter_far_down_the_file_is_read_right(engine, tmp_path):
    rows = [["Клиент", "Телефон"]] + [[f"Client {i}", f"8912{i:07d}"] for i in range(11000)]
    rows.append(["Ёлкин Пётр", "89990000000"])
    path = write_csv(tmp_path / "big.csv", rows, ";", "cp1251")
    assert path.stat().st_size > 256 * 1024  # beyond the part looked at for the separator
    assert open_source(path).encoding == "cp1251"
    report = import_clients(engine, path)
    assert (report.rows, report.created) == (11001, 11001)
    assert client_by_name(engine, "Ёлкин Пётр").phones[0].e164 == "+79990000000"


def test_too_long_values_are_cut_or_warned_never_fail_the_import(engine, tmp_path):
    long_mail = "a" * 190 + "@" + "b" * 20 + ".ru"
    path = write_csv(tmp_path / "long.csv", [
        ["Клиент", "Телефон", "E-mail", "Источник", "Статус", "Контактное лицо"],
        ["Длинный", "89120000001", long_mail, "и" * 150, "с" * 80, "К" * 250 + " (" + "д" * 250
         + ")"],
    ], ";", "utf-8")
    report = import_clients(engine, path)
    assert (report.created, report.warnings) == (1, 1)
    assert report.items[0].reason == "invalid e-mail"
    c = client_by_name(engine, "Длинный")
    assert (len(c.source), len(c.status)) == (100, 50)
    assert [(len(p.name), len(p.position)) for p in c.contacts] == [(200, 200)]
    assert long_mail in c.comment


def test_xlsx_header_found_below_a_title_on_a_chosen_sheet(engine, tmp_path):
    wb = Workbook()
    wb.active.title = "Справка"
    wb.active.append(["Это не список клиентов"])
    ws = wb.create_sheet("База")
    ws.append(["Клиенты на 01.11.2026"])
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["Ф.И.О.", "Телефон", "Группа"])
    ws.append(["Петров Пётр", 89123456780, "Опт"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    source = open_source(path)
    assert source.sheet_names() == ["Справка", "База"]
    sheet = source.sheet()  # the sheet with a recognizable header is the default
    assert (sheet.name, sheet.header_row, sheet.headers) == ("База", 3, ["Ф.И.О.", "Телефон",
                                                                         "Группа"])
    report = import_clients(engine, path, sheet="База")
    assert (report.rows, report.created) == (1, 1)
    assert client_by_name(engine, "Петров Пётр").phones[0].e164 == "+79123456780"
    with pytest.raises(CrmError, match="нет листа «Нет»"):
        import_clients(engine, path, sheet="Нет")
    # the header row chosen by hand
    with pytest.raises(CrmError, match="строка 2 пуста"):
        import_clients(engine, path, sheet="База", header_row=2)
    again = import_clients(engine, path, sheet="База", header_row=3)
    assert (again.header_row, again.merged) == (3, 1)


def test_codes_excel_kept_as_numbers_get_their_leading_zero_back(engine, tmp_path):
    wb = Workbook()
    wb.active.append(["Клиент", "ИНН", "КПП", "Телефон"])
    wb.active.append(["ООО «Башкирия»", 274062111, 27401001, 83472000000])
    wb.active.append(["ООО «Не то»", 274062112, None, 83472000001])
    path = tmp_path / "zeros.xlsx"
    wb.save(path)
    report = import_clients(engine, path)
    c = client_by_name(engine, "ООО «Башкирия»")
    assert (c.inn, c.kpp) == ("0274062111", "027401001")
    assert [(i.row, i.value, i.reason) for i in report.items] == [
        (3, "274062112", "invalid INN checksum/length")]


def test_broken_files_name_the_place(engine, tmp_path):
    import csv as csv_module
    import zipfile

    big = tmp_path / "big-cell.csv"
    big.write_text("Клиент;Комментарий\nА;коротко\nБ;" + "x" * (csv_module.field_size_limit()
                                                              + 10) + "\n", encoding="utf-8")
    with pytest.raises(CrmError, match=r"big-cell\.csv, запись 3 .*не читается как CSV"):
        import_clients(engine, big)
    wb = Workbook()
    wb.active.append(["Клиент", "Телефон"])
    for i in range(300):
        wb.active.append([f"Клиент {i}", f"8912{i:07d}"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the sheet ends in the middle of a row
            dst.writestr(item, data)
    before = counts(engine)
    with pytest.raises(CrmError, match=r"broken\.xlsx, лист «Sheet»: книга Excel повреждена "
                       r"после строки \d+"):
        import_clients(engine, broken)
    assert counts(engine) == before


def test_unreadable_files_are_named(engine, tmp_path):
    with pytest.raises(CrmError, match="не найден"):
        import_clients(engine, tmp_path / "missing.csv")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(CrmError, match=r"old\.xls.*\.xlsx"):
        import_clients(engine, old)
    bad = write_csv(tmp_path / "nothing.csv", [["Дата", "Сумма"], ["01.01.2026", "5"]], ";",
                    "utf-8")
    with pytest.raises(CrmError, match="ни одной колонки с наименованием.*«Дата», «Сумма»"):
        import_clients(engine, bad)


# -- twice, cancelled, failed, dry run -------------------------------------------------------
def test_importing_twice_creates_no_duplicates(engine):
    first = import_clients(engine, SAMPLES / "office_clients.xlsx")
    before = counts(engine)
    second = import_clients(engine, SAMPLES / "office_clients.xlsx")
    after = counts(engine)
    assert second.created == 0
    assert second.merged == first.created + first.merged
    assert second.rejected == 1
    for table in ("clients", "client_phones", "client_emails", "client_groups",
                  "contact_persons", "interactions"):
        assert after[table] == before[table], table
    assert after["audit_log"] == before["audit_log"] + 1  # the import's own entry only
    with unit_of_work(engine) as ctx:  # nothing was edited: no version moved
        assert set(ctx.session.scalars(select(Client.version))) == {1}


def test_a_row_without_phone_inn_or_email_is_known_again_by_its_name(engine, tmp_path):
    path = write_csv(tmp_path / "t.csv", TABLE, ";", "utf-8")
    first = import_clients(engine, path)
    again = import_clients(engine, path)
    assert (first.created, again.created, again.merged) == (3, 0, 3)
    bereza = [i for i in again.of_kind("merged") if i.row == 5]
    assert [(i.field, i.value, i.reason) for i in bereza] == [
        ("Наименование", "ИП «Берёза»", "same name, no phone, INN or e-mail")]
    assert counts(engine)["clients"] == 3


def test_rows_of_one_client_in_different_batches_make_one_client(engine, monkeypatch, tmp_path):
    """New clients' INNs and phones are not kept in memory: a later batch finds them in the
    database (same transaction), as it finds stored ones — names and capitalised e-mails
    stay remembered, since the database is not asked for them as written."""
    monkeypatch.setattr(run_module, "BATCH", 2)
    rows = [["Клиент", "Телефон", "E-mail", "ИНН"],
            ["ООО «Первый»", "89121110001", "", "7707083893"],
            ["Второй", "", "Ivan.Petrov@Mail.RU", ""],
            ["ИП Третий", "", "", ""],
            ["Четвёртый", "89121110004", "", ""],
            ["Первый (дубль по ИНН)", "", "", "7707083893"],
            ["Второй (дубль по почте)", "", "ivan.petrov@mail.ru", ""],
            ["ИП Третий", "", "", ""],
            ["Четвёртый (дубль по телефону)", "+7 912 111-00-04", "", ""]]
    for dry_run in (True, False):
        path = write_csv(tmp_path / "batches.csv", rows, ";", "utf-8")
        report = import_clients(engine, path, dry_run=dry_run)
        assert (report.rows, report.created, report.merged) == (8, 4, 4), report.items
        assert sorted(i.reason for i in report.of_kind("merged")) == [
            "same INN", "same e-mail", "same name, no phone, INN or e-mail", "same phone"]
    assert counts(engine)["clients"] == 4


def test_report_lists_its_first_rows_and_counts_the_rest(engine, monkeypatch, tmp_path):
    """A file of a million bad rows must not fill memory with its report: past MAX_ITEMS the
    rows are counted, the counts stay exact, and the summary and the XLSX say so."""
    from crmdesk.services.imports import report as report_module

    monkeypatch.setattr(report_module, "MAX_ITEMS", 3)
    rows = [["Клиент", "Телефон", "Группа"]] + [["", "", "Опт"]] * 4 + [
        ["ООО «Годная»", "12", ""], ["ООО «Вторая»", "+7 912 555-00-01", ""]]
    path = write_csv(tmp_path / "bad.csv", rows, ";", "utf-8")
    report = import_clients(engine, path, dry_run=True)
    assert (report.rows, report.rejected, report.warnings, report.created) == (6, 4, 1, 2)
    assert len(report.items) == 3 and report.omitted == 2
    assert report.summary().endswith("(в отчёте первые 3 замечаний, ещё 2 не перечислены)")
    assert report.as_dict()["omitted"] == 2
    wb = load_workbook(report.save_xlsx(tmp_path / "r.xlsx"), read_only=True)
    last = list(wb["Отчёт"].iter_rows(values_only=True))[-1]
    assert last[4] == "… и ещё 2 замечаний не перечислены"


def test_cancelled_import_changes_nothing(engine, monkeypatch):
    monkeypatch.setattr(run_module, "BATCH", 5)
    before = counts(engine)
    calls = []
    seen = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= 3  # after two batches were written

    with pytest.raises(ImportCancelled):
        import_clients(engine, SAMPLES / "office_clients.xlsx", cancelled=cancel,
                       progress=lambda done, total: seen.append(done))
    assert seen[-1] == 10  # two batches were processed before the cancel
    assert counts(engine) == before
    event = threading.Event()
    event.set()
    with pytest.raises(ImportCancelled, match="база не изменена"):
        import_clients(engine, SAMPLES / "google_contacts.csv", cancelled=event)
    assert counts(engine) == before


def test_failed_import_changes_nothing(engine, monkeypatch):
    monkeypatch.setattr(run_module, "BATCH", 5)
    before = counts(engine)
    original = run_module.Importer.process
    batches = []

    def failing(self, batch):
        batches.append(len(batch))
        if len(batches) == 4:
            # the database refuses a row: a name longer than the column (PostgreSQL), or
            # any driver error
            from sqlalchemy.exc import OperationalError

            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return original(self, batch)

    monkeypatch.setattr(run_module.Importer, "process", failing)
    with pytest.raises(CrmError, match="Загрузка прервана, база не изменена: disk I/O error"):
        import_clients(engine, SAMPLES / "office_clients.xlsx")
    assert counts(engine) == before


def test_dry_run_reports_exactly_and_stores_nothing(engine):
    before = counts(engine)
    dry = import_clients(engine, SAMPLES / "office_clients.xlsx", dry_run=True)
    assert counts(engine) == before
    real = import_clients(engine, SAMPLES / "office_clients.xlsx")
    assert dry.dry_run and not real.dry_run
    assert dry.counts() == real.counts()
    assert [(i.row, i.kind, i.reason) for i in dry.items] == [
        (i.row, i.kind, i.reason) for i in real.items]


def test_preview_shows_outcomes_and_stores_nothing(engine):
    before = counts(engine)
    report, outcomes = preview(engine, SAMPLES / "office_clients.xlsx", limit=10)
    assert counts(engine) == before
    assert report.rows == 10
    assert [o.row for o in outcomes] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    by_row = {o.row: o for o in outcomes}
    assert by_row[9].status == "merged" and by_row[9].name == "  ПОПОВА ИРИНА СЕРГЕЕВНА ".strip()
    assert by_row[4].phones == ["+7 (914) 177-76-31"]
    assert [p.reason for p in by_row[12].problems if p.kind == "warning"] == [
        "invalid INN checksum/length"]


# -- merging into stored clients ------------------------------------------------------------
def test_merge_fills_empty_fields_adds_phones_and_emails_and_overwrites_nothing(
    team, tmp_path
):
    with unit_of_work(team, "ivanov") as ctx:
        cid = create_client(ctx, {
            "name": "ООО «Ромашка»", "inn": "7707083893", "phones": ["+7 912 345-67-89"],
            "emails": ["info@romashka.ru"], "comment": "записано вручную",
        }).id
    path = write_csv(tmp_path / "m.csv", [
        ["Клиент", "Телефон", "E-mail", "ИНН", "КПП", "Полное наименование", "Комментарий"],
        ["Ромашка (новое имя)", "8 912 345 67 89, 8 (343) 111-22-33", "Sales@Romashka.ru",
         "", "773601001", "Общество «Ромашка»", "из файла"],
        ["Другое имя", "", "INFO@romashka.ru", "7707083893", "", "", ""],
    ], ";", "utf-8")
    report = import_clients(team, path, user="ivanov")
    assert (report.created, report.merged) == (0, 2)
    assert [(i.row, i.reason, i.client_id) for i in report.of_kind("merged")] == [
        (2, "same phone", cid), (3, "same INN", cid)]
    c = client_by_name(team, "ООО «Ромашка»")  # the stored name stays
    assert c.id == cid
    assert c.inn == "7707083893"
    assert c.kpp == "773601001" and c.full_name == "Общество «Ромашка»"  # empty → filled
    assert [p.e164 for p in c.phones] == ["+79123456789", "+73431112233"]
    assert [e.email.lower() for e in c.emails] == ["info@romashka.ru", "sales@romashka.ru"]
    assert c.comment.startswith("записано вручную\n") and "из файла" in c.comment
    with unit_of_work(team) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Client)) == 1
    # recorded as an edit by the importing user: version, audit, search
    assert c.version == 2 and c.updated_by_id == c.owner_id
    with unit_of_work(team) as ctx:
        changes = {
            a.field: (a.old_value, a.new_value)
            for a in ctx.session.scalars(select(AuditEntry).where(
                AuditEntry.object_type == "client", AuditEntry.object_id == cid,
                AuditEntry.field != "(создан)"))
        }
        assert changes["kpp"] == (None, "773601001")
        assert changes["full_name"] == (None, "Общество «Ромашка»")
        assert changes["comment"][0] == "записано вручную"
        assert set(changes) == {"kpp", "full_name", "comment"}
        from crmdesk.services.search import by_phone, find_clients

        assert [x.id for x in find_clients(ctx.session, ctx.user, "sales@romashka")] == [cid]
        assert [x.id for x, _p, _e in by_phone(ctx.session, ctx.user, "+7 343 111 22 33")] == [
            cid]
    again = import_clients(team, path, user="ivanov")  # nothing new: no edit at all
    assert again.merged == 2 and client_by_name(team, "ООО «Ромашка»").version == 2


def test_managers_are_found_by_login_name_or_initials(team, tmp_path):
    path = write_csv(tmp_path / "m.csv", [
        ["Клиент", "Телефон", "Ответственный"],
        ["Первый", "89120000001", "Иванов И.И."],
        ["Второй", "89120000002", "petrov"],
        ["Третий", "89120000003", "Смирнова Ольга Петровна"],
        ["Четвёртый", "89120000004", "Сидоров"],
    ], ";", "utf-8")
    report = import_clients(team, path)  # the administrator may assign
    owners = {n: client_by_name(team, n).owner.login for n in
              ("Первый", "Второй", "Третий", "Четвёртый")}
    assert owners == {"Первый": "ivanov", "Второй": "petrov", "Третий": "head",
                      "Четвёртый": "admin"}
    assert [(i.row, i.reason) for i in report.items] == [(5, "unknown manager")]
    path2 = write_csv(tmp_path / "m2.csv", [["Клиент", "Телефон", "Менеджер"],
                                            ["Пятый", "89120000005", "petrov"]], ";", "utf-8")
    report = import_clients(team, path2, user="ivanov")  # a manager may not assign
    assert client_by_name(team, "Пятый").owner.login == "ivanov"
    assert [i.reason for i in report.items] == ["no right to assign clients"]


def test_another_managers_client_is_not_touched(team, tmp_path):
    with unit_of_work(team, "petrov") as ctx:
        create_client(ctx, {"name": "Чужой", "phones": ["89120000001"]})
    path = write_csv(tmp_path / "x.csv", [["Клиент", "Телефон"], ["Мой", "89120000001"]],
                     ";", "utf-8")
    report = import_clients(team, path, user="ivanov")
    assert (report.created, report.merged, report.rejected) == (0, 0, 1)
    assert report.items[0].reason == "duplicate of another manager's client"
    assert client_by_name(team, "Чужой").owner_id is not None


def test_another_managers_client_is_named_with_its_manager_and_nothing_more(team, tmp_path):
    """The policy for «client already exists»: the client's name and its manager, never its
    requisites, contacts, history or money — on screen, in the preview, in the XLSX report."""
    secret = ["7707083893", "+7 912 000-00-02", "912 000-00-02", "tajna@firma.ru",
              "г. Тайногорск", "пароль от сейфа 4321"]
    with unit_of_work(team, "petrov") as ctx:
        create_client(ctx, {"name": "ООО «Чужая»", "inn": secret[0],
                            "phones": ["89120000001", secret[1]], "emails": [secret[3]],
                            "comment": secret[5]})
    path = write_csv(tmp_path / "x.csv", [["Клиент", "Телефон"], ["Моя", "89120000001"]],
                     ";", "utf-8")
    report = import_clients(team, path, user="ivanov")
    (item,) = report.items
    assert item.message == ("Строка 2: клиент «ООО «Чужая»» уже есть и закреплён за менеджером "
                            "Петров Пётр Петрович — строка не загружена")
    _, outcomes = preview(team, path, user="ivanov")
    saved = report.save_xlsx(tmp_path / "report.xlsx")
    cells = [str(v) for ws in load_workbook(saved) for row in ws.iter_rows(values_only=True)
             for v in row if v is not None]
    shown = " ".join([*map(str, item.as_dict().values()), *cells,
                      *(str(p.as_dict()) for o in outcomes for p in o.problems)])
    for value in secret:
        assert value not in shown, value
    assert "Петров Пётр Петрович" in shown


# -- mapping ----------------------------------------------------------------------------------
def test_mapping_by_hand_and_saved_for_next_time(engine, tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["Кто", "Куда звонить", "Прочее"],
                                            ["Сидоров С.", "89125550011", "клиент с выставки"]],
                     ";", "utf-8")
    with pytest.raises(CrmError, match="«Кто», «Куда звонить», «Прочее»"):
        import_clients(engine, path)
    with pytest.raises(ValidationError, match="нет колонки «Нет»"):
        import_clients(engine, path, mapping={"Нет": "name"})
    with pytest.raises(ValidationError, match="неизвестное поле «фаза луны»"):
        import_clients(engine, path, mapping={"A": "фаза луны"})
    report = import_clients(engine, path, mapping='{"Кто": "name", "B": "phone", "3": '
                            '"Комментарий"}')
    assert report.created == 1
    assert report.mapping == {"Кто": "name", "Куда звонить": "phone", "Прочее": "comment"}
    c = client_by_name(engine, "Сидоров С.")
    assert c.phones[0].e164 == "+79125550011" and c.comment == "клиент с выставки"
    headers = open_source(path).sheet().headers
    with unit_of_work(engine) as ctx:  # the hand mapping was kept under the header layout
        assert suggest_mapping(ctx.session, headers) == (
            {0: "name", 1: "phone", 2: "comment"}, "saved")
        save_mapping(ctx.session, headers, {0: "name", 1: "phone"})
    with unit_of_work(engine) as ctx:
        assert suggest_mapping(ctx.session, headers) == ({0: "name", 1: "phone"}, "saved")


def test_report_saved_as_xlsx(engine, tmp_path):
    report = import_clients(engine, SAMPLES / "office_clients.xlsx", dry_run=True)
    out = report.save_xlsx(tmp_path / "report.xlsx")
    wb = load_workbook(out, read_only=True)
    rows = list(wb["Отчёт"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Строка", "Колонка", "Значение", "Результат", "Причина")
    rejected = [r for r in rows[1:] if r[3] == "Отклонена"]
    assert [(r[0], r[1], r[6]) for r in rejected] == [(16, "Клиент",
                                                       "no name and no contact data")]
    warned = [(r[0], r[1], r[2]) for r in rows[1:] if r[3] == "Предупреждение"]
    assert warned == [(12, "ИНН", "2391454988"), (24, "E-mail", "сидоров.mail.ru"),
                      (37, "ИНН", "12345678"), (48, "E-mail", "ivanov@mail")]
    summary = dict(r[:2] for r in wb["Итог"].iter_rows(values_only=True) if r and r[0])
    assert summary["Создано клиентов"] == 44 and summary["Отклонено"] == 1


def test_streaming_xlsx_reader_gives_what_openpyxl_gives(tmp_path):
    from datetime import datetime as dt

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from crmdesk.services.imports.xlsx import Workbook as Streamed

    wb = Workbook()
    ws = wb.active
    ws.title = "Данные"
    ws.append(["Текст", "Целое", "Дробное", "Дата", "Да/нет", None, "Богатый"])
    ws.append(["Ёлка", 89123456789, 12.5, dt(2026, 3, 6), True, None,
               CellRichText("ООО ", TextBlock(InlineFont(b=True), "«Жирное»"))])
    ws.append([])
    ws["C4"] = 46000
    ws["C4"].number_format = "DD.MM.YYYY"
    ws["J4"] = "далеко справа"
    wb.create_sheet("Второй").append(["x"])
    path = tmp_path / "types.xlsx"
    wb.save(path)
    streamed = Streamed(path)
    assert streamed.sheetnames == ["Данные", "Второй"]
    got = [(n, c) for n, c in streamed.rows("Данные") if any(v is not None for v in c)]
    ref = load_workbook(path, read_only=True, data_only=True)["Данные"]
    want = []
    for n, row in enumerate(ref.iter_rows(values_only=True), 1):
        cells = [str(v) if isinstance(v, CellRichText) else v for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            want.append((n, cells))
    assert got == want
    assert got[1][1][6] == "ООО «Жирное»" and got[2] == (4, [None, None, dt(2025, 12, 9),
                                                              *[None] * 6, "далеко справа"])


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_streaming_xlsx_reader_on_excel_style_parts(tmp_path):
    """Prefixed namespaces, rich text with phonetics, a custom date format, the 1904
    calendar, formulas with cached values, booleans and errors — as Excel writes them."""
    import zipfile
    from datetime import datetime as dt

    from crmdesk.services.imports.xlsx import Workbook as Streamed

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="xml" ContentType="application'
            '/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="'
            '/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType'
            '="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="{rel}'
            '/worksheet" Target="/xl/worksheets/data.xml"/><Relationship Id="rId8" Type="'
            f'{rel}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId9" Type="'
            f'{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<workbookPr date1904="1"/><sheets><sheet name="Клиенты 2026" sheetId="3" '
            'r:id="rId7"/></sheets></workbook>'
        ),
        "xl/sharedStrings.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="3" '
            'uniqueCount="3"><si><t>Клиент</t></si><si><t xml:space="preserve">Дата</t></si>'
            '<si><r><t xml:space="preserve">ООО </t></r><r><rPr><b/></rPr><t>«Альфа»</t></r>'
            '<rPh sb="0" eb="1"><t>ふりがな</t></rPh></si></sst>'
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}"><numFmts '
            'count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy;@"/></numFmts><cellXfs '
            'count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>'
            '</styleSheet>'
        ),
        "xl/worksheets/data.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{main}" '
            'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
            'mc:Ignorable="x14ac"><x:dimension ref="A1:F3"/><x:sheetData>'
            '<x:row r="1" spans="1:5" x14ac:dyDescent="0.25"><x:c r="A1" t="s"><x:v>0</x:v>'
            '</x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>'
            '<x:row r="3"><x:c r="A3" t="s"><x:v>2</x:v></x:c><x:c r="B3" s="1"><x:v>45000'
            '</x:v></x:c><x:c r="C3" t="str"><x:f>A3&amp;"!"</x:f><x:v>ООО «Альфа»!</x:v></x:c>'
            '<x:c r="D3" t="b"><x:v>0</x:v></x:c><x:c r="E3" t="e"><x:v>#N/A</x:v></x:c>'
            '<x:c r="F3"><x:v>1.5E3</x:v></x:c></x:row></x:sheetData></x:worksheet>'
        ),
    }
    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    streamed = Streamed(path)
    assert streamed.sheetnames == ["Клиенты 2026"]
    assert streamed.dimension_rows("Клиенты 2026") == 3
    rows = list(streamed.rows("Клиенты 2026"))
    assert rows == [
        (1, ["Клиент", "Дата"]),
        (3, ["ООО «Альфа»", dt(2027, 3, 16), "ООО «Альфа»!", False, "#N/A", 1500.0]),
    ]
    ref = load_workbook(path, read_only=True, data_only=True)["Клиенты 2026"]
    assert [list(r) for r in ref.iter_rows(min_row=3, values_only=True)][0][:6] == rows[1][1]
