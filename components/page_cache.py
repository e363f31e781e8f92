"""Pages, or parts of pages, kept as their JSON when they are a function of the data alone.

The overview (two thousand components and the measure search index) reads nothing but
cached Store reads (:func:`data.cache.cached_read`): what it shows changes only when an
import or a refresh changes the data, and differs only between what staff and the public
may see. So its rendered JSON is cached under the same key as those reads — the
database, the data version and the viewer's visibility — and is exactly as fresh as they
are. A hit costs a cache read instead of the reads, the analytics and the encoding.

The same holds for the area page's tile grid (keyed also by its measures and the day,
as staleness is judged on today's date), the equity page's views (keyed by the measure
and period shown), the measure page's neighbourhood map and bars (keyed by the measure
and the neighbourhood shown), the public front page, and the kiosk's first view (keyed
by its interval, area and host). The public parts read through the public Store whoever
asks; their key still carries the asker's visibility, which only splits the entries.

Only parts whose every read is a ``cached_read``, and whose content depends on no one
viewer (the role check runs before the cache, in ``requires``), may use it as they
are. A part that also draws rows pages edit in place — the measure page's trend chart
draws its annotations and action items — reads those rows fresh on every visit and puts
:func:`content_digest` of them in its key: an edit changes the key, so the next visit
renders the part again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd

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


def content_digest(*frames: pd.DataFrame) -> str:
    """A short digest of the frames' columns and every value, for a key.

    Not their ``repr``: pandas shortens a long frame's, so two frames that differ in a
    middle row would share it.
    """
    digest = hashlib.blake2b(digest_size=16)
    for frame in frames:
        digest.update(frame.to_json(orient="split", date_format="iso").encode())
        digest.update(b"\0")
    return digest.hexdigest()
