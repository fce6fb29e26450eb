"""Demo content for 누리모바일, a fictional telecom with an online store (`manage.py load_demo`).

Everything is upserted by natural key, so running the loader twice changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from apps.agents.models import Agent, AgentState, Queue, Team
from apps.chat.models import ChannelKey, hash_key
from apps.core import roles
from apps.core.models import ContentVersion
from apps.customers.models import Customer
from apps.evaluations.models import (
    BannedPhrase,
    EvaluationForm,
    FormQuestion,
    FormSection,
    MandatoryNotice,
    SamplingKind,
    SamplingRule,
)
from apps.faqs.models import CannedResponse, Category, Faq, FaqAlternative, FaqStatus
from apps.monitoring.models import AlertChannel, AlertComparison, AlertMetric, AlertRule
from apps.reports.models import ReportDefinition, ReportFormat, ReportKind
from apps.scenarios.models import Scenario, ScenarioSlot, ScenarioStep, ScenarioUtterance

DATA = Path(__file__).resolve().parent
# The demo web chat page embeds this key; it only exists in demo databases.
DEMO_CHANNEL_KEY = "aicc_demo_web_key_for_local_use_only"
SECOND_SUPERVISOR = {
    "name": "최유진",
    "username": "super.choi",
    "email": "super.choi@nurimobile.example",
}
ADMIN = {"name": "관리자", "username": "admin", "email": "admin@nurimobile.example"}


def read(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _user(spec: dict[str, Any], role: str) -> User:
    user, _ = User.objects.get_or_create(username=spec["username"])
    user.email = spec.get("email", "")
    user.first_name = spec["name"]
    user.is_staff = role != roles.AGENT
    user.is_superuser = role == roles.ADMIN
    user.set_password(settings.AICC_DEMO_PASSWORD)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    return user


def load_people() -> dict[str, User]:
    org = read("organisation.json")
    teams = {
        t["name"]: Team.objects.update_or_create(
            name=t["name"], defaults={"description": t.get("description", "")}
        )[0]
        for t in org["teams"]
    }
    queues = {
        q["code"]: Queue.objects.update_or_create(
            code=q["code"],
            defaults={
                "name": q["name"],
                "skills": q["skills"],
                "priority": q["priority"],
                "sla_seconds": q["sla_seconds"],
            },
        )[0]
        for q in org["queues"]
    }
    for spec in org["agents"]:
        user = _user(spec, roles.AGENT)
        agent, _ = Agent.objects.update_or_create(
            user=user,
            defaults={
                "display_name": spec["name"],
                "team": teams[spec["team"]],
                "skills": spec.get("skills", []),
                "capacity": spec.get("capacity", 3),
            },
        )
        agent.queues.set([queues[code] for code in spec["queues"]])
        if agent.state != AgentState.OFFLINE:
            agent.set_state(AgentState.OFFLINE)
    for spec in org["customers"]:
        Customer.objects.update_or_create(
            crm_id=spec["crm_id"],
            defaults={
                "name": spec["name"],
                "phone": spec["phone"],
                "email": spec.get("email", ""),
                "tags": spec.get("tags", []),
                "notes": spec.get("notes", ""),
            },
        )
    return {
        "supervisor": _user(org["supervisor"], roles.SUPERVISOR),
        "supervisor2": _user(SECOND_SUPERVISOR, roles.SUPERVISOR),
        "qa": _user(org["qa_evaluator"], roles.QA_EVALUATOR),
        "admin": _user(ADMIN, roles.ADMIN),
    }


def load_faqs(author: User, publisher: User) -> int:
    categories = {
        c["name"]: Category.objects.update_or_create(
            slug=c["slug"], defaults={"name": c["name"], "order": c["order"]}
        )[0]
        for c in read("categories.json")
    }
    now = timezone.now()
    for spec in read("faqs.json"):
        faq, _ = Faq.objects.update_or_create(
            question=spec["question"],
            defaults={
                "category": categories[spec["category"]],
                "answer": spec["answer"],
                "channels": spec.get("channels", ["web", "mobile", "voice"]),
                "status": FaqStatus.PUBLISHED,
                "author": author,
                "edited_by": author,
                "published_by": publisher,
                "published_at": now,
            },
        )
        for text in spec["alternatives"]:
            FaqAlternative.objects.get_or_create(faq=faq, text=text)
    for spec in read("canned_responses.json"):
        CannedResponse.objects.update_or_create(
            shortcut=spec["shortcut"], defaults={"title": spec["title"], "body": spec["body"]}
        )
    return Faq.objects.count()


def load_scenarios() -> int:
    for spec in read("scenarios.json"):
        scenario, _ = Scenario.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "description": spec.get("description", ""),
                "confirm_template": spec.get("confirm_template", ""),
                "is_active": True,
            },
        )
        for text in spec["utterances"]:
            ScenarioUtterance.objects.get_or_create(scenario=scenario, text=text)
        for order, slot in enumerate(spec["slots"]):
            ScenarioSlot.objects.update_or_create(
                scenario=scenario,
                name=slot["name"],
                defaults={
                    "order": order,
                    "prompt": slot["prompt"],
                    "retry_prompt": slot.get("retry_prompt", ""),
                    "validator": slot["validator"],
                    "choices": slot.get("choices", []),
                    "pattern": slot.get("pattern", ""),
                    "max_attempts": slot.get("max_attempts", 3),
                },
            )
        scenario.steps.all().delete()
        ScenarioStep.objects.bulk_create(
            ScenarioStep(
                scenario=scenario,
                order=order,
                action=step["action"],
                template=step.get("template", ""),
                params=step.get("params", {}),
            )
            for order, step in enumerate(spec["steps"])
        )
    return Scenario.objects.count()


def load_evaluation_form() -> EvaluationForm:
    spec = read("evaluation_form.json")
    form, created = EvaluationForm.objects.get_or_create(
        name=spec["name"], version=1, defaults={"description": spec.get("description", "")}
    )
    if created:
        for s_order, section_spec in enumerate(spec["sections"]):
            section = FormSection.objects.create(
                form=form, title=section_spec["title"], order=s_order
            )
            for q_order, q in enumerate(section_spec["questions"]):
                FormQuestion.objects.create(
                    section=section,
                    text=q["text"],
                    weight=q["weight"],
                    allow_na=q.get("allow_na", False),
                    guidance=q.get("guidance", ""),
                    order=q_order,
                )
    return form


# Weekly QA sampling as a QA team would start: a few at random, every low score, the longest.
SAMPLING = [
    ("주간 무작위 표본", SamplingKind.RANDOM, 2),
    ("낮은 만족도 전수", SamplingKind.LOW_CSAT, 3),
    ("긴 처리 시간", SamplingKind.LONG_HANDLE, 1),
]
BANNED = [
    ("모르겠는데요", "확인 후 바로 안내해 드리겠습니다"),
    ("그건 제 담당이 아니에요", "담당 부서로 연결해 드리겠습니다"),
    ("규정이라 어쩔 수 없어요", "규정상 어려운 점 양해 부탁드립니다"),
]
NOTICES = [
    ("본인 확인", "본인 확인\n본인확인\n성함과 생년월일"),
    ("종료 인사", "감사합니다\n좋은 하루"),
]


def load_quality(form: EvaluationForm) -> None:
    for order, (name, kind, per_agent) in enumerate(SAMPLING):
        SamplingRule.objects.update_or_create(
            name=name, defaults={"kind": kind, "per_agent": per_agent, "form": form, "order": order}
        )
    for phrase, suggestion in BANNED:
        BannedPhrase.objects.update_or_create(phrase=phrase, defaults={"suggestion": suggestion})
    for name, keywords in NOTICES:
        MandatoryNotice.objects.update_or_create(name=name, defaults={"keywords": keywords})


# Thresholds a floor manager would start from; recipients are the demo supervisor.
ALERTS = [
    ("대기 고객 10명 초과", AlertMetric.CONTACTS_IN_QUEUE, AlertComparison.ABOVE, 10, 5),
    ("최장 대기 3분 초과", AlertMetric.OLDEST_CONTACT_AGE, AlertComparison.ABOVE, 180, 5),
    ("포기율 20% 초과", AlertMetric.ABANDONMENT_RATE, AlertComparison.ABOVE, 20, 60),
    ("챗봇 미이해율 30% 초과", AlertMetric.FALLBACK_RATE, AlertComparison.ABOVE, 30, 60),
]


def load_alerts(recipient: str) -> None:
    for name, metric, comparison, threshold, window in ALERTS:
        AlertRule.objects.update_or_create(
            name=name,
            defaults={
                "metric": metric,
                "comparison": comparison,
                "threshold": threshold,
                "window_minutes": window,
                "channel": AlertChannel.EMAIL,
                "recipients": recipient,
            },
        )


REPORTS = [
    ("daily-kpi", "일일 KPI 리포트", ReportKind.DAILY_KPI, ReportFormat.XLSX),
    ("agent-performance", "주간 상담원 성과", ReportKind.AGENT_PERFORMANCE, ReportFormat.XLSX),
    ("faq-effectiveness", "월간 FAQ 효과 분석", ReportKind.FAQ_EFFECTIVENESS, ReportFormat.CSV),
]


def load_reports(recipient: str) -> None:
    for name, title, kind, fmt in REPORTS:
        ReportDefinition.objects.update_or_create(
            name=name,
            defaults={"title": title, "kind": kind, "file_format": fmt, "recipients": recipient},
        )


def demo_channel_key() -> ChannelKey:
    key, _ = ChannelKey.objects.get_or_create(
        key_hash=hash_key(DEMO_CHANNEL_KEY),
        defaults={"name": "demo-web", "prefix": DEMO_CHANNEL_KEY[:11], "channel": "web"},
    )
    return key


@transaction.atomic
def load_content() -> dict[str, Any]:
    people = load_people()
    faqs = load_faqs(people["supervisor"], people["supervisor2"])
    scenarios = load_scenarios()
    load_quality(load_evaluation_form())
    load_reports(people["supervisor"].email)
    load_alerts(people["supervisor"].email)
    demo_channel_key()
    ContentVersion.bump("faqs")
    ContentVersion.bump("scenarios")
    return {"people": people, "faqs": faqs, "scenarios": scenarios}
