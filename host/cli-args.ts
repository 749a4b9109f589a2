// Parses and validates `netstack` command lines. Pure (no I/O), so every rule is testable; a
// bad command line becomes one UsageError whose message the CLI prints on one line (exit 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PROFILES, type Profile } from './abi.ts';
import { parseCidr, parseIpv4, parseMac } from './addr.ts';
import { PING_SIZE_DEFAULT, TRACEROUTE_HOPS_DEFAULT } from './probes.ts';
import { SHOW } from './show.ts';

export class UsageError extends Error {}

export const NICS = ['tap', 'enc28j60-sim', 'enc28j60-spidev'] as const;
export type NicKind = (typeof NICS)[number];

export interface UpOptions {
  /** tap: frames straight to the TAP; enc28j60-sim: driver -> SPI -> chip model -> TAP;
   *  enc28j60-spidev: driver -> Linux spidev -> a real ENC28J60 (no TAP). */
  nic: NicKind;
  /** TAP device name ("" with enc28j60-spidev). */
  tap: string;
  /** spidev device (enc28j60-spidev only). */
  spi?: string;
  /** SPI clock in Hz (enc28j60-*). */
  spiHz: number;
  /** ENC28J60 in full duplex (the partner must be forced to full duplex too). */
  fullDuplex: boolean;
  /** "a.b.c.d/prefix" of the stack (absent with --dhcp). */
  ip?: string;
  gateway?: string;
  /** Get the address from a DHCP server instead (app/dhcp.ts). */
  dhcp: boolean;
  /** Apply --ip only after RFC 5227 probes find no other holder (about 4-7 s). */
  probe: boolean;
  /** "a.b.c.d/prefix" given to the Linux side of the TAP. */
  hostIp?: string;
  mac?: string;
  netns?: string;
  pcap?: string;
  /** UDP and TCP echo on port 7. */
  echo: boolean;
  /** TCP discard on port 9. */
  discard: boolean;
  /** TCP chargen on port 19. */
  chargen: boolean;
  /** HTTP/1.1 server on port 80 (status page, /bytes/N). */
  http: boolean;
  profile: Profile;
  dropChance: number;
  corruptChance: number;
  delayMs: number;
  seed?: number;
  /** DNS servers for the module's resolver (at most two: primary, secondary). */
  dns: string[];
  /** Names to look up once up (in order; each printed as "netstack: NAME has address A (ttl N)"). */
  resolve: string[];
  /** Allows a TAP in the initial network namespace (off: we refuse to touch the host's network). */
  allowRootNetns: boolean;
  /** Control socket path (default: defaultControlPath of the TAP or spidev name, host/control.ts). */
  control?: string;
  /** Run once up, print the result, then exit with its status. */
  ping?: string;
  traceroute?: string;
  /** Probes for --ping. */
  count?: number;
  /** 802.1Q VLAN ID the stack's interface is bound to (1..4094). */
  vlan?: number;
  /** QinQ outer tag of that interface: an S-VID (matched, sent) or 'any' (skipped, not sent). */
  qinq?: number | 'any';
  /** TPID of the outer tag sent with a matched S-VID (default 0x88a8). */
  qinqTpid?: number;
  /** Multicast groups joined (IGMPv2) once the interface is up. */
  join: string[];
  /** MTU of the first interface (576..1500; default 1500). */
  mtu?: number;
  /** Interfaces 1, 2, ... on TAPs of their own. */
  ifaces: ExtraIface[];
  /** Static routes added after the interfaces are configured. */
  routes: RouteOption[];
  /** Forward datagrams between interfaces (RFC 1812). */
  forward: boolean;
}

/** Another interface on a TAP (--iface): created in the stack's namespace, then moved to netns if given. */
export interface ExtraIface {
  tap: string;
  /** "a.b.c.d/prefix" of the stack on this interface. */
  ip: string;
  /** "a.b.c.d/prefix" given to the Linux side of this TAP. */
  hostIp?: string;
  /** An existing namespace the TAP moves into (its fd keeps working there). */
  netns?: string;
  mac?: string;
  mtu?: number;
}

