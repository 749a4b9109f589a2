// The `netstack` command: runs the stack on a Linux TAP device (see HELP in cli-args.ts).
// With --netns, the process creates the namespace if needed and re-runs itself inside it
// with `ip netns exec`, so the TAP is born in the namespace and the host's network is never
// touched; the outer process forwards signals and deletes the namespace if it created it.
import { type ChildProcess, spawn } from 'node:child_process';
import { errnoName } from './abi.ts';
import { formatMac, parseMac, randomMac } from './addr.ts';
import { HELP, UsageError, parseCommand, upArguments, type UpOptions } from './cli-args.ts';
import { looksLikeHostNetns, ip, netnsDelete, netnsEnsure } from './netns.ts';
import { withFaults } from './nic/faults.ts';
import { openTap } from './nic/tap.ts';
import { withPcap } from './pcap.ts';
import { Stack, makeRandom, type Nic } from './runtime.ts';

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;
/** Set in the environment of the re-run inside the namespace: which namespace we are in. */
const NETNS_ENV = 'NETSTACK_NETNS';
const DEMO_ENV = 'NETSTACK_DEMO';
/** The module's TCP services (app/tcp_services.ts): enabled?, kind, well-known port, name. */
const TCP_SERVICES = (o: UpOptions): [boolean, number, number, string][] => [
  [o.echo, 1, 7, 'echo'],
  [o.discard, 2, 9, 'discard'],
  [o.chargen, 3, 19, 'chargen'],
];
const UDP_ECHO_PORT = 7;
const HTTP_PORT = 80;

const DEMO: UpOptions = {
  tap: 'ns0', ip: '192.0.2.2/24', hostIp: '192.0.2.1/24', netns: 'netstack-demo', echo: true, discard: true, chargen: true,
  http: true, profile: 'default', dropChance: 0, corruptChance: 0, delayMs: 0, allowRootNetns: false,
};

const DEMO_HINTS = `Try, in another terminal (as root):
  ip netns exec netstack-demo ping -c 3 192.0.2.2
  ip netns exec netstack-demo arping -c 3 -I ns0 192.0.2.2
  ip netns exec netstack-demo socat - UDP:192.0.2.2:7        (type a line, it comes back)
  ip netns exec netstack-demo socat - TCP:192.0.2.2:7        (the same over TCP echo)
  ip netns exec netstack-demo curl http://192.0.2.2/status   (counters and TCP connections)
  ip netns exec netstack-demo curl -o /dev/null http://192.0.2.2/bytes/10000000
  ip netns exec netstack-demo ip neigh show dev ns0
Stop with Ctrl-C (the namespace is then deleted).`;

class Failure extends Error {}

async function main(argv: string[]): Promise<number> {
  try {
    const command = parseCommand(argv);
    if (command.name === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    if (command.name === 'demo') {
      process.env[DEMO_ENV] = '1';
      return await up(DEMO);
    }
    return await up(command.options);
  } catch (error) {
    const message = (error as Error).message.replace(/^netstack: /, '');
    if (error instanceof UsageError) {
      process.stderr.write(`netstack: ${message} (see netstack --help)\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`netstack: ${message}\n`);
    return EXIT_FAILURE;
  }
}

function up(options: UpOptions): Promise<number> {
  if (options.netns && process.env[NETNS_ENV] !== options.netns) return upInNetns(options, options.netns);
  return upHere(options);
}

/** Creates the namespace if missing and re-runs this command inside it. */
async function upInNetns(options: UpOptions, netns: string): Promise<number> {
  const created = netnsEnsure(netns);
  const self = [...process.execArgv, process.argv[1], ...upArguments(options, { withNetns: true })];
  // Listening before the child exists, so no signal can end us (and orphan it) in between.
  let child: ChildProcess | null = null;
  const forward = (signal: NodeJS.Signals) => () => child?.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child = spawn('ip', ['netns', 'exec', netns, process.execPath, ...self], {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_ENV]: netns },
  });
  const code = await new Promise<number>((resolve) => {
    child!.on('error', (error) => {
      process.stderr.write(`netstack: cannot run ip netns exec: ${error.message}\n`);
      resolve(EXIT_FAILURE);
    });
    child!.on('exit', (status, signal) => resolve(status ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
  });
  if (created) netnsDelete(netns);
  return code;
}

/** Runs the stack on a TAP in the current namespace until SIGINT or SIGTERM. */
async function upHere(options: UpOptions): Promise<number> {
  if (!options.allowRootNetns && looksLikeHostNetns(options.tap)) {
    throw new UsageError('refusing to create a TAP in the initial network namespace; use --netns NAME (or --allow-root-netns)');
  }
  // Listening before anything is set up (and before the "up" line, which a script may answer
  // with a signal at once), and with `on`, not `once`: Ctrl-C reaches us twice (from the
  // terminal and forwarded by the outer process under --netns), and a signal arriving without a
  // listener kills us mid-shutdown.
  const signalled = new Promise<number>((resolve) => {
    process.on('SIGINT', () => resolve(0));
    process.on('SIGTERM', () => resolve(0));
  });
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  const stack = await Stack.load({ profile: options.profile, seed });
  const tap = await openTap(options.tap);
  let nic: Nic = tap;
  try {
    if (options.pcap) nic = withPcap(nic, options.pcap);
    if (options.dropChance || options.corruptChance || options.delayMs) {
      const { dropChance, corruptChance, delayMs } = options;
      nic = withFaults(nic, { dropChance, corruptChance, delayMs, seed });
    }
    stack.attach(0, nic);
    const mac = formatMac(...parseMac(options.mac ?? randomMac(makeRandom(seed))));
    stack.configure(0, { mac, ip: options.ip, gateway: options.gateway });
    // The kernel side must be up before the stack's gratuitous ARP, or write() fails.
    if (options.hostIp) ip('addr', 'add', options.hostIp, 'dev', options.tap);
    ip('link', 'set', 'dev', options.tap, 'up');
    if (options.echo) {
      const status = stack.exports.service_udp_echo(UDP_ECHO_PORT);
      if (status < 0) throw new Failure(`UDP echo service failed to start (${status})`);
    }
    for (const [on, kind, port, name] of TCP_SERVICES(options)) {
      const status = on ? stack.exports.service_tcp(kind, port) : 0;
      if (status < 0) throw new Failure(`TCP ${name} service failed to start on port ${port} (${errnoName(status)})`);
    }
    if (options.http) {
      const status = stack.exports.service_http(HTTP_PORT);
      if (status < 0) throw new Failure(`HTTP server failed to start on port ${HTTP_PORT} (${errnoName(status)})`);
    }
    stack.start();
    stack.up(0);
    process.stdout.write(`netstack: up ${options.tap} ${options.ip} ${mac}\n`);
    if (process.env[DEMO_ENV]) process.stdout.write(`${DEMO_HINTS}\n`);
  } catch (error) {
    nic.close();
    await tap.closed;
    throw error;
  }
  const failed = new Promise<number>((resolve) => {
    tap.onError = (error) => {
      process.stderr.write(`${error.message}\n`);
      resolve(EXIT_FAILURE);
    };
  });
  const code = await Promise.race([failed, signalled]);
  stack.stop();
  nic.close();
  await tap.closed;
  const counters = Object.entries(stack.counters()).filter(([name, value]) => name && value);
  process.stderr.write(`netstack: down ${options.tap}; ${counters.map(([n, v]) => `${n}=${v}`).join(' ') || 'no traffic'}\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
// Worker threads and timers are all stopped by now; exit without waiting on stray handles.
process.exit();
