// Child process of the TAP benchmarks, started with `ip netns exec` inside the benchmark's own
// namespace: opens a TAP, gives the kernel side its address, and answers on it with either the
// netstack module running its services (UDP echo 7; TCP echo 7, discard 9, chargen 19, as
// `netstack up --echo --discard --chargen` does) or the raw reflector (bench/reflect.ts).
// Both use the same TapNic, so the comparison is the module + runtime against no stack.
//
// Usage: peer.ts netstack|reflector TAP STACK_CIDR HOST_CIDR PROFILE MAX_SECONDS
// Prints "ready" once answering. Each line "stats" on stdin is answered with one JSON line
// (TAP frame counts, module counters, reflected frames). On SIGTERM (or after MAX_SECONDS)
// prints one final JSON line, which also has the heap probe before and after, and exits.
import { createInterface } from 'node:readline';
import type { Profile } from '../host/abi.ts';
import { formatMac, parseMac } from '../host/addr.ts';
import { ip, looksLikeHostNetns } from '../host/netns.ts';
import { openTap } from '../host/nic/tap.ts';
import { Stack } from '../host/runtime.ts';
import { macBytes, ipBytes } from '../tests/sim/frames.ts';
import { reflect } from './reflect.ts';

const MAC = '02:00:00:00:02:02';
/** The module's TCP services (app/tcp_services.ts): kind, well-known port. */
const SERVICES: [number, number][] = [[1, 7], [2, 9], [3, 19]];
const [mode, tapName, stackCidr, hostCidr, profile, maxSeconds] = process.argv.slice(2);

// Belt and braces: the parent already runs us through `ip netns exec`.
if (looksLikeHostNetns(tapName)) {
  process.stderr.write('peer: refusing to run in the initial network namespace\n');
  process.exit(2);
}

const tap = await openTap(tapName);
let stack: Stack | null = null;
let reflected = 0;
/** heap_top() advances one fixed step per call, so it is read twice at start to know the step. */
let heap: { before: number; step: number } | null = null;
ip('addr', 'add', hostCidr, 'dev', tapName);
ip('link', 'set', 'dev', tapName, 'up');
if (mode === 'netstack') {
  stack = await Stack.load({ profile: profile as Profile, seed: 42, log: () => {} });
  stack.attach(0, tap);
  stack.configure(0, { mac: formatMac(...parseMac(MAC)), ip: stackCidr });
  if (stack.exports.service_udp_echo(7) < 0) throw new Error('peer: UDP echo service did not start');
  for (const [kind, port] of SERVICES) {
    const status = stack.exports.service_tcp(kind, port);
    if (status < 0) throw new Error(`peer: TCP service ${kind} did not start on port ${port} (${status})`);
  }
  stack.start();
  stack.up(0);
  const first = stack.exports.heap_top();
  const second = stack.exports.heap_top();
  heap = { before: second, step: second - first };
} else {
  const mac = macBytes(MAC);
  const addr = ipBytes(stackCidr.split('/')[0]);
  tap.onFrame = (frame) => {
    const reply = reflect(frame, mac, addr);
    if (reply) {
      reflected++;
      tap.send(reply);
    }
  };
}

const stats = () => {
  const counters = stack ? Object.fromEntries(Object.entries(stack.counters()).filter(([n, v]) => n && v)) : { reflected };
  return { tap: tap.stats(), counters };
};

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(stats())}\n`);
});
process.stdout.write('ready\n');

let finishing = false;
const finish = async () => {
  if (finishing) return;
  finishing = true;
  // Read the probe before anything else runs in the module.
  const after = stack ? stack.exports.heap_top() : 0;
  stack?.stop();
  tap.close();
  await tap.closed;
  const heapTop = heap ? { before: heap.before, after, step: heap.step } : null;
  process.stdout.write(`${JSON.stringify({ ...stats(), heapTop })}\n`);
  process.exit(0);
};
process.once('SIGTERM', finish);
process.once('SIGINT', finish);
// Bounded even if the parent dies without signalling us.
setTimeout(finish, Number(maxSeconds) * 1000).unref();