/** A static route (--route DST/PREFIX,via=GW[,metric=N]). */
export interface RouteOption {
  dst: string;
  via: string;
  metric?: number;
}

/** Which running stack a client command talks to: an explicit socket, or the one of a TAP. */
export type ControlTarget = { control: string } | { tap: string };

export interface PingCommand {
  name: 'ping';
  target: ControlTarget;
  addr: string;
  count: number;
  size: number;
  ttl: number;
  intervalMs: number;
  timeoutMs: number;
}

export interface TracerouteCommand {
  name: 'traceroute';
  target: ControlTarget;
  addr: string;
  maxHops: number;
  probes: number;
  timeoutMs: number;
}

export interface ShowCommand {
  name: 'show';
  target: ControlTarget;
  what: string;
}

export type Command =
  | { name: 'help' }
  | { name: 'demo' }
  | { name: 'up'; options: UpOptions }
  | PingCommand
  | TracerouteCommand
  | ShowCommand;

const UP_OPTIONS = {
  nic: { type: 'string' },
  tap: { type: 'string' },
  spi: { type: 'string' },
  'spi-hz': { type: 'string' },
  'full-duplex': { type: 'boolean' },
  ip: { type: 'string' },
  dhcp: { type: 'boolean' },
  probe: { type: 'boolean' },
  gw: { type: 'string' },
  'host-ip': { type: 'string' },
  mac: { type: 'string' },
  netns: { type: 'string' },
  pcap: { type: 'string' },
  echo: { type: 'boolean' },
  discard: { type: 'boolean' },
  chargen: { type: 'boolean' },
  http: { type: 'boolean' },
  profile: { type: 'string' },
  'drop-chance': { type: 'string' },
  'corrupt-chance': { type: 'string' },
  delay: { type: 'string' },
  seed: { type: 'string' },
  dns: { type: 'string', multiple: true },
  resolve: { type: 'string', multiple: true },
  'allow-root-netns': { type: 'boolean' },
  control: { type: 'string' },
  ping: { type: 'string' },
  traceroute: { type: 'string' },
  count: { type: 'string', short: 'c' },
  vlan: { type: 'string' },
  qinq: { type: 'string' },
  'qinq-tpid': { type: 'string' },
  join: { type: 'string', multiple: true },
  mtu: { type: 'string' },
  iface: { type: 'string', multiple: true },
  route: { type: 'string', multiple: true },
  forward: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TARGET_OPTIONS = {
  control: { type: 'string' },
  tap: { type: 'string' },
} as const;

const PING_OPTIONS = {
  ...TARGET_OPTIONS,
  count: { type: 'string', short: 'c' },
  size: { type: 'string', short: 's' },
  ttl: { type: 'string', short: 't' },
  interval: { type: 'string', short: 'i' },
  timeout: { type: 'string', short: 'W' },
} as const;

const TRACEROUTE_OPTIONS = {
  ...TARGET_OPTIONS,
  'max-hops': { type: 'string', short: 'm' },
  queries: { type: 'string', short: 'q' },
  timeout: { type: 'string', short: 'W' },
} as const;

/** Bounds on the client commands' numbers. The probe size is bounded again by the module
 *  (probe_payload_max: tiny 1472, default 8184, desktop 65507; above a frame in fragments). */
const PING_COUNT_MAX = 10_000;
const PROBE_SIZE_MAX = 65_507;
const PROBE_TIMEOUT_MAX_MS = 60_000;

/** A Linux interface name: 1-15 characters, not "." or "..". */
export const TAP_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,15}$/;
export const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** Outer TPIDs --qinq-tpid names: 802.1ad's S-tag, or 802.1Q's for bridges older than 802.1ad. */
const QINQ_TPIDS: Record<string, number> = { '88a8': 0x88a8, '8100': 0x8100 };
/** What the module's resolver accepts (assembly/wire/dns.ts dns_name_encode). */
export const HOST_NAME = /^[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$/;
const DNS_SERVERS_MAX = 2;
const HOST_NAME_MAX = 253;

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === 'demo') {
    if (rest.length) throw new UsageError(`demo takes no arguments (got "${rest[0]}")`);
    return { name: 'demo' };
  }
  if (name === 'up') return parseUp(rest);
  if (name === 'ping') return parsePing(rest);
  if (name === 'traceroute') return parseTraceroute(rest);
  if (name === 'show') return parseShow(rest);
  throw new UsageError(`unknown command "${name}"`);
}

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>, positionals: boolean): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals }) as { values: Values; positionals: string[] };
  } catch (error) {
    // node:util's messages are multi-line with hints; keep the first line.
    throw new UsageError(String((error as Error).message).split('\n')[0]);
  }
}

