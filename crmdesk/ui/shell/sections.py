"""The section panel's sections and, for each, its function panel: lists, create, reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crmdesk.services import rights


@dataclass(frozen=True)
class Item:
    kind: str  # list | new | form | report | kanban | start | import | backup | purge
    target: str
    title: str
    icon: str
    permission: str | None = None
    module: str | None = None  # an optional module («housing»): shown only while it is on


# Optional modules: name → fn(session) -> bool, whether it is switched on (a form module adds
# its own); the items of a module that is off are not shown in any section.
MODULES: dict[str, Callable] = {}


def modules_off(app) -> set[str]:
    """The optional modules switched off in this database's settings."""
    if not MODULES:
        return set()
    with app.uow(read_only=True) as ctx:
        return {name for name, on in MODULES.items() if not on(ctx.session)}


SECTIONS: list[tuple[str, str, str, list[Item]]] = [
    (
        "main",
        "Главное",
        "section_main",
        [
            Item("start", "start", "Начальная страница", "home"),
            Item("list", "tasks", "Задачи", "task"),
            Item("new", "task", "Задача: создать", "add"),
            Item("list", "interactions", "Взаимодействия", "call"),
        ],
    ),
    (
        "crm",
        "CRM",
        "section_crm",
        [
            Item("list", "clients", "Клиенты", "client"),
            Item("new", "client", "Клиент: создать", "add", rights.EDIT_OWN),
            Item("list", "contacts", "Контактные лица", "contact"),
            Item("list", "interactions", "Взаимодействия", "call"),
            Item("new", "interaction", "Записать звонок", "call", rights.INTERACTIONS),
            Item("list", "tasks", "Задачи", "task"),
            Item("import", "clients", "Загрузить клиентов из файла…", "import", rights.EDIT_OWN),
        ],
    ),
    (
        "sales",
        "Продажи",
        "section_sales",
        [
            Item("kanban", "deals", "Воронка сделок", "kanban"),
            Item("list", "deals", "Сделки", "deal"),
            Item("new", "deal", "Сделка: создать", "add", rights.EDIT_OWN),
            Item("report", "funnel", "Воронка продаж (отчёт)", "chart"),
            Item("processes", "all", "Процессы и правила", "kanban", rights.CATALOG),
            Item("plans", "all", "Планы продаж", "chart", rights.REPORTS),
            Item("list", "proposals", "Коммерческие предложения", "proposal"),
            Item("list", "orders", "Заказы клиентов", "order"),
            Item("new", "proposal", "Коммерческое предложение: создать", "add", rights.DOCUMENTS),
            Item("new", "order", "Заказ клиента: создать", "add", rights.DOCUMENTS),
            Item("list", "contracts", "Договоры", "basis"),
            Item("new", "contract", "Договор: создать", "add", rights.DOCUMENTS),
        ],
    ),
    (
        "money",
        "Деньги",
        "section_money",
        [
            Item("list", "invoices", "Счета на оплату", "invoice"),
            Item("list", "payments", "Поступления оплат", "payment"),
            Item("new", "invoice", "Счёт на оплату: создать", "add", rights.DOCUMENTS),
            Item("new", "payment", "Поступление оплаты: создать", "add", rights.DOCUMENTS),
            Item("bank_import", "bank", "Загрузить выписку из банка…", "import",
                 rights.DOCUMENTS),
            Item("list", "bank_payments", "Загруженные платежи банка", "payment",
                 rights.VIEW_ALL),
            Item("list", "contracts", "Договоры", "basis"),
            Item("report", "receivables", "Задолженность клиентов", "report"),
            Item("report", "forecast", "Прогноз поступлений", "chart"),
        ],
    ),
    (
        "reports",
        "Отчёты",
        "section_reports",
        [
            Item("report", "gross-profit", "Валовая прибыль", "chart"),
            Item("report", "funnel", "Воронка продаж", "chart"),
            Item("report", "pipeline", "Взвешенный прогноз продаж", "chart"),
            Item("report", "plan-fact", "План-факт продаж", "chart"),
            Item("report", "receivables", "Задолженность клиентов", "report"),
            Item("report", "forecast", "Прогноз поступлений", "chart"),
        ],
    ),
    (
        "catalogs",
        "Справочники",
        "section_catalogs",
        [
            Item("list", "clients", "Клиенты", "client"),
            Item("list", "products", "Товары и услуги", "product"),
            Item("list", "groups", "Группы клиентов", "group"),
            Item("list", "users", "Менеджеры", "users"),
        ],
    ),
    (
        "admin",
        "Администрирование",
        "section_admin",
        [
            Item("form", "organization", "Организация", "organization", rights.ADMIN),
            Item("form", "settings", "Настройки", "settings", rights.ADMIN),
            Item("form", "proposal_design", "Оформление коммерческих предложений", "proposal",
                 rights.ADMIN),
            Item("list", "users", "Пользователи", "users", rights.ADMIN),
            Item("list", "roles", "Роли и права", "role", rights.ADMIN),
            Item("backup", "backup", "Резервное копирование", "backup", rights.ADMIN),
            Item("purge", "purge", "Удаление помеченных объектов", "mark_deletion", rights.ADMIN),
        ],
    ),
]


def add_items(section: str, *items: Item, at: int | None = None) -> None:
    """Put a form module's functions into a section's panel, once (a module may be imported
    again): items whose target the section already has are skipped; ``at`` inserts them at
    that place instead of at the end."""
    for code, _title, _icon, present in SECTIONS:
        if code != section:
            continue
        have = {(i.kind, i.target) for i in present}
        new = [i for i in items if (i.kind, i.target) not in have]
        if at is None:
            present.extend(new)
        else:
            present[at:at] = new
        return
    raise KeyError(f"no section «{section}»")
