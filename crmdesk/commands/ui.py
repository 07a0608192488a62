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
    p.set_defaults(handler=screenshots, needs_db=False)


def screenshots(args, _engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.ui.screenshots import render

    paths = render(args.outdir, url=args.db, clients=args.clients, language=args.language)
    emit(args, [str(p) for p in paths], lambda: "\n".join(str(p) for p in paths))
    return 0
