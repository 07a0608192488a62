"""Hostile and huge import files: time and peak memory of each, in a process of its own.

    python benchmarks/hostile_imports.py [--rows 1048575] [--only KIND ...] [--write]
        [--db sqlite:////tmp/hostile-bench/db.sqlite] [--keep]

Every file of the hostile corpus (tests/robustness/hostile_corpus.py: zip bombs, a bzip2
bomb, lying zip sizes, a column past XFD, wide rows, half a million cells in one row, a
five-million-character cell, three million shared strings, two million rows, truncated
and garbage CSV, a folded 16 MB vCard photo, wrong encodings, files that are not what
their extension says) and an office base of ``--rows`` clients laid out as Excel writes it
(``big``: 1,048,575 rows by default, text in shared strings; ``bad``, on request: as many
rows that all go into the report, rejected or warned) is imported — a dry run by
default (the whole work, rolled back), ``--write`` stores it — in a fresh interpreter.
Printed per file: its size, what happened (refused / imported), the seconds, and the peak
RSS of the importing process (VmHWM; ``ru_maxrss`` is printed too where it differs: Linux
carries the spawning parent's peak over exec). Targets (issue 18): every refusal in
seconds; the 1,048,575-row sheet under 500 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "robustness"))
sys.path.insert(0, str(ROOT))

import hostile_corpus as H  # noqa: E402

WORK = Path("/tmp/hostile-bench")


def _database(url: str | None) -> str:
    from crmdesk.db import open_database
    from crmdesk.services.setup import initialize

    if url:
        return url
    path = WORK / "db.sqlite"
    if path.exists():
        path.unlink()
    engine = open_database(f"sqlite:///{path}")
    initialize(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_048_575, help="rows of the big sheet")
    p.add_argument(
        "--only",
        nargs="*",
        help="these kinds only (the corpus's, «big», or «bad»: every row in the report)",
    )
    p.add_argument("--write", action="store_true", help="store the import, not a dry run")
    p.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    p.add_argument("--keep", action="store_true", help="keep the generated files")
    args = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    files = WORK / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir()
    kinds = args.only or [*H.KINDS, "big"]
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs", flush=True)
    print(f"{'file':22} {'size':>10} {'made':>6}  {'result':9} {'seconds':>8} {'peak MB':>8}")
    worst = 0.0
    for kind in kinds:
        started = time.perf_counter()
        if kind == "big":
            path = H.big_sheet(files / f"office-{args.rows}.xlsx", args.rows)
        elif kind == "bad":
            path = H.rejected_sheet(files / f"bad-{args.rows}.xlsx", args.rows)
        else:
            path = H.make(kind, files)
        made = time.perf_counter() - started
        url = _database(args.db)
        out = H.import_in_child(url, path, dry_run=not args.write, timeout=3600)
        size = path.stat().st_size
        extra = ""
        if out.get("maxrss_mb") and abs(out["maxrss_mb"] - out["peak_mb"]) > 5:
            extra = f" (ru_maxrss {out['maxrss_mb']:.0f})"
        print(
            f"{kind:22} {size / 1024:>8.0f} K {made:>5.1f}s  {out['outcome']:9} "
            f"{out.get('seconds', 0):>8.2f} {out['peak_mb']:>8.0f}{extra}",
            flush=True,
        )
        print(f"    {out['message'].splitlines()[0][:160]}", flush=True)
        if kind not in ("big", "bad"):
            worst = max(worst, out["peak_mb"])
        if not args.keep:
            path.unlink(missing_ok=True)
    print(f"worst peak of the hostile files: {worst:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
