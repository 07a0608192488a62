"""Users, roles, the organization's requisites and the settings (for the administrator)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from crmdesk.models import Organization
from crmdesk.services import attachments, records, rights
from crmdesk.services.phones import show_phone
from crmdesk.services.settings import get_setting, set_setting
from crmdesk.services.users import ALLOW_EMPTY, empty_passwords_allowed
from crmdesk.ui.forms import opener, register
from crmdesk.ui.generic.base import Command, Entity
from crmdesk.ui.generic.fields import Field
from crmdesk.ui.generic.objectform import FormCommand, ObjectForm
from crmdesk.ui.i18n import LANGUAGES, tr

USER_FIELDS = ("login", "full_name", "position", "phone", "email", "active")
# the pictures print forms put on invoices: set with the form's commands, not typed
ORG_IMAGES = {
    "logo": "Логотип",
    "stamp": "Печать организации",
    "director_signature": "Подпись руководителя",
    "accountant_signature": "Подпись главного бухгалтера",
}
ORG_FIELDS = tuple(f for f in records.KINDS["organization"].fields if f not in ORG_IMAGES)
VAT_MODES = {"included": "НДС в сумме", "on_top": "НДС сверху", "none": "Без НДС"}


class UserForm(ObjectForm):
    entity_name = "user"
    title_new = "Пользователь (создание)"
    history_type = "user"
    lists_changed = ("users",)
    fields = [
        Field("full_name", "ФИО", required=True),
        Field("login", "Имя входа", required=True),
        Field("role", "Роль", "ref", ref="role", required=True),
        Field("position", "Должность"),
        Field("phone", "Телефон"),
        Field("email", "Эл. почта"),
        Field("active", "Активен", "bool"),
        Field("password", "Новый пароль", "password", hint="пусто — не менять"),
    ]
    rows = [
        ["full_name"],
        ["login", "role"],
        ["position", "active"],
        ["phone", "email"],
        ["password"],
    ]

    def defaults(self, ctx):
        return {"active": True}

    def load(self, ctx, obj_id):
        u = records.get(ctx, "user", obj_id)
        values = records.values(u, USER_FIELDS)
        values["phone"] = show_phone(u.phone)  # like a client's: +7 (495) 123-45-67
        values["role"] = (u.role.id, tr(u.role.name))  # a default role by its translated name
        return values, None, u.full_name

    def store(self, ctx, obj_id, v, version):
        data = {k: v[k] for k in USER_FIELDS}
        data["role_id"] = v["role"]
        if v["password"]:
            data["password"] = v["password"]
        return records.save(ctx, "user", obj_id, data).id


class RoleForm(ObjectForm):
    """A role and its rights: one check box per permission."""

    entity_name = "role"
    title_new = "Роль (создание)"
    lists_changed = ("roles",)
    fields = [
        Field("name", "Наименование", required=True),
        *[Field(p, t, "bool") for p, t in rights.PERMISSIONS.items()],
    ]
    rows = [["name"], *[[p] for p in rights.PERMISSIONS]]

    def load(self, ctx, obj_id):
        r = records.get(ctx, "role", obj_id)
        values = {"name": r.name, **{p: p in (r.permissions or []) for p in rights.PERMISSIONS}}
        return values, None, r.name

    def store(self, ctx, obj_id, v, version):
        perms = [p for p in rights.PERMISSIONS if v[p]]
        data = {"name": v["name"], "permissions": perms}
        if obj_id is None:
            data["code"] = v["name"]
        role = records.save(ctx, "role", obj_id, data)
        if not role.code:
            role.code = f"role{role.id}"
        return role.id


class OrganizationForm(ObjectForm):
    entity_name = "organization"
    title_new = "Организация"
    history_type = "organization"
    lists_changed = ("organization",)
    fields = [
        Field("name", "Наименование", required=True),
        Field("full_name", "Полное наименование"),
        Field("inn", "ИНН"),
        Field("kpp", "КПП"),
        Field("ogrn", "ОГРН"),
        Field("address", "Адрес"),
        Field("phone", "Телефон"),
        Field("email", "Эл. почта"),
        Field("bank_name", "Банк"),
        Field("bank_city", "Город банка"),
        Field("bik", "БИК"),
        Field("corr_account", "Корр. счёт"),
        Field("account", "Расчётный счёт"),
        Field("director", "Руководитель"),
        Field("chief_accountant", "Главный бухгалтер"),
        Field("vat_mode", "НДС", "choice", choices=VAT_MODES),
        Field("vat_rate", "Ставка НДС", "choice"),  # the allowed rates: __init__
        Field("payment_terms", "Условия оплаты", "multiline"),
        Field("images", "Картинки на счетах", readonly=True),
    ]
    rows = [
        ["name"],
        ["full_name"],
        ["inn", "kpp"],
        ["ogrn", "phone"],
        ["address"],
        ["email", "bank_city"],
        ["bank_name", "bik"],
        ["account", "corr_account"],
        ["director", "chief_accountant"],
        ["vat_mode", "vat_rate"],
        ["payment_terms"],
        ["images"],
    ]
    commands = [
        FormCommand("attachment", "Логотип…", "choose_logo", needs_saved=False),
        FormCommand("attachment", "Печать…", "choose_stamp", needs_saved=False),
        FormCommand("attachment", "Подпись руководителя…", "choose_director_signature",
                    needs_saved=False),
        FormCommand("attachment", "Подпись главного бухгалтера…",
                    "choose_accountant_signature", needs_saved=False),
        FormCommand("close", "Убрать картинки", "clear_images", needs_saved=False),
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        from dataclasses import replace

        from crmdesk.ui.generic.productcell import rate_text, vat_rates

        rates = {rate: rate_text(rate) for rate in vat_rates(shell.app)}
        self.fields = [replace(f, choices=rates) if f.key == "vat_rate" else f
                       for f in type(self).fields]
        self.images: dict[str, bytes | None] = {}
        with shell.app.uow() as ctx:
            obj_id = obj_id or ctx.session.query(Organization.id).order_by(Organization.id).scalar()
        super().__init__(shell, obj_id, initial, parent)

    def load(self, ctx, obj_id):
        o = records.get(ctx, "organization", obj_id)
        self.images = {key: getattr(o, key) for key in ORG_IMAGES}
        values = records.values(o, ORG_FIELDS)
        values["phone"] = show_phone(o.phone)
        values["images"] = self._images_text()
        return values, o.version, tr("Организация: {0}").format(o.name)

    def _images_text(self) -> str:
        parts = [tr(title) for key, title in ORG_IMAGES.items() if self.images.get(key)]
        return ", ".join(parts) if parts else tr("нет (счета печатаются без них)")

    def store(self, ctx, obj_id, v, version):
        v = {k: val for k, val in v.items() if k != "images"} | self.images
        return records.save(ctx, "organization", obj_id, v, version).id

    def choose_image(self, key: str, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, tr(ORG_IMAGES[key]), "", tr("Картинки (*.png *.jpg *.jpeg)")
            )
        if not path:
            return
        self.images[key] = Path(path).read_bytes()
        self.editors["images"].set(self._images_text())
        self._edited()

    def choose_logo(self):
        self.choose_image("logo")

    def choose_stamp(self):
        self.choose_image("stamp")

    def choose_director_signature(self):
        self.choose_image("director_signature")

    def choose_accountant_signature(self):
        self.choose_image("accountant_signature")

    def clear_images(self) -> None:
        self.images = dict.fromkeys(ORG_IMAGES)
        self.editors["images"].set(self._images_text())
        self._edited()


SETTINGS = {
    "phone_region": ("Регион телефонов по умолчанию", "RU"),
    "invoice_due_days": ("Срок оплаты счёта, дней", 5),
    "backup_dir": ("Папка резервных копий", ""),
    "backup_auto": ("Копировать автоматически раз в день", True),
    "backup_keep_daily": ("Хранить ежедневных копий", 7),
    "backup_keep_weekly": ("Хранить еженедельных копий", 4),
    "language": ("Язык интерфейса", "ru"),
}


def _language_setting():
    """The language is per computer: the top of ui-state.ini, where crmdesk.app reads it."""
    from PySide6.QtCore import QSettings

    from crmdesk.config import data_dir

    return QSettings(str(data_dir() / "ui-state.ini"), QSettings.Format.IniFormat)


def system_language() -> str:
    """What crmdesk shows when no language was chosen: the system's, if translated."""
    from PySide6.QtCore import QLocale

    language = QLocale.system().name().split("_")[0]
    return language if language in LANGUAGES else "ru"


