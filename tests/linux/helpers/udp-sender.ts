// Run by udp-fragments.test.ts inside its namespace (`ip netns exec NS node --import tsx ...`):
// a Stack on a TAP sends COUNT UDP datagrams of BYTES each to the Linux side, which the stack
// fragments to its MTU. A send refused with EAGAIN (next hop not yet resolved: more fragments
// than the ARP queue holds) is retried after a pause, boundedly. Prints one JSON line:
// { sent, refused, counters }.
//
// Usage: udp-sender.ts --tap NAME --ip A/N --host-ip A/N --to ADDR --port P --bytes N --count C
import { parseArgs } from 'node:util';
import { Errno } from '../../../host/abi.ts';
import { formatMac, parseIpv4, parseMac, randomMac } from '../../../host/addr.ts';
import { ip, looksLikeHostNetns } from '../../../host/netns.ts';
import { openTap } from '../../../host/nic/tap.ts';
import { Stack, makeRandom } from '../../../host/runtime.ts';

const { values } = parseArgs({
  options: {
    tap: { type: 'string' },
    ip: { type: 'string' },
    'host-ip': { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    bytes: { type: 'string' },
    count: { type: 'string', default: '1' },
  },
});
const tapName = values.tap!;
if (!tapName || !values.ip || !values['host-ip'] || !values.to || !values.port || !values.bytes) throw new Error('udp-sender: missing arguments');
if (looksLikeHostNetns(tapName)) throw new Error('udp-sender: refusing to run in the initial network namespace');
const BYTES = Number(values.bytes);
const COUNT = Number(values.count);
const RETRIES = 50;
const RETRY_MS = 100;

/** The datagrams' bytes (udp-fragments.test.ts computes the same). */
function udpPattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stack = await Stack.load({ profile: 'default' });
const tap = await openTap(tapName);
stack.attach(0, tap);
stack.configure(0, { mac: formatMac(...parseMac(randomMac(makeRandom(Date.now())))), ip: values.ip });
ip('addr', 'add', values['host-ip'], 'dev', tapName);
ip('link', 'set', 'dev', tapName, 'up');
stack.start();
stack.up(0);

const handle = stack.exports.udp_open();
let sent = 0;
let refused = 0;
for (let i = 0; i < COUNT; i++) {
  for (let attempt = 0; attempt < RETRIES; attempt++) {
    stack.writeIo(udpPattern(BYTES));
    const result = stack.exports.udp_sendto(handle, parseIpv4(values.to), Number(values.port), BYTES);
    stack.kick();
    if (result === BYTES) {
      sent++;
      break;
    }
    if (result !== Errno.EAGAIN) throw new Error(`udp_sendto: ${result}`);
    refused++;
    await sleep(RETRY_MS);
  }
}
await sleep(300);
process.stdout.write(`${JSON.stringify({ sent, refused, counters: stack.counters() })}\n`);
stack.stop();
tap.close();
await tap.closed;
process.exit(0);
