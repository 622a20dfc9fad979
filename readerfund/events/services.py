"""Counting the embed's events: validate a whole batch, then add it in one statement."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from readerfund.events.models import EventCount, EventType

MAX_EVENTS_PER_BATCH = 50
HOLDOUT_VARIANT = "_holdout"  # how a reader held out as a control is counted (the embed sends null)
EVENT_TYPES = frozenset(EventType.values)


class EventBatchError(ValueError):
    """The batch is malformed; nothing of it was counted."""


@dataclass(frozen=True)
class EventKey:
    campaign: str
    variant: str
    channel: str
    type: str


SLUG = re.compile(r"[a-z0-9_][a-z0-9_-]{0,59}")
CHANNELS = frozenset({"banner", "header", "ask"})
EVENT_FIELDS = ("campaign", "variant", "channel", "type")  # an event's items, in order


@dataclass(frozen=True)
class ParsedBatch:
    counted: list[EventKey]
    ignored: int  # well-formed events of campaigns or variants no longer live


def _from_objects(payload: Any) -> Any:
    """The shape an embed built before playbook version 3 sends, `{"events": [{"campaign": …,
    "variant": …, "channel": …, "type": …}]}`, as a list: a reader's copy cached across a
    deploy still counts. Anything else is returned as it is."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return payload
    return [
        # that shape named the control "_holdout": nothing there is the control's null
        [event.get(name) or "" for name in EVENT_FIELDS] if isinstance(event, dict) else event
        for event in payload["events"]
    ]


def events_parse(payload: Any, *, known: dict[str, tuple[str, frozenset[str]]]) -> ParsedBatch:
    """Checks a reported batch; `known` maps each live campaign to its channel and variants.

    A batch is a list of events, each `[campaign, variant, channel, type]`; the variant is
    null for a reader held out as the campaign's control (counted as `_holdout`).
    A malformed event rejects the whole batch, so a client bug shows at once instead of
    being half-counted. A well-formed event of a campaign that has just left the playbook
    (a reader's cached copy is up to a few minutes old) is ignored, not an error.
    """
    payload = _from_objects(payload)
    if not isinstance(payload, list) or not 1 <= len(payload) <= MAX_EVENTS_PER_BATCH:
        raise EventBatchError(f"expected a list of 1 to {MAX_EVENTS_PER_BATCH} events")
    counted, ignored = [], 0
    for index, event in enumerate(payload):
        if not isinstance(event, list) or len(event) != len(EVENT_FIELDS):
            raise EventBatchError(f"events[{index}]: expected [{', '.join(EVENT_FIELDS)}]")
        fields = dict(zip(EVENT_FIELDS, event, strict=True))
        if fields["variant"] is None:
            fields["variant"] = HOLDOUT_VARIANT
        for name in ("campaign", "variant"):
            value = fields[name]
            if not isinstance(value, str) or not SLUG.fullmatch(value):
                raise EventBatchError(f"events[{index}].{name}: expected an identifier")
        # A list or an object is unhashable: test the type before the set membership.
        if not isinstance(fields["channel"], str) or fields["channel"] not in CHANNELS:
            raise EventBatchError(f"events[{index}].channel: one of {', '.join(sorted(CHANNELS))}")
        if not isinstance(fields["type"], str) or fields["type"] not in EVENT_TYPES:
            raise EventBatchError(f"events[{index}].type: one of {', '.join(sorted(EVENT_TYPES))}")
        key = EventKey(**fields)
        if key.variant == HOLDOUT_VARIANT and key.type != EventType.IMPRESSION:
            raise EventBatchError(f"events[{index}]: the control group only has impressions")
        channel, variants = known.get(key.campaign, ("", frozenset()))
        if key.channel != channel or (
            key.variant not in variants and key.variant != HOLDOUT_VARIANT
        ):
            ignored += 1
            continue
        counted.append(key)
    return ParsedBatch(counted, ignored)


_UPSERT = (
    "INSERT INTO {table} (day, campaign, variant, channel, type, count) VALUES {rows} "
    "ON CONFLICT (day, campaign, variant, channel, type) "
    "DO UPDATE SET count = {table}.count + excluded.count"
)


@transaction.atomic
def events_record(*, events: list[EventKey], day: datetime.date | None = None) -> None:
    """Adds the events to the day's counters in one statement (SQLite and PostgreSQL).

    An upsert with `count = count + excluded.count` is atomic per row, so concurrent
    batches never lose an increment the way read-then-write would.
    """
    if not events:
        return
    today = day or timezone.now().date()
    counts = Counter(events)
    table = connection.ops.quote_name(EventCount._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(counts))
    params: list[Any] = []
    for key, count in counts.items():
        params += [today, key.campaign, key.variant, key.channel, key.type, count]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table, rows=rows), params)
