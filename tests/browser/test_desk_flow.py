"""End to end in Chromium: web chat → bot → queue → agent desk → live chat → close → CSAT."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, new_page

pytestmark = pytest.mark.browser


def _db_count(db: object, sql: str) -> int:
    with sqlite3.connect(str(db)) as conn:
        return conn.execute(sql).fetchone()[0]


def _login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/desk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/desk/$"))


def _set_state(page: Page, state: str) -> None:
    page.select_option("select[name=state]", state)
    page.click("[data-testid=state-form] button")
    expect(page.locator("select[name=state]")).to_have_value(state)


def _customer_to_queue(page: Page, url: str, user_id: str) -> None:
    page.goto(f"{url}/chat/?user_id={user_id}")
    page.fill("[data-testid=chat-input]", "안녕하세요")
    page.keyboard.press("Enter")
    expect(page.locator("#messages li.bot")).not_to_have_count(0)
    page.click("[data-testid=escalate]")
    expect(page.locator("[data-testid=status]")).to_contain_text("대기 순서")


def _agent_and_queued(server, browser, dialogs, agent_name: str, user_id: str):  # type: ignore[no-untyped-def]
    """An agent signed in and set AWAY, and a customer who asked for an agent."""
    agent = new_page(browser, dialogs)
    _login(agent, server["url"], agent_name)
    _set_state(agent, "AWAY")
    customer = new_page(browser, dialogs)
    _customer_to_queue(customer, server["url"], user_id)
    return agent, customer


def _accept_first(agent: Page) -> None:
    button = agent.locator("[data-testid=queue-list] button").first
    expect(button).to_be_visible()  # arrived over the websocket, no reload
    button.click()
    expect(agent.locator("[data-testid=composer]")).to_be_visible()


def test_customer_to_agent_and_back_with_csat(server, browser, dialogs):
    url = server["url"]
    agent = new_page(browser, dialogs)
    _login(agent, url, "agent.kim")
    _set_state(agent, "AWAY")
    expect(agent.locator("[data-testid=queue-count]")).to_have_text("0")

    customer = new_page(browser, dialogs)
    _customer_to_queue(customer, url, "C10001")
    _accept_first(agent)
    expect(customer.locator("[data-testid=status]")).to_contain_text("연결되었습니다")
    expect(agent.locator("[data-testid=transcript]")).to_contain_text("안녕하세요")

    agent.fill("[data-testid=composer]", "안녕하세요, 상담사 김하늘입니다.")
    agent.keyboard.press("Enter")
    expect(customer.locator("#messages li.agent")).to_contain_text("상담사 김하늘입니다")

    customer.fill("[data-testid=chat-input]", "요금제 변경하고 싶어요")
    customer.keyboard.press("Enter")
    expect(agent.locator("[data-testid=transcript] li.customer").last).to_have_text(
        re.compile("요금제 변경하고 싶어요")
    )

    agent.click("[data-testid=close]")
    expect(customer.locator("[data-testid=csat]")).to_be_visible()
    agent.select_option("select[name=disposition]", "resolved")
    agent.fill("textarea[name=note]", "요금제 변경 안내")
    agent.click("[data-testid=wrapup]")
    expect(agent.locator(".flash")).to_contain_text("후처리를 저장했습니다")

    customer.click("[data-testid=csat] button[data-score='5']")
    expect(customer.locator("#csat-done")).to_be_visible()
    assert (
        _db_count(
            server["db"],
            "select count(*) from chat_conversation "
            "where csat_score = 5 and wrapup_note = '요금제 변경 안내'",
        )
        == 1
    )
    assert dialogs == []


def test_customer_markup_is_shown_as_text_and_ime_enter_sends_nothing(server, browser, dialogs):
    agent, customer = _agent_and_queued(server, browser, dialogs, "agent.park", "web-xss-1")
    _accept_first(agent)

    for text in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>"):
        customer.fill("[data-testid=chat-input]", text)
        customer.keyboard.press("Enter")
        expect(agent.locator("[data-testid=transcript] li.customer .text").last).to_have_text(text)
    agent.reload()  # server-rendered transcript too
    transcript = agent.locator("[data-testid=transcript]")
    expect(transcript).to_contain_text("<img src=x onerror=alert(1)>")
    expect(transcript).to_contain_text("<script>alert(2)</script>")
    assert agent.locator("[data-testid=transcript] img").count() == 0
    assert dialogs == []

    before = _db_count(server["db"], "select count(*) from chat_message where sender = 'agent'")
    agent.fill("[data-testid=composer]", "안녕")
    agent.evaluate("""() => {
        const box = document.querySelector('[data-testid=composer]');
        for (const init of [{isComposing: true}, {keyCode: 229}]) {
            box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true,
                                                            cancelable: true, ...init}));
        }
    }""")
    agent.wait_for_timeout(1500)
    assert (
        _db_count(server["db"], "select count(*) from chat_message where sender = 'agent'")
        == before
    )
    expect(agent.locator("[data-testid=composer]")).to_have_value("안녕")


def _customer_poster(customer: Page, user_id: str):  # type: ignore[no-untyped-def]
    """Posts as this customer through the chat API from outside the page (which is busy)."""
    key, api = customer.evaluate("[document.body.dataset.key, document.body.dataset.api]")
    session_id = customer.evaluate(f"localStorage.getItem('aicc-session:{user_id}')")
    endpoint = customer.url.split("/chat/")[0] + api + "chat"

    def post(text: str) -> None:
        body = {
            "message": text,
            "user_id": user_id,
            "session_id": session_id,
            "client_message_id": f"race-{user_id}",
        }
        request = urllib.request.Request(  # noqa: S310 - loopback
            endpoint,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200

    return post


def test_a_message_sent_while_the_desk_socket_connects_is_not_missed(server, browser, dialogs):
    """Stored after the chat page was rendered, before its socket joined: the resync shows it."""
    agent, customer = _agent_and_queued(server, browser, dialogs, "agent.lee", "web-race-1")

    post = _customer_poster(customer, "web-race-1")

    def hold_until_customer_wrote(ws):  # type: ignore[no-untyped-def]
        if "conversation=" in ws.url:  # the chat page's socket, not the queue page's
            post("연결되는 사이에 보낸 메시지")
        ws.connect_to_server()

    agent.route_web_socket(re.compile(".*"), hold_until_customer_wrote)
    _accept_first(agent)
    expect(agent.locator("[data-testid=transcript] li.customer .text").last).to_have_text(
        "연결되는 사이에 보낸 메시지"
    )
    assert dialogs == []
