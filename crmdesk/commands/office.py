"""The office's administration from the command line: creating a database, demo data, loading
an exchange file, users' passwords and the settings that govern signing in."""

from __future__ import annotations

import os
import sys

from crmdesk.services.errors import ValidationError

SETTINGS = {  # what `crmdesk settings set` may change: name → (kind, what it means)
    "allow_empty_passwords": ("bool", "вход без пароля для пользователей без пароля"),
    "phone_region": ("text", "страна телефонных номеров без кода (RU, KZ, BY…)"),
    "invoice_due_days": ("int", "срок оплаты счёта, дней"),
}
ON, OFF = {"on", "yes", "true", "1", "да", "вкл"}, {"off", "no", "false", "0", "нет", "выкл"}


def register(sub, common) -> None:
    us = sub.add_parser("users", parents=[common], help="пользователи: пароли")
    uss = us.add_subparsers(dest="users_command", required=True)
    pw = uss.add_parser(
        "password", parents=[common], help="задать пароль пользователя (администратор)",
        description="Новый пароль берётся из CRMDESK_NEW_PASSWORD или спрашивается дважды в "
        "терминале. --none снимает пароль (вход без пароля, только если он разрешён).",
    )
    pw.add_argument("login")
    pw.add_argument("--none", dest="no_password", action="store_true", help="снять пароль")
    pw.set_defaults(handler=password_command)

    st = sub.add_parser("settings", parents=[common], help="настройки базы (администратор)")
    sts = st.add_subparsers(dest="settings_command", required=True)
    ss = sts.add_parser("set", parents=[common], help="изменить настройку",
                        description="Настройки: " + "; ".join(
                            f"{k} — {v[1]}" for k, v in SETTINGS.items()))
    ss.add_argument("name", choices=list(SETTINGS))
    ss.add_argument("value")
    ss.set_defaults(handler=settings_command)
    sg = sts.add_parser("show", parents=[common], help="показать настройки")
    sg.set_defaults(handler=settings_command)

    from crmdesk.commands.office_sessions import register as register_live  # sessions, pg-backup

    register_live(sub, common)


def _new_password(login: str) -> str:
    import getpass

    from crmdesk.services.errors import CrmError

    if os.environ.get("CRMDESK_NEW_PASSWORD"):
        return os.environ["CRMDESK_NEW_PASSWORD"]
    if not (sys.stdin is not None and sys.stdin.isatty()):
        raise CrmError(
            "Новый пароль не задан: укажите его в переменной окружения CRMDESK_NEW_PASSWORD "
            "или выполните команду в терминале."
        )
    first = getpass.getpass(f"Новый пароль пользователя {login}: ")
    if first != getpass.getpass("Повторите пароль: "):
        raise ValidationError("Пароль", "пароли не совпадают")
    return first


