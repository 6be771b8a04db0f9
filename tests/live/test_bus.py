"""The stream fan-out never waits for a slow client: it drops it instead."""

from __future__ import annotations

import asyncio

from twin.live.bus import SUBSCRIBER_QUEUE, Bus


def test_a_lagging_subscriber_is_dropped_and_others_keep_everything() -> None:
    async def scenario() -> tuple[Bus, int, bool, bool]:
        bus = Bus()
        slow, fast = bus.subscribe("demo"), bus.subscribe("demo")
        received = 0
        for i in range(SUBSCRIBER_QUEUE + 10):
            bus.publish("demo", {"type": "readings", "i": i})
            while not fast.queue.empty():  # the fast client keeps up
                fast.queue.get_nowait()
                received += 1
        other_site = bus.subscribe("other")
        bus.publish("demo", {"type": "readings"})
        return bus, received, slow.lagging, other_site.queue.empty()

    bus, received, slow_lagging, other_untouched = asyncio.run(scenario())
    assert slow_lagging and bus.dropped_subscribers == 1
    assert received == SUBSCRIBER_QUEUE + 10
    assert bus.subscribers("demo") == 1 and other_untouched
