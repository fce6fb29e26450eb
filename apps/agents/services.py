from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState, Queue, Team
from apps.core import roles
from apps.core.exceptions import ApplicationError


@transaction.atomic
def agent_create(
    *,
    username: str,
    display_name: str,
    email: str = "",
    password: str | None = None,
    team: Team | None = None,
    queues: Sequence[Queue] = (),
    capacity: int = 3,
    skills: Sequence[str] = (),
) -> Agent:
    """A desk user with the agent role; agents never get admin access (is_staff stays off)."""
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            _("이미 있는 아이디입니다."),
            {"username": [_("이미 있는 아이디입니다.")]},
            code="conflict",
        )
    user = User(username=username, email=email, first_name=display_name, is_staff=False)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()  # set through the password-reset flow
    user.save()
    user.groups.add(Group.objects.get(name=roles.AGENT))
    agent = Agent.objects.create(
        user=user, display_name=display_name, team=team, capacity=capacity, skills=list(skills)
    )
    agent.queues.set(queues)
    return agent


def agent_set_state(*, agent: Agent, state: str) -> Agent:
    """Switch state (with history); becoming AVAILABLE routes waiting chats to the agent."""
    if state not in AgentState.values:
        message = _("알 수 없는 상태입니다.")
        raise ApplicationError(message, {"state": [message]})
    with transaction.atomic():
        agent.set_state(state)
    from apps.chat import events  # chat imports agents; late import keeps the graph acyclic

    agent_id = agent.pk
    if state == AgentState.AVAILABLE:
        transaction.on_commit(lambda: events.agent_available(agent_id))
    else:
        transaction.on_commit(lambda: events.agent_released(agent_id))
    return agent
