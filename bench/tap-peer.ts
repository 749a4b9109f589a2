// Child process of the TAP benchmark, started with `ip netns exec` inside the benchmark's own
// namespace: opens a TAP, gives the kernel side its address, and answers on it with either
// the netstack module (as `netstack up --echo` does) or the raw reflector (bench/reflect.ts).
// Both use the same TapNic, so the comparison is the module + runtime against no stack.
//
// Usage: tap-peer.ts netstack|reflector TAP STACK_CIDR HOST_CIDR PROFILE MAX_SECONDS
// Prints "ready" once answering; on SIGTERM (or after MAX_SECONDS) prints one JSON line of
// statistics and exits.
import type { Profile } from '../host/abi.ts';
import { formatMac, parseMac } from '../host/addr.ts';
import { ip, looksLikeHostNetns } from '../host/netns.ts';
import { openTap } from '../host/nic/tap.ts';
import { Stack } from '../host/runtime.ts';
import { macBytes, ipBytes } from '../tests/sim/frames.ts';
import { reflect } from './reflect.ts';

const MAC = '02:00:00:00:02:02';
const [mode, tapName, stackCidr, hostCidr, profile, maxSeconds] = process.argv.slice(2);

// Belt and braces: the parent already runs us through `ip netns exec`.
if (looksLikeHostNetns(tapName)) {
  process.stderr.write('tap-peer: refusing to run in the initial network namespace\n');
  process.exit(2);
}

const tap = await openTap(tapName);
let stack: Stack | null = null;
let reflected = 0;
ip('addr', 'add', hostCidr, 'dev', tapName);
ip('link', 'set', 'dev', tapName, 'up');
if (mode === 'netstack') {
  stack = await Stack.load({ profile: profile as Profile, seed: 42 });
  stack.attach(0, tap);
  stack.configure(0, { mac: formatMac(...parseMac(MAC)), ip: stackCidr });
  if (stack.exports.service_udp_echo(7) < 0) throw new Error('tap-peer: echo service did not start');
  stack.start();
  stack.up(0);
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
process.stdout.write('ready\n');

const finish = async () => {
  stack?.stop();
  tap.close();
  await tap.closed;
  const counters = stack ? Object.fromEntries(Object.entries(stack.counters()).filter(([n, v]) => n && v)) : { reflected };
  process.stdout.write(`${JSON.stringify({ tap: tap.stats(), counters })}\n`);
  process.exit(0);
};
process.once('SIGTERM', finish);
process.once('SIGINT', finish);
// Bounded even if the parent dies without signalling us.
setTimeout(finish, Number(maxSeconds) * 1000).unref();
