"""crmdesk mail …, sms …, templates …, mailing …, leads …: communications from the CLI."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from crmdesk.services.errors import ValidationError


def register(sub, common) -> None:
    _mail(sub, common)
    _sms(sub, common)
    tp = sub.add_parser("templates", parents=[common], help="шаблоны писем и SMS")
    tps = tp.add_subparsers(dest="templates_command", required=True)
    tl = tps.add_parser("list", parents=[common], help="список шаблонов")
    tl.add_argument("--channel", choices=("email", "sms"))
    tl.set_defaults(handler=run_templates_list)
    tv = tps.add_parser("preview", parents=[common], help="шаблон, заполненный для клиента")
    tv.add_argument("name")
    tv.add_argument("--client", type=int, required=True, metavar="ID")
    tv.add_argument("--document", type=int, metavar="ID")
    tv.set_defaults(handler=run_templates_preview)
    _mailing(sub, common)
    lp = sub.add_parser("leads", parents=[common], help="потенциальные клиенты из почты")
    lps = lp.add_subparsers(dest="leads_command", required=True)
    cv = lps.add_parser("convert", parents=[common], help="сделать клиентом (с историей)")
    cv.add_argument("id", type=int)
    cv.set_defaults(handler=run_lead_convert)
    rj = lps.add_parser("reject", parents=[common], help="отклонить с причиной")
    rj.add_argument("id", type=int)
    rj.add_argument("--reason", required=True)
    rj.set_defaults(handler=run_lead_reject)
    try:
        from crmdesk.cli import add_list
    except ImportError:  # an older cli without the list registry
        return
    add_list("interactions", _interactions_rows,
             ["id", "when", "kind_text", "client", "contact", "gist"])
    add_list("leads", _leads_rows,
             ["id", "name", "email", "phone", "status_text", "manager", "created_at"])


def _mail(sub, common) -> None:
    mp = sub.add_parser("mail", parents=[common], help="почта: учётная запись, отправка, приём")
    mps = mp.add_subparsers(dest="mail_command", required=True)
    ac = mps.add_parser(
        "account", parents=[common], help="учётная запись почты (общая или пользователя)",
        description="Пароль — из переменной CRMDESK_MAIL_PASSWORD или спрашивается; в базе "
        "не хранится (хранилище паролей системы или память сеанса). smtp:// без "
        "пользователя — без входа (локальный relay); smtps:// — SSL/TLS; smtp+starttls:// — "
        "STARTTLS; то же для imap://, imaps://.",
    )
    ac.add_argument("--smtp", required=True, metavar="smtp[s]://USER@HOST:PORT")
    ac.add_argument("--imap", metavar="imap[s]://USER@HOST:PORT")
    ac.add_argument("--from", dest="from_address", required=True, metavar="ADDRESS")
    ac.add_argument("--name", help="подпись отправителя, например «ООО ТеплоДом»")
    ac.add_argument("--for", dest="for_login", metavar="LOGIN",
                    help="ящик пользователя (без --for — общий ящик офиса)")
    ac.add_argument("--per-minute", type=int, metavar="N", help="не больше N писем в минуту")
    ac.add_argument("--leads", choices=("fixed", "turns"),
                    help="ответственный за новых клиентов из почты: fixed — один, turns — "
                    "менеджеры по очереди")
    ac.add_argument("--lead-manager", metavar="LOGIN")
    ac.add_argument("--check", action="store_true", help="сразу проверить вход")
    ac.set_defaults(handler=run_account)
    ck = mps.add_parser("check", parents=[common], help="проверить вход в почту")
    ck.add_argument("--for", dest="for_login", metavar="LOGIN")
    ck.set_defaults(handler=run_check)
    sd = mps.add_parser("send", parents=[common], help="отправить документ клиенту")
    sd.add_argument("form", choices=("invoice", "order", "proposal"))
    sd.add_argument("number")
    sd.add_argument("--to", metavar="ADDRESS")
    sd.add_argument("--format", dest="fmt", choices=("pdf", "xlsx"), default="pdf")
    sd.add_argument("--template", metavar="NAME")
    sd.set_defaults(handler=run_send)
    ft = mps.add_parser("fetch", parents=[common], help="забрать почту в историю и лиды")
    ft.set_defaults(handler=run_fetch)


def _sms(sub, common) -> None:
    sp = sub.add_parser("sms", parents=[common], help="SMS: провайдер, отправка, статусы")
    sps = sp.add_subparsers(dest="sms_command", required=True)
    pr = sps.add_parser("provider", parents=[common], help="провайдер SMS",
                        description="Ключ — из переменной CRMDESK_SMS_KEY или спрашивается; "
                        "в базе не хранится.")
    pr.add_argument("kind", choices=("smsru", "smsc"))
    pr.add_argument("--url", metavar="BASE_URL", help="адрес сервиса (по умолчанию его сайт)")
    pr.add_argument("--sender", metavar="NAME", help="имя отправителя")
    pr.add_argument("--login", help="логин (SMSC.ru)")
    pr.add_argument("--per-minute", type=int, metavar="N")
    pr.set_defaults(handler=run_provider)
    sd = sps.add_parser("send", parents=[common], help="одно SMS")
    sd.add_argument("number")
    sd.add_argument("text")
    sd.add_argument("--client", type=int, metavar="ID")
    sd.set_defaults(handler=run_sms_send)
    st = sps.add_parser("status", parents=[common], help="узнать статусы доставки")
    st.set_defaults(handler=run_sms_status)


def _mailing(sub, common) -> None:
    mp = sub.add_parser("mailing", parents=[common], help="рассылки по отбору клиентов")
    mps = mp.add_subparsers(dest="mailing_command", required=True)
    rn = mps.add_parser("run", parents=[common], help="создать и отправить рассылку")
    rn.add_argument("--template", required=True, metavar="NAME")
    rn.add_argument("--channel", choices=("email", "sms"))
    rn.add_argument("--group", action="append", metavar="NAME", help="группа (можно несколько)")
    rn.add_argument("--manager", metavar="LOGIN")
    rn.add_argument("--status")
    rn.add_argument("--source")
    rn.add_argument("--product", action="append", metavar="NAME")
    rn.add_argument("--no-contact-days", type=int, metavar="N")
    rn.add_argument("--overdue-days", type=int, metavar="N")
    rn.add_argument("--birthdays", action="store_true", help="дни рождения на этой неделе")
    rn.add_argument("--dry-run", action="store_true", help="только показать, кому уйдёт")
    rn.add_argument("-o", "--output", metavar="FILE.xlsx", help="сохранить результаты")
    rn.set_defaults(handler=run_mailing)
    rs = mps.add_parser("resume", parents=[common], help="продолжить прерванную рассылку")
    rs.add_argument("id", type=int)
    rs.add_argument("-o", "--output", metavar="FILE.xlsx")
    rs.set_defaults(handler=run_resume)
    rr = mps.add_parser("results", parents=[common], help="результаты рассылки")
    rr.add_argument("id", type=int)
    rr.add_argument("-o", "--output", metavar="FILE.xlsx")
    rr.set_defaults(handler=run_results)
    cs = mps.add_parser("consent", parents=[common],
                        help="согласие клиента (контакта) на рекламные рассылки")
    cs.add_argument("client", type=int, metavar="CLIENT_ID")
    cs.add_argument("--contact", type=int, metavar="ID")
    cs.add_argument("--email", choices=("yes", "no"))
    cs.add_argument("--sms", choices=("yes", "no"))
    cs.add_argument("--opt-out", action="store_true", help="отказался от рассылок (с сегодня)")
    cs.set_defaults(handler=run_consent)


def _ask(env: str, prompt: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt) or None
    return None


def run_account(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import mail
    from crmdesk.services.context import unit_of_work

    needs = bool(mail.parse_server_url(args.smtp, "SMTP", "smtp").login or args.imap)
    password = _ask(mail.PASSWORD_ENV, "Пароль почты: ") if needs else None
    if needs and not password:
        raise ValidationError("Пароль", f"не задан: переменная {mail.PASSWORD_ENV} или ввод "
                              "в терминале")
    with unit_of_work(engine, args.user) as ctx:
        account, where = mail.set_account(
            ctx, args.smtp, args.from_address, args.imap, args.for_login, password,
            from_name=args.name, per_minute=args.per_minute, lead_rule=args.leads,
            lead_manager=args.lead_manager)
        account_id, name = account.id, account.name
    checked = []
    if args.check:
        with unit_of_work(engine, args.user) as ctx:
            checked = mail.check_account(ctx, account_id)
    kept = {"keyring": "в хранилище паролей системы",
            "memory": "только в памяти этого сеанса (в системе нет хранилища паролей): "
                      f"в следующий раз задайте {mail.PASSWORD_ENV}"}.get(where)
    data = {"id": account_id, "name": name, "password": where, "checked": checked}
    emit(args, data, lambda: "\n".join([f"Учётная запись «{name}» сохранена."]
                                       + ([f"Пароль сохранён {kept}."] if kept else [])
                                       + checked))
    return 0


def run_check(args, engine) -> int:
    from sqlalchemy import select

    from crmdesk.cli import emit
    from crmdesk.models import User
    from crmdesk.services import mail
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        user = ctx.session.scalar(select(User).where(User.login == args.for_login)) \
            if args.for_login else None
        checked = mail.check_account(ctx, mail.account_for(ctx.session, user).id)
    emit(args, {"checked": checked}, lambda: "\n".join(checked))
    return 0


def run_send(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import mail
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        doc = mail.find_document(ctx, args.form, args.number)
        letter = mail.send_document(ctx, doc.id, args.to, args.fmt, args.template)
        data = {"document": doc.number, "to": letter.to_address, "subject": letter.subject,
                "message_id": letter.message_id, "interaction_id": letter.interaction_id}
    emit(args, data, lambda: f"{data['document']} отправлен на {data['to']}: «{data['subject']}»")
    return 0


def run_fetch(args, engine) -> int:
    from crmdesk.cli import emit, progress, table
    from crmdesk.services import inbox

    rows = [f.as_dict() for f in inbox.fetch_all(engine, args.user, progress(args))]
    titles = {"interaction": "в историю клиента", "lead": "новый потенциальный клиент",
              "lead_letter": "к потенциальному клиенту", "duplicate": "уже было"}
    for r in rows:
        r["result"] = titles[r["kind"]]
    emit(args, rows, lambda: table(rows, ["account", "uid", "sender", "subject", "result",
                                          "client_id", "lead_id"]))
    return 0


def run_provider(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import sms
    from crmdesk.services.context import unit_of_work

    key = _ask(sms.KEY_ENV, "Ключ (пароль) провайдера SMS: ")
    if not key:
        raise ValidationError("Ключ", f"не задан: переменная {sms.KEY_ENV} или ввод в терминале")
    with unit_of_work(engine, args.user) as ctx:
        provider, where = sms.set_provider(ctx, args.kind, key, args.url, args.sender,
                                           args.login, args.per_minute)
        data = {"id": provider.id, "kind": provider.kind, "url": provider.base_url,
                "sender": provider.sender, "key": where}
    emit(args, data, lambda: f"Провайдер SMS: {sms.TITLES[data['kind']]} ({data['url']}), "
         f"ключ сохранён: {'хранилище паролей системы' if where == 'keyring' else 'память'}.")
    return 0


def run_sms_send(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import sms
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        row = sms.outbox_row(sms.send_sms(ctx, args.number, args.text, args.client))
    if row["status"] == "failed":
        emit(args, row, lambda: f"SMS не отправлено: {row['reason']}")
        return 1
    emit(args, row, lambda: f"SMS отправлено на {row['address']}: частей {row['parts']}"
         + (f", стоимость {row['cost']} руб." if row["cost"] else ""))
    return 0


def run_sms_status(args, engine) -> int:
    from crmdesk.cli import emit, table
    from crmdesk.services import sms
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        rows = [sms.outbox_row(r) for r in sms.poll_statuses(ctx)]
    emit(args, rows, lambda: table(rows, ["id", "address", "status_text", "reason"]))
    return 0


def run_templates_list(args, engine) -> int:
    from crmdesk.cli import emit, table
    from crmdesk.services import templates
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        rows = [{"id": t.id, "name": t.name, "channel": t.channel, "subject": t.subject,
                 "advertising": t.advertising, "document": t.doc_type, "body": t.body}
                for t in templates.list_templates(ctx, args.channel)]
    emit(args, rows, lambda: table(rows, ["id", "name", "channel", "advertising", "document",
                                          "subject"]))
    return 0


def run_templates_preview(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import templates
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        text = templates.preview(ctx, args.name, args.client, args.document)
    data = {"subject": text.subject, "body": text.body}
    emit(args, data, lambda: (f"Тема: {text.subject}\n\n" if text.subject else "") + text.body)
    return 0


def _segment(args) -> dict:
    return {"groups": args.group, "manager": args.manager, "status": args.status,
            "source": args.source, "products": args.product,
            "no_contact_days": args.no_contact_days, "overdue_days": args.overdue_days,
            "birthdays_week": args.birthdays}


def _print_results(args, engine, mailing_id: int, counts: dict) -> int:
    from crmdesk.cli import emit, table
    from crmdesk.models.comms import OUTBOX_STATUSES
    from crmdesk.services import mailings
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        rows = mailings.results(ctx, mailing_id)
        if getattr(args, "output", None):
            if not args.output.lower().endswith(".xlsx"):
                raise ValidationError("-o", f"«{args.output}»: нужен файл .xlsx")
            Path(args.output).write_bytes(mailings.results_xlsx(ctx, mailing_id))
    data = {"mailing_id": mailing_id, "counts": counts, "recipients": rows}
    summary = ", ".join(f"{OUTBOX_STATUSES[k].lower()}: {v}" for k, v in sorted(counts.items()))
    emit(args, data, lambda: table(rows, ["recipient", "address", "status_text", "reason"])
         + f"\nРассылка {mailing_id}: {summary}")
    return 0


def run_mailing(args, engine) -> int:
    from crmdesk.cli import emit, progress, table
    from crmdesk.services import mailings
    from crmdesk.services.context import unit_of_work

    if args.dry_run:
        with unit_of_work(engine, args.user) as ctx:
            mailing = mailings.create_mailing(ctx, args.template, _segment(args), args.channel,
                                              dry_run=True)
            rows = mailings.results(ctx, mailing.id)
            for r in rows:
                if r["status"] == "pending":
                    r["status"], r["status_text"] = "would_send", "Будет отправлено"
            ctx.session.rollback()  # only a look: nothing is stored
        emit(args, {"dry_run": True, "recipients": rows},
             lambda: table(rows, ["recipient", "address", "status_text", "reason"]))
        return 0
    with unit_of_work(engine, args.user) as ctx:
        mailing_id = mailings.create_mailing(ctx, args.template, _segment(args),
                                             args.channel).id
    counts = mailings.run_mailing(engine, mailing_id, args.user, progress(args))
    return _print_results(args, engine, mailing_id, counts)


def run_resume(args, engine) -> int:
    from crmdesk.cli import progress
    from crmdesk.services import mailings

    counts = mailings.run_mailing(engine, args.id, args.user, progress(args))
    return _print_results(args, engine, args.id, counts)


def run_results(args, engine) -> int:
    from crmdesk.services import mailings
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user, read_only=True) as ctx:
        counts = mailings.counts(ctx.session, args.id)
    return _print_results(args, engine, args.id, counts)


def run_consent(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import mailings
    from crmdesk.services.context import unit_of_work

    flag = {"yes": True, "no": False, None: None}
    with unit_of_work(engine, args.user) as ctx:
        target = mailings.set_consent(ctx, args.client, args.contact, flag[args.email],
                                      flag[args.sms], True if args.opt_out else None)
        data = mailings.consent_row(target)
    yes = {True: "да", False: "нет"}
    emit(args, data, lambda: f"{data['name']}: e-mail — {yes[data['consent_email']]}, SMS — "
         f"{yes[data['consent_sms']]}"
         + (f", отказ с {data['opt_out_at'][:10]}" if data["opt_out_at"] else ""))
    return 0


def run_lead_convert(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import leads
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        client = leads.convert_lead(ctx, args.id)
        data = {"lead_id": args.id, "client_id": client.id, "client": client.name}
    emit(args, data, lambda: f"Создан клиент «{data['client']}» (код {data['client_id']}).")
    return 0


def run_lead_reject(args, engine) -> int:
    from crmdesk.cli import emit
    from crmdesk.services import leads
    from crmdesk.services.context import unit_of_work

    with unit_of_work(engine, args.user) as ctx:
        data = leads.lead_row(leads.reject_lead(ctx, args.id, args.reason))
    emit(args, data, lambda: f"Отклонён: {data['name']} — {data['reject_reason']}")
    return 0


def _interactions_rows(args, ctx) -> list[dict]:
    from crmdesk.services.inbox import interaction_rows

    return interaction_rows(ctx, limit=args.limit)


def _leads_rows(args, ctx) -> list[dict]:
    from crmdesk.services import leads

    return [leads.lead_row(x) for x in leads.list_leads(ctx, limit=args.limit)]
