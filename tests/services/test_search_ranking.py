"""The search finds clients by their contact persons and shows first what a person means."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import event, select

from crmdesk.cli import main
from crmdesk.models import Client, ContactPerson
from crmdesk.services import lists, search
from crmdesk.services.clients import create_client, set_deletion_mark, update_client
from crmdesk.services.users import set_password

SAMPLES = Path(__file__).resolve().parents[2] / "tests" / "data" / "samples"


def names(ctx, text, limit=50):
    return [c.name for c in search.find_clients(ctx.session, ctx.user, text, limit=limit)]


def listed(ctx, text):
    state = lists.ListState(search=text)
    rows = lists.fetch(ctx, lists.CLIENTS, state, 0, 100)
    return [r.values[0] for r in rows]


def add(ctx, name, **data):
    return create_client(ctx, {"name": name, **data}).id


def test_a_contact_persons_name_phone_and_email_find_the_client(uow):
    with uow("head") as ctx:
        add(ctx, "ООО «Континент»", contacts=[{
            "name": "Андреева Светлана Алексеевна",
            "phones": ["8 903 000 11 22"],
            "emails": ["s.andreeva@kontinent.ru"],
        }])
        add(ctx, "ООО «Прочие»")
    with uow("head") as ctx:
        for typed in ("андреева", "Андреева Светлана", "0001122", "s.andreeva@kont"):
            assert names(ctx, typed) == ["ООО «Континент»"], typed
            assert listed(ctx, typed) == ["ООО «Континент»"], typed


def test_the_search_follows_contact_persons_edited_in_place_or_replaced(uow):
    with uow("head") as ctx:
        cid = add(ctx, "ООО «Континент»", contacts=[{"name": "Андреева Светлана"}])
    with uow("head") as ctx:  # the contact's own form saves the person, not the client
        person = ctx.session.scalar(select(ContactPerson).where(ContactPerson.client_id == cid))
        person.name = "Борисова Светлана"
    with uow("head") as ctx:
        assert names(ctx, "андреева") == []
        assert names(ctx, "борисова") == ["ООО «Континент»"]
        update_client(ctx, cid, {"contacts": [{"name": "Григорьев Павел"}]})
    with uow("head") as ctx:
        assert names(ctx, "борисова") == []
        assert names(ctx, "григорьев") == ["ООО «Континент»"]
        person = ctx.session.scalar(select(ContactPerson).where(ContactPerson.client_id == cid))
        ctx.session.delete(person)
    with uow("head") as ctx:
        assert names(ctx, "григорьев") == []


def test_a_person_imported_from_a_vcard_finds_the_company_by_surname(engine):
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.imports import import_clients

    import_clients(engine, SAMPLES / "phone_contacts.vcf")
    with unit_of_work(engine) as ctx:
        assert names(ctx, "Андреева") == ["ООО «Континент»"]
        assert listed(ctx, "андреева светлана") == ["ООО «Континент»"]


def test_a_fragment_shows_the_first_names_in_order_not_an_arbitrary_set(uow):
    with uow("head") as ctx:
        for n in range(120, 0, -1):  # created last to first: the oldest are the last names
            add(ctx, f"АО Ромашка-{n}")
        add(ctx, "ООО «Лютик»")
    with uow("head") as ctx:
        in_order = sorted((f"АО Ромашка-{n}" for n in range(1, 121)), key=search.normalize)
        assert names(ctx, "омашк", limit=5) == in_order[:5] == listed(ctx, "омашк")[:5]
        assert in_order[:3] == ["АО Ромашка-1", "АО Ромашка-10", "АО Ромашка-100"]
        # a word the names start with (after the legal form) comes before the name order
        assert names(ctx, "ромашка-9", limit=3) == ["АО Ромашка-9", "АО Ромашка-90",
                                                    "АО Ромашка-91"]


NAMES = [
    "Алексеев Артём Семёнович",  # both words start words, not in order: rank 2
    "Семёнов Артём Иванович",  # starts with the words: rank 1
    "ООО «Семёнов Артём»",  # the same after a legal form: rank 1
    "Несемёнов Артёмий",  # «семенов» only inside a word: rank 3
    "Семёнов Артём",  # the whole name: rank 0
    "Аверина Анна",  # a contact person is «Семёнов Артём»: rank 4
]


def test_two_words_rank_whole_name_then_start_then_word_starts_then_inside(uow):
    with uow("head") as ctx:
        for name in NAMES:
            contacts = [{"name": "Семёнов Артём"}] if name == "Аверина Анна" else []
            add(ctx, name, contacts=contacts)
    expected = [
        "Семёнов Артём",
        "ООО «Семёнов Артём»",
        "Семёнов Артём Иванович",
        "Алексеев Артём Семёнович",
        "Несемёнов Артёмий",
        "Аверина Анна",
    ]
    with uow("head") as ctx:
        assert names(ctx, "Семёнов Артём") == expected
        assert names(ctx, "семенов артем", limit=3) == expected[:3]  # from the name ranges
        assert names(ctx, "СЕМЁНОВ  артём", limit=4) == expected[:4]


def test_phone_digits_rank_before_inn_digits_and_a_whole_number_first(uow):
    with uow("head") as ctx:
        add(ctx, "Альфа", inn="7707083893")  # «0708» inside the INN
        add(ctx, "Бета", contacts=[{"name": "Секретарь", "phones": ["+7 903 070-81-11"]}])
        add(ctx, "Яблоко", phones=["+7 912 070-80-00"])
        add(ctx, "Вишня", phones=["+7 912 555-07-08"])
    with uow("head") as ctx:
        assert names(ctx, "0708") == ["Вишня", "Яблоко", "Бета", "Альфа"]
        assert names(ctx, "8 912 070 80 00") == ["Яблоко"]
        assert names(ctx, "912 070") == ["Яблоко"]


def test_clients_marked_for_deletion_come_after_the_others(uow):
    with uow("head") as ctx:
        old = add(ctx, "ООО «Ромашка»")
        add(ctx, "ООО «Ромашка плюс»")
        set_deletion_mark(ctx, old)
    with uow("head") as ctx:
        assert names(ctx, "ромашка") == ["ООО «Ромашка плюс»", "ООО «Ромашка»"]


def test_found_clients_details_are_loaded_together(uow):
    with uow("head") as ctx:
        for n in range(30):
            add(ctx, f"ООО «Деталь-{n}»", phones=[f"+7 912 000-00-{n:02d}"],
                emails=[f"d{n}@detail.ru"], groups=["Оптовые", "VIP"])
    with uow("head") as ctx:
        statements = []
        conn = ctx.session.connection()
        event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        found = search.find_clients(ctx.session, ctx.user, "деталь", details=True)
        rows = [(c.phones[0].e164, c.emails[0].email, sorted(g.name for g in c.groups),
                 c.owner.login) for c in found]
        assert len(rows) == 30 and rows[0][2] == ["VIP", "Оптовые"]
        # the count, the ranges, the page and one query per kind of detail: not per client
        assert len(statements) <= 8, statements


def test_clients_find_on_the_command_line(uow, engine, capsys, monkeypatch):
    with uow("head") as ctx:
        add(ctx, "ООО «Континент»", phones=["+7 912 345-67-89"], groups=["Оптовые"],
            contacts=[{"name": "Андреева Светлана"}])
        set_password(ctx.session, "head", "Поиск-2026")
    monkeypatch.setenv("CRMDESK_PASSWORD", "Поиск-2026")
    url = engine.url.render_as_string(hide_password=False)
    code = main(["--db", url, "--user", "head", "--json", "clients", "find", "андреева"])
    out, err = capsys.readouterr()
    assert code == 0, (out, err)
    (row,) = json.loads(out)
    assert (row["name"], row["phones"], row["groups"]) == (
        "ООО «Континент»", ["+79123456789"], ["Оптовые"])
    code = main(["--db", url, "--user", "head", "clients", "find", "0000000"])
    out, err = capsys.readouterr()
    assert code == 0 and "Континент" not in out, (out, err)


def test_queries_and_texts_are_bounded(uow):
    with uow("head") as ctx:
        add(ctx, "ООО «Краткое»")
    long_name = "Ромашка " * 2000
    look = Client(name=long_name, full_name=long_name, inn=None)
    text = search.client_search_text(look)
    assert len(text) <= search.MAX_TEXT and text.startswith("ромашка ромашка")
    assert len(search.client_search_name(look)) == search.MAX_PART
    with uow("head") as ctx:
        # a pasted page of text is searched by its first MAX_QUERY characters
        assert names(ctx, "краткое" + " x" * 5000) == []
        assert names(ctx, "ООО «Краткое»" + " " * 5000) == ["ООО «Краткое»"]
        assert listed(ctx, "краткое " * 1000) == ["ООО «Краткое»"]


def test_broad_searches_rank_rank_by_rank_along_the_name_index(uow, monkeypatch):
    """With more matches than ranking.BROAD the ranks are read one after another."""
    from crmdesk.services import ranking

    monkeypatch.setattr(ranking, "BROAD", 1)
    with uow("head") as ctx:
        for name in NAMES:
            contacts = [{"name": "Семёнов Артём"}] if name == "Аверина Анна" else []
            add(ctx, name, contacts=contacts)
        add(ctx, "Альфа", inn="7707083893")
        add(ctx, "Бета", contacts=[{"name": "Секретарь", "phones": ["+7 903 070-81-11"]}])
        add(ctx, "Яблоко", phones=["+7 912 070-80-00"])
        add(ctx, "Вишня", phones=["+7 912 555-07-08"])
    with uow("head") as ctx:
        # at that breadth words starting a word anywhere (a contact person's name too) come
        # together in name order, then the fragments
        assert names(ctx, "Семёнов Артём") == [
            "Семёнов Артём",
            "ООО «Семёнов Артём»",
            "Семёнов Артём Иванович",
            "Аверина Анна",
            "Алексеев Артём Семёнович",
            "Несемёнов Артёмий",
        ]
        assert names(ctx, "0708") == ["Вишня", "Яблоко", "Бета", "Альфа"]
        assert names(ctx, "семенов", limit=4) == names(ctx, "семенов")[:4]
