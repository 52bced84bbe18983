"""Browser pages served by the service itself: the playground at `/` and the API docs at `/docs`.

Both are switched on by UI_ENABLED (default true; the helm chart turns them off unless
`ui.enabled`). When off, nothing here is registered, so `/`, `/docs` and `/static/...` are
plain 404 problems.
"""

from __future__ import annotations

from service.web.pages import register_ui

__all__ = ["register_ui"]
