// The `netstack` command: runs the stack on a Linux TAP device (see HELP in cli-args.ts).
// With --netns, the process creates the namespace if needed and re-runs itself inside it
// with `ip netns exec`, so the TAP is born in the namespace and the host's network is never
// touched; the outer process forwards signals and deletes the namespace if it created it.
import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { errnoName } from './abi.ts';
import { formatMac, parseMac, randomMac } from './addr.ts';
import {
  HELP, UsageError, parseCommand, upArguments, type ControlTarget, type PingCommand, type ShowCommand, type TracerouteCommand, type UpOptions, type ExtraIface,
} from './cli-args.ts';
import { controlRequest, defaultControlPath, listenControl, type ControlEvent } from './control.ts';
import { hopLine, pingHeader, pingLine, pingSummary, tracerouteHeader } from './probe-text.ts';
import { PING_SIZE_DEFAULT, TRACEROUTE_HOPS_DEFAULT, TRACEROUTE_SIZE_DEFAULT, type Hop, type PingReport, type ProbeResult, type TracerouteReport } from './probes.ts';
import { looksLikeHostNetns, ip, netnsDelete, netnsEnsure } from './netns.ts';
import { withFaults } from './nic/faults.ts';
import { openTap, type TapNic } from './nic/tap.ts';
import { withPcap } from './pcap.ts';
import { Stack, makeRandom, realClock, type Nic } from './runtime.ts';
import { Enc28j60 } from './sim/enc28j60.ts';
import { Enc28j60Bus } from './sim/enc28j60-bus.ts';

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
/** Bound on the ENC28J60's reset and set-up (the module needs about 2 ms). */
const CHIP_READY_MS = 2_000;
/** Bound on getting a DHCP lease: DISCOVERs at about 0, 4, 12, 28 and 60 s, then up to 7 s of probing. */
const DHCP_WAIT_MS = 75_000;
/** Bound on RFC 5227 probing of --ip with --probe (at most 1 + 2 + 2 + 2 s). */
const PROBE_WAIT_MS = 15_000;

