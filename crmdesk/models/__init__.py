"""Typed SQLAlchemy models, the same on SQLite and PostgreSQL."""

from crmdesk.models.bank import BankPayment, bank_payment_documents
from crmdesk.models.base import Base, utcnow
from crmdesk.models.catalog import Product
from crmdesk.models.clients import (
    BankAccount,
    Client,
    ClientAddress,
    ClientEmail,
    ClientGroup,
    ClientPhone,
    ContactEmail,
    ContactPerson,
    ContactPhone,
    client_group_links,
)
from crmdesk.models.comms import (
    Lead,
    Letter,
    LetterFile,
    MailAccount,
    MailFolderState,
    Mailing,
    MessageTemplate,
    OutboxMessage,
    SmsProvider,
)
from crmdesk.models.contracts import Contract
from crmdesk.models.crm import Attachment, AuditEntry, Interaction, Task
from crmdesk.models.documents import (
    DOC_TYPES,
    Document,
    DocumentLine,
    NumberSequence,
    Settlement,
)
from crmdesk.models.office import ChangeCounter, ObjectLock, OfficeSession
from crmdesk.models.org import Organization, Setting
from crmdesk.models.pipeline import EventRule, RefusalReason, RuleRun, SalesPlan
from crmdesk.models.sales import Deal, DealStageHistory, SalesProcess, Stage, StageTransition
from crmdesk.models.service import ServiceRequest  # noqa: E402,F401  (requests, housing)
from crmdesk.models.telephony import Call, CallSignal
from crmdesk.models.users import Role, User

__all__ = [
    "Attachment",
    "AuditEntry",
    "BankAccount",
    "BankPayment",
    "Base",
    "Call",
    "CallSignal",
    "ChangeCounter",
    "Client",
    "ClientAddress",
    "ClientEmail",
    "ClientGroup",
    "ClientPhone",
    "ContactEmail",
    "ContactPerson",
    "ContactPhone",
    "Contract",
    "EventRule",
    "RefusalReason",
    "RuleRun",
    "SalesPlan",
    "DOC_TYPES",
    "Deal",
    "DealStageHistory",
    "Document",
    "DocumentLine",
    "Lead",
    "Letter",
    "LetterFile",
    "Interaction",
    "MailAccount",
    "MailFolderState",
    "Mailing",
    "MessageTemplate",
    "NumberSequence",
    "ObjectLock",
    "OfficeSession",
    "OutboxMessage",
    "Organization",
    "Product",
    "Role",
    "SalesProcess",
    "Setting",
    "Settlement",
    "SmsProvider",
    "Stage",
    "StageTransition",
    "Task",
    "User",
    "bank_payment_documents",
    "client_group_links",
    "utcnow",
]
