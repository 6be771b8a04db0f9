"""The stream fan-out never waits for a slow client: it drops it instead."""

from __future__ import annotations

import asyncio
import threading

from twin.events.bus import SUBSCRIBER_QUEUE, Bus


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


def test_events_published_from_worker_threads_arrive_on_the_loop_in_order() -> None:
    """Commits happen on request and engine threads; the subscribers live on the loop."""

    async def scenario() -> tuple[list[int], list[str]]:
        bus = Bus()
        bus.bind(asyncio.get_running_loop())
        sub = bus.subscribe("demo")
        seen_on: list[str] = []
        bus.listen(lambda _site, _e: seen_on.append(threading.current_thread().name))

        def worker() -> None:
            for i in range(500):
                bus.publish("demo", {"type": "readings", "i": i})

        await asyncio.to_thread(worker)
        got = []
        while len(got) < 500:
            got.append((await asyncio.wait_for(sub.queue.get(), 5))["i"])
        return got, seen_on

    got, threads = asyncio.run(scenario())
    assert got == list(range(500))
    assert set(threads) == {threading.main_thread().name}
