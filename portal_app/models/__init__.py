"""SQLModel tables only; no reflex import here."""

from portal_app.models.identity import (
    AuthSession,
    CookieHandoff,
    OutboxMessage,
    PasswordReset,
    PortalUser,
    RecoveryCode,
    RegistrationAttempt,
    ThrottleHit,
)
from portal_app.models.jobs import JobRun
from portal_app.models.money import MoneyRequest, RequestDigest, RequestUpdate
from portal_app.models.payments import (
    DirectDebitInstruction,
    PaymentNotification,
    PaymentPlan,
    PaymentPlanCheck,
    PortalPayment,
    SandboxCardPayment,
)
from portal_app.models.records import (
    Account,
    Charge,
    ImportRun,
    Officer,
    Person,
    Property,
    Tenancy,
    TenancyParty,
    Transaction,
)
from portal_app.models.staff import (
    AuditEvent,
    JointConsent,
    RegistrationPause,
    StaffMember,
    StaffSession,
    StaffSignInStart,
    WaitingListEntry,
)

__all__ = [
    "Account",
    "AuditEvent",
    "JobRun",
    "JointConsent",
    "RegistrationPause",
    "StaffMember",
    "StaffSession",
    "WaitingListEntry",
    "AuthSession",
    "CookieHandoff",
    "DirectDebitInstruction",
    "MoneyRequest",
    "PaymentNotification",
    "PaymentPlan",
    "PaymentPlanCheck",
    "PortalPayment",
    "SandboxCardPayment",
    "RequestDigest",
    "RequestUpdate",
    "Charge",
    "ImportRun",
    "Officer",
    "OutboxMessage",
    "PasswordReset",
    "Person",
    "PortalUser",
    "Property",
    "RecoveryCode",
    "RegistrationAttempt",
    "StaffSignInStart",
    "Tenancy",
    "TenancyParty",
    "ThrottleHit",
    "Transaction",
]
