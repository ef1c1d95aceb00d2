"""The page's DOM helpers (MicroPython, main thread), shared by every view: find, make, empty and bind.

Author and learner text only ever goes in as textContent, never as HTML.
"""

import asyncio

from pyscript import document, window
from pyscript.ffi import create_proxy

_kept = []  # proxies handed to the browser for the page's lifetime (MicroPython would otherwise free them)


def el(id_):
    """The element with this id (None when the page has none)."""
    return document.getElementById(id_)


def make(tag, cls=None, text=None, **attrs):
    """A new element; text goes in as textContent. Attribute names use _ for - (aria_label -> aria-label)."""
    node = document.createElement(tag)
    if cls:
        node.className = cls
    if text is not None:
        node.textContent = text
    for name, value in attrs.items():
        node.setAttribute(name.replace("_", "-"), value)
    return node


def clear(node):
    """Remove every child of `node`."""
    node.replaceChildren()


def proxy(fn):
    """`fn` as a JavaScript callable that lives as long as the page."""
    p = create_proxy(fn)
    _kept.append(p)
    return p


def on(target, event, handler):
    """Bind `handler` (sync, or async: its coroutine runs as a task) to `event` on an element or its id."""
    node = el(target) if isinstance(target, str) else target

    def listener(evt):
        result = handler(evt)
        if result is not None and hasattr(result, "send"):
            asyncio.create_task(result)
    node.addEventListener(event, proxy(listener))


def guarded(fn, on_done=None, on_fail=None):
    """Run fn() from a fresh promise callback; on_done(value) or on_fail(error) follow.

    A JavaScript exception inside fn (storage denied in a third-party frame, a full quota, a faulty LMS API) then
    becomes a rejected promise instead of aborting the Python code around it, which MicroPython could not catch.
    Calls run in the order they were made.
    """
    def run(*_):
        return fn()

    def done(*args):
        if on_done is not None:
            on_done(args[0] if args else None)

    def fail(*args):
        if on_fail is not None:
            on_fail(args[0] if args else None)

    window.Promise.resolve(None).then(create_proxy(run)).then(create_proxy(done), create_proxy(fail))
