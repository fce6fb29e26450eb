from __future__ import annotations

import factory
from django.contrib.auth.models import Group, User

from apps.agents.models import Agent, AgentState, Queue, Team
from apps.chat.models import ChannelKey, Conversation, Message, MessageSender
from apps.customers.models import Customer
from apps.evaluations.models import EvaluationForm, FormQuestion, FormSection
from apps.faqs.models import Category, Faq, FaqAlternative, FaqStatus
from apps.scenarios.models import Scenario, ScenarioSlot, ScenarioStep, ScenarioUtterance


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if not create or not extracted:
            return
        self.groups.add(*Group.objects.filter(name__in=extracted))
        self.is_staff = any(role != "agent" for role in extracted)
        self.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"상담{n}팀")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"큐 {n}")
    code = factory.Sequence(lambda n: f"queue-{n}")
    priority = 1
    sla_seconds = 60


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory, roles=["agent"])
    display_name = factory.Sequence(lambda n: f"상담원{n}")
    team = factory.SubFactory(TeamFactory)
    capacity = 3
    state = AgentState.AVAILABLE


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    crm_id = factory.Sequence(lambda n: f"C{20000 + n}")
    name = "홍길동"
    phone = factory.Sequence(lambda n: f"010-5555-{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"카테고리{n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class FaqFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Faq

    category = factory.SubFactory(CategoryFactory)
    question = factory.Sequence(lambda n: f"자주 묻는 질문 {n}")
    answer = "답변입니다."
    status = FaqStatus.PUBLISHED


class FaqAlternativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqAlternative

    faq = factory.SubFactory(FaqFactory)
    text = factory.Sequence(lambda n: f"대체 질문 {n}")


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    code = factory.Sequence(lambda n: f"scenario_{n}")
    name = factory.Sequence(lambda n: f"시나리오 {n}")


class ScenarioUtteranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioUtterance

    scenario = factory.SubFactory(ScenarioFactory)
    text = factory.Sequence(lambda n: f"학습 문장 {n}")


class ScenarioSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioSlot

    scenario = factory.SubFactory(ScenarioFactory)
    name = factory.Sequence(lambda n: f"slot_{n}")
    prompt = "값을 알려 주세요."


class ScenarioStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioStep

    scenario = factory.SubFactory(ScenarioFactory)
    action = "reply"
    template = "완료되었습니다."


class ChannelKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelKey

    name = factory.Sequence(lambda n: f"web-{n}")
    prefix = factory.Sequence(lambda n: f"aicc_k{n:05d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    channel_key = factory.SubFactory(ChannelKeyFactory)
    user_id = factory.Sequence(lambda n: f"user-{n}")


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    seq = factory.Sequence(lambda n: n + 1)
    sender = MessageSender.CUSTOMER
    text = "안녕하세요"


class EvaluationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationForm

    name = factory.Sequence(lambda n: f"평가표 {n}")


class FormSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormSection

    form = factory.SubFactory(EvaluationFormFactory)
    title = "인사"


class FormQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormQuestion

    section = factory.SubFactory(FormSectionFactory)
    text = "첫인사를 했는가"
    weight = 10


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluations.Evaluation"

    form = factory.SubFactory(EvaluationFormFactory)
    conversation = factory.SubFactory(ConversationFactory)
    agent = factory.SubFactory(AgentFactory)
    evaluator = factory.SubFactory(UserFactory, roles=["qa_evaluator"])


class ReportDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.ReportDefinition"

    name = factory.Sequence(lambda n: f"report-{n}")
    title = factory.Sequence(lambda n: f"리포트 {n}")
    kind = "daily_kpi"


class ReportRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.ReportRun"

    definition = factory.SubFactory(ReportDefinitionFactory)
    period_start = "2026-01-01"
    period_end = "2026-01-31"


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.AuditLog"

    user = factory.SubFactory(UserFactory, roles=["supervisor"])
    action = "pii_reveal"
    target = "customer"
    reason = "본인 확인"
