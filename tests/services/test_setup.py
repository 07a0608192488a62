"""The first start without Qt: requisites checked, database made, administrator set."""

from sqlalchemy import select

from crmdesk.db import make_engine, session_factory
from crmdesk.models import Organization, User
from crmdesk.services.setup import SetupRequest, check_organization, create_database
from crmdesk.services.users import verify_password


def test_requisites_are_checked_field_by_field():
    data, errors = check_organization(
        {"name": "", "inn": "7707083894", "bik": "044525225", "email": "нет@", "phone": "12"}
    )
    fields = {e.field for e in errors}
    assert {"Наименование", "ИНН", "Эл. почта", "Телефон"} <= fields
    data, errors = check_organization(
        {"name": " ООО «Юг» ", "inn": "7707083893", "phone": "8 (861) 200-10-20"}
    )
    assert errors == []
    assert data["name"] == "ООО «Юг»"
    assert data["phone"] == "+78612001020"


def test_create_database_sets_organization_and_administrator(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    create_database(SetupRequest(url, {"name": "ООО «Юг»", "inn": "7707083893"},
                                 "boss", "Начальник", "секрет-123"))
    engine = make_engine(url)
    with session_factory(engine)() as s:
        org = s.scalar(select(Organization))
        assert (org.name, org.inn) == ("ООО «Юг»", "7707083893")
        boss = s.scalar(select(User).where(User.login == "boss"))
        assert boss.role.code == "admin" and boss.id == 1
        assert verify_password("секрет-123", boss.password_hash)
    engine.dispose()
