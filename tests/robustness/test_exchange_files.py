"""Truncated, altered and reordered exchange files are refused, the working base untouched;
interrupted backups leave no *.part behind."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.db import checkpoint, open_database
from crmdesk.models import Client
from crmdesk.services.backup import PART_GRACE_SECONDS, backup, remove_leftovers, restore
from crmdesk.services.clients import create_client
from crmdesk.services.context import unit_of_work
from crmdesk.services.errors import CrmError
from crmdesk.services.exchange import copy_database, dump, load, verify_file
from crmdesk.services.setup import initialize


def fill(engine, n: int = 40) -> None:
    with unit_of_work(engine) as ctx:
        for i in range(n):
            create_client(ctx, {"name": f"ООО «Клиент {i}»"})


def clients(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Client))


@pytest.fixture
def dumped(engine, tmp_path):
    fill(engine)
    path = tmp_path / "all.json"
    counts = dump(engine, path)
    return path, counts


def test_the_trailer_holds_counts_and_checksum_and_a_good_file_loads(dumped, tmp_path):
    path, counts = dumped
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format_version"] == 2
    assert data["trailer"]["counts"] == counts and counts["clients"] == 40
    assert len(data["trailer"]["sha256"]) == 64
    assert verify_file(path) == counts
    target = open_database(f"sqlite:///{tmp_path / 'copy.sqlite'}")
    assert load(target, path)["clients"] == 40 and clients(target) == 40
    target.dispose()


def cut_at_line(path: Path, keep: float) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out = path.with_name(f"cut-{keep}.json")
    out.write_text("".join(lines[: int(len(lines) * keep)]), encoding="utf-8")
    return out


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95, 0.999])
def test_a_file_cut_at_a_line_boundary_is_refused_and_nothing_loads(dumped, tmp_path, keep):
    cut = cut_at_line(dumped[0], keep)
    target = open_database(f"sqlite:///{tmp_path / 't.sqlite'}")
    with pytest.raises(CrmError, match="база не изменена.*(обрывается|неполон|дописан)"):
        load(target, cut)
    assert clients(target) == 0
    target.dispose()


def test_the_last_line_missing_is_refused(dumped, tmp_path):
    lines = dumped[0].read_text(encoding="utf-8").splitlines(keepends=True)
    cut = tmp_path / "no-trailer.json"
    cut.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(CrmError, match="обрывается"):
        verify_file(cut)


def test_a_changed_row_or_a_dropped_row_is_refused(dumped, tmp_path):
    text = dumped[0].read_text(encoding="utf-8")
    changed = tmp_path / "changed.json"
    changed.write_text(text.replace("Клиент 7»", "Клиент 8»", 1), encoding="utf-8")
    with pytest.raises(CrmError, match="контрольная сумма не совпадает"):
        verify_file(changed)
    lines = text.splitlines(keepends=True)
    table = next(i for i, ln in enumerate(lines) if ln.startswith('"clients":'))
    row = next(i for i, ln in enumerate(lines) if i > table and "Клиент 3»" in ln)
    dropped = tmp_path / "dropped.json"
    dropped.write_text("".join(lines[:row] + lines[row + 1 :]), encoding="utf-8")
    with pytest.raises(CrmError, match="в таблице «clients» прочитано строк 39, а записано 40"):
        verify_file(dropped)


def test_reordered_tables_are_refused(dumped, tmp_path):
    data = json.loads(dumped[0].read_text(encoding="utf-8"))
    names = list(data["tables"])
    data["tables"] = {n: data["tables"][n] for n in reversed(names)}
    swapped = tmp_path / "reordered.json"
    swapped.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    target = open_database(f"sqlite:///{tmp_path / 'r.sqlite'}")
    with pytest.raises(CrmError, match="база не изменена"):
        load(target, swapped)
    assert clients(target) == 0
    target.dispose()


def test_a_reformatted_whole_file_still_loads(dumped, tmp_path):
    data = json.loads(dumped[0].read_text(encoding="utf-8"))
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    assert verify_file(pretty)["clients"] == 40


def test_restore_of_a_truncated_backup_leaves_the_working_base_as_it_was(engine, tmp_path):
    if engine.dialect.name != "sqlite":
        pytest.skip("the working SQLite file is what a restore could replace")
    fill(engine, 5)
    source = open_database(f"sqlite:///{tmp_path / 'big.sqlite'}")
    initialize(source)
    fill(source, 60)
    dump(source, tmp_path / "big.json")
    source.dispose()
    cut = cut_at_line(tmp_path / "big.json", 0.5)
    work = Path(engine.url.database)
    checkpoint(engine)
    engine.dispose()
    before = work.read_bytes()
    with pytest.raises(CrmError, match="не восстановлена.*Рабочая база не изменена"):
        restore(cut, f"sqlite:///{work}")
    assert work.read_bytes() == before
    assert not list(tmp_path.glob("*.restoring*"))


def test_leftover_parts_are_removed_by_the_next_backup(engine, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = folder / "crmdesk-20261130-010101.sqlite.part"
    old.write_bytes(b"\0" * 4096)
    past = time.time() - PART_GRACE_SECONDS - 5
    os.utime(old, (past, past))
    fresh = folder / "crmdesk-20261201-010101.json.part"  # another backup may be writing it
    fresh.write_bytes(b"{")
    mine = folder / "notes.part"  # not ours: never touched
    mine.write_text("x")
    os.utime(mine, (past, past))
    result = backup(engine, to_dir=folder)
    assert result.ok, result.message
    assert old in result.removed and not old.exists()
    assert fresh.exists() and mine.exists()
    assert not [p for p in folder.iterdir() if p.suffix == ".part" and p not in (fresh, mine)]
    assert remove_leftovers(folder, now=time.time() + PART_GRACE_SECONDS + 1) == [fresh]


def test_db_copy_refuses_what_postgresql_cannot_hold_and_names_it(
    sqlite_template, tmp_path, pg_available
):
    if not pg_available:
        pytest.skip("no PostgreSQL server answers")
    from sqlalchemy import text

    from tests.conftest import new_pg_database, pg_admin_execute, pg_url

    path = tmp_path / "old.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    src = open_database(f"sqlite:///{path}")
    with src.begin() as conn:  # written by an older crmdesk, before the limits
        conn.execute(
            text(
                "INSERT INTO clients (kind, name, search_name, search_text, deletion_mark,"
                " version, updated_at, created_at) VALUES ('company', 'ООО' || char(0) || 'Ноль',"
                " 'ооо', 'ооо', 0, 1, '2025-01-01', '2025-01-01')"
            )
        )
    name = new_pg_database()
    try:
        with pytest.raises(CrmError, match="Копирование прервано.*«clients», строка 1.*«name»"):
            copy_database(src, pg_url(name))
        dst = open_database(pg_url(name))
        assert clients(dst) == 0
        dst.dispose()
    finally:
        src.dispose()
        pg_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
