"""Errors the business layer raises; their str() is meant for the user."""


class CrmError(Exception):
    """Base of every error the business layer raises; its str() is shown to the user."""


# The wording of a field's error; the UI translates these templates and puts the
# translated field title and message in (crmdesk/ui/i18n.py tr_error).
EMPTY = "не заполнено"
FIELD_EMPTY = "Поле «{0}» не заполнено"  # 1C's own wording for an empty required field
FIELD_WRONG = "Поле «{0}» заполнено неверно: {1}"
IN_ROW = "Строка {0}: {1}"


class ValidationError(CrmError):
    def __init__(self, field: str, message: str, row: int | None = None):
        self.field, self.message, self.row = field, message, row
        super().__init__(self.compose(field, message, row))

    @staticmethod
    def compose(field: str, message: str, row: int | None = None, tr=lambda text: text) -> str:
        """The message as the user reads it; ``tr`` translates each template and text."""
        template = FIELD_EMPTY if message == EMPTY else FIELD_WRONG
        text = tr(template).replace("{0}", tr(field)).replace("{1}", tr(message))
        return text if row is None else tr(IN_ROW).replace("{0}", str(row)).replace("{1}", text)


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


class InvalidData(CrmError):
    """Several fields are wrong at once; ``errors`` holds one ValidationError per field."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class Collector:
    """Run several validations, remember every failure, raise them together at the end."""

    def __init__(self):
        self.errors: list[ValidationError] = []

    def check(self, func, *args, **kw):
        try:
            return func(*args, **kw)
        except ValidationError as exc:
            self.errors.append(exc)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.append(ValidationError(field, message))

    def raise_if_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise InvalidData(self.errors)


def friendly(exc: BaseException, database: str | None = None) -> CrmError | None:
    """The user's message for any error: the CrmError itself, a CrmError for the known
    library and system failures (database unreachable, disk full, StaleDataError, overflow,
    bad dates… — see services/faults.py), None for an unknown one (a defect to log)."""
    from crmdesk.services.faults import friendly as _friendly

    return _friendly(exc, database)
