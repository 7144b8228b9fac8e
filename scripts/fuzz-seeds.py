#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus, Tests/Fuzz/corpus/TARGET/seed-*.

Each input is eight bytes that seed the target's choices (chunk and write sizes, which
answer to expect, the kernel's windows) followed by the peer's bytes. The seeds are the
protocol's own examples (docs/protocol.md) and its edges; libFuzzer grows the rest.

    scripts/fuzz-seeds.py            # rewrite the corpus (it is committed)
"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fuzz" / "corpus"


def seed(n: int) -> bytes:
    return struct.pack(">Q", n * 0x9E3779B97F4A7C15 % (1 << 64))


requests = [
    b"PING\n",
    b"ping\r\nPing\n  PING  \n\n   \n",
    b"WAIT 0\nWAIT 300\nPING\nBURN 10\nSTREAM 3\n",
    b"BURN 0\nBURN 1\nBURN 2\nBURN 1000\nBURN 007\n",
    b"STREAM 0\nSTREAM 100\nSTREAM 70000\nPING\n",
    b"FOO\nPINGS\nP ING\nPING\tX\nPING 1\nWAIT\nWAIT x\nWAIT -1\nWAIT 600001\nBURN 1 2\n",
    b"WAIT 600000\nBURN 1000000000\nSTREAM 1000000000000\nSTREAM 1000000000001\n",
    b"BURN 18446744073709551616\nBURN 99999999999999999999999\n",
    b"A" * 4096 + b"\nPING\n",
    b"A" * 4096 + b"\r\nPING\n",
    b"A" * 4097 + b"\nPING\n",
    b"A" * 4096 + b"\r",
    b"A" * 4097,
    b"PING\nPIN",
    b"BURN 5\nPING\nWAIT 1\nSTREAM 5\nPING\n" * 20,
]
verifier = [
    b"PONG\n",
    b"DONE\n",
    b"RESULT 16086693280373169734\n",
    b"RESULT 0\n",
    b"RESULT 0123\n",
    b"abcdefghijklmnopqrstuvwxyzabc\nDONE\n",
    b"+PONG\r\n",
    b"-ERR\n",
    b"PONG\nPONG\n",
]
chat = [
    b"\x00\x02hello\n\x00\x03hi there\n\x05\x05",
    b"\x00\x00\x02" + b"x" * 70 + b"\n\x04line\r\n\x07\x07",
    b"\x00\x01\x00\x02a\nb\nc\n\x06\x02d\n\x05",
    b"\x00" * 6 + b"\x02" + b"spam\n" * 15 + b"\x07\x05\x05",
]

for target, inputs in {"framer": requests, "session": requests, "verifier": verifier, "chat": chat}.items():
    folder = ROOT / target
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("seed-*"):
        old.unlink()
    for number, payload in enumerate(inputs):
        for variant in range(2):  # two ways of cutting and answering the same bytes
            (folder / f"seed-{number:02d}-{variant}").write_bytes(seed(number * 2 + variant + 1) + payload)
    print(f"{folder}: {2 * len(inputs)} inputs")
