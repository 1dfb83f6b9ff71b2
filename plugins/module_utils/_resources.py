# Copyright (c) seed.openai contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""URLs and reads shared by the thread toolkit's modules: plain Python."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Callable, Optional

from ._client import OpenAIClient, path_segment, redact_url
from ._errors import BadAnswer, InvalidInput, OpenAIError, expect_object, one_line
from ._ids import from_json_text, resolve_id

MAX_PAGES = 100


def thread_url(client: OpenAIClient, thread_id: str, *rest: str) -> str:
    return client.url("threads", path_segment(thread_id, "thread"), *rest)


def run_url(client: OpenAIClient, thread_id: str, run_id: str, *rest: str) -> str:
    return thread_url(client, thread_id, "runs", path_segment(run_id, "run"), *rest)


def assistant_url(client: OpenAIClient, assistant_id: str | None = None) -> str:
    if assistant_id is None:
        return client.url("assistants")
    return client.url("assistants", path_segment(assistant_id, "assistant"))


def thread_and_run(params: dict[str, Any]) -> tuple[str, str]:
    """The thread and run IDs a task names: `run` as an ID or a run object, and
    `thread` as an ID or object, or taken from the run object."""
    run = from_json_text(params["run"])
    run_id = resolve_id(run, "run", "run")
    thread = params.get("thread")
    if thread is None:
        if (
            isinstance(run, dict)
            and isinstance(run.get("run") or run, dict)
            and (run.get("run") or run).get("thread_id")
        ):
            thread = run
        else:
            raise InvalidInput(
                "thread is required when run is an ID; or pass the run object an earlier task registered"
            )
    return resolve_id(thread, "thread", "thread"), run_id


def _cursor(page: dict[str, Any], data: list[Any]) -> str | None:
    cursor = page.get("last_id")
    if not isinstance(cursor, str) or not cursor:
        last = data[-1]
        cursor = last.get("id") if isinstance(last, dict) else None
    return cursor if isinstance(cursor, str) and cursor else None


class ListIncomplete(OpenAIError):
    """A list could not be read to its end: what it holds is not known."""


def whole_list(
    client: OpenAIClient, url: str, query: dict[str, Any], max_pages: int = MAX_PAGES
) -> Iterator[tuple[list[Any], Mapping[str, str]]]:
    """Every page of a cursor-paged list, to its end, with its headers.

    Nothing the server says about order or size is relied on: pages are
    followed by their cursor until has_more is no longer true. A list that
    cannot be read to its end (a cursor or page given twice, as when `after`
    is ignored; has_more without a cursor or items; more than max_pages
    pages) raises ListIncomplete: what it holds is not known."""
    query = dict(query)
    what = f"GET {redact_url(url)}"
    cursors: set[str] = set()
    seen: set[str] = set()
    for _page in range(max_pages):
        answer, headers = client.exchange("GET", url, query=query)
        page = expect_object(answer, what, "list")
        data = page.get("data")
        if not isinstance(data, list):
            raise BadAnswer(f"{what} answered a list without a data array")
        ids = {item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)}
        if ids and ids <= seen:
            raise ListIncomplete(
                f"{what} could not be read to its end: it sent a page it had sent before (it may ignore after)"
            )
        seen |= ids
        yield data, headers
        if page.get("has_more") is not True:
            return
        cursor = _cursor(page, data) if data else None
        if cursor is None:
            problem = "said it has more but gave no cursor" if data else "said it has more but sent an empty page"
            raise ListIncomplete(f"{what} could not be read to its end: it {problem}")
        if cursor in cursors:
            raise ListIncomplete(
                f"{what} could not be read to its end: it gave the cursor {one_line(cursor, 60)!r} twice "
                "(it may ignore after)"
            )
        cursors.add(cursor)
        query["after"] = cursor
    raise ListIncomplete(f"{what} could not be read to its end: it has more than {max_pages} pages")


def pages(
    client: OpenAIClient,
    url: str,
    query: dict[str, Any],
    all_pages: bool,
    warn: Optional[Callable[[str], None]] = None,
    max_pages: int = MAX_PAGES,
) -> Iterator[Any]:
    """The items of a cursor-paged list, following `after` when all_pages.

    Never loops: it stops when the server repeats a cursor or gives none, and
    after max_pages pages, telling `warn` why the list may be incomplete."""
    query = dict(query)
    seen: set[str] = set()
    for _page in range(max_pages):
        page = expect_object(client.request("GET", url, query=query), f"GET {url}", "list")
        data = page.get("data")
        if not isinstance(data, list):
            raise BadAnswer(f"GET {url} answered a list without a data array")
        yield from data
        if not (all_pages and page.get("has_more") is True and data):
            return
        cursor = _cursor(page, data)
        if cursor is None or cursor in seen:
            problem = "no cursor" if cursor is None else f"the cursor {one_line(cursor, 60)!r} a second time"
            if warn is not None:
                warn(f"GET {url} said it has more items but gave {problem}; the list stops there")
            return
        seen.add(cursor)
        query["after"] = cursor
    if warn is not None:
        warn(f"GET {url} has more than {max_pages} pages; only the first {max_pages} were read")