# the phone region is chosen, not typed (another stored region stays shown as it is)
PHONE_REGIONS = {
    "RU": "RU — Россия", "BY": "BY — Беларусь", "KZ": "KZ — Казахстан",
    "UZ": "UZ — Узбекистан", "KG": "KG — Киргизия", "TJ": "TJ — Таджикистан",
    "AM": "AM — Армения", "AZ": "AZ — Азербайджан", "GE": "GE — Грузия",
    "MD": "MD — Молдова", "TM": "TM — Туркмения", "UA": "UA — Украина",
    "DE": "DE — Германия", "TR": "TR — Турция", "CN": "CN — Китай",
}


class SettingsForm(ObjectForm):
    """Settings shared by every user of the database (the language is per computer)."""

    entity_name = "settings"
    title_new = "Настройки"
    write_permission = rights.ADMIN
    fields = [
        Field(
            "allow_empty_passwords", "Разрешить вход без пароля", "bool",
            hint="пользователи без пароля входят с пустым паролем (офис на одного, демо-база)",
        ),
        Field("phone_region", "Регион телефонов по умолчанию", "choice", choices=PHONE_REGIONS),
        Field("invoice_due_days", "Срок оплаты счёта, дней", "int"),
        Field("backup_dir", "Папка резервных копий", hint="пусто: рядом с файлом базы"),
        Field("backup_auto", "Копировать автоматически раз в день", "bool"),
        Field("backup_keep_daily", "Хранить ежедневных копий", "int"),
        Field("backup_keep_weekly", "Хранить еженедельных копий", "int"),
        Field("language", "Язык интерфейса (со следующего запуска)", "choice", choices=LANGUAGES),
    ]
    rows = [
        ["phone_region"],
        ["invoice_due_days"],
        ["backup_dir"],
        ["backup_auto"],
        ["backup_keep_daily", "backup_keep_weekly"],
        ["language"],
        ["allow_empty_passwords"],
    ]

    def __init__(self, shell, obj_id=None, initial=None, parent=None):
        super().__init__(shell, 1, initial, parent)
        self.form_key = "settings:1"

    def load(self, ctx, obj_id):
        values = {}
        for key, (_title, default) in SETTINGS.items():
            stored = get_setting(ctx.session, key)
            values[key] = default if stored is None or stored == "" else stored
        values["language"] = _language_setting().value("language") or system_language()
        # shown as it works now; not set, it follows whether anyone has a password yet
        self._empty_explicit = get_setting(ctx.session, ALLOW_EMPTY) is not None
        values["allow_empty_passwords"] = empty_passwords_allowed(ctx.session)
        self._empty_loaded = values["allow_empty_passwords"]
        return values, None, tr("Настройки")

    def store(self, ctx, obj_id, v, version):
        import phonenumbers

        from crmdesk.services.errors import ValidationError

        rights.require(ctx.user, rights.ADMIN)
        region = (v["phone_region"] or "RU").upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValidationError("Регион телефонов по умолчанию", f"неизвестен «{region}»")
        set_setting(ctx.session, "phone_region", region)
        set_setting(ctx.session, "invoice_due_days", int(v["invoice_due_days"] or 5))
        set_setting(ctx.session, "backup_dir", v["backup_dir"] or "")
        set_setting(ctx.session, "backup_auto", bool(v["backup_auto"]))
        for key in ("backup_keep_daily", "backup_keep_weekly"):
            keep = v[key]
            if keep is None or int(keep) < 1:
                raise ValidationError(SETTINGS[key][0], "должно быть не меньше 1")
            set_setting(ctx.session, key, int(keep))
        allow = bool(v["allow_empty_passwords"])  # untouched and never set: left to follow
        if self._empty_explicit or allow != self._empty_loaded:
            set_setting(ctx.session, ALLOW_EMPTY, allow)
        # per computer, at the top of ui-state.ini: what crmdesk.app reads before the login
        _language_setting().setValue("language", v["language"])
        return 1


