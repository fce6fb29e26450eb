from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel
from apps.core.validators import empty_when_null, validate_json_keys, validate_json_object

# Lex V2 intent and slot names; Korean names need an ASCII code (DESIGN §8).
LEX_NAME_RE = r"^([0-9a-zA-Z][_-]?){1,100}$"
lex_name_validator = RegexValidator(
    LEX_NAME_RE, _("영문, 숫자, _ 또는 - 만 쓸 수 있고 기호가 연달아 올 수 없습니다.")
)
slot_name_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,49}$", _("영문 소문자로 시작하는 영문 소문자, 숫자, _ 만 쓸 수 있습니다.")
)


class Scenario(TimeStampedModel):
    code = models.CharField(
        _("인텐트 코드"), max_length=100, unique=True, validators=[lex_name_validator]
    )
    name = models.CharField(_("이름"), max_length=100)
    description = models.TextField(_("설명"), blank=True)
    is_active = models.BooleanField(_("사용"), default=True)
    confirm_template = models.CharField(
        _("확인 문구"),
        max_length=300,
        blank=True,
        help_text=_("비워 두면 확인 없이 진행합니다. 예: {plan} 요금제로 변경할까요?"),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("시나리오")
        verbose_name_plural = _("시나리오")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_handoff_only(self) -> bool:
        """No slots and its first step hands over: the scenario *is* "connect me to a person"."""
        first = self.steps.order_by("order", "id").first()
        return first is not None and first.action == StepAction.ESCALATE and not self.slots.exists()


class ScenarioUtterance(models.Model):
    scenario = models.ForeignKey(
        Scenario,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="utterances",
        verbose_name=_("시나리오"),
    )
    text = models.CharField(_("학습 문장"), max_length=300)

    class Meta:
        ordering = ["id"]
        verbose_name = _("학습 문장")
        verbose_name_plural = _("학습 문장")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "text"], name="utterance_unique_text")
        ]

    def __str__(self) -> str:
        return self.text


class SlotValidator(models.TextChoices):
    CHOICE = "choice", _("선택지")
    NUMBER = "number", _("숫자")
    DATE = "date", _("날짜")
    PHONE = "phone", _("전화번호")
    ORDER_NUMBER = "order_number", _("주문번호")
    REGEX = "regex", _("정규식")
    TEXT = "text", _("자유 입력")


class ScenarioSlot(models.Model):
    scenario = models.ForeignKey(
        Scenario,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="slots",
        verbose_name=_("시나리오"),
    )
    order = models.PositiveSmallIntegerField(_("순서"), default=0)
    name = models.CharField(_("슬롯 이름"), max_length=50, validators=[slot_name_validator])
    prompt = models.CharField(_("질문"), max_length=300)
    retry_prompt = models.CharField(_("재질문"), max_length=300, blank=True)
    validator = models.CharField(
        _("검증 방식"), max_length=20, choices=SlotValidator.choices, default=SlotValidator.TEXT
    )
    choices = models.JSONField(_("선택지"), default=list, blank=True)
    pattern = models.CharField(_("정규식"), max_length=200, blank=True)
    max_attempts = models.PositiveSmallIntegerField(_("최대 시도"), default=3)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("슬롯")
        verbose_name_plural = _("슬롯")
        constraints = [
            models.UniqueConstraint(fields=["scenario", "name"], name="slot_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class StepAction(models.TextChoices):
    REPLY = "reply", _("답변")
    CRM_LOOKUP = "crm_lookup", _("CRM 조회")
    ESCALATE = "escalate", _("상담원 연결")
    PAYMENT_LINK = "payment_link", _("결제 링크")
    END = "end", _("종료")


# The params each action reads (apps/scenarios/steps.py documents their meaning).
STEP_PARAMS: dict[str, dict[str, type]] = {
    StepAction.REPLY: {},
    StepAction.CRM_LOOKUP: {"lookup": str, "slot": str},
    StepAction.ESCALATE: {"queue": str, "reason": str},
    StepAction.PAYMENT_LINK: {"amount_slot": str, "description": str},
    StepAction.END: {"csat": bool},
}
LOOKUP_KINDS = ("order", "bill", "profile")


class ScenarioStep(models.Model):
    """An action run in order once every slot is filled (and confirmed, if asked)."""

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="steps", verbose_name=_("시나리오")
    )
    order = models.PositiveSmallIntegerField(_("순서"), default=0)
    action = models.CharField(_("동작"), max_length=20, choices=StepAction.choices)
    template = models.TextField(_("답변 템플릿"), blank=True)
    params = models.JSONField(
        _("매개변수"), default=dict, blank=True, validators=[validate_json_object]
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("단계")
        verbose_name_plural = _("단계")

    def __str__(self) -> str:
        return f"{self.order}. {self.get_action_display()}"

    def clean(self) -> None:
        empty_when_null(self, params={})
        # Not an object, or an unknown action: the field errors already say so.
        if not isinstance(self.params, dict) or self.action not in STEP_PARAMS:
            return
        try:
            validate_json_keys(self.params, STEP_PARAMS[self.action])
        except ValidationError as exc:
            raise ValidationError({"params": exc.messages})
        lookup = self.params.get("lookup")
        if self.action == StepAction.CRM_LOOKUP and lookup not in (None, *LOOKUP_KINDS):
            # steps._lookup would skip an unknown kind without a word.
            raise ValidationError(
                {"params": _("lookup은 order, bill, profile 중 하나여야 합니다.")}
            )
