"""Import and backup at office scale: prints figures.

    python benchmarks/import_backup.py [--db /tmp/imp-bench/1m.sqlite] [--rows 100000]
        [--duplicates 0.1] [--no-again] [--pg URL]

1. a 100,000-row XLSX (phones in every typed format, INNs, e-mails, groups, a share of
   rows that are clients already stored) is imported into a copy of a database holding
   1,000,000 clients (``crmdesk --db sqlite:////tmp/imp-bench/1m.sqlite demo --clients
   1000000`` makes one in 5–15 min): time and peak RSS of the importing process;
2. the same file imported again into that copy (every row a duplicate: the merge path);
3. a backup of the 1,000,000-client database (SQLite online backup + its check): time, size.

Each measurement runs in its own process, so its peak RSS (``resource.getrusage``) is its
own. The load average is printed with every figure: the machine may be shared.
``--pg URL`` also imports into that PostgreSQL database (make it from the SQLite one with
``crmdesk --db sqlite:///… db copy --to URL``; the import changes it, so a second run there
measures a re-import).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

WORK = Path("/tmp/imp-bench")
GROUPS = ["Опт", "оптовик", "Розница", "розница ", "Новый", "VIP", "Постоянный", None]
FORMATS = [
    lambda d: f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
    lambda d: int("8" + d),
    lambda d: f"{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}",
    lambda d: f"+7{d}",
]


def _rss_mb() -> float:
    """This process's peak RSS. ``ru_maxrss`` is not enough: Linux carries the spawning
    parent's peak over exec (the parent that built the XLSX with openpyxl), so the peak of
    this process image (VmHWM) is read where /proc has it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _inn10(rnd: random.Random) -> str:
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    while True:
        digits = [rnd.randint(0, 9) for _ in range(9)]
        if digits[0]:
            break
    check = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def make_xlsx(db: str, path: Path, rows: int, duplicates: float, seed: int = 7) -> dict:
    """A client base as an office keeps it; a share of rows repeats stored clients' phones."""
    from openpyxl import Workbook
    from sqlalchemy import create_engine, text

    rnd = random.Random(seed)
    engine = create_engine(db)
    with engine.connect() as conn:
        top = conn.scalar(text("SELECT max(id) FROM client_phones"))
        picks = sorted(rnd.sample(range(1, top + 1), int(rows * duplicates)))
        stored = [
            r[0]
            for r in conn.execute(
                text(f"SELECT e164 FROM client_phones WHERE id IN ({','.join(map(str, picks))})")
            )
            if r[0].startswith("+7")
        ]
    engine.dispose()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Клиенты")
    ws.append(["База клиентов на 01.10.2026"])
    ws.append([])
    ws.append(["№", "Клиент", "Телефон", "E-mail", "ИНН", "Группа", "Менеджер", "Комментарий"])
    dup_at = set(rnd.sample(range(rows), len(stored)))
    stored_iter = iter(stored)
    for i in range(rows):
        if i in dup_at:
            digits = next(stored_iter)[2:]
        else:
            digits = f"9{rnd.randint(0, 10**9 - 1):09d}"
        phone = rnd.choice(FORMATS)(digits)
        if rnd.random() < 0.05:
            second = f"{rnd.randint(100, 999)}-{rnd.randint(10, 99)}-{rnd.randint(10, 99)}"
            phone = f"{phone}, +7 (343) {second}"
        name = f"ООО «Импорт-{i}»" if i % 3 else f"Клиентов Клиент {i}"
        inn = _inn10(rnd) if i % 3 and rnd.random() < 0.7 else None
        if inn and rnd.random() < 0.01:
            inn = inn[:-1] + str((int(inn[-1]) + 1) % 10)
        email = f"client{i}@example.ru" if rnd.random() < 0.6 else None
        ws.append([i + 1, name, phone, email, inn, rnd.choice(GROUPS), None,
                   "перезвонить" if rnd.random() < 0.2 else None])
    wb.save(path)
    return {"rows": rows, "duplicates_in_file": len(stored), "xlsx_mb": path.stat().st_size / 2**20}