const DEMO: UpOptions = {
  nic: 'tap', spiHz: 20_000_000, fullDuplex: false, tap: 'ns0', ip: '192.0.2.2/24', dhcp: false, probe: false, hostIp: '192.0.2.1/24', netns: 'netstack-demo', echo: true, discard: true, chargen: true,
  http: true, profile: 'default', dropChance: 0, corruptChance: 0, delayMs: 0, dns: [], resolve: [], allowRootNetns: false, join: [],
  ifaces: [], routes: [], forward: false,
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
    if (command.name === 'ping') return await pingClient(command);
    if (command.name === 'traceroute') return await tracerouteClient(command);
    if (command.name === 'show') return await showClient(command);
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
  if (options.nic === 'enc28j60-spidev') return upSpidev(options);
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

/** Resolves on SIGINT or SIGTERM. Listening before anything is set up (and before the "up" line,
 *  which a script may answer with a signal at once), and with `on`, not `once`: Ctrl-C reaches us
 *  twice (from the terminal and forwarded by the outer process under --netns), and a signal
 *  arriving without a listener kills us mid-shutdown. */
function signalled(): Promise<number> {
  return new Promise<number>((resolve) => {
    const stop = () => {
      stopping = true;
      resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** A signal arrived: waits for the chip, the lease or the probes end early (waitFor). */
let stopping = false;

function startServices(stack: Stack, options: UpOptions): void {
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
}

/** Looks up each --resolve name in turn with the module's resolver and prints the outcome. */
async function resolveNames(stack: Stack, names: string[]): Promise<void> {
  for (const name of names) {
    try {
      const { address, ttl } = await stack.resolve(name);
      process.stdout.write(`netstack: ${name} has address ${address} (ttl ${ttl})\n`);
    } catch (error) {
      process.stdout.write(`netstack: ${(error as Error).message.replace(/^netstack: /, '')}\n`);
    }
  }
}

/** Waits (bounded) until the ENC28J60 is set up; its errors come back as a Failure. */
async function chipReady(stack: Stack): Promise<string> {
  if (!(await waitFor(() => stack.nicStatus(0) !== 'initialising', CHIP_READY_MS, 10))) {
    throw new Failure(`the ENC28J60 was not ready after ${CHIP_READY_MS} ms`);
  }
  return `EREVID 0x${stack.exports.nic_enc28j60_revision().toString(16).padStart(2, '0')}, link ${stack.nicStatus(0)}`;
}

/** Checks done() every stepMs for up to ms, or until a signal (a Failure); resolves to done(). */
async function waitFor(done: () => boolean, ms: number, stepMs = 50): Promise<boolean> {
  for (let waited = 0; waited < ms && !done() && !stopping; waited += stepMs) await new Promise((resolve) => setTimeout(resolve, stepMs));
  if (stopping) throw new Failure('stopped before the stack was ready');
  return done();
}

/** Interface 0's MAC (--mac, or one derived from the seed), its address unless that comes later
 *  (DHCP, probing: see address()), and its VLAN tags. Returns the MAC. */
function configure(stack: Stack, options: UpOptions, seed: number): string {
  const mac = formatMac(...parseMac(options.mac ?? randomMac(makeRandom(seed))));
  if (options.dhcp || options.probe) stack.setMac(0, mac);
  else stack.configure(0, { mac, ip: options.ip!, gateway: options.gateway });
  if (options.vlan) stack.setVlan(0, options.vlan);
  if (options.qinq !== undefined) stack.setQinq(0, { outerVid: options.qinq, tpid: options.qinqTpid });
  return mac;
}

/** What `up` says about its link: the name in the "up" line, interface names for `show`, and
 *  where the ENC28J60 is (null without one). */
interface LinkText {
  name: string;
  ifaceName(iface: number): string;
  chip: string | null;
}

/**
 * The sequence every `up` shares once interface 0 is configured and attached (and any other
 * interface is up): starts the services, the stack and the control socket, waits for the
 * chip and the address, then routes, DNS and groups, and prints the "up" line. Returns the
 * control socket (closed here if anything fails).
 */
async function serve(stack: Stack, options: UpOptions, mac: string, link: LinkText): Promise<{ close(): void }> {
  if (options.mtu) stack.setMtu(0, options.mtu);
  if (options.forward) stack.setForwarding(true);
  startServices(stack, options);
  stack.setDnsServers(options.dns);
  stack.start();
  stack.up(0);
  const control = await listenControl({ stack, ifaceName: link.ifaceName }, upControlPath(options));
  try {
    const chipLine = link.chip ? `netstack: ${link.chip}, SPI ${options.spiHz / 1e6} MHz, ${await chipReady(stack)}\n` : '';
    const { ip: addr, lines } = await address(stack, options);
    // Static routes need their gateway's subnet connected: after a DHCP lease or probes.
    for (const route of options.routes) stack.addRoute(route.dst, { via: route.via, metric: route.metric });
    // An explicit --dns wins over the servers of a DHCP lease (which the module applies when bound).
    if (options.dhcp && options.dns.length) stack.setDnsServers(options.dns);
    // After the chip is ready and the address is in use, so the first reports reach the wire.
    for (const group of options.join) stack.joinGroup(0, group);
    process.stdout.write(`netstack: up ${link.name} ${addr} ${mac}\n${chipLine}${lines}`);
    if (process.env[DEMO_ENV]) process.stdout.write(`${DEMO_HINTS}\n`);
    void resolveNames(stack, options.resolve);
    return control;
  } catch (error) {
    control.close();
    throw error;
  }
}

/** With the interface up: waits for the DHCP lease, or for --ip's RFC 5227 probes. Returns the
 *  address in use and any lines to print after the "up" line. */
async function address(stack: Stack, options: UpOptions): Promise<{ ip: string; lines: string }> {
  if (options.dhcp) {
    stack.dhcpStart(0);
    if (!(await waitFor(() => stack.dhcpLease().state === 'bound', DHCP_WAIT_MS))) {
      throw new Failure(`no DHCP lease after ${DHCP_WAIT_MS / 1000} s (client ${stack.dhcpLease().state})`);
    }
    const lease = stack.dhcpLease();
    const dns = lease.dns.join(',') || 'none';
    const line = `netstack: dhcp lease ${lease.ip} router ${lease.router ?? 'none'} dns ${dns} lease ${lease.leaseSeconds}s server ${lease.server}\n`;
    return { ip: lease.ip!, lines: line };
  }
  if (options.probe) {
    stack.configureProbed(0, options.ip!, options.gateway);
    await waitFor(() => stack.addrState(0) !== 'probing', PROBE_WAIT_MS);
    const state = stack.addrState(0);
    if (state === 'conflict') throw new Failure(`${options.ip}: another host answers for this address (RFC 5227 probe)`);
    if (state !== 'ready') throw new Failure(`${options.ip}: probing did not finish in ${PROBE_WAIT_MS / 1000} s`);
  }
  return { ip: options.ip!, lines: '' };
}

function printCounters(stack: Stack, label: string): void {
  const counters = Object.entries(stack.counters()).filter(([name, value]) => name && value);
  process.stderr.write(`netstack: down ${label}; ${counters.map(([n, v]) => `${n}=${v}`).join(' ') || 'no traffic'}\n`);
}

/** Runs the stack on a TAP in the current namespace until SIGINT or SIGTERM: directly, or
 *  (--nic enc28j60-sim) through the module's ENC28J60 driver and the chip model. */
async function upHere(options: UpOptions): Promise<number> {
  if (!options.allowRootNetns && looksLikeHostNetns(options.tap)) {
    throw new UsageError('refusing to create a TAP in the initial network namespace; use --netns NAME (or --allow-root-netns)');
  }
  const stopped = signalled();
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  const tap = await openTap(options.tap);
  const extraTaps: TapNic[] = [];
  let nic: Nic = tap;
  let stack: Stack | null = null;
  let chip: Enc28j60 | null = null;
  let control: { close(): void } | null = null;
  const close = async () => {
    control?.close();
    stack?.stop();
    chip?.close();
    nic.close();
    await closeTaps(tap, extraTaps);
  };
  try {
    if (options.pcap) nic = withPcap(nic, options.pcap);
    if (options.dropChance || options.corruptChance || options.delayMs) {
      const { dropChance, corruptChance, delayMs } = options;
      nic = withFaults(nic, { dropChance, corruptChance, delayMs, seed });
    }
    if (options.nic === 'enc28j60-sim') {
      // The model's INT output wakes the module, as the pin would on a board.
      chip = new Enc28j60({ nic, clock: realClock, spiHz: options.spiHz, onInt: (on) => on && stack?.kick() });
    }
    stack = await Stack.load({ profile: options.profile, seed, spi: chip ? new Enc28j60Bus(chip) : undefined });
    const mac = configure(stack, options, seed);
    if (chip) stack.attachEnc28j60(0, { fullDuplex: options.fullDuplex, interrupt: true });
    else stack.attach(0, nic);
    // The kernel side must be up before the stack's gratuitous ARP, or write() fails.
    if (options.hostIp) ip('addr', 'add', options.hostIp, 'dev', options.tap);
    ip('link', 'set', 'dev', options.tap, 'up');
    for (const [index, extra] of options.ifaces.entries()) extraTaps.push(await upExtraIface(stack, index + 1, extra, seed));
    control = await serve(stack, options, mac, {
      name: options.tap,
      ifaceName: (i) => (i === 0 ? options.tap : options.ifaces[i - 1]?.tap ?? `if${i}`),
      chip: chip && 'ENC28J60 model on the TAP',
    });
  } catch (error) {
    await close();
    throw error;
  }
  const failed = new Promise<number>((resolve) => {
    for (const t of [tap, ...extraTaps]) {
      t.onError = (error) => {
        process.stderr.write(`${error.message}\n`);
        resolve(EXIT_FAILURE);
      };
    }
  });
  const code = await Promise.race([failed, stopped, upProbe(stack, options)]);
  await close();
  printCounters(stack, options.tap);
  return code;
}

/**
 * Interface `index` on a TAP of its own: created here (in the stack's namespace), moved into
 * extra.netns when given (the open fd keeps working across the move), its Linux side addressed
 * and brought up there, then configured and brought up in the stack.
 */
async function upExtraIface(stack: Stack, index: number, extra: ExtraIface, seed: number): Promise<TapNic> {
  if (index >= stack.exports.iface_count()) {
    throw new UsageError(`--iface ${extra.tap}: this profile has ${stack.exports.iface_count()} interface(s)`);
  }
  const tap = await openTap(extra.tap);
  try {
    const where = extra.netns ? ['-n', extra.netns] : [];
    if (extra.netns) ip('link', 'set', 'dev', extra.tap, 'netns', extra.netns);
    if (extra.hostIp) ip(...where, 'addr', 'add', extra.hostIp, 'dev', extra.tap);
    ip(...where, 'link', 'set', 'dev', extra.tap, 'up');
    const mac = formatMac(...parseMac(extra.mac ?? randomMac(makeRandom(seed + index))));
    stack.attach(index, tap);
    stack.configure(index, { mac, ip: extra.ip });
    if (extra.mtu) stack.setMtu(index, extra.mtu);
    stack.up(index);
    process.stdout.write(`netstack: iface ${index} ${extra.tap}${extra.netns ? ` (netns ${extra.netns})` : ''} ${extra.ip} ${mac}\n`);
  } catch (error) {
    tap.close();
    await tap.closed;
    throw error;
  }
  return tap;
}

async function closeTaps(first: TapNic, extra: TapNic[]): Promise<void> {
  for (const t of extra) t.close();
  await Promise.all([first.closed, ...extra.map((t) => t.closed)]);
}

/** Runs the stack on a real ENC28J60 on Linux spidev (no TAP, no namespace: the chip is the
 *  link) until SIGINT or SIGTERM. The module polls the chip every millisecond (no INT line). */
async function upSpidev(options: UpOptions): Promise<number> {
  const stopped = signalled();
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  const { SpidevBus } = await import('./spi/spidev.ts');
  const bus = SpidevBus.open(options.spi!, { hz: options.spiHz });
  let stack: Stack | null = null;
  let control: { close(): void } | null = null;
  const close = () => {
    control?.close();
    stack?.stop();
    bus.close();
  };
  try {
    stack = await Stack.load({ profile: options.profile, seed, spi: bus });
    const mac = configure(stack, options, seed);
    stack.attachEnc28j60(0, { fullDuplex: options.fullDuplex });
    control = await serve(stack, options, mac, {
      name: options.spi!,
      ifaceName: () => basename(options.spi!),
      chip: `ENC28J60 on ${options.spi}`,
    });
  } catch (error) {
    close();
    throw error;
  }
  const code = await Promise.race([stopped, upProbe(stack, options)]);
  close();
  printCounters(stack, options.spi!);
  return code;
}

// ---- The control channel: `up` serves it, ping/traceroute/show are its clients ----

function upControlPath(options: UpOptions): string {
  return options.control ?? defaultControlPath(options.tap || basename(options.spi!));
}

function controlPath(target: ControlTarget): string {
  return 'control' in target ? target.control : defaultControlPath(target.tap);
}

/** `up --ping/--traceroute`: runs it once up and resolves to its exit status; otherwise never. */
function upProbe(stack: Stack, options: UpOptions): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  if (options.ping) {
    out(pingHeader(options.ping, PING_SIZE_DEFAULT));
    return stack.ping(options.ping, { count: options.count, onProbe: (r) => out(pingLine(r)) }).then(
      (report) => pingDone(report),
      (error: Error) => fail(error.message),
    );
  }
  if (options.traceroute) {
    out(tracerouteHeader(options.traceroute, TRACEROUTE_HOPS_DEFAULT, TRACEROUTE_SIZE_DEFAULT));
    return stack.traceroute(options.traceroute, { onHop: (hop) => out(hopLine(hop)) }).then(
      (report) => (report.reached ? 0 : EXIT_FAILURE),
      (error: Error) => fail(error.message),
    );
  }
  return new Promise(() => {});
}

function fail(message: string): number {
  process.stderr.write(`netstack: ${message.replace(/^netstack: /, '')}\n`);
  return EXIT_FAILURE;
}

/** Prints the summary; like ping, exit 0 when anything answered. */
function pingDone(report: PingReport): number {
  process.stdout.write(pingSummary(report));
  return report.received > 0 ? 0 : EXIT_FAILURE;
}

/** Sends one request to the stack's control socket; resolves to the final event's fields. */
async function ask(target: ControlTarget, request: Parameters<typeof controlRequest>[1], onEvent: (event: ControlEvent) => void = () => {}): Promise<ControlEvent> {
  let final: ControlEvent | null = null;
  await controlRequest(controlPath(target), request, (event) => {
    if (event.event === 'done' || event.event === 'error') final = event;
    else onEvent(event);
  });
  const last = final as ControlEvent | null;
  if (!last) throw new Failure('the stack closed the control connection without an answer');
  if (last.event === 'error') throw new Failure(String(last.message));
  return last;
}

async function pingClient(command: PingCommand): Promise<number> {
  const { target, name: _, ...request } = command;
  process.stdout.write(pingHeader(command.addr, command.size));
  const done = await ask(target, { cmd: 'ping', ...request }, (event) => process.stdout.write(pingLine(event as unknown as ProbeResult)));
  return pingDone(done as unknown as PingReport);
}

async function tracerouteClient(command: TracerouteCommand): Promise<number> {
  const { target, name: _, ...request } = command;
  process.stdout.write(tracerouteHeader(command.addr, command.maxHops, TRACEROUTE_SIZE_DEFAULT));
  const done = await ask(target, { cmd: 'traceroute', ...request }, (event) => process.stdout.write(hopLine(event as unknown as Hop)));
  return (done as unknown as TracerouteReport).reached ? 0 : EXIT_FAILURE;
}

async function showClient(command: ShowCommand): Promise<number> {
  const done = await ask(command.target, { cmd: 'show', what: command.what });
  process.stdout.write(String(done.text));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// Worker threads and timers are all stopped by now; exit without waiting on stray handles.
process.exit();
