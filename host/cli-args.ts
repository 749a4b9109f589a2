// Parses and validates `netstack` command lines. Pure (no I/O), so every rule is testable; a
// bad command line becomes one UsageError whose message the CLI prints on one line (exit 2).
import { parseArgs } from 'node:util';
import { PROFILES, type Profile } from './abi.ts';
import { parseCidr, parseIpv4, parseMac } from './addr.ts';

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
  /** "a.b.c.d/prefix" of the stack. */
  ip: string;
  gateway?: string;
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
  /** Allows a TAP in the initial network namespace (off: we refuse to touch the host's network). */
  allowRootNetns: boolean;
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

export type Command = { name: 'help' } | { name: 'demo' } | { name: 'up'; options: UpOptions };

const UP_OPTIONS = {
  nic: { type: 'string' },
  tap: { type: 'string' },
  spi: { type: 'string' },
  'spi-hz': { type: 'string' },
  'full-duplex': { type: 'boolean' },
  ip: { type: 'string' },
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
  'allow-root-netns': { type: 'boolean' },
  mtu: { type: 'string' },
  iface: { type: 'string', multiple: true },
  route: { type: 'string', multiple: true },
  forward: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TAP_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
export const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function parseCommand(argv: string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { name: 'help' };
  if (name === 'demo') {
    if (rest.length) throw new UsageError(`demo takes no arguments (got "${rest[0]}")`);
    return { name: 'demo' };
  }
  if (name === 'up') return parseUp(rest);
  throw new UsageError(`unknown command "${name}"`);
}

function parseUp(argv: string[]): Command {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: UP_OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    // node:util's messages are multi-line with hints; keep the first line.
    throw new UsageError(String((error as Error).message).split('\n')[0]);
  }
  if (values.help) return { name: 'help' };
  const text = (key: string) => values[key] as string | undefined;
  const nic = (text('nic') ?? 'tap') as NicKind;
  if (!NICS.includes(nic)) throw new UsageError(`--nic "${nic}": one of ${NICS.join(', ')}`);
  const spidev = nic === 'enc28j60-spidev';
  const tap = spidev ? '' : required(text('tap'), '--tap NAME');
  if (spidev && text('tap') !== undefined) throw new UsageError('--tap does not apply to --nic enc28j60-spidev (the chip is the link)');
  if (!spidev && (!TAP_NAME.test(tap) || tap === '.' || tap === '..')) throw new UsageError(`--tap "${tap}": 1-15 of A-Z a-z 0-9 _ . -`);
  const spi = text('spi');
  if (spidev && !spi) throw new UsageError('--nic enc28j60-spidev needs --spi /dev/spidevB.C');
  if (!spidev && spi !== undefined) throw new UsageError('--spi applies only to --nic enc28j60-spidev');
  if (spi !== undefined && !/^\/dev\/spidev\d+\.\d+$/.test(spi)) throw new UsageError(`--spi "${spi}": expected /dev/spidevB.C`);
  const enc = nic !== 'tap';
  if (!enc && text('spi-hz') !== undefined) throw new UsageError('--spi-hz applies only to --nic enc28j60-*');
  if (!enc && values['full-duplex']) throw new UsageError('--full-duplex applies only to --nic enc28j60-*');
  // The ENC28J60's SPI clock is at most 20 MHz ([DS §4.1]).
  const spiHz = number(text('spi-hz'), '--spi-hz', 1_000, 20_000_000, true) ?? 20_000_000;
  const ip = required(text('ip'), '--ip ADDR/PREFIX');
  check(() => parseCidr(ip), '--ip');
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
  const ifaces = ((values.iface as string[] | undefined) ?? []).map(parseIface);
  if (ifaces.length && nic !== 'tap') throw new UsageError('--iface needs --nic tap');
  const taps = [tap, ...ifaces.map((i) => i.tap)];
  if (new Set(taps).size !== taps.length) throw new UsageError('each interface needs a TAP name of its own');
  const routes = ((values.route as string[] | undefined) ?? []).map(parseRoute);
  const profile = (text('profile') ?? 'default') as Profile;
  if (!PROFILES.includes(profile)) throw new UsageError(`--profile "${profile}": one of ${PROFILES.join(', ')}`);
  return {
    name: 'up',
    options: {
      nic, tap, spi, spiHz, fullDuplex: values['full-duplex'] === true, ip, gateway, hostIp, mac, netns, pcap, profile,
      echo: values.echo === true,
      discard: values.discard === true,
      chargen: values.chargen === true,
      http: values.http === true,
      dropChance: number(text('drop-chance'), '--drop-chance', 0, 1, false) ?? 0,
      corruptChance: number(text('corrupt-chance'), '--corrupt-chance', 0, 1, false) ?? 0,
      delayMs: number(text('delay'), '--delay', 0, 60_000, true) ?? 0,
      seed: number(text('seed'), '--seed', 0, 0xffffffff, true),
      allowRootNetns: values['allow-root-netns'] === true,
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
  if (!TAP_NAME.test(tap) || tap === '.' || tap === '..') throw new UsageError(`--iface "${text}": TAP name of 1-15 of A-Z a-z 0-9 _ . -`);
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
  const args = ['up', '--nic', options.nic, '--ip', options.ip];
  const add = (flag: string, value: string | number | undefined) => value !== undefined && args.push(flag, String(value));
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
  if (options.allowRootNetns) args.push('--allow-root-netns');
  add('--mtu', options.mtu);
  for (const iface of options.ifaces) args.push('--iface', ifaceArgument(iface));
  for (const r of options.routes) args.push('--route', [r.dst, `via=${r.via}`, ...(r.metric !== undefined ? [`metric=${r.metric}`] : [])].join(','));
  if (options.forward) args.push('--forward');
  return args;
}

export const HELP = `netstack - a TCP/IP stack in WebAssembly, on a Linux TAP device or an ENC28J60

Usage:
  netstack up --tap NAME --ip ADDR/PREFIX [options]
  netstack up --nic enc28j60-spidev --spi /dev/spidevB.C --ip ADDR/PREFIX [options]
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
                           connections), /bytes/N (N bytes of a test pattern)
  --profile P              tiny | default | desktop (default: default)
  --drop-chance P          drop each frame with chance P (0..1), both directions
  --corrupt-chance P       corrupt one byte of a frame with chance P (0..1)
  --delay MS               delay every frame by MS milliseconds
  --seed N                 seed for the stack's randomness, the MAC and the impairments
  --allow-root-netns       allow a TAP in the initial network namespace (refused by default)
  --mtu N                  MTU of the first interface (576..1500, default 1500); larger
                           datagrams leave in fragments
  --iface TAP,ip=ADDR/PREFIX[,host-ip=ADDR/PREFIX][,netns=NS][,mac=MAC][,mtu=N]
                           another interface (repeatable, up to the profile's interface
                           count): a TAP created beside the first, moved into the existing
                           namespace NS if given, its Linux side given host-ip there
  --route DST/PREFIX,via=GW[,metric=N]
                           static route (repeatable); GW on a connected subnet
  --forward                forward datagrams between interfaces (a router; off by default)

Prints "netstack: up <tap or spi> <ip> <mac>" when ready (with an ENC28J60: once the chip
is set up); stops on SIGINT or SIGTERM.
`;
