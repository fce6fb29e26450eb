"""English translations of our own (Korean) strings and the admin language switch."""

from __future__ import annotations

import ast
import gettext
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass
class PoEntry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def parse_po(path: Path) -> list[PoEntry]:
    """A minimal .po reader: entries are blank-line separated blocks; obsolete (#~) ones skipped."""
    entries: list[PoEntry] = []
    lineno = 0
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        first = lineno + 1
        lineno += block.count("\n") + 2
        entry, target = PoEntry(line=first), None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#,"):
                entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
                continue
            if not line or line.startswith("#"):
                continue
            if not line.startswith('"'):
                keyword, _sep, line = line.partition(" ")
                m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                target = ("msgstr", int(m.group(1))) if m else (keyword, 0)
                if target[0] == "msgstr":
                    entry.msgstr[target[1]] = ""
            assert target is not None, f"{path}:{first}: string before any keyword"
            value = ast.literal_eval(line)
            kind, index = target
            if kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            elif kind == "msgid":
                entry.msgid += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif kind == "msgstr":
                entry.msgstr[index] += value
            else:
                raise AssertionError(f"{path}:{first}: unexpected keyword {kind!r}")
        if target is not None:
            assert entry.msgstr, f"{path}:{first}: entry without msgstr"
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    return parse_po(PO_PATH)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|<[^>]+>", text))


def test_catalog_is_complete_and_not_fuzzy(po_entries):
    header, *entries = po_entries
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]

    assert len(entries) > 300
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    empty = [e.msgid for e in entries if not all(s.strip() for s in e.msgstr.values())]
    assert not empty, f"untranslated msgids: {empty}"
    still_korean = [e.msgid for e in entries if any(HANGUL.search(s) for s in e.msgstr.values())]
    assert not still_korean, f"msgstr left in Korean: {still_korean}"
    broken = [
        e.msgid
        for e in entries
        if any(_placeholders(s) != _placeholders(e.msgid) for s in e.msgstr.values())
    ]
    assert not broken, f"placeholders differ from the msgid: {broken}"


def test_parser_reads_context_and_continuations(po_entries):
    by_key = {(e.msgctxt, e.msgid): e for e in po_entries}
    assert by_key[("app name", "상담원")].msgstr[0] == "Agents"
    assert by_key[(None, "상담원")].msgstr[0] == "Agent"
    long_reply = (
        "지금은 상담원 연결이 어려워요. 잠시 후 다시 시도해 주시거나 고객센터 114로 전화해 주세요."
    )
    assert by_key[(None, long_reply)].msgstr[0].endswith("customer center at 114.")


def test_compiled_catalog_matches_the_po(po_entries):
    """django.mo is committed: it must hold exactly what the .po says (run compilemessages)."""
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in po_entries[1:]:
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is None and catalog.get(key) != e.msgstr[0]:
            stale.append(e.msgid)
    assert not stale, f"django.mo is out of date for: {stale}"


def test_compiled_catalog_translates():
    with translation.override("en"):
        assert translation.gettext("상담원") == "Agent"
        assert translation.pgettext("app name", "상담원") == "Agents"
        assert translation.gettext("카테고리") == "Category"
    with translation.override("ko"):
        assert translation.gettext("상담원") == "상담원"


def test_admin_index_switches_to_english(client_as_supervisor):
    response = client_as_supervisor.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    body = client_as_supervisor.get("/admin/").content.decode()
    assert '<html lang="en"' in body
    assert "AICC Cloud Admin Portal" in body
    assert ">Agents<" in body
    assert ">Conversations<" in body
    assert "상담원" not in body
    assert "AICC Cloud 운영 포털" not in body
    # The switch offers the way back.
    assert 'name="language" value="ko"' in body


def test_admin_index_is_korean_by_default(client_as_supervisor):
    body = client_as_supervisor.get("/admin/").content.decode()
    assert '<html lang="ko"' in body
    assert "AICC Cloud 운영 포털" in body
    assert ">상담원<" in body
    assert ">Agents<" not in body


@pytest.mark.django_db
def test_chat_api_error_follows_accept_language(api):
    response = api.client.post(
        "/api/chatbot/chat",
        json.dumps({"message": "", "user_id": "u-1"}),
        content_type="application/json",
        HTTP_X_API_KEY=api.key,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"] == "Please check your input."
    assert not HANGUL.search(json.dumps(error, ensure_ascii=False))


@pytest.mark.django_db
def test_chat_api_error_is_korean_by_default(api):
    response = api.chat("")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "입력값을 확인해 주세요."
