"""Telephony tests: a fake Asterisk manager on a real TCP port, a team with extensions and
clients whose numbers the recorded calls come from."""

from __future__ import annotations

import pytest
from fakeami import FakeAmi
from keyring.backend import KeyringBackend

from crmdesk.services import secrets, telephony
from crmdesk.services.clients import create_client

ANSWERED_FROM = "+79131234567"  # incoming_answered.txt, transfer.txt, originate.txt
QUEUE_FROM = "+74959876543"  # queue_call.txt
MISSED_FROM = "+79261112233"  # missed.txt


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def get_password(self, service, username):
        return self.store.get((service, username))

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture
def keyring_memory():
    backend = MemoryKeyring()
    secrets.use_backend(backend)
    yield backend
    secrets.use_backend(None)


@pytest.fixture
def ami():
    server = FakeAmi()
    yield server
    server.close()


@pytest.fixture
def pbx(team, ami, keyring_memory):
    """The team's database connected to the fake PBX: ivanov 101, petrov 102, head 103;
    ivanov's client «Ромашка» has the answered/transferred number, petrov's «Лютик» the
    queue's, and nobody has the missed call's number."""
    from crmdesk.services.context import unit_of_work

    with unit_of_work(team) as ctx:
        telephony.configure(ctx, "127.0.0.1", ami.port, "crm", "s3cret")
        for login, ext in (("ivanov", "101"), ("petrov", "102"), ("head", "103")):
            telephony.set_extension(ctx, login, ext)
        create_client(ctx, {"name": "ООО «Ромашка»", "phones": [ANSWERED_FROM],
                            "owner": "ivanov"})
        create_client(ctx, {"name": "ООО «Лютик»", "owner": "petrov", "contacts": [
            {"name": "Сидоров Семён", "phones": [QUEUE_FROM]}]})
    return team
