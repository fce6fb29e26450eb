from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.evaluations.models import EvaluationAnswer, EvaluationForm, FormQuestion
from apps.evaluations.services import SCORE_CHOICES, AnswerInput

NA = "na"


class ScoreForm(forms.Form):
    """One score (achievement %), optional N/A and a comment per question, plus an overall
    comment. Fields are `q<id>` and `c<id>`, so errors point at the question they are about."""

    comment = forms.CharField(
        label=gettext_lazy("총평"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self,
        *args: Any,
        questions: list[FormQuestion],
        answers: dict[int, EvaluationAnswer] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(str(s), f"{s}%") for s in SCORE_CHOICES]
            if question.allow_na:
                choices.append((NA, _("해당 없음")))
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("'%(q)s' 항목: 고를 수 없는 값입니다.")
                    % {"q": question.text}
                },
            )
            self.fields[f"c{question.pk}"] = forms.CharField(
                label=_("의견"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            answer = (answers or {}).get(question.pk)
            if answer is not None:
                self.initial[f"q{question.pk}"] = NA if answer.is_na else str(answer.score)
                self.initial[f"c{question.pk}"] = answer.comment

    def answers(self) -> list[AnswerInput]:
        out = []
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}") or ""
            comment = self.cleaned_data.get(f"c{question.pk}") or ""
            out.append(
                AnswerInput(
                    question_id=question.pk,
                    is_na=value == NA,
                    score=int(value) if value and value != NA else None,
                    comment=comment,
                )
            )
        return out

    def sections(self) -> list[tuple[Any, list[tuple[FormQuestion, Any, Any]]]]:
        """(section, [(question, score field, comment field)]) in form order, for the template."""
        grouped: dict[int, tuple[Any, list[tuple[FormQuestion, Any, Any]]]] = {}
        for question in self.questions:
            entry = grouped.setdefault(question.section_id, (question.section, []))
            entry[1].append((question, self[f"q{question.pk}"], self[f"c{question.pk}"]))
        return list(grouped.values())


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("의견"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CalibrationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("제목"), max_length=100)
    conversation = forms.IntegerField(label=gettext_lazy("대화 번호"), min_value=1)
    form = forms.ModelChoiceField(
        label=gettext_lazy("평가표"), queryset=EvaluationForm.objects.filter(is_active=True)
    )
    evaluators = forms.TypedMultipleChoiceField(
        label=gettext_lazy("평가자"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, evaluators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(u.pk, u.get_username()) for u in evaluators]
        self.fields["evaluators"].choices = choices  # type: ignore[attr-defined]
        self._users = {u.pk: u for u in evaluators}

    def clean_conversation(self) -> Any:
        from apps.chat.models import Conversation

        conversation = Conversation.objects.filter(pk=self.cleaned_data["conversation"]).first()
        if conversation is None:
            raise forms.ValidationError(_("대화를 찾을 수 없습니다."))
        return conversation

    def clean_evaluators(self) -> list[Any]:
        # A repeated pk is one evaluator, not two: it must not count toward the minimum, and a
        # second assignment for the same person would break the unique constraint.
        pks = dict.fromkeys(self.cleaned_data["evaluators"])
        chosen = [self._users[pk] for pk in pks]
        if len(chosen) < 2:
            raise forms.ValidationError(_("평가자를 두 명 이상 고르세요."))
        return chosen
