"""Auto-QA hints for evaluators: suggestions shown beside the form, never scored or submitted.

Three checks over the agent's own messages (whispers and bot turns are not the agent speaking):
1. 반말 — a sentence-final ending (kiwipiepy tag EF) that is not polite. Polite endings end in
   요 (해요체: 어요, 세요, ㄹ게요, 네요, 군요…) or are 하십시오체 (습니다, ㅂ니까, 십시오) or 죠;
   everything else (어, 야, 지, 냐, 니, 다, 자, ㄹ게, ㄹ래, 네, 군…) is 반말 to a customer.
   Informal interjections (응, 그래…) count too: kiwipiepy tags them IC with no ending.
2. Banned phrases (BannedPhrase, admin), matched as plain substrings.
3. Mandatory notices (MandatoryNotice, admin) that no agent message contains.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.chat.models import Conversation, Message, MessageSender
from apps.evaluations.models import BannedPhrase, MandatoryNotice
from apps.nlu.morph import get_kiwi

INFORMAL = "informal"
BANNED = "banned"
MISSING_NOTICE = "missing_notice"

_POLITE_SUFFIXES = ("요", "니다", "니까", "시오", "죠", "ᆸ시다", "읍시다")
_INFORMAL_INTERJECTIONS = {"응", "웅", "엉", "그래", "그래그래"}


@dataclass(frozen=True)
class Hint:
    kind: str
    detail: str
    seq: int | None = None  # the message it came from; None for "missing in the whole chat"
    text: str = ""


def informal_endings(text: str) -> list[str]:
    """The 반말 endings in `text` (empty for polite speech), e.g. "알았어." → ["어"]."""
    found: list[str] = []
    for token in get_kiwi().tokenize(text):
        if token.tag == "EF" and not token.form.endswith(_POLITE_SUFFIXES):
            found.append(token.form)
        elif token.tag == "IC" and token.form in _INFORMAL_INTERJECTIONS:
            found.append(token.form)
    return found


def _agent_messages(conversation: Conversation) -> list[Message]:
    return list(
        conversation.messages.filter(sender=MessageSender.AGENT, is_internal=False).order_by("seq")
    )


def informal_hints(messages: Iterable[Message]) -> list[Hint]:
    hints = []
    for message in messages:
        endings = informal_endings(message.text)
        if endings:
            hints.append(
                Hint(INFORMAL, _("반말 어미: %s") % ", ".join(endings), message.seq, message.text)
            )
    return hints


def banned_hints(messages: Iterable[Message], phrases: Iterable[BannedPhrase]) -> list[Hint]:
    phrases = list(phrases)
    hints = []
    for message in messages:
        for phrase in phrases:
            if phrase.phrase in message.text:
                detail = _("금지 표현 '%s'") % phrase.phrase
                if phrase.suggestion:
                    detail += _(" → 권장: %s") % phrase.suggestion
                hints.append(Hint(BANNED, detail, message.seq, message.text))
    return hints


def notice_hints(messages: list[Message], notices: Iterable[MandatoryNotice]) -> list[Hint]:
    hints = []
    for notice in notices:
        if not any(notice.is_met_by(m.text) for m in messages):
            hints.append(Hint(MISSING_NOTICE, _("필수 안내 누락: %s") % notice.name))
    return hints


def conversation_hints(conversation: Conversation) -> list[Hint]:
    """Every hint for one conversation, in message order, missing notices last."""
    messages = _agent_messages(conversation)
    found = informal_hints(messages) + banned_hints(
        messages, BannedPhrase.objects.filter(is_active=True)
    )
    found.sort(key=lambda h: h.seq or 0)
    if messages:  # a chat the agent never wrote in has nothing to check notices against
        found += notice_hints(messages, MandatoryNotice.objects.filter(is_active=True))
    return found
