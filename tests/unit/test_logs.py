"""The agent log: one line per record, size-capped, private, and never a token."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier import logs

TOKEN = "sk-ant-oat01-FAKEabcDEF123_-xyz"


def _fail(exc: Exception) -> None:
    raise exc


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "log" / "agent.log"
    yield path
    logs.shutdown()


def test_token_like_strings_never_reach_the_file(log_file: Path) -> None:
    logger = logs.configure(log_file, echo=False)
    logger.info("token %s in args", TOKEN)
    logger.warning("header Authorization: Bearer %s", "abc.def-ghi")
    logging.getLogger("some.library").warning('{"accessToken": "%s"}', "opaque123")
    try:
        _fail(RuntimeError(f"boom with {TOKEN}"))
    except RuntimeError:
        logger.exception("failed")
    text = log_file.read_text()
    assert "FAKE" not in text
    assert "abc.def-ghi" not in text
    assert "opaque123" not in text
    assert "sk-ant-***" in text
    assert "Bearer ***" in text


def test_each_record_is_one_line_even_with_a_traceback(log_file: Path) -> None:
    logger = logs.configure(log_file, echo=False)
    logger.info("first\nsecond")
    try:
        _fail(ValueError("bad"))
    except ValueError:
        logger.exception("went wrong")
    lines = log_file.read_text().splitlines()
    assert len(lines) == 2
    assert "first | second" in lines[0]
    assert "went wrong" in lines[1]
    assert "ValueError: bad" in lines[1]


def test_library_info_chatter_stays_out_but_warnings_come_in(log_file: Path) -> None:
    logs.configure(log_file, echo=False)
    logging.getLogger("httpx").info("HTTP Request: GET http://x")
    logging.getLogger("desktop_notifier").warning("Notification failed")
    text = log_file.read_text()
    assert "HTTP Request" not in text
    assert "Notification failed" in text


def test_log_is_size_capped_and_private(log_file: Path) -> None:
    logger = logs.configure(log_file, echo=False, max_bytes=2_000, backup_count=2)
    for n in range(500):
        logger.info("line %d %s", n, "x" * 40)
    files = sorted(log_file.parent.iterdir())
    assert [f.name for f in files] == ["agent.log", "agent.log.1", "agent.log.2"]
    for f in files:
        assert f.stat().st_size <= 2_000
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert "line 499" in log_file.read_text()


def test_scrub_leaves_ordinary_text_alone() -> None:
    assert logs.scrub("rate limited: retry in 60 s") == "rate limited: retry in 60 s"
