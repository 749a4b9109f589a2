// The module's counter table and its name list agree (scripts/counter-names.py writes the
// names from the enum; this catches an edit that skipped it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROFILES } from '../../host/abi.ts';
import { Stack } from '../../host/runtime.ts';

for (const profile of PROFILES) {
  test(`${profile}: one unique, well-formed name per counter`, async () => {
    const stack = await Stack.load({ profile, seed: 1 });
    const names = Object.keys(stack.counters());
    assert.equal(names.length, stack.exports.counter_count());
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z][a-z0-9_]*$/);
    assert.ok(Object.values(stack.counters()).every((value) => value === 0));
  });
}
