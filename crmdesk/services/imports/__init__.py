"""Clients in from files: XLSX, CSV (Google Contacts too), vCard — the steps of a wizard.

1. ``open_source(path)`` → a ``Source``: its ``kind``, ``sheet_names()``;
2. ``source.sheet(name, header_row=None)`` → a ``Sheet``: the header row (found, or the
   one the user chose), the headers, the first rows;
3. ``suggest_mapping(session, sheet.headers)`` → ({column: field}, "saved" | "auto"),
   corrected by hand and kept with ``save_mapping``; ``FIELDS`` lists the fields;
4. ``preview(engine, path, sheet=…, header_row=…, mapping=…, limit=200)`` → the report
   and each row's outcome (new, merged, rejected, with its problems), nothing stored;
5. ``import_clients(engine, path, mapping=…, progress=…, cancelled=…)`` → ``ImportReport``
   (counts and every rejected, warned, merged row; ``save_xlsx``), all rows or none.
"""

from __future__ import annotations

from crmdesk.services.imports.columns import (
    FIELDS,
    auto_mapping,
    match_header,
    parse_mapping,
    save_mapping,
    saved_mapping,
    suggest_mapping,
)
from crmdesk.services.imports.report import ImportReport, ReportRow
from crmdesk.services.imports.run import (
    ImportCancelled,
    RowOutcome,
    run_import,
)
from crmdesk.services.imports.sources import Sheet, Source, open_source


def import_clients(
    engine,
    path,
    *,
    user=None,
    sheet=None,
    header_row=None,
    mapping=None,
    dry_run=False,
    progress=None,
    cancelled=None,
) -> ImportReport:
    """Import every row of ``path``; one transaction (nothing stored on error or cancel).

    ``sheet``: a sheet name (None: the first with a recognizable header); ``header_row``:
    the header's row number as the file counts rows (None: found automatically).
    ``mapping``: None (the saved or guessed one), {column index: field code} from the
    wizard, or a --mapping spec {header | column number | letter: field} (dict or JSON).
    ``progress(done, total)`` is called after every batch; ``cancelled`` is a callable or
    a ``threading.Event`` checked between batches.
    """
    report, _ = run_import(
        engine,
        path,
        user=user,
        sheet=sheet,
        header_row=header_row,
        mapping=mapping,
        dry_run=dry_run,
        progress=progress,
        cancelled=cancelled,
    )
    return report


def preview(
    engine,
    path,
    *,
    user=None,
    sheet=None,
    header_row=None,
    mapping=None,
    limit: int | None = 200,
    progress=None,
    cancelled=None,
) -> tuple[ImportReport, list[RowOutcome]]:
    """The first ``limit`` rows (all with None) imported for real and rolled back."""
    report, outcomes = run_import(
        engine,
        path,
        user=user,
        sheet=sheet,
        header_row=header_row,
        mapping=mapping,
        dry_run=True,
        limit=limit,
        collect=True,
        progress=progress,
        cancelled=cancelled,
    )
    return report, outcomes or []


__all__ = [
    "FIELDS",
    "ImportCancelled",
    "ImportReport",
    "ReportRow",
    "RowOutcome",
    "Sheet",
    "Source",
    "auto_mapping",
    "import_clients",
    "match_header",
    "open_source",
    "parse_mapping",
    "preview",
    "save_mapping",
    "saved_mapping",
    "suggest_mapping",
]
