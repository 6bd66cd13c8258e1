"""The chunked transfer-coding twins (codex.model.chunked_py / _chunked_c) against h11, the
HTTP/1.1 parser httpx uses: same payload, same accept/reject verdict, for valid bodies cut at
every kind of boundary and for malformed ones."""
from __future__ import annotations

import random

import h11
import pytest

from codex.model import chunked_py

try:
    from codex.model import _chunked_c
except ImportError:  # pragma: no cover - the pure twin still runs
    _chunked_c = None

TWINS = [pytest.param(chunked_py, id="pure"),
         pytest.param(_chunked_c, id="compiled",
                      marks=pytest.mark.skipif(_chunked_c is None, reason="compiled twin not built"))]

HEAD = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"


def h11_decode(body: bytes):
    """(payload, complete) as h11 parses `body`, or None when h11 rejects it."""
    c = h11.Connection(h11.CLIENT)
    c.send(h11.Request(method="GET", target="/", headers=[("host", "x")]))
    c.send(h11.EndOfMessage())
    c.receive_data(HEAD + body)
    out = []
    try:
        while True:
            ev = c.next_event()
            if ev is h11.NEED_DATA or ev is h11.PAUSED:
                return b"".join(out), False
            if isinstance(ev, h11.Data):
                out.append(bytes(ev.data))
            elif isinstance(ev, h11.EndOfMessage):
                return b"".join(out), True
    except h11.RemoteProtocolError:
        return None


def twin_decode(mod, body: bytes, cuts):
    d = mod.Dechunker()
    out = []
    prev = 0
    try:
        for c in list(cuts) + [len(body)]:
            out.append(d.feed(body[prev:c]))
            prev = c
    except mod.DechunkError:
        return None
    return b"".join(out), d.done


def encode(chunks, trailers=b"", ext=b""):
    return b"".join(b"%x%s\r\n%s\r\n" % (len(c), ext, c) for c in chunks) + b"0\r\n" + trailers + b"\r\n"


VALID = [
    encode([b"hello", b" ", b"world"]),
    encode([b"x" * 70000]),
    encode([b"event: a\ndata: {}\n\n"] * 50),
    encode([b"ab"], ext=b";name=value"),
    encode([b"ab"], trailers=b"x-trailer: 1\r\n"),
    b"A  \r\n0123456789\r\n0\r\n\r\n",          # spaces after the size
    b"00005\r\nhello\r\n000\r\n\r\n",           # leading zeros
    encode([bytes(range(256))]),
]

INVALID = [
    b"zz\r\nhello\r\n0\r\n\r\n",                # not hex
    b"5\r\nhelloX\r\n0\r\n\r\n",                # no CRLF after data
    b"5\nhello\r\n0\r\n\r\n",                   # bare LF
    b" 5\r\nhello\r\n0\r\n\r\n",                # space before the size
    b"5 ;x\r\nhello\r\n0\r\n\r\n",              # space before the extension
    b"\r\n",                                    # empty size
    b"1" * 21 + b"\r\n",                        # more than 20 digits
]


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("body", VALID + INVALID)
def test_whole_body_like_h11(twin, body):
    assert twin_decode(twin, body, []) == h11_decode(body)


@pytest.mark.parametrize("twin", TWINS)
def test_random_cuts_like_h11(twin):
    rng = random.Random(7)
    for body in VALID + INVALID:
        want = h11_decode(body)
        for _ in range(60):
            k = rng.randint(0, min(8, len(body) - 1))
            cuts = sorted(rng.sample(range(1, len(body)), k)) if len(body) > 1 else []
            assert twin_decode(twin, body, cuts) == want, (body[:60], cuts)
        # every single-byte feed
        if len(body) < 400:
            assert twin_decode(twin, body, range(1, len(body))) == want


@pytest.mark.parametrize("twin", TWINS)
def test_random_streams_like_h11(twin):
    rng = random.Random(11)
    for _ in range(200):
        chunks = [bytes(rng.randrange(256) for _ in range(rng.choice([1, 2, 15, 300])))
                  for _ in range(rng.randint(0, 6))]
        body = encode(chunks, ext=rng.choice([b"", b";a=b"]), trailers=rng.choice([b"", b"t: v\r\n"]))
        cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(0, 10))))
        assert twin_decode(twin, body, cuts) == (b"".join(chunks), True)


@pytest.mark.parametrize("twin", TWINS)
def test_tail_after_the_end(twin):
    d = twin.Dechunker()
    assert d.feed(encode([b"ab"]) + b"HTTP/1.1 200") == b"ab"
    assert d.done and d.tail == b"HTTP/1.1 200"


@pytest.mark.parametrize("twin", TWINS)
def test_overlong_line(twin):
    d = twin.Dechunker()
    with pytest.raises(twin.DechunkError):
        d.feed(b"5;" + b"x" * (twin.MAX_LINE + 10))
    with pytest.raises(twin.DechunkError):
        twin.Dechunker().feed(b"5;" + b"x" * (twin.MAX_LINE + 10) + b"\r\n")
