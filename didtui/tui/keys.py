"""Keys in order: each key (and paste) is routed only after the previous one has settled.

Why (Textual 8.2.8, `App.on_event`): the app routes a key from the terminal at once to
the widget focused *at that moment* by posting it to that widget's queue. A binding that
is not a priority binding runs only when the key has bubbled up, queue by queue, back to
the app, where it waits behind every key of the same burst. So in `n F o o`, the `F o o`
are already posted to the table before `n` has opened its form; and a form's fields take
focus only after the new screen has mounted (a few more queue turns, ~100 ms over SSH).
Keys typed in that window went to the old widget and were lost.

`OrderedKeys` holds the keys that arrive while one is in flight and routes the next only
when the previous key has gone all the way up (each queue from the focused widget to the
screen, then the app), and when a screen it opened or closed has mounted and set focus.
Routing itself is Textual's own (priority bindings, then the focused widget).
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.message_pump import MessagePump

# A key whose effects have not settled after this long (a widget busy in a long
# handler) lets the next one through rather than freeze the keyboard.
SETTLE_TIMEOUT = 2.0
# Rounds of draining the current screen after a key: enough for a pushed screen to
# compose, mount its children and focus its first field.
SETTLE_ROUNDS = 4
NODE_TIMEOUT = 0.5


class OrderedKeys(App[None]):
    """Mixin for the App: hand keys and pastes to widgets one at a time, in order."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._key_backlog: deque[events.Event] = deque()
        self._key_in_flight = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self._key_backlog.append(event)
            if not self._key_in_flight:
                await self._route_next_key()
            return
        await super().on_event(event)

    async def _route_next_key(self) -> None:
        if not self._key_backlog or self._key_in_flight:
            return
        event = self._key_backlog.popleft()
        self._key_in_flight = True
        focused = self.focused
        screen = self.screen
        try:
            await super().on_event(event)
        except Exception:
            self._key_in_flight = False
            raise
        path: list[MessagePump] = _path_up(focused, screen) if focused is not None else [screen]
        asyncio.get_running_loop().create_task(self._settle(event, path))

    async def _settle(self, event: events.Event, path: list[MessagePump]) -> None:
        try:
            await asyncio.wait_for(self._wait_settled(event, path), timeout=SETTLE_TIMEOUT)
        except (TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self._key_in_flight = False
            if self._key_backlog and not self._closing:
                self.call_later(self._route_next_key)

    async def _wait_settled(self, event: events.Event, path: list[MessagePump]) -> None:
        # The key's way up: a node bubbles the key to its parent after handling it, so
        # draining each queue in turn sees the key through every handler and binding
        # (they run when it reaches the app). A second pass carries up the messages the
        # key made on its way (an Input's Submitted, a table's Changed).
        screen = self.screen
        for _ in range(2):
            for node in path:
                await _drain(node)
            await _drain(self)
        if self.screen is screen:
            await self._wait_for_data()
            return  # the common case (a character, a move): nothing more to wait for
        # A screen was opened or closed: wait until it has mounted and set its focus.
        for _ in range(SETTLE_ROUNDS):
            screen = self.screen
            await asyncio.gather(*(_drain(node) for node in [screen, *screen.walk_children(with_self=False)]))
            await _drain(self)
            if self.screen is screen and (screen.focused is not None or not screen.focus_chain):
                break
        await self._wait_for_data()

    async def _wait_for_data(self) -> None:
        while not self.keys_may_continue():
            await asyncio.sleep(0.01)

    def keys_may_continue(self) -> bool:
        """False while a key's effect is still being loaded and the next keys depend on
        it (e.g. `enter` applied a filter: a following `G` must go to its last row)."""
        return True


def _path_up(node: DOMNode, screen: MessagePump) -> list[MessagePump]:
    """The node and its ancestors up to (and including) the screen."""
    path: list[MessagePump] = []
    current: DOMNode | None = node
    while current is not None and not isinstance(current, App):
        path.append(current)
        if current is screen:
            break
        current = current.parent
    return path


async def _drain(node: MessagePump) -> None:
    """Wait until `node` has handled everything queued to it so far."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def mark() -> None:
        if not done.done():
            done.set_result(None)

    if node.call_later(mark):
        try:
            await asyncio.wait_for(done, timeout=NODE_TIMEOUT)
        except TimeoutError:  # the node was removed with the callback still queued
            pass
