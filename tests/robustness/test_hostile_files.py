"""Hostile and huge import files: each refused with a message naming the limit or the place,
or imported correctly — in a process of its own, its peak memory measured and bounded.

The files are made by the tests (tests/robustness/hostile_corpus.py); nothing big is
committed. benchmarks/hostile_imports.py prints the same figures (and the 1,048,575-row
sheet's) without asserting them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.models import Client
from crmdesk.services.errors import CrmError
from crmdesk.services.imports import import_clients, open_source, vcard, xlsx

_spec = importlib.util.spec_from_file_location(
    "hostile_corpus", Path(__file__).with_name("hostile_corpus.py")
)
H = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("hostile_corpus", H)
_spec.loader.exec_module(H)

# generous: an interpreter with crmdesk and SQLAlchemy loaded is ~70–100 MB
PEAK_MB = 300
REFUSED = [k for k, (_, _, (outcome, _)) in H.KINDS.items() if outcome == "refused"]
IMPORTED = [k for k, (_, _, (outcome, _)) in H.KINDS.items() if outcome == "imported"]


@pytest.fixture(scope="module")
def sqlite_url(sqlite_template, tmp_path_factory) -> str:
    import shutil

    path = tmp_path_factory.mktemp("hostile") / "db.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _clients(url: str) -> int:
    from crmdesk.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Client))
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", REFUSED)
def test_hostile_file_is_refused_with_a_message_in_flat_memory(kind, sqlite_url, tmp_path):
    path = H.make(kind, tmp_path)
    words = H.KINDS[kind][2][1]
    before = _clients(sqlite_url)
    out = H.import_in_child(sqlite_url, path, dry_run=False)
    assert out["outcome"] == "refused", out["message"]
    message = out["message"]
    assert "Traceback" not in message and "\n" not in message.strip()
    for word in words:
        assert word in message, (word, message)
    assert out["peak_mb"] < PEAK_MB, out
    assert _clients(sqlite_url) == before  # nothing stored, nothing half-written


@pytest.mark.parametrize("kind", IMPORTED)
def test_odd_but_honest_file_is_imported(kind, engine, tmp_path):
    path = H.make(kind, tmp_path)
    rows = H.KINDS[kind][2][1]
    out = H.import_in_child(_url(engine), path, dry_run=False)
    assert out["outcome"] == "imported", out["message"]
    assert out["rows"] == out["created"] == rows, out
    assert out["peak_mb"] < PEAK_MB, out
    assert _clients(_url(engine)) == rows


def test_the_1c_user_sees_the_limit_in_the_process_that_asked(engine, tmp_path):
    """In-process too (the desktop's wizard): a CrmError, no other exception."""
    for kind in ("far_column", "zip_bomb", "garbage_csv", "pdf_named_xlsx"):
        with pytest.raises(CrmError, match=H.KINDS[kind][0].replace(".", r"\.")):
            import_clients(engine, H.make(kind, tmp_path), dry_run=True)


def _limited(monkeypatch, **kw) -> xlsx.Limits:
    limits = xlsx.Limits(**kw)
    monkeypatch.setattr(xlsx, "LIMITS", limits)
    return limits


def test_each_xlsx_limit_is_named(monkeypatch, tmp_path):
    """Every limit refuses with its own words (small limits, so small files cross them)."""
    good = H.xlsx_named_csv(tmp_path / "t.xlsx")  # a header and 10 client rows
    src = open_source(good)
    sheet = src.sheet()
    assert len(list(src.rows(sheet))) == 10
    cases = [
        ({"rows": 5}, "больше 5 строк"),
        ({"columns": 2}, "не шире 2 колонок (до B)"),
        ({"cell_chars": 10}, "длиннее 10 символов"),
        ({"sheet_bytes": 1000}, "больше предела"),
        ({"members": 3}, "больше 3 файлов"),
        ({"part_elements": 2}, "больше 2 элементов"),
    ]
    for kw, words in cases:
        _limited(monkeypatch, **kw)
        with pytest.raises(CrmError, match=re.escape(words)) as err:
            source = open_source(good)
            list(source.rows(source.sheet()))
        assert "t.xlsx не загружен" in str(err.value), kw
    strings = H.many_shared_strings(tmp_path / "s.xlsx", count=50)
    _limited(monkeypatch, shared_strings=20)
    with pytest.raises(CrmError, match="больше 20 общих строк"):
        source = open_source(strings)
        list(source.rows(source.sheet()))


def test_packed_shared_strings_give_back_what_was_stored():
    store = xlsx._Strings()
    words = ["", "Ромашка", "ёлка & <тег>", "x" * 1000, "😀 эмодзи", "\ud83d"]
    for w in words:
        store.append(w)
    assert [store[i] for i in range(len(words))] == words
    with pytest.raises(IndexError):
        store[len(words)]
    with pytest.raises(IndexError):
        store[-1]


def test_vcard_folding_is_joined_and_binary_skipped():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=\r\n"
        "=D0=B0=D0=BD=D0=BE=D0=B2;=D0=98=D0=B2=D0=B0=D0=BD\r\n"
        "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQ\r\n AAAA\r\n BBBB\r\n"
        'NOTE:первая часть\r\n  и вторая\r\nTEL;TYPE="cell:main":+7 912 555-66-77\r\n'
        "END:VCARD\r\n"
    )
    (row,) = vcard.read_cards(text)
    assert row[0] == "Иванов Иван"
    assert row[vcard.HEADERS.index("Примечание")] == "первая часть и вторая"
    assert row[vcard.HEADERS.index("Телефон")] == "+7 912 555-66-77"
    lines = list(vcard._logical_lines(text))
    assert "PHOTO;ENCODING=BASE64;TYPE=JPEG:" in lines  # the photo's data was never kept


def test_vcard_text_over_the_cell_limit_is_cut_visibly(tmp_path):
    path = H.huge_vcard_note(tmp_path / "n.vcf")
    source = open_source(path)
    ((_, row),) = list(source.rows(source.sheet()))
    note = row[vcard.HEADERS.index("Примечание")]
    assert note.endswith(vcard.CUT) and len(note) == vcard.MAX_VALUE + len(vcard.CUT)
    assert note.startswith("ж" * 70)


def test_a_long_line_is_read_in_pieces_without_losing_a_character(tmp_path):
    import io

    text = "NOTE:" + "я" * 2500 + "\nFN:x\n"
    pieces = list(vcard.physical_lines(io.StringIO(text), cap=1000))
    assert len(pieces) == 4 and pieces[1].startswith(" ")
    assert list(vcard._logical_lines(pieces)) == ["NOTE:" + "я" * 2500, "FN:x"]


def test_a_zip_bomb_is_refused_when_the_file_is_chosen(tmp_path):
    """The wizard's first page opens the file: the zip directory is judged right there."""
    for maker, words in ((H.zip_bomb, "zip-бомба"), (H.bzip2_bomb, "Deflate")):
        with pytest.raises(CrmError, match=words):
            open_source(maker(tmp_path / f"{maker.__name__}.xlsx"))
