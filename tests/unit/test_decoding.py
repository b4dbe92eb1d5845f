"""The client's bounded decoder: any stack of gzip/deflate, any chunking, one cap."""

from __future__ import annotations

import itertools
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.client import DECODE_STEP_BYTES, BodyTooLarge, BoundedDecoder, UnknownEncoding

ENCODINGS = st.sampled_from(["gzip", "x-gzip", "deflate", "raw-deflate", "identity"])


def encode(data: bytes, stack: list[str]) -> tuple[bytes, str]:
    for encoding in stack:
        if encoding == "identity":
            continue
        wbits = {"gzip": 31, "x-gzip": 31, "deflate": 15, "raw-deflate": -15}[encoding]
        engine = zlib.compressobj(6, zlib.DEFLATED, wbits)
        data = engine.compress(data) + engine.flush()
    header = ", ".join("deflate" if e == "raw-deflate" else e for e in stack)
    return data, header


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def decode(chunks: list[bytes], header: str, limit: int) -> bytes:
    decoder = BoundedDecoder(header, limit)
    for chunk in chunks:
        decoder.feed(chunk)
    return decoder.finish()


@settings(max_examples=150, deadline=None)
@given(
    data=st.binary(max_size=3000) | st.integers(0, 300_000).map(bytes),
    stack=st.lists(ENCODINGS, max_size=3),
    cuts=st.lists(st.integers(0, 10**6), max_size=8),
)
def test_any_stack_and_any_chunking_round_trips_under_the_cap(
    data: bytes, stack: list[str], cuts: list[int]
) -> None:
    wire, header = encode(data, stack)
    assert decode(chunked(wire, cuts), header, len(data)) == data


@settings(max_examples=80, deadline=None)
@given(
    size=st.integers(1, 400_000),
    stack=st.lists(ENCODINGS, max_size=3),
    cuts=st.lists(st.integers(0, 10**6), max_size=8),
)
def test_one_byte_past_the_cap_is_refused(size: int, stack: list[str], cuts: list[int]) -> None:
    wire, header = encode(bytes(size), stack)
    with pytest.raises(BodyTooLarge):
        decode(chunked(wire, cuts), header, size - 1)


def test_a_bomb_is_refused_after_a_few_bounded_steps() -> None:
    # 64 MiB of zeros, gzipped twice, is about 200 bytes: what matters is how much
    # the decoder inflated before refusing, which is the cap plus about one step.
    wire, header = encode(bytes(64 * 1024 * 1024), ["gzip", "gzip"])
    decoder = BoundedDecoder(header, 1024 * 1024)
    with pytest.raises(BodyTooLarge):
        decoder.feed(wire)
    assert len(decoder._body) <= 1024 * 1024 + DECODE_STEP_BYTES


@given(st.sampled_from(["gzip", "deflate"]), st.integers(1, 99))
def test_a_truncated_stream_is_a_decoding_error(encoding: str, percent: int) -> None:
    wire, header = encode(b'{"five_hour": null}' * 50, [encoding])
    with pytest.raises(zlib.error):
        decode([wire[: max(1, len(wire) * percent // 100)]], header, 10**6)


@given(st.binary(max_size=200))
def test_garbage_is_a_decoding_error(junk: bytes) -> None:
    with pytest.raises(zlib.error):  # not the gzip magic number
        decode([b"\x00" + junk], "gzip", 10**6)


@pytest.mark.parametrize("header", ["br", "gzip, br", "zstd", "compress", "x-foo"])
def test_unknown_encodings_are_refused_before_reading(header: str) -> None:
    with pytest.raises(UnknownEncoding):
        BoundedDecoder(header)
