"""Realistic Lex V2 RecognizeText responses and a Stubber-ready client for tests."""

from __future__ import annotations

import botocore.session

BOT_ID = "ABCDE12345"  # Lex ids are exactly 10 characters; the Stubber validates that
BOT_ALIAS_ID = "TSTALIASID"
SESSION_ID = "chat-42"


def lex_client():
    """A real lexv2-runtime client (no credentials needed while a Stubber is active)."""
    session = botocore.session.get_session()
    return session.create_client(
        "lexv2-runtime",
        region_name="ap-northeast-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def expected_params(text: str, session_state: dict | None = None) -> dict:
    params = {
        "botId": BOT_ID,
        "botAliasId": BOT_ALIAS_ID,
        "localeId": "ko_KR",
        "sessionId": SESSION_ID,
        "text": text,
    }
    if session_state is not None:
        params["sessionState"] = session_state
    return params


def _intent(name: str, slots: dict | None = None, state: str = "ReadyForFulfillment") -> dict:
    return {"name": name, "slots": slots or {}, "state": state, "confirmationState": "None"}


def _fallback() -> dict:
    # FallbackIntent never carries nluConfidence.
    return {"intent": _intent("FallbackIntent"), "interpretationSource": "Lex"}


def response_for(intents: list[tuple[str, float]], threshold: float = 0.4) -> dict:
    """What Lex answers when its model scores `intents` (below `threshold`: FallbackIntent)."""
    scored = [
        {
            "nluConfidence": {"score": score},
            "intent": _intent(name),
            "interpretationSource": "Lex",
        }
        for name, score in sorted(intents, key=lambda pair: -pair[1])
    ]
    if scored and scored[0]["nluConfidence"]["score"] >= threshold:
        interpretations = [*scored[:4], _fallback()]
    else:
        interpretations = [_fallback(), *scored][:5]
    chosen = interpretations[0]["intent"]
    return {
        "sessionId": SESSION_ID,
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": chosen,
            "sessionAttributes": {},
            "originatingRequestId": "5f0c2f0e-0d5b-4d1e-9f5a-1f2b3c4d5e6f",
        },
        "interpretations": interpretations,
    }


SLOT_FILLING = {
    "sessionId": SESSION_ID,
    "messages": [
        {"content": "변경하실 요금제를 말씀해 주세요.", "contentType": "PlainText"},
        {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "요금제"}},
    ],
    "sessionState": {
        "dialogAction": {"type": "ElicitSlot", "slotToElicit": "plan"},
        "intent": {
            "name": "CHANGE_PLAN",
            "slots": {
                "plan": None,
                "phone_last4": {
                    "value": {
                        "originalValue": "오륙칠팔",
                        "interpretedValue": "5678",
                        "resolvedValues": ["5678"],
                    }
                },
            },
            "state": "InProgress",
            "confirmationState": "None",
        },
        "sessionAttributes": {"customer": "masked"},
        "originatingRequestId": "0a1b2c3d-0d5b-4d1e-9f5a-1f2b3c4d5e6f",
    },
    "interpretations": [
        {
            "nluConfidence": {"score": 0.91},
            "intent": {
                "name": "CHANGE_PLAN",
                "slots": {
                    "plan": None,
                    "phone_last4": {
                        "value": {
                            "originalValue": "오륙칠팔",
                            "interpretedValue": "5678",
                            "resolvedValues": ["5678"],
                        }
                    },
                },
                "state": "InProgress",
                "confirmationState": "None",
            },
            "interpretationSource": "Lex",
        },
        {
            "nluConfidence": {"score": 0.38},
            "intent": {"name": "FAQ_12", "slots": {}},
            "interpretationSource": "Lex",
        },
        _fallback(),
    ],
}

FALLBACK_ONLY = {
    "sessionId": SESSION_ID,
    "messages": [{"content": "죄송해요, 다시 말씀해 주시겠어요?", "contentType": "PlainText"}],
    "sessionState": {
        "dialogAction": {"type": "Close"},
        "intent": {"name": "FallbackIntent", "slots": {}, "state": "ReadyForFulfillment"},
        "originatingRequestId": "1a1b2c3d-0d5b-4d1e-9f5a-1f2b3c4d5e6f",
    },
    "interpretations": [
        {"intent": {"name": "FallbackIntent", "slots": {}}, "interpretationSource": "Lex"},
        {
            "nluConfidence": {"score": 0.21},
            "intent": {"name": "FAQ_7", "slots": {}},
            "interpretationSource": "Lex",
        },
    ],
}
