#!/usr/bin/env python3
"""Regenerates the NAMES literal in assembly/lib/counters.ts from the Counter enum, so the
two can never drift apart. Run after adding a counter: python3 scripts/counter-names.py

The names are ASCII, one per line. AssemblyScript stores a string literal as UTF-16, two bytes
a character; to keep the table at one byte a name character, each UTF-16 unit of the literal
packs two of them (low byte first, as wasm memory is little-endian), so the literal's bytes in
memory are the ASCII text. NAMES_BYTES is its length (the last unit is padded with a newline)."""
import re, pathlib
path = pathlib.Path(__file__).resolve().parent.parent / "assembly/lib/counters.ts"
text = path.read_text()
body = text[text.index("export enum Counter {"):]
body = body[: body.index("}")]
names = [n for n in re.findall(r"^\s+(\w+)(?:\s*=\s*\d+)?,", body, re.M) if n not in ("OK", "COUNT")]
ascii_text = "\n".join(names).encode("ascii")
padded = ascii_text + (b"\n" if len(ascii_text) % 2 else b"")
units = "".join(f"\\u{padded[i] | padded[i + 1] << 8:04x}" for i in range(0, len(padded), 2))
literal = 'const NAMES = "' + units + '"'
text = re.sub(r'const NAMES = "[^"]*"', lambda _: literal, text)
text = re.sub(r"@inline const NAMES_BYTES: i32 = \d+;", f"@inline const NAMES_BYTES: i32 = {len(ascii_text)};", text)
path.write_text(text)
print(f"{len(names)} counters, {len(ascii_text)} bytes of names")
