// Echo requests with 802.1Q / 802.1ad tags the Linux side builds itself, for the VLAN and QinQ
// suites (this kernel has no 8021q support for VLAN subinterfaces): runs helpers/tagged_ping.py
// on the suite's TAP inside its namespace.
import assert from 'node:assert/strict';
import type { Netns, Netstack } from './netns-fixture.ts';

export const C_TAG = 0x8100;
export const S_TAG = 0x88a8;

export interface TaggedPingResult {
  replies: number;
  /** The tag stacks seen on the stack's frames, each as [tpid, vid] pairs from the outside in ([] = untagged). */
  stacks: number[][][];
  /** The distinct lengths on the wire of the stack's echo replies. */
  lengths: number[];
}

/** `count` echo requests of a `size`-byte datagram (default 41) carrying `tags` ([tpid, vid] from the outside in). */
export function taggedPing(netns: Netns, tap: string, netstack: Netstack, tags: [number, number][], count: number, size?: number): TaggedPingResult {
  const tagArg = tags.length === 0 ? '-' : tags.map(([tpid, vid]) => `${tpid.toString(16)}:${vid}`).join(',');
  const args = ['tests/linux/helpers/tagged_ping.py', tap, netstack.mac, tagArg, String(count)];
  if (size !== undefined) args.push(String(size));
  const result = netns.run('python3', args, { timeoutMs: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}
