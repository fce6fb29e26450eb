"""Detect explicit requests for a human agent ("상담원 연결해 주세요").

Works on the compact form (spacing-insensitive) after layout repair, and tolerates one jamo
typo in the long agent words ("상담웜", "상담언"). Matching jamo rather than syllables keeps
"상담을", "상담은" from looking like a typo of "상담원".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from apps.nlu.normalize import compact, fix_keyboard_layout, normalize

# Words that name a human agent; they count when asked for ("상담원 연결", "상담원!"), not
# when talked about ("상담원분이 친절하셨어요").
AGENT_WORDS = ("상담원", "상담사", "상담직원", "상담선생님", "유인상담")
_AGENT_ASK = re.compile(
    r"연결|바꿔|바꾸|통화|얘기|이야기|대화|채팅|불러|부르|부탁|원해|원합|요청|해줘|해주|주세요"
    r"|할래|하고싶|좀|가능|빨리|당장"
)
_FILLERS = re.compile(r"[\s!?.~ㅠㅜ]|님|분|요|좀|을|를|이요|이랑")
# "사람", "직원"... mean a human agent only next to a contact verb and a request
# ("사람 바꿔 주세요", "직원이랑 통화할래요"), not in "말 바꾸는 사람" or "사람 많은 매장".
_HUMAN = r"(사람|직원|담당자|매니저|콜센터|고객센터|상담)"
_HUMAN_REQUEST = re.compile(
    _HUMAN + r".{0,4}(연결|바꿔|바꾸|통화|얘기|이야기|대화|채팅|불러|부르|전화(?!번호))"
    r".{0,6}(싶|파|주|줘|시켜|할래|할수|가능|원해|원합|부탁|요청|되나|돼요|되요)"
    r"|(사람|직원|담당자|매니저)(분|님)?(이랑|하고|과|와|랑|한테)(할래|하고싶|할게)"
    r"|(사람|직원|담당자|매니저)(분|님)?(좀)?(바꿔|불러|연결)"
    r"|(진짜|실제|살아있는|리얼)사람"
    r"|(콜센터|고객센터|상담)(으로|에|이랑|하고|과|와|로)?(좀)?연결"
    r"|(전화|유선)상담.{0,3}(받고싶|원해|원합|요청|부탁|해주|해줘|가능)"
)
_HUMAN_THERE = re.compile(r"^(진짜|실제|그냥)?(사람|직원)(이|은|좀)?(있|계시)(어|나|니|냐|습|는)")
# Request phrases that need no object: the bot is the only thing to be "connected" from.
_BARE_REQUESTS = re.compile(
    r"^(좀|빨리|그냥)?(연결|통화)(좀)?(해|시켜|부탁|요청|하고싶|원|가능|할수|되나|돼)"
)
# "상담원 말고 챗봇으로", "상담원 필요 없어요" refuse a human ("챗봇 말고 사람" asks for one).
_REFUSALS = re.compile(
    r"(상담원|상담사|사람|직원|연결).{0,4}(말고|필요없|필요업|안해도|안하셔도|싫어|안할래|괜찮)"
)
# Only "상담원" is matched fuzzily: one jamo away from "상담사" are "상담시(간)" and
# "상담가(능)", which ask about opening hours, not for a person.
_FUZZY_WORDS = ("상담원",)

_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONG = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def _jamo(text: str) -> str:
    out: list[str] = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_CHO[code // 588] + _JUNG[code // 28 % 21] + _JONG[code % 28].strip())
        else:
            out.append(ch)
    return "".join(out)


def _within_one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _fuzzy_find(text: str, word: str) -> str | None:
    """A same-length window one jamo edit from `word` ("상담웜", "상담언"), if any."""
    target = _jamo(word)
    for i in range(len(text) - len(word) + 1):
        window = text[i : i + len(word)]
        if _within_one_edit(_jamo(window), target):
            return window
    return None


def _agent_word(text: str) -> str | None:
    for word in AGENT_WORDS:
        if word in text:
            return word
    for word in _FUZZY_WORDS:
        if window := _fuzzy_find(text, word):
            return window
    return None


def _asks_for_agent(text: str) -> bool:
    word = _agent_word(text)
    if word is None:
        return False
    # Anything but fillers left once the agent word is gone means it has to be a request.
    rest = _FILLERS.sub("", text.replace(word, "", 1))
    return len(rest) <= 1 or bool(_AGENT_ASK.search(text))


def is_escalation_request(text: str, extra_keywords: Iterable[str] = ()) -> bool:
    """True when the customer explicitly asks for a human agent."""
    flat = compact(normalize(fix_keyboard_layout(text or "")))
    if not flat:
        return False
    if any(compact(normalize(k)) in flat for k in extra_keywords if k.strip()):
        return True
    if _REFUSALS.search(flat):
        return False
    if _asks_for_agent(flat) or _BARE_REQUESTS.match(flat) or _HUMAN_THERE.match(flat):
        return True
    return bool(_HUMAN_REQUEST.search(flat))
