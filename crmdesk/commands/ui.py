"""Desktop commands: screenshots of every form (for the README, reviews and support)."""

from __future__ import annotations


def register(sub, common) -> None:
    p = sub.add_parser(
        "screenshots", parents=[common],
        help="снимки главного окна и всех форм на демонстрационных данных (PNG)",
    )
    p.add_argument("outdir")
    p.add_argument("--clients", type=int, default=200, help="клиентов в демо-базе")
    p.add_argument("--language", choices=["ru", "en"], default=None)
    p.add_argument("--size", default="1400x860", type=_size,
                   help="размер главного окна, например 1366x768 или 1920x1080")
    p.set_defaults(handler=screenshots, needs_db=False)


def _size(text: str) -> tuple[int, int]:
    import argparse

    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}»: нужен размер вида 1366x768") from None
    return width, height


def screenshots(args, _engine) -> int:
    """Without --db: a demo database of its own, anyone may. With --db: the office's data as
    the administrator sees it — so only the administrator, signed in."""
    from crmdesk.cli import emit
    from crmdesk.ui.screenshots import render

    if args.db:
        from crmdesk.cli import sign_in
        from crmdesk.db import make_engine, schema_state
        from crmdesk.services import access
        from crmdesk.services.rights import ADMIN

        url = access.require_existing(args.db)
        engine = make_engine(url)
        try:
            current, _head = schema_state(engine)
            access.require_schema(engine, current, url)
            sign_in(engine, args, ADMIN)
        finally:
            engine.dispose()

    paths = render(args.outdir, url=args.db, clients=args.clients, language=args.language,
                   size=args.size)
    emit(args, [str(p) for p in paths], lambda: "\n".join(str(p) for p in paths))
    return 0
