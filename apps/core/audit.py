"""Access audit: who revealed or took personal data, when, which customer, what and why.

`audit_record` is the one entry point every app calls (PII reveal, exports, recording
playback, report views). The monthly summary is what the PIPA monthly review reads (DESIGN §11):
`manage.py audit_report --month YYYY-MM` and the `core.audit_monthly_report` task, which
e-mails it to the admin and supervisor roles on the 1st of each month.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import roles
from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction, AuditLog
from apps.core.spreadsheet import csv_cell

if TYPE_CHECKING:
    from apps.customers.models import Customer


def audit_record(
    user: User,
    action: str,
    target: str,
    customer: Customer | None = None,
    fields: str | Iterable[str] = "",
    reason: str = "",
) -> AuditLog:
    """Write one audit row. `target` names what was touched ("customer:C-1", "faqs.faq ×12");
    `fields` which data ("phone,email"); `reason` why the user needed it."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action: {action!r}")
    if not isinstance(fields, str):
        fields = ",".join(fields)
    return AuditLog.objects.create(
        user=user,
        action=action,
        target=str(target)[:200],
        customer=customer,
        fields=fields[:200],
        reason=(reason or "").strip()[:300],
    )


# -- monthly report ----------------------------------------------------------------------------


@dataclass
class UserSummary:
    username: str
    total: int
    customers: int
    by_action: dict[str, int] = field(default_factory=dict)


def parse_month(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ApplicationError(
            _("월은 YYYY-MM 형식이어야 합니다: %(value)s") % {"value": value},
            {"month": [_("YYYY-MM 형식")]},
        )


def previous_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first day 00:00, next month's first day 00:00) in local time (Asia/Seoul)."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def audit_monthly_summary(*, month: date) -> list[UserSummary]:
    """Per user: entries by action and distinct customers touched — one GROUP BY query."""
    start, end = month_bounds(month)
    counts = {a: Count("pk", filter=Q(action=a)) for a in AuditAction.values}
    rows = (
        AuditLog.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("user__username")
        .annotate(total=Count("pk"), customers=Count("customer", distinct=True), **counts)
        .order_by("-total", "user__username")
    )
    summaries = []
    for row in rows:
        data: dict[str, Any] = dict(row)  # action columns are named at run time
        summaries.append(
            UserSummary(
                username=data["user__username"],
                total=data["total"],
                customers=data["customers"],
                by_action={a: data[a] for a in AuditAction.values},
            )
        )
    return summaries


def audit_summary_csv(rows: list[UserSummary]) -> str:
    """CSV with Korean headers; a BOM so Excel opens the Hangul correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("사용자"), *[str(label) for label in AuditAction.labels], _("고객 수"), _("합계")]
    )
    for row in rows:
        writer.writerow(
            [
                csv_cell(row.username),
                *[row.by_action[a] for a in AuditAction.values],
                row.customers,
                row.total,
            ]
        )
    return "\ufeff" + out.getvalue()


def _report_recipients() -> list[str]:
    users = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(groups__name__in=[roles.ADMIN, roles.SUPERVISOR])
    )
    return sorted({u.email for u in users if u.email})


def audit_monthly_report_send(*, month: date) -> int:
    """E-mail the month's summary as a CSV attachment; returns the number of recipients."""
    recipients = _report_recipients()
    if not recipients:
        return 0
    rows = audit_monthly_summary(month=month)
    label = f"{month:%Y-%m}"
    body = _(
        "%(month)s 개인정보 접근 기록 요약입니다. 사용자 %(users)s명, 기록 %(total)s건.\n"
        "상세 내역은 관리자 화면의 감사 로그에서 확인하세요."
    ) % {"month": label, "users": len(rows), "total": sum(r.total for r in rows)}
    message = EmailMessage(
        _("[AICC] %(month)s 개인정보 접근 월간 보고") % {"month": label},
        body,
        settings.DEFAULT_FROM_EMAIL,
        bcc=recipients,
    )
    message.attach(f"audit-{label}.csv", audit_summary_csv(rows), "text/csv")
    message.send()
    return len(recipients)
