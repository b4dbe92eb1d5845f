"""The bookkeeping behind "one live notification per bucket" (no bus needed)."""

from __future__ import annotations

from notifier.notify.sinks import LiveNotifications


def test_a_new_notification_supersedes_the_one_holding_its_slot() -> None:
    live = LiveNotifications()
    assert live.shown("n1", ("bucket:five_hour",)) == []
    assert live.shown("n2", ("bucket:seven_day",)) == []
    assert live.shown("n3", ("bucket:five_hour",)) == ["n1"]
    assert live.handles == ["n2", "n3"]


def test_a_summary_goes_when_any_of_its_buckets_moves_on() -> None:
    live = LiveNotifications()
    live.shown("summary", ("bucket:a", "bucket:b", "bucket:c"))
    assert live.shown("n2", ("bucket:b",)) == ["summary"]
    # Its other slots are free: a later "a" supersedes nothing.
    assert live.shown("n3", ("bucket:a",)) == []


def test_release_and_gone_forget_every_slot_of_a_handle() -> None:
    live = LiveNotifications()
    live.shown("login", ("login",))
    assert live.release("login") == "login"
    assert live.release("login") is None
    live.shown("n1", ("bucket:a",))
    live.gone("n1")  # dismissed by the user
    assert live.shown("n2", ("bucket:a",)) == []


def test_room_is_made_before_the_new_one_is_shown() -> None:
    live = LiveNotifications(limit=2)
    live.shown("n1", ("bucket:a",))
    live.shown("n2", ("bucket:b",))
    # A new "a": its old one goes first; the limit then has room.
    assert live.make_room(("bucket:a",)) == ["n1"]
    assert live.handles == ["n2"]
    # A new "c" at the limit: the oldest goes first.
    live.shown("n3", ("bucket:a",))
    assert live.make_room(("bucket:c",)) == ["n2"]


def test_the_limit_withdraws_the_oldest() -> None:
    live = LiveNotifications(limit=3)
    for index in range(3):
        assert live.shown(f"n{index}", (f"bucket:{index}",)) == []
    assert live.shown("n3", ("bucket:3",)) == ["n0"]
    assert live.handles == ["n1", "n2", "n3"]
    # Replacing within the limit withdraws only the superseded one.
    assert live.shown("n4", ("bucket:2",)) == ["n2"]
    assert live.handles == ["n1", "n3", "n4"]
