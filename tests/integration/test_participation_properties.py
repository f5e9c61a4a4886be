"""Property test of the participation rules (SPEC §3) against PostgreSQL, through HTTP.

Hypothesis draws an event (capacity, approval or not) and rounds of operations — join, leave, a capacity
change, approve, reject — by five volunteers and the organizer. The operations of a round are sent at the
same time. After each round the database must be in a state that running that round's operations one after
the other, in SOME order, reaches from the previous state in a small reference model of the rules — with the
same answers. And always: confirmed ≤ capacity, the counters match the rows, and the waitlist is served in
arrival order (the model promotes by arrival; a state reached any other way would not match it).
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.factories import Factory

VOLUNTEERS = 4
ACTIVE = ("confirmed", "pending", "waitlisted")
Operation = tuple[str, int]  # ("join", volunteer) … ("capacity", new capacity)


@dataclass
class Model:
    """The rules, sequentially: what each volunteer's participation is, and in which arrival order."""

    capacity: int
    approval: bool
    status: dict[int, str] = field(default_factory=dict)
    arrival: dict[int, int] = field(default_factory=dict)
    clock: int = 0

    def copy(self) -> Model:
        return Model(self.capacity, self.approval, dict(self.status), dict(self.arrival), self.clock)

    def count(self, status: str) -> int:
        return sum(1 for value in self.status.values() if value == status)

    def promote(self) -> None:
        waiting = sorted((v for v, s in self.status.items() if s == "waitlisted"), key=self.arrival.__getitem__)
        for volunteer in waiting[: max(0, self.capacity - self.count("confirmed"))]:
            self.status[volunteer] = "confirmed"

    def apply(self, operation: Operation) -> int:  # noqa: PLR0911 (one answer per rule, as in SPEC §3)
        """Apply one operation; the HTTP status the API must answer."""
        kind, value = operation
        current = self.status.get(value)
        if kind == "join":
            if current in ACTIVE or current == "rejected":
                return 409
            full = self.count("confirmed") >= self.capacity
            self.status[value] = "waitlisted" if full else "pending" if self.approval else "confirmed"
            self.clock += 1
            self.arrival[value] = self.clock
            return 201
        if kind == "leave":
            if current not in ACTIVE:
                return 404
            self.status[value] = "cancelled"
            if current == "confirmed":
                self.promote()
            return 200
        if kind == "capacity":
            if value < self.count("confirmed"):
                return 409
            self.capacity = value
            self.promote()
            return 200
        if current is None:
            return 404
        if current not in ACTIVE:
            return 409
        if kind == "reject":
            self.status[value] = "rejected"
            if current == "confirmed":
                self.promote()
        elif current != "confirmed":
            self.status[value] = "waitlisted" if self.count("confirmed") >= self.capacity else "confirmed"
        return 200


# Joins and leaves weigh most: the interesting states (a full event, a waitlist of several, a spot freed
# while people wait) need several of them.
KINDS = ["join", "join", "join", "leave", "leave", "approve", "reject", "capacity"]
operations = st.sampled_from(KINDS).flatmap(
    lambda kind: st.tuples(
        st.just(kind), st.integers(1, 4) if kind == "capacity" else st.sampled_from(range(VOLUNTEERS))
    )
)


