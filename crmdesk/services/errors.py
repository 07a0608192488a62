"""Errors the business layer raises; their str() is meant for the user."""


class CrmError(Exception):
    """Base of every error the business layer raises; its str() is shown to the user."""


class ValidationError(CrmError):
    def __init__(self, field: str, message: str, row: int | None = None):
        self.field, self.message, self.row = field, message, row
        prefix = f"Строка {row}: " if row is not None else ""
        super().__init__(f"{prefix}Поле «{field}» заполнено неверно: {message}")


class AccessDenied(CrmError):
    """The current user's role does not allow this."""


class NotFound(CrmError):
    """The object asked for does not exist (or is not visible to the user)."""


class ConflictError(CrmError):
    """Someone else saved the object after it was read."""

    def __init__(self, what: str, changed_by: str | None, changed_at=None):
        self.changed_by, self.changed_at = changed_by, changed_at
        who = changed_by or "другой пользователь"
        when = f" в {changed_at:%d.%m.%Y %H:%M}" if changed_at else ""
        super().__init__(
            f"{what} уже изменён пользователем {who}{when}. "
            "Перечитайте данные и внесите изменения снова."
        )


class PostingError(CrmError):
    """A document cannot be posted or unposted; the message names the line and field."""


class TransitionError(CrmError):
    """A deal cannot move to the requested stage."""


class ReferencedError(CrmError):
    """An object marked for deletion is still referenced."""


class SchemaError(CrmError):
    """The database schema cannot be used by this program."""
