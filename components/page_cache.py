"""Pages, or parts of pages, kept as their JSON when they are a function of the data alone.

The overview (two thousand components and the measure search index) reads nothing but
cached Store reads (:func:`data.cache.cached_read`): what it shows changes only when an
import or a refresh changes the data, and differs only between what staff and the public
may see. So its rendered JSON is cached under the same key as those reads — the
database, the data version and the viewer's visibility — and is exactly as fresh as they
are. A hit costs a cache read instead of the reads, the analytics and the encoding.

The same holds for the area page's tile grid (keyed also by its measures and the day,
as staleness is judged on today's date) and the equity page's views (keyed by the
measure and period shown). Only parts whose every read is a ``cached_read``, and whose
content depends on no one viewer (the role check runs before the cache, in
``requires``), may use it: not the measure page, whose notes and annotations are edited
in place.
"""

from __future__ import annotations

from collections.abc import Callable

from components import serialization
from components.context import current_store


def cached_page(name: str, render: Callable[[], object], *arguments) -> object:
    """What ``render()`` returns, or its JSON from the cache when it is there.

    ``arguments`` are everything ``render`` depends on besides the data and the viewer's
    visibility (an id, a page number); they are part of the key.
    """
    store = current_store()
    if store.cache is None:
        return render()
    text = store.cache.get_or_compute(
        store.engine,
        store.viewer.visibility,
        f"page:{name}",
        arguments,
        lambda: serialization.to_json(render()),
    )
    return serialization.prerendered(text)