def run_import(db: str, path: Path) -> dict:
    from crmdesk.db import make_engine
    from crmdesk.services.imports import import_clients

    engine = make_engine(db)
    t = time.perf_counter()
    report = import_clients(engine, path)
    took = time.perf_counter() - t
    return {**report.counts(), "seconds": round(took, 1), "peak_rss_mb": round(_rss_mb())}


def run_backup(db: str, to: Path) -> dict:
    from crmdesk.db import make_engine
    from crmdesk.services.backup import backup

    engine = make_engine(db)
    t = time.perf_counter()
    result = backup(engine, to_dir=to)
    took = time.perf_counter() - t
    return {
        "ok": result.ok,
        "method": result.method,
        "seconds": round(took, 1),
        "size_mb": round(result.size / 2**20),
        "peak_rss_mb": round(_rss_mb()),
        "message": result.message,
    }


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _child(*args) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, *map(str, args)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", default=str(WORK / "1m.sqlite"))
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--duplicates", type=float, default=0.1)
    p.add_argument("--pg", metavar="URL", help="also import into this PostgreSQL copy")
    p.add_argument("--no-again", dest="again", action="store_false",
                   help="skip importing the file a second time")
    p.add_argument("step", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step:  # a measurement in its own process
        kind, *rest = args.step
        result = {"make": lambda: make_xlsx(rest[0], Path(rest[1]), int(rest[2]), float(rest[3])),
                  "import": lambda: run_import(rest[0], Path(rest[1])),
                  "backup": lambda: run_backup(rest[0], Path(rest[1]))}[kind]()
        print(json.dumps(result, ensure_ascii=False))
        return
    src = Path(args.db)
    if not src.exists():
        sys.exit(f"{src} is missing: crmdesk --db sqlite:///{src} demo --clients 1000000")
    url = f"sqlite:///{src}"
    xlsx = WORK / f"import-{args.rows}.xlsx"
    if not xlsx.exists():
        made = _child("make", url, xlsx, args.rows, args.duplicates)
        print(f"file: {xlsx} ({made['xlsx_mb']:.1f} MB), {made['rows']} rows, "
              f"{made['duplicates_in_file']} of them stored clients' phones")
    copy = WORK / "import-target.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        stored = conn.scalar(text("SELECT count(*) FROM clients"))
    eng.dispose()
    shutil.copy(src, copy)
    print(f"machine: {os.cpu_count()} cores; before: {_load()}")
    r = _child("import", f"sqlite:///{copy}", xlsx)
    print(f"import into SQLite with {stored:,} clients: {r['rows']:,} rows in {r['seconds']} s "
          f"(created {r['created']:,}, merged {r['merged']:,}, rejected {r['rejected']}, "
          f"warnings {r['warnings']}), peak RSS {r['peak_rss_mb']} MB; after: {_load()}")
    if args.again:
        r = _child("import", f"sqlite:///{copy}", xlsx)
        print(f"the same file again (every row a duplicate): {r['seconds']} s (created "
              f"{r['created']:,}, merged {r['merged']:,}), peak RSS {r['peak_rss_mb']} MB; "
              f"after: {_load()}")
    if args.pg:
        r = _child("import", args.pg, xlsx)
        print(f"import into PostgreSQL: {r['rows']:,} rows in {r['seconds']} s "
              f"(created {r['created']:,}, merged {r['merged']:,}), peak RSS {r['peak_rss_mb']} MB")
    out = WORK / "backups"
    shutil.rmtree(out, ignore_errors=True)
    b = _child("backup", url, out)
    print(f"backup of the {stored:,}-client SQLite database ({src.stat().st_size / 2**30:.2f} GB):"
          f" {b['seconds']} s, {b['size_mb']} MB, {b['method']}, ok={b['ok']}, "
          f"peak RSS {b['peak_rss_mb']} MB; after: {_load()}")
    print(f"  {b['message']}")


if __name__ == "__main__":
    main()
