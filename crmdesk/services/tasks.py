"""Tasks and reminders: executor, deadline, reminder time; overdue is derived."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from crmdesk.models import Client, Task, User, utcnow
from crmdesk.services import rights
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.locking import check_version


def create_task(
    ctx: Context,
    title: str,
    executor_id: int | None = None,
    deadline: datetime | None = None,
    client_id: int | None = None,
    description: str | None = None,
    remind_at: datetime | None = None,
    priority: int = 2,
) -> Task:
    if not (title or "").strip():
        raise ValidationError("Задача", "не заполнено")
    executor_id = executor_id or ctx.user.id
    if executor_id != ctx.user.id:
        rights.require(ctx.user, rights.ASSIGN)
    if ctx.session.get(User, executor_id) is None:
        raise NotFound(f"Поле «Исполнитель»: пользователь с кодом {executor_id} не найден.")
    if client_id is not None:
        client = ctx.session.get(Client, client_id)
        if client is None:
            raise NotFound(f"Поле «Клиент»: клиент с кодом {client_id} не найден.")
        rights.check_read_client(ctx.user, client)
    if priority not in (1, 2, 3):
        raise ValidationError("Важность", "1 — высокая, 2 — обычная, 3 — низкая")
    task = Task(
        title=title.strip(),
        description=description,
        executor_id=executor_id,
        author_id=ctx.user.id,
        deadline=deadline,
        remind_at=remind_at,
        client_id=client_id,
        priority=priority,
        status="open",
    )
    ctx.session.add(task)
    ctx.session.flush()
    return task


def _visible(ctx: Context):
    if ctx.can(rights.VIEW_ALL) or ctx.can(rights.ASSIGN):
        return select(Task)
    return select(Task).where(or_(Task.executor_id == ctx.user.id, Task.author_id == ctx.user.id))


def get_task(ctx: Context, task_id: int) -> Task:
    task = ctx.session.scalar(_visible(ctx).where(Task.id == task_id))
    if task is None:
        raise NotFound(f"Задача с кодом {task_id} не найдена.")
    return task


def complete_task(ctx: Context, task_id: int, expected_version: int | None = None) -> Task:
    task = get_task(ctx, task_id)
    check_version(task, expected_version, f"Задача «{task.title}»")
    task.status, task.done_at = "done", utcnow()
    ctx.session.flush()
    return task


def list_tasks(
    ctx: Context,
    only_open: bool = False,
    limit: int = 100,
    client_id: int | None = None,
    executor_id: int | None = None,
    due_before: datetime | None = None,
) -> list[Task]:
    """Tasks the user may see, soonest deadline first; narrowed to one client, one executor,
    and/or deadlines before a moment (tasks without a deadline count as due)."""
    stmt = _visible(ctx)
    if only_open:
        stmt = stmt.where(Task.status == "open")
    if client_id is not None:
        stmt = stmt.where(Task.client_id == client_id)
    if executor_id is not None:
        stmt = stmt.where(Task.executor_id == executor_id)
    if due_before is not None:
        stmt = stmt.where(or_(Task.deadline.is_(None), Task.deadline < due_before))
    return list(
        ctx.session.scalars(stmt.order_by(Task.deadline.is_(None), Task.deadline).limit(limit))
    )


def due_reminders(ctx: Context, now: datetime | None = None, limit: int = 500) -> list[Task]:
    """Open tasks of this user whose reminder time has come (the earliest first)."""
    now = now or utcnow()
    return list(
        ctx.session.scalars(
            select(Task)
            .where(
                Task.executor_id == ctx.user.id,
                Task.status == "open",
                Task.remind_at.is_not(None),
                Task.remind_at <= now,
            )
            .order_by(Task.remind_at, Task.id)
            .limit(limit)
        )
    )


POSTPONE = {"15min": "на 15 минут", "1hour": "на 1 час", "tomorrow": "до завтра"}


def postpone_until(choice: str, now: datetime | None = None) -> datetime:
    """When a reminder postponed by «choice» fires again; «tomorrow» is 9:00 next morning."""
    now = (now or utcnow()).astimezone()
    if choice == "15min":
        return now + timedelta(minutes=15)
    if choice == "1hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        return (now + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    raise ValidationError("Отложить", f"неизвестный срок «{choice}»: {', '.join(POSTPONE)}")


def postpone_reminder(
    ctx: Context, task_id: int, choice: str, now: datetime | None = None
) -> Task:
    """«Отложить» in the reminders window: the reminder fires again later."""
    task = get_task(ctx, task_id)
    if task.executor_id != ctx.user.id and not ctx.can(rights.ASSIGN):
        raise rights.AccessDenied("Отложить напоминание может исполнитель задачи.")
    task.remind_at = postpone_until(choice, now)
    ctx.session.flush()
    return task