def _add_file(form, _row_id):
    owner = form.model.state.fixed
    path, _ = QFileDialog.getOpenFileName(form, tr("Добавить файл"))
    if not path:
        return
    with form.app.uow() as ctx:
        attachments.attach(
            ctx,
            owner["owner_type"],
            owner["owner_id"],
            Path(path).name,
            Path(path).read_bytes(),
            mimetypes.guess_type(path)[0],
        )
    form.app.changed("attachments")


def open_attachment(shell, att_id, _initial=None):
    """Save the file to a temporary folder and open it in the system's program."""
    import tempfile

    from crmdesk.models.crm import Attachment

    with shell.app.uow() as ctx:
        att = ctx.session.get(Attachment, att_id)
        attachments.attachments(ctx, att.owner_type, att.owner_id)  # checks the right to read
        folder = Path(tempfile.mkdtemp(prefix="crmdesk-"))
        target = folder / att.name
        target.write_bytes(att.data)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


register(
    Entity(
        "user",
        "users",
        "user",
        opener(UserForm),
        mark=lambda ctx, i, f: records.set_deletion_mark(ctx, "user", i, f),
        create_permission=rights.ADMIN,
    )
)
register(Entity("role", "roles", "role", opener(RoleForm), create_permission=rights.ADMIN))
register(Entity("organization", "organization", "organization", opener(OrganizationForm)))
register(Entity("settings", "settings", "settings", opener(SettingsForm)))
register(Entity("history", "history", "history", lambda *a: None, create_permission="-"))
register(
    Entity(
        "attachment",
        "attachments",
        "attachment",
        open_attachment,
        create_permission="-",
        list_commands=[Command("add", "Добавить файл", _add_file, needs_row=False)],
    )
)