class World:
    def __init__(self, client: TestClient[Litestar], factory: Factory) -> None:
        self.client, self.factory = client, factory
        self.organizer = factory.user("organizadora")
        self.volunteers = [factory.user(f"voluntario{n}") for n in range(VOLUNTEERS)]
        self.auth = {user: factory.auth(user) for user in [self.organizer, *self.volunteers]}

    def new_event(self, capacity: int, approval: bool) -> int:
        event_id: int = self.factory.event(self.organizer, max_participants=capacity)
        self.factory.execute("UPDATE events SET requires_approval = :a WHERE id = :id", a=approval, id=event_id)
        return event_id

    def send(self, event_id: int, operation: Operation) -> int:
        kind, value = operation
        path = f"/api/events/{event_id}"
        if kind in {"join", "leave"}:
            return self.client.post(f"{path}/{kind}/", headers=self.auth[self.volunteers[value]]).status_code
        organizer = self.auth[self.organizer]
        if kind == "capacity":
            return self.client.patch(f"{path}/", json={"max_participants": value}, headers=organizer).status_code
        pid = self.factory.scalar(
            "SELECT id FROM event_participants WHERE event_id = :e AND user_id = :u",
            e=event_id,
            u=self.volunteers[value],
        )
        status = "confirmed" if kind == "approve" else "rejected"
        answer = self.client.patch(f"{path}/participants/{pid or 999_999}/", json={"status": status}, headers=organizer)
        return answer.status_code

    def state(self, event_id: int) -> tuple[int, dict[int, str], tuple[int, int, int], list[int]]:
        """(capacity, status by volunteer, counters, the waitlist in arrival order)."""
        index = {user: n for n, user in enumerate(self.volunteers)}
        rows = self.factory.execute(
            "SELECT user_id, status FROM event_participants WHERE event_id = :e ORDER BY arrival", e=event_id
        ).all()
        event = self.factory.execute(
            "SELECT max_participants, participants_count, waitlist_count, pending_count FROM events WHERE id = :e",
            e=event_id,
        ).one()
        statuses = {index[row.user_id]: row.status for row in rows}
        waitlist = [index[row.user_id] for row in rows if row.status == "waitlisted"]
        return event.max_participants, statuses, tuple(event[1:]), waitlist


def expected_state(model: Model) -> tuple[int, dict[int, str], tuple[int, int, int], list[int]]:
    counters = (model.count("confirmed"), model.count("waitlisted"), model.count("pending"))
    waitlist = sorted((v for v, s in model.status.items() if s == "waitlisted"), key=model.arrival.__getitem__)
    return model.capacity, dict(model.status), counters, waitlist


@example(  # a full event, a waitlist of three, spots freed one by one and all at once
    capacity=1,
    approval=False,
    rounds=[[("join", 0)], [("join", 1), ("join", 2)], [("join", 3)], [("leave", 0)], [("leave", 1), ("capacity", 3)]],
)
@example(  # approvals: pending volunteers approved into a full event wait, a rejection frees the spot
    capacity=1,
    approval=True,
    rounds=[[("join", 0), ("join", 1)], [("approve", 0)], [("join", 2)], [("approve", 1)], [("reject", 0)]],
)
@settings(
    max_examples=100,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    capacity=st.integers(1, 2),
    approval=st.booleans(),
    rounds=st.lists(st.lists(operations, min_size=1, max_size=3), min_size=5, max_size=12),
)
def test_any_interleaving_reaches_a_state_some_sequential_run_reaches(
    client: TestClient[Litestar], factory: Factory, capacity: int, approval: bool, rounds: list[list[Operation]]
) -> None:
    world = getattr(factory, "_participation_world", None) or World(client, factory)
    factory._participation_world = world  # type: ignore[attr-defined]  # the users, once per test
    event_id = world.new_event(capacity, approval)
    model = Model(capacity, approval)
    with ThreadPoolExecutor(max_workers=3) as pool:
        for batch in rounds:
            answers = list(pool.map(lambda operation: world.send(event_id, operation), batch))
            reached = world.state(event_id)
            assert reached[0] >= reached[2][0], "confirmed never exceed the capacity"
            for order in itertools.permutations(range(len(batch))):
                candidate = model.copy()
                same_answers = [candidate.apply(batch[i]) for i in order] == [answers[i] for i in order]
                if same_answers and expected_state(candidate) == reached:
                    model = candidate  # arrival numbers are the database's; the model only needs their order
                    break
            else:
                raise AssertionError(f"{batch} answered {answers} and reached {reached}: no sequential order does")
