"""Roles and permissions, checked here for every read and write whatever calls the rules."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from crmdesk.models import Client, User
from crmdesk.services.errors import AccessDenied

ADMIN = "admin"  # users, roles, organization, settings, purge of marked objects
VIEW_ALL = "clients.view_all"  # read every manager's clients and their documents
EDIT_ALL = "clients.edit_all"  # change every manager's clients and their documents
EDIT_OWN = "clients.edit_own"  # create clients and change one's own
ASSIGN = "clients.assign"  # give clients and tasks to other managers
DOCUMENTS = "documents.edit"  # write and post sales documents (of clients one may change)
INTERACTIONS = "interactions.create"  # register calls, meetings, letters, requests
CATALOG = "catalog.edit"  # products and services, client groups, sales processes
REPORTS = "reports.view"  # the head's reports over everyone's figures
REQUESTS_ALL = "requests.dispatch"  # see, register and dispatch every service request
REQUESTS_OWN = "requests.own"  # see and carry out the requests one is the executor of

PERMISSIONS = {
    ADMIN: "Администрирование",
    VIEW_ALL: "Просмотр чужих клиентов",
    EDIT_ALL: "Изменение чужих клиентов",
    EDIT_OWN: "Изменение своих клиентов",
    ASSIGN: "Распределение клиентов и задач",
    DOCUMENTS: "Документы продаж",
    INTERACTIONS: "Регистрация обращений и взаимодействий",
    CATALOG: "Справочники: товары, группы, процессы",
    REPORTS: "Отчёты по всем менеджерам",
    REQUESTS_ALL: "Заявки: регистрация и диспетчеризация всех заявок",
    REQUESTS_OWN: "Заявки: выполнение своих заявок",
}

DEFAULT_ROLES = {
    "admin": ("Администратор", list(PERMISSIONS)),
    "head": (
        "Руководитель отдела продаж",
        [VIEW_ALL, EDIT_ALL, EDIT_OWN, ASSIGN, DOCUMENTS, INTERACTIONS, CATALOG, REPORTS],
    ),
    "manager": ("Менеджер", [EDIT_OWN, DOCUMENTS, INTERACTIONS]),
    "operator": ("Оператор", [VIEW_ALL, INTERACTIONS, EDIT_OWN]),
    "dispatcher": ("Диспетчер", [VIEW_ALL, INTERACTIONS, EDIT_OWN, REQUESTS_ALL]),
    "executor": ("Исполнитель", [REQUESTS_OWN]),
}


def require(user: User, permission: str) -> None:
    if not user.has(permission):
        raise AccessDenied(
            f"Недостаточно прав: у пользователя {user.login} нет права "
            f"«{PERMISSIONS.get(permission, permission)}»."
        )


def client_filter(user: User) -> ColumnElement[bool]:
    """SQL condition selecting the clients this user may see."""
    if user.has(VIEW_ALL) or user.has(EDIT_ALL):
        return true()
    return Client.owner_id == user.id


def can_read_client(user: User, client: Client) -> bool:
    return user.has(VIEW_ALL) or user.has(EDIT_ALL) or client.owner_id == user.id


def can_write_client(user: User, client: Client) -> bool:
    if user.has(EDIT_ALL):
        return True
    return user.has(EDIT_OWN) and client.owner_id in (user.id, None)


def check_read_client(user: User, client: Client) -> None:
    """Refuse a client the user may not see — without naming it: nothing a user may not read
    leaves the rules, not even in a refusal."""
    if not can_read_client(user, client):
        raise AccessDenied(
            "Недостаточно прав: клиент закреплён за другим менеджером. Обратитесь к "
            "руководителю, если он нужен вам в работе."
        )


def check_write_client(user: User, client: Client) -> None:
    if not can_write_client(user, client):
        name = f" «{client.name}»" if can_read_client(user, client) else ""
        raise AccessDenied(
            f"Недостаточно прав для изменения клиента{name}: "
            "он закреплён за другим менеджером."
        )