/** A unicast destination for ping and traceroute. */
function probeAddress(text: string | undefined, command: string): string {
  if (text === undefined) throw new UsageError(`${command} needs an address`);
  let addr: number;
  try {
    addr = parseIpv4(text);
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  if (addr >>> 24 === 0 || addr >>> 28 >= 0xe) throw new UsageError(`${command}: "${text}" is not a unicast address`);
  return text;
}

function controlTarget(values: Values, command: string): ControlTarget {
  const control = values.control as string | undefined;
  const tap = values.tap as string | undefined;
  if (control !== undefined && tap !== undefined) throw new UsageError(`${command}: --control and --tap are exclusive`);
  if (control !== undefined) {
    if (control === '') throw new UsageError(`${command}: --control needs a path`);
    return { control };
  }
  if (tap === undefined) throw new UsageError(`${command} needs --control PATH or --tap NAME (the stack's TAP)`);
  if (!TAP_NAME.test(tap)) throw new UsageError(`--tap "${tap}": 1-15 of A-Z a-z 0-9 _ . -`);
  return { tap };
}

function onePositional(positionals: string[], command: string): string | undefined {
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`);
  return positionals[0];
}

function parsePing(argv: string[]): Command {
  const { values, positionals } = parse(argv, PING_OPTIONS, true);
  const text = (key: string) => values[key] as string | undefined;
  const target = controlTarget(values, 'ping');
  const addr = probeAddress(onePositional(positionals, 'ping'), 'ping');
  return {
    name: 'ping', target, addr,
    count: number(text('count'), '-c', 1, PING_COUNT_MAX, true) ?? 4,
    size: number(text('size'), '-s', 0, PROBE_SIZE_MAX, true) ?? PING_SIZE_DEFAULT,
    ttl: number(text('ttl'), '-t', 1, 255, true) ?? 64,
    intervalMs: number(text('interval'), '-i', 10, PROBE_TIMEOUT_MAX_MS, true) ?? 1000,
    timeoutMs: number(text('timeout'), '-W', 1, PROBE_TIMEOUT_MAX_MS, true) ?? 1000,
  };
}

function parseTraceroute(argv: string[]): Command {
  const { values, positionals } = parse(argv, TRACEROUTE_OPTIONS, true);
  const text = (key: string) => values[key] as string | undefined;
  const target = controlTarget(values, 'traceroute');
  const addr = probeAddress(onePositional(positionals, 'traceroute'), 'traceroute');
  return {
    name: 'traceroute', target, addr,
    maxHops: number(text('max-hops'), '-m', 1, 255, true) ?? TRACEROUTE_HOPS_DEFAULT,
    probes: number(text('queries'), '-q', 1, 10, true) ?? 3,
    timeoutMs: number(text('timeout'), '-W', 1, PROBE_TIMEOUT_MAX_MS, true) ?? 1000,
  };
}

function parseShow(argv: string[]): Command {
  const { values, positionals } = parse(argv, TARGET_OPTIONS, true);
  const target = controlTarget(values, 'show');
  const what = onePositional(positionals, 'show');
  const listings = Object.keys(SHOW);
  if (what === undefined || !listings.includes(what)) throw new UsageError(`show: one of ${listings.join(', ')}`);
  return { name: 'show', target, what };
}

function parseUp(argv: string[]): Command {
  const { values } = parse(argv, UP_OPTIONS, false);
  if (values.help) return { name: 'help' };
  const text = (key: string) => values[key] as string | undefined;
  const nic = (text('nic') ?? 'tap') as NicKind;
  if (!NICS.includes(nic)) throw new UsageError(`--nic "${nic}": one of ${NICS.join(', ')}`);
  const spidev = nic === 'enc28j60-spidev';
  const tap = spidev ? '' : required(text('tap'), '--tap NAME');
  if (spidev && text('tap') !== undefined) throw new UsageError('--tap does not apply to --nic enc28j60-spidev (the chip is the link)');
  if (!spidev && !TAP_NAME.test(tap)) throw new UsageError(`--tap "${tap}": 1-15 of A-Z a-z 0-9 _ . -`);
  const spi = text('spi');
  if (spidev && !spi) throw new UsageError('--nic enc28j60-spidev needs --spi /dev/spidevB.C');
  if (!spidev && spi !== undefined) throw new UsageError('--spi applies only to --nic enc28j60-spidev');
  if (spi !== undefined && !/^\/dev\/spidev\d+\.\d+$/.test(spi)) throw new UsageError(`--spi "${spi}": expected /dev/spidevB.C`);
  const enc = nic !== 'tap';
  if (!enc && text('spi-hz') !== undefined) throw new UsageError('--spi-hz applies only to --nic enc28j60-*');
  if (!enc && values['full-duplex']) throw new UsageError('--full-duplex applies only to --nic enc28j60-*');
  // The ENC28J60's SPI clock is at most 20 MHz ([DS §4.1]).
  const spiHz = number(text('spi-hz'), '--spi-hz', 1_000, 20_000_000, true) ?? 20_000_000;
  const dhcp = values.dhcp === true;
  const probe = values.probe === true;
  const ip = text('ip');
  if (dhcp && ip !== undefined) throw new UsageError('--dhcp and --ip exclude each other (the lease brings the address)');
  if (dhcp && text('gw') !== undefined) throw new UsageError('--gw does not apply to --dhcp (the lease brings the router)');
  if (dhcp && probe) throw new UsageError('--probe applies to --ip (a DHCP lease is always probed)');
  if (!dhcp) required(ip, '--ip ADDR/PREFIX or --dhcp');
  if (ip !== undefined) check(() => parseCidr(ip), '--ip');
  const gateway = text('gw');
  if (gateway !== undefined) check(() => parseIpv4(gateway), '--gw');
  const hostIp = text('host-ip');
  if (hostIp !== undefined) check(() => parseCidr(hostIp), '--host-ip');
  const mac = text('mac');
  if (mac !== undefined) check(() => parseMac(mac), '--mac');
  const netns = text('netns');
  if (netns !== undefined && !NETNS_NAME.test(netns)) throw new UsageError(`--netns "${netns}": 1-64 of A-Z a-z 0-9 _ . -`);
  const pcap = text('pcap');
  if (pcap === '') throw new UsageError('--pcap needs a file name');
  if (spidev && netns !== undefined) throw new UsageError('--netns does not apply to --nic enc28j60-spidev (the chip is not a Linux interface)');
  if (spidev && (pcap !== undefined || text('host-ip') !== undefined)) {
    throw new UsageError(`${pcap !== undefined ? '--pcap' : '--host-ip'} needs a TAP; not with --nic enc28j60-spidev`);
  }
  const control = text('control');
  if (control === '') throw new UsageError('--control needs a path');
  const ping = text('ping') === undefined ? undefined : probeAddress(text('ping'), '--ping');
  const traceroute = text('traceroute') === undefined ? undefined : probeAddress(text('traceroute'), '--traceroute');
  if (ping !== undefined && traceroute !== undefined) throw new UsageError('--ping and --traceroute are exclusive');
  if (text('count') !== undefined && ping === undefined) throw new UsageError('--count applies only to --ping');
  const dns = (values.dns as string[] | undefined) ?? [];
  if (dns.length > DNS_SERVERS_MAX) throw new UsageError(`--dns: at most ${DNS_SERVERS_MAX} servers`);
  for (const server of dns) check(() => parseIpv4(server), '--dns');
  const resolve = (values.resolve as string[] | undefined) ?? [];
  for (const name of resolve) {
    if (!HOST_NAME.test(name) || name.replace(/\.$/, '').length > HOST_NAME_MAX) {
      throw new UsageError(`--resolve "${name}": labels of 1-63 of A-Z a-z 0-9 _ -, at most ${HOST_NAME_MAX} characters`);
    }
  }
  if (resolve.length && !dns.length && !values.dhcp) throw new UsageError('--resolve needs --dns SERVER (or --dhcp)');
  const vlan = number(text('vlan'), '--vlan', 1, 4094, true);
  const qinqText = text('qinq');
  const qinq = qinqText === 'any' ? 'any' : number(qinqText, '--qinq', 1, 4094, true);
  if (qinq !== undefined && vlan === undefined) throw new UsageError('--qinq needs --vlan VID (the inner C-tag)');
  const tpidText = text('qinq-tpid');
  const qinqTpid = tpidText === undefined ? undefined : QINQ_TPIDS[tpidText.toLowerCase().replace(/^0x/, '')];
  if (tpidText !== undefined && qinqTpid === undefined) throw new UsageError(`--qinq-tpid "${tpidText}": 88a8 or 8100`);
  if (qinqTpid !== undefined && typeof qinq !== 'number') throw new UsageError('--qinq-tpid needs --qinq SVID (nothing is sent with --qinq any)');
  const join = (values.join as string[] | undefined) ?? [];
  for (const group of join) {
    check(() => parseIpv4(group), '--join');
    if (parseIpv4(group) >>> 28 !== 0xe) throw new UsageError(`--join "${group}": not a multicast group (224.0.0.0/4)`);
  }
  const ifaces = ((values.iface as string[] | undefined) ?? []).map(parseIface);
  if (ifaces.length && nic !== 'tap') throw new UsageError('--iface needs --nic tap');
  const taps = [tap, ...ifaces.map((i) => i.tap)];
  if (new Set(taps).size !== taps.length) throw new UsageError('each interface needs a TAP name of its own');
  const routes = ((values.route as string[] | undefined) ?? []).map(parseRoute);
  const profile = (text('profile') ?? 'default') as Profile;
  if (!PROFILES.includes(profile)) throw new UsageError(`--profile "${profile}": one of ${PROFILES.join(', ')}`);
  // Compiled out of tiny (assembly/config.ts FEATURE_HTTP, FEATURE_FORWARDING).
  if (profile === 'tiny' && values.http) throw new UsageError('--http: the tiny profile has no HTTP server (use --profile default)');
  if (profile === 'tiny' && values.forward) throw new UsageError('--forward: the tiny profile has one interface and no forwarding');
  return {
    name: 'up',
    options: {
      nic, tap, spi, spiHz, fullDuplex: values['full-duplex'] === true, ip, gateway, dhcp, probe, hostIp, mac, netns, pcap, profile,
      echo: values.echo === true,
      discard: values.discard === true,
      chargen: values.chargen === true,
      http: values.http === true,
      dropChance: number(text('drop-chance'), '--drop-chance', 0, 1, false) ?? 0,
      corruptChance: number(text('corrupt-chance'), '--corrupt-chance', 0, 1, false) ?? 0,
      delayMs: number(text('delay'), '--delay', 0, 60_000, true) ?? 0,
      seed: number(text('seed'), '--seed', 0, 0xffffffff, true),
      dns,
      resolve,
      allowRootNetns: values['allow-root-netns'] === true,
      control, ping, traceroute,
      count: number(text('count'), '--count', 1, PING_COUNT_MAX, true),
      vlan, qinq, qinqTpid,
      join,
      mtu: number(text('mtu'), '--mtu', MTU_MIN, MTU_MAX, true),
      ifaces,
      routes,
      forward: values.forward === true,
    },
  };
}

/** The module's MTU bounds (iface_set_mtu): RFC 1122's 576 up to Ethernet's 1500. */
const MTU_MIN = 576;
const MTU_MAX = 1500;

/** Splits "HEAD,key=value,..." into the head and its keys, refusing keys not in `allowed`. */
function fields(text: string, flag: string, allowed: string[]): { head: string; keys: Record<string, string> } {
  const [head, ...rest] = text.split(',');
  const keys: Record<string, string> = {};
  for (const item of rest) {
    const at = item.indexOf('=');
    const key = at < 0 ? item : item.slice(0, at);
    if (at < 0 || !allowed.includes(key)) throw new UsageError(`${flag} "${text}": "${item}" is not one of ${allowed.map((k) => `${k}=`).join(' ')}`);
    if (key in keys) throw new UsageError(`${flag} "${text}": ${key}= given twice`);
    keys[key] = item.slice(at + 1);
  }
  return { head, keys };
}

function parseIface(text: string): ExtraIface {
  const { head: tap, keys } = fields(text, '--iface', ['ip', 'host-ip', 'netns', 'mac', 'mtu']);
  if (!TAP_NAME.test(tap)) throw new UsageError(`--iface "${text}": TAP name of 1-15 of A-Z a-z 0-9 _ . -`);
  if (!keys.ip) throw new UsageError(`--iface "${text}": needs ip=ADDR/PREFIX`);
  check(() => parseCidr(keys.ip), '--iface ip=');
  if (keys['host-ip'] !== undefined) check(() => parseCidr(keys['host-ip']), '--iface host-ip=');
  if (keys.mac !== undefined) check(() => parseMac(keys.mac), '--iface mac=');
  if (keys.netns !== undefined && !NETNS_NAME.test(keys.netns)) throw new UsageError(`--iface netns="${keys.netns}": 1-64 of A-Z a-z 0-9 _ . -`);
  return { tap, ip: keys.ip, hostIp: keys['host-ip'], netns: keys.netns, mac: keys.mac, mtu: number(keys.mtu, '--iface mtu=', MTU_MIN, MTU_MAX, true) };
}

function parseRoute(text: string): RouteOption {
  const { head: dst, keys } = fields(text, '--route', ['via', 'metric']);
  check(() => parseCidr(dst), '--route');
  if (!keys.via) throw new UsageError(`--route "${text}": needs via=GATEWAY`);
  check(() => parseIpv4(keys.via), '--route via=');
  return { dst, via: keys.via, metric: number(keys.metric, '--route metric=', 0, 0xffffffff, true) };
}

/** An --iface value from its parsed form. */
function ifaceArgument(i: ExtraIface): string {
  const keys: [string, string | number | undefined][] = [['ip', i.ip], ['host-ip', i.hostIp], ['netns', i.netns], ['mac', i.mac], ['mtu', i.mtu]];
  return [i.tap, ...keys.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)].join(',');
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`up needs ${what}`);
  return value;
}

function check(parse: () => unknown, flag: string): void {
  try {
    parse();
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function number(text: string | undefined, flag: string, min: number, max: number, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} "${text}": expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return value;
}

/** Turns parsed options back into `up` arguments (to re-run ourselves inside a namespace). */
export function upArguments(options: UpOptions, { withNetns }: { withNetns: boolean }): string[] {
  const args = ['up', '--nic', options.nic];
  const add = (flag: string, value: string | number | undefined) => value !== undefined && args.push(flag, String(value));
  add('--ip', options.ip);
  if (options.dhcp) args.push('--dhcp');
  if (options.probe) args.push('--probe');
  if (options.tap) add('--tap', options.tap);
  add('--spi', options.spi);
  if (options.nic !== 'tap') add('--spi-hz', options.spiHz);
  if (options.fullDuplex) args.push('--full-duplex');
  add('--gw', options.gateway);
  add('--host-ip', options.hostIp);
  add('--mac', options.mac);
  if (withNetns) add('--netns', options.netns);
  add('--pcap', options.pcap);
  if (options.echo) args.push('--echo');
  if (options.discard) args.push('--discard');
  if (options.chargen) args.push('--chargen');
  if (options.http) args.push('--http');
  add('--profile', options.profile);
  if (options.dropChance) add('--drop-chance', options.dropChance);
  if (options.corruptChance) add('--corrupt-chance', options.corruptChance);
  if (options.delayMs) add('--delay', options.delayMs);
  add('--seed', options.seed);
  for (const server of options.dns) add('--dns', server);
  for (const name of options.resolve) add('--resolve', name);
  if (options.allowRootNetns) args.push('--allow-root-netns');
  add('--vlan', options.vlan);
  add('--qinq', options.qinq);
  add('--qinq-tpid', options.qinqTpid?.toString(16));
  for (const group of options.join) add('--join', group);
  add('--control', options.control);
  add('--ping', options.ping);
  add('--traceroute', options.traceroute);
  add('--count', options.count);
  add('--mtu', options.mtu);
  for (const iface of options.ifaces) args.push('--iface', ifaceArgument(iface));
  for (const r of options.routes) args.push('--route', [r.dst, `via=${r.via}`, ...(r.metric !== undefined ? [`metric=${r.metric}`] : [])].join(','));
  if (options.forward) args.push('--forward');
  return args;
}

export const HELP = `netstack - a TCP/IP stack in WebAssembly, on a Linux TAP device or an ENC28J60

Usage:
  netstack up --tap NAME --ip ADDR/PREFIX [options]
  netstack up --tap NAME --dhcp [options]
  netstack up --nic enc28j60-spidev --spi /dev/spidevB.C --ip ADDR/PREFIX [options]
  netstack ping [--control PATH | --tap NAME] ADDR [-c N] [-s SIZE] [-t TTL] [-i MS] [-W MS]
  netstack traceroute [--control PATH | --tap NAME] ADDR [-m HOPS] [-q PROBES] [-W MS]
  netstack show [--control PATH | --tap NAME] arp|counters|route|sockets
  netstack demo        up in a fresh namespace "netstack-demo" (192.0.2.2, Linux at 192.0.2.1)
  netstack --help

Options for up:
  --nic KIND               tap (default): frames straight to the TAP;
                           enc28j60-sim: the module's ENC28J60 driver on a model of the
                           chip whose Ethernet side is the TAP;
                           enc28j60-spidev: the driver on a real ENC28J60 on Linux spidev
  --tap NAME               TAP device to create (1-15 characters; not with enc28j60-spidev)
  --spi PATH               spidev device for enc28j60-spidev, e.g. /dev/spidev0.0
  --spi-hz N               SPI clock for enc28j60-* (default 20000000, the chip's maximum)
  --full-duplex            ENC28J60 in full duplex (the partner must be forced to full
                           duplex: the chip does not autonegotiate)
  --ip ADDR/PREFIX         the stack's address, e.g. 192.0.2.2/24
  --dhcp                   get the address, prefix, router and DNS servers from a DHCP
                           server (RFC 2131; the offered address is probed first, RFC 5227);
                           waits for the lease, then prints a "netstack: dhcp lease" line
  --probe                  probe --ip for conflicts before using it (RFC 5227, 4-7 s)
  --gw ADDR                default gateway
  --host-ip ADDR/PREFIX    give the Linux side of the TAP this address and bring it up
  --mac MAC                the stack's MAC (default: random, locally administered)
  --netns NAME             run inside network namespace NAME (created if missing, and
                           then deleted on exit)
  --pcap FILE              capture every frame on the TAP to FILE
  --echo                   UDP and TCP echo service on port 7
  --discard                TCP discard service on port 9
  --chargen                TCP character generator on port 19
  --http                   HTTP/1.1 server on port 80: / and /status (counters and TCP
                           connections), /bytes/N (N bytes of a test pattern); not in tiny
  --profile P              tiny | default | desktop (default: default)
  --drop-chance P          drop each frame with chance P (0..1), both directions
  --corrupt-chance P       corrupt one byte of a frame with chance P (0..1)
  --delay MS               delay every frame by MS milliseconds
  --seed N                 seed for the stack's randomness, the MAC and the impairments
  --dns SERVER             DNS server for the stack's resolver (give twice for a secondary)
  --resolve NAME           once up, look up NAME's address (A record) with the stack's
                           resolver and print "netstack: NAME has address A (ttl N)" or
                           "netstack: NAME: <error>"; may be repeated (looked up in order)
  --allow-root-netns       allow a TAP in the initial network namespace (refused by default)
  --control PATH           control socket for ping/traceroute/show (mode 0600; default
                           $XDG_RUNTIME_DIR/netstack/<tap>.sock, or /run/netstack/<tap>.sock
                           without XDG_RUNTIME_DIR); removed when up exits
  --ping ADDR              once up, ping ADDR (--count N probes, default 4), print the
                           results and exit: 0 if anything answered, else 1
  --traceroute ADDR        once up, trace the route to ADDR, print it and exit: 0 if ADDR
                           was reached, else 1
  --vlan VID               bind the interface to 802.1Q VLAN VID (1..4094): frames are sent
                           tagged, untagged and other VLANs' frames are dropped
  --qinq SVID|any          QinQ (802.1ad) around that VLAN: SVID (1..4094) must be the outer
                           tag of every frame received and is put on every frame sent; any
                           accepts any outer tag (or none) and sends the C-tag alone
  --qinq-tpid 88a8|8100    TPID of the outer tag sent with --qinq SVID (default 88a8)
  --join GROUP             join multicast GROUP (IGMPv2; repeatable): UDP services and
                           sockets receive datagrams sent to it
  --mtu N                  MTU of the first interface (576..1500, default 1500); larger
                           datagrams leave in fragments
  --iface TAP,ip=ADDR/PREFIX[,host-ip=ADDR/PREFIX][,netns=NS][,mac=MAC][,mtu=N]
                           another interface (repeatable, up to the profile's interface
                           count): a TAP created beside the first, moved into the existing
                           namespace NS if given, its Linux side given host-ip there
  --route DST/PREFIX,via=GW[,metric=N]
                           static route (repeatable); GW on a connected subnet
  --forward                forward datagrams between interfaces (a router; off by default;
                           not in tiny)

ping, traceroute and show ask a running "up" through its control socket (--control PATH,
or the default path of --tap NAME). ping: -c count (4), -s data bytes (56; at most
8184 with the default module, fragmented above 1472), -t TTL (64), -i interval ms (1000),
-W timeout ms (1000); exit 0 if anything answered. traceroute sends ICMP echo requests with
TTL 1, 2, ... (-m max hops 30, -q probes per hop 3); exit 0 if ADDR was reached. RTTs are whole milliseconds (the module's clock).
A missing or stale control socket: one line, exit 1.

Prints "netstack: up <tap or spi> <ip/prefix> <mac>" when ready (with an ENC28J60: once the chip
is set up); stops on SIGINT or SIGTERM.
`;
