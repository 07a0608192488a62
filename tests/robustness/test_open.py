"""Opening a ready database neither takes SQLite's write lock nor imports alembic."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from sqlalchemy import func, select

from crmdesk.db import make_engine, open_database, schema_state
from crmdesk.models import Client
from crmdesk.services.backup import backup_dir
from crmdesk.services.context import unit_of_work
from crmdesk.services.setup import initialize


def test_reading_while_an_import_holds_the_write_lock(sqlite_template, tmp_path):
    path = tmp_path / "crm.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")  # what an import's long transaction holds
    writer.execute("UPDATE settings SET value = value WHERE 1 = 0")
    try:
        # the way every CLI command and the desktop open the base, with a short busy wait so
        # a write lock taken by mistake fails at once instead of after ten seconds
        engine = open_database(f"sqlite:///{path}")
        engine.dispose()
        engine = make_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})
        initialize(engine)
        assert schema_state(engine)[0] == schema_state(engine)[1]
        assert backup_dir(engine).name == "backups"
        with unit_of_work(engine, read_only=True) as ctx:
            assert ctx.session.scalar(select(func.count()).select_from(Client)) == 0
        engine.dispose()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_new_database_still_gets_its_defaults(tmp_path):
    engine = open_database(f"sqlite:///{tmp_path / 'new.sqlite'}")
    initialize(engine)
    with unit_of_work(engine) as ctx:
        assert ctx.user.login == "admin"
    engine.dispose()


def test_alembic_is_imported_only_when_a_migration_runs(sqlite_template, tmp_path):
    path = tmp_path / "ready.sqlite"
    path.write_bytes(sqlite_template.read_bytes())
    ready, empty = f"sqlite:///{path}", f"sqlite:///{tmp_path / 'empty.sqlite'}"
    code = (
        "import sys\n"
        "import crmdesk.cli\n"
        "from crmdesk.db import open_database\n"
        "from crmdesk.services.setup import initialize\n"
        f"engine = open_database({ready!r})\n"
        "initialize(engine)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
        f"open_database({empty!r})\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert out == ["[]", "True"]
