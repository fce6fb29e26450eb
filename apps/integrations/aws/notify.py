"""Customer and staff notifications: SMS through Amazon SNS, e-mail through Amazon SES.

AWS resources: SNS SMS in `settings.AWS_REGION` (account out of the SMS sandbox for real
numbers, a spend limit set), and an SES identity verified for `settings.DEFAULT_FROM_EMAIL`.
IAM actions: sns:Publish (to phone numbers, no topic ARN), ses:SendEmail.

`LocalNotifier` keeps SMS in an in-memory outbox (logged masked) and sends e-mail through
Django's e-mail backend (`EMAIL_URL`: console by default, SMTP in production if SES is not
wanted: `AICC_EMAIL_VIA=django`).
"""

from __future__ import annotations

import functools
import logging
import re
import uuid
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.mail import EmailMessage

from apps.core.pii import mask_pii
from apps.integrations.aws import _client
from apps.integrations.aws.errors import IntegrationError, wrap_client_error

logger = logging.getLogger(__name__)

# Transactional SMS are delivered even to numbers that opted out of promotions, and first.
SMS_ATTRIBUTES = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}


def to_e164(phone: str) -> str:
    """010-1234-5678 → +821012345678 (SNS needs E.164)."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+"):
        return f"+{digits}"
    if digits.startswith("0") and 9 <= len(digits) <= 11:
        return f"+82{digits[1:]}"
    raise IntegrationError(
        f"not a phone number: {mask_pii(phone)}", retryable=False, code="InvalidPhoneNumber"
    )


class Notifier(Protocol):
    def send_sms(self, *, phone: str, text: str) -> str: ...
    def send_email(self, *, to: str, subject: str, body: str) -> str: ...


def _django_email(to: str, subject: str, body: str) -> str:
    message_id = f"<{uuid.uuid4()}@aicc>"
    EmailMessage(
        subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers={"Message-ID": message_id}
    ).send()
    return message_id


class AwsNotifier:
    def __init__(self, sns: Any | None = None, ses: Any | None = None) -> None:
        self._sns, self._ses = sns, ses

    def _call(self, service: str, operation: str, **params: Any) -> dict:
        client = (self._sns if service == "sns" else self._ses) or _client.client(service)
        try:
            return getattr(client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc

    def send_sms(self, *, phone: str, text: str) -> str:
        raw = self._call(
            "sns",
            "publish",
            PhoneNumber=to_e164(phone),
            Message=text,
            MessageAttributes=SMS_ATTRIBUTES,
        )
        return raw["MessageId"]

    def send_email(self, *, to: str, subject: str, body: str) -> str:
        if getattr(settings, "AICC_EMAIL_VIA", "ses") == "django":
            return _django_email(to, subject, body)
        raw = self._call(
            "ses",
            "send_email",
            Source=settings.DEFAULT_FROM_EMAIL,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
        return raw["MessageId"]


class LocalNotifier:
    def __init__(self) -> None:
        self.sms_outbox: list[tuple[str, str]] = []

    def send_sms(self, *, phone: str, text: str) -> str:
        number = to_e164(phone)
        self.sms_outbox.append((number, text))
        logger.info("local SMS to %s: %s", mask_pii(phone), mask_pii(text))
        return f"local-sms-{uuid.uuid4()}"

    def send_email(self, *, to: str, subject: str, body: str) -> str:
        return _django_email(to, subject, body)


@functools.cache
def local_notifier() -> LocalNotifier:
    return LocalNotifier()


def get_notifier() -> Notifier:
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsNotifier()
    return local_notifier()
