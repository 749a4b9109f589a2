#!/usr/bin/env python3
"""Regenerates the NAMES literal in assembly/lib/counters.ts from the Counter enum, so the
two can never drift apart. Run after adding a counter: python3 scripts/counter-names.py"""
import re, pathlib
path = pathlib.Path(__file__).resolve().parent.parent / "assembly/lib/counters.ts"
text = path.read_text()
body = text[text.index("export enum Counter {"):]
body = body[: body.index("}")]
names = [n for n in re.findall(r"^\s+(\w+)(?:\s*=\s*\d+)?,", body, re.M) if n not in ("OK", "COUNT")]
literal = 'const NAMES = "' + "\\n".join(names) + '"'
text = re.sub(r'const NAMES = "[^"]*"', lambda _: literal, text)
path.write_text(text)
print(f"{len(names)} counters")
