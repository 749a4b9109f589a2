// Run by tcp-client.test.ts inside its namespace (`ip netns exec NS node --import tsx ...`):
// the stack as a TCP client of Linux servers. Opens a TAP, gives the kernel side its address,
// brings up a Stack and, through host/net.ts connect(), runs each step named on the command
// line against the servers the test started:
//   sink:PORT      BYTES of noisePattern to a Linux sink, then end(); waits for 'close'
//   echo:PORT      BYTES to a Linux echo server, reads all of them back, then end(); waits for
//                  the peer's FIN ('end') and 'close'
//   refused:PORT   a connect to a port where nothing listens; expects an error
// Prints one JSON line (a StepReport per step) on stdout; every step is bounded in time.
//
// Usage: stack-client.ts --profile P --tap NAME --ip A/N --host-ip A/N --server A --bytes N
//          [--step-timeout MS] [--pcap FILE] STEP...
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatMac, parseMac, randomMac } from '../../../host/addr.ts';
import type { Profile } from '../../../host/abi.ts';
import { connect, type Socket } from '../../../host/net.ts';
import { ip, looksLikeHostNetns } from '../../../host/netns.ts';
import { openTap } from '../../../host/nic/tap.ts';
import { withPcap } from '../../../host/pcap.ts';
import { Stack, makeRandom, type Nic } from '../../../host/runtime.ts';
import { noisePattern } from '../tcp-fixture.ts';

export interface StepReport {
  step: string;
  port: number;
  ok: boolean;
  /** Bytes handed to the socket (accepted by the module) and read from it. */
  sent: number;
  received: number;
  sentSha256: string;
  receivedSha256: string;
  /** Events in the order they came: connect, finish, end, error:CODE, close. */
  events: string[];
  error?: { code?: string; message: string };
  /** ms from connect() to 'connect', to the last byte read back, to 'close'. */
  connectMs?: number;
  transferMs?: number;
  closeMs?: number;
  timedOut: boolean;
  tcpState?: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    profile: { type: 'string', default: 'default' },
    tap: { type: 'string' },
    ip: { type: 'string' },
    'host-ip': { type: 'string' },
    server: { type: 'string' },
    bytes: { type: 'string', default: '10000000' },
    'step-timeout': { type: 'string', default: '20000' },
    /** Capture every frame the stack sends and receives (for a repro). */
    pcap: { type: 'string' },
  },
});
const tapName = values.tap!;
const server = values.server!;
const BYTES = Number(values.bytes);
const STEP_TIMEOUT_MS = Number(values['step-timeout']);
const CHUNK = 65_536;

if (!tapName || !values.ip || !values['host-ip'] || !server) throw new Error('stack-client: --tap, --ip, --host-ip and --server are required');
if (looksLikeHostNetns(tapName)) throw new Error('stack-client: refusing to run in the initial network namespace');

const stack = await Stack.load({ profile: values.profile as Profile });
const tap = await openTap(tapName);
const nic: Nic = values.pcap ? withPcap(tap, values.pcap) : tap;
stack.attach(0, nic);
stack.configure(0, { mac: formatMac(...parseMac(randomMac(makeRandom(Date.now())))), ip: values.ip });
ip('addr', 'add', values['host-ip'], 'dev', tapName);
ip('link', 'set', 'dev', tapName, 'up');
stack.start();
stack.up(0);

/** Writes BYTES of noisePattern with back-pressure; resolves once all are handed over (or the socket died). */
function upload(socket: Socket, hash: ReturnType<typeof createHash>, report: StepReport): Promise<void> {
  return new Promise((resolve) => {
    let offset = 0;
    const pump = () => {
      while (offset < BYTES && !socket.destroyed) {
        const chunk = Buffer.alloc(Math.min(CHUNK, BYTES - offset));
        noisePattern(offset, chunk);
        hash.update(chunk);
        offset += chunk.length;
        report.sent = offset;
        if (!socket.write(chunk)) {
          socket.once('drain', pump);
          return;
        }
      }
      resolve();
    };
    pump();
  });
}

function runStep(step: string): Promise<StepReport> {
  const [kind, portText] = step.split(':');
  const port = Number(portText);
  const report: StepReport = { step: kind, port, ok: false, sent: 0, received: 0, sentSha256: '', receivedSha256: '', events: [], timedOut: false };
  const sentHash = createHash('sha256');
  const receivedHash = createHash('sha256');
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const socket = connect(stack, { host: server, port });
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      report.sentSha256 = sentHash.digest('hex');
      report.receivedSha256 = receivedHash.digest('hex');
      report.tcpState = socket.tcpState;
      resolve(report);
    };
    const timer = setTimeout(() => {
      report.timedOut = true;
      report.tcpState = socket.tcpState;
      socket.destroy();
      finish();
    }, STEP_TIMEOUT_MS);
    socket.on('connect', () => {
      report.events.push('connect');
      report.connectMs = elapsed();
      if (kind === 'sink') upload(socket, sentHash, report).then(() => socket.end());
      if (kind === 'echo') void upload(socket, sentHash, report);
    });
    socket.on('data', (chunk: Buffer) => {
      receivedHash.update(chunk);
      report.received += chunk.length;
      // The echo is whole: close our side (FIN) and wait for the server's.
      if (kind === 'echo' && report.received === BYTES) {
        report.transferMs = elapsed();
        socket.end();
      }
    });
    socket.on('finish', () => report.events.push('finish'));
    socket.on('end', () => report.events.push('end'));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      report.events.push(`error:${error.code}`);
      report.error = { code: error.code, message: error.message };
    });
    // A stream Duplex's 'close' carries no hadError (net.Socket's does); 'error' tells.
    socket.on('close', () => {
      report.events.push('close');
      report.closeMs = elapsed();
      report.ok = kind === 'refused' ? report.error?.code === 'ECONNREFUSED' : report.error === undefined;
      finish();
    });
  });
}

const reports: StepReport[] = [];
for (const step of positionals) reports.push(await runStep(step));
stack.stop();
nic.close();
await tap.closed;
const counters = Object.fromEntries(Object.entries(stack.counters()).filter(([name, value]) => name && value));
process.stdout.write(`${JSON.stringify({ profile: values.profile, reports, counters, tap: tap.stats() })}\n`);
process.exit(0);