def password_command(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.rights import ADMIN
    from crmdesk.services.users import set_password

    with unit_of_work(engine, args.user) as ctx:
        ctx.require(ADMIN)
        new = "" if args.no_password else _new_password(args.login)
        if not args.no_password and not new:
            raise ValidationError("Пароль", "не заполнено (снять пароль: --none)")
        set_password(ctx.session, args.login, new)
    data = {"login": args.login, "password": bool(new)}
    emit(args, data, lambda: f"Пароль пользователя {args.login} "
                             + ("изменён." if new else "снят."))
    return 0


def _value(name: str, text: str):
    kind = SETTINGS[name][0]
    low = text.strip().lower()
    if kind == "bool":
        if low in ON | OFF:
            return low in ON
        raise ValidationError(name, f"«{text}»: можно on или off")
    if kind == "int":
        if not low.isdigit() or int(low) > 3650:
            raise ValidationError(name, f"«{text}»: нужно целое число дней от 0 до 3650")
        return int(low)
    return text.strip().upper() or None


def settings_command(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.rights import ADMIN
    from crmdesk.services.settings import get_setting, set_setting

    with unit_of_work(engine, args.user) as ctx:
        ctx.require(ADMIN)
        if args.settings_command == "set":
            set_setting(ctx.session, args.name, _value(args.name, args.value))
        data = {name: get_setting(ctx.session, name) for name in SETTINGS}
    emit(args, data, lambda: "\n".join(f"{k}: {v}" for k, v in data.items()))
    return 0


# --- commands that may create their database (called by crmdesk.cli.run) -------------------
def db_upgrade(args) -> int:
    """Create or upgrade the schema. A new database's administrator gets CRMDESK_PASSWORD,
    or the password typed twice on a terminal; given none, the command says how to set one
    (until somebody has a password, nobody needs one)."""
    from crmdesk.cli import emit
    from crmdesk.db import describe, make_engine, schema_state, upgrade
    from crmdesk.services import access
    from crmdesk.services.setup import initialize

    engine = make_engine(args.db)
    try:
        before, _ = schema_state(engine)
        backup = upgrade(engine)
        initialize(engine)
        note = _first_admin(engine) if before is None or access.is_fresh(engine) else None
        current, _ = schema_state(engine)
        where = describe(engine)
    finally:
        engine.dispose()
    data = {"database": where, "schema": current, "backup": str(backup) if backup else None}
    if note:
        print(note, file=sys.stderr)
    emit(args, data, lambda: f"Схема {current}: {where}"
         + (f"\nКопия до обновления: {backup}" if backup else ""))
    return 0


def _first_admin(engine) -> str | None:
    """The password of a new database's administrator; the note to print, if any."""
    from crmdesk.services.context import default_login, unit_of_work
    from crmdesk.services.users import set_password

    with unit_of_work(engine) as ctx:
        login = default_login(ctx.session)
        if ctx.user.password_hash:
            return None
        password = os.environ.get("CRMDESK_PASSWORD") or (
            _new_password(login) if sys.stdin is not None and sys.stdin.isatty() else ""
        )
        if password:
            set_password(ctx.session, login, password)
            return None
    return (
        f"Внимание: у администратора «{login}» нет пароля — пока ни у кого нет пароля, "
        f"в базу входят без него. Задайте пароль: «crmdesk users password {login}» "
        "(с CRMDESK_NEW_PASSWORD или в терминале)."
    )


def demo_command(args, engine) -> int:
    """Demo data. Into a database with data only as an administrator; a new demo base keeps
    its administrator without a password and allows signing in without one."""
    from sqlalchemy import select

    from crmdesk.cli import emit, progress, sign_in
    from crmdesk.models import User
    from crmdesk.services import access
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.demo import generate
    from crmdesk.services.rights import ADMIN
    from crmdesk.services.settings import set_setting
    from crmdesk.services.users import ALLOW_EMPTY

    fresh = access.is_fresh(engine)
    if not fresh:
        sign_in(engine, args, ADMIN)
    counts = generate(
        engine,
        clients=args.clients,
        seed=args.seed,
        progress=progress(args),
        today=getattr(args, "today", None),
    )
    if getattr(args, "housing", False):  # requests and the housing module (services/demo_housing)
        from crmdesk.services.demo_housing import generate_housing

        counts.update(generate_housing(engine, seed=args.seed,
                                       today=getattr(args, "today", None)))
    with unit_of_work(engine, args.user) as ctx:
        if fresh:
            set_setting(ctx.session, ALLOW_EMPTY, True)
        users = [
            {"login": u.login, "role": u.role.code, "password": bool(u.password_hash)}
            for u in ctx.session.scalars(select(User).where(User.active).order_by(User.id))
        ]

    def text() -> str:
        lines = [f"{k}: {v}" for k, v in counts.items()]
        lines.append("Пользователи:")
        for u in users:
            how = ("пароль demo" if fresh else "с паролем") if u["password"] else "без пароля"
            lines.append(f"  {u['login']} ({u['role']}) — {how}")
        if fresh:
            lines.append(
                "Это демонстрационная база: вход без пароля разрешён (allow_empty_passwords). "
                "Для работы задайте пароли («crmdesk users password LOGIN») и выключите его "
                "(«crmdesk settings set allow_empty_passwords off»)."
            )
        return "\n".join(lines)

    emit(args, {**counts, "users": users}, text)
    return 0


def load_command(args, engine) -> int:
    """Load an exchange file into an empty database — or one that holds only what
    «db upgrade» creates (its defaults are replaced by the file's)."""
    from crmdesk.cli import emit, progress, sign_in
    from crmdesk.services import access
    from crmdesk.services.exchange import load
    from crmdesk.services.rights import ADMIN
    from crmdesk.services.setup import initialize

    if not access.is_fresh(engine):
        initialize(engine)
        sign_in(engine, args, ADMIN)  # then load() says the database is not empty
    else:
        access.clear_defaults(engine)
    try:
        counts = load(engine, args.file, progress=progress(args))
    except BaseException:
        initialize(engine)  # a fresh database gets its defaults back
        raise
    emit(args, counts, lambda: f"Загружено строк: {sum(counts.values())}")
    return 0
