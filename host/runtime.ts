// Loads the netstack module, implements its imports, and drives poll() from the deadline it
// returns. Everything protocol-related happens inside the module; this file only moves frames
// and time across the boundary.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ABI_VERSION, AddrStateName, ArpStateName, DhcpStateName, DnsStatus, Errno, errnoName, RouteKindName, TcpStateName, type NetstackExports, type Profile } from './abi.ts';
import { formatIpv4, formatMac, parseCidr, parseIpv4, parseMac } from './addr.ts';
import { ping, traceroute, type PingOptions, type PingReport, type TracerouteOptions, type TracerouteReport } from './probes.ts';
import type { SpiBus } from './spi/bus.ts';

/** A link the stack can send frames on. Frames never include the FCS. */
export interface Nic {
  /** frame is valid only during the call (it may view module memory): copy it to keep it. */
  send(frame: Uint8Array): void;
  /**
   * Set by Stack.attach: called for every frame received from the link. Like send's argument,
   * the frame is valid only during the call (a TAP hands a view of its ring): copy it to keep it.
   */
  onFrame: ((frame: Uint8Array) => void) | null;
  close(): void;
}

/** Where time comes from. The real clock uses timers; tests use a virtual clock. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

/** setTimeout waits at least 1 ms even for 0: a due poll runs as soon as I/O allows instead. */
export const realClock: Clock = {
  now: () => Math.floor(performance.now()),
  setTimer: (ms, fn) => (ms <= 0 ? { immediate: setImmediate(fn) } : { timeout: setTimeout(fn, ms) }),
  clearTimer: (h) => {
    const handle = h as { immediate?: NodeJS.Immediate; timeout?: NodeJS.Timeout };
    if (handle.immediate) clearImmediate(handle.immediate);
    else clearTimeout(handle.timeout);
  },
};

export interface LoadOptions {
  profile?: Profile;
  /** Use the debug build (assertions on). */
  debug?: boolean;
  /** Explicit module bytes or path (overrides profile). */
  wasm?: Uint8Array | string;
  /** Seed for the module's random import; default from crypto. */
  seed?: number;
  clock?: Clock;
  log?: (line: string) => void;
  /** The SPI bus an ENC28J60 sits on (host/sim/enc28j60-bus.ts, host/spi/spidev.ts). */
  spi?: SpiBus;
}

export interface Enc28j60Options {
  /** Full duplex (MACON3.FULDPX + PHCON1.PDPXMD); the partner must be forced to full duplex too. */
  fullDuplex?: boolean;
  /** The chip's INT pin wakes the host (call kick() when it asserts); otherwise the module polls every ms. */
  interrupt?: boolean;
}

/** ENC28J60 nic_status() errors (assembly/drivers/enc28j60.ts ENC_ERR_*). */
export const EncError: Record<number, string> = {
  [-2]: 'no ENC28J60 answers on the SPI bus (EREVID reads 0x00 or 0xFF)',
  [-3]: 'the ENC28J60 clock never became ready (ESTAT.CLKRDY)',
  [-4]: 'the ENC28J60 PHY did not answer (MISTAT.BUSY stuck)',
};

export interface IfaceConfig {
  mac: string;
  /** "a.b.c.d/prefix" */
  ip: string;
  gateway?: string;
}

export interface SocketRow {
  proto: 'udp' | 'tcp';
  state: string;
  /** "port" of the local end (the module binds to any local address). */
  localPort: number;
  /** "a.b.c.d:port", or null when not connected. */
  peer: string | null;
}

/** A resolved A record: the address and the seconds it stays valid. */
export interface DnsAnswer {
  address: string;
  ttl: number;
}

/** A failed lookup; code follows Node's dns module (ENOTFOUND, ENODATA, ETIMEOUT, ESERVFAIL, EBADNAME...). */
export class DnsError extends Error {
  readonly code: string;
  constructor(name: string, code: string, reason: string) {
    super(`netstack: ${name}: ${reason}`);
    this.code = code;
  }
}

const DNS_FAILURES: Record<number, [string, string]> = {
  [DnsStatus.NXDOMAIN]: ['ENOTFOUND', 'no such name (NXDOMAIN)'],
  [DnsStatus.NO_ADDRESS]: ['ENODATA', 'the name has no address (A) record'],
  [DnsStatus.TIMEOUT]: ['ETIMEOUT', 'no answer from the DNS servers (timed out after the retries)'],
  [DnsStatus.SERVER_FAILURE]: ['ESERVFAIL', 'the DNS server failed or refused the query (or truncated the answer)'],
};

const DNS_START_ERRORS: Record<number, [string, string]> = {
  [Errno.EINVAL]: ['EBADNAME', 'not a valid host name (labels of 1-63 letters, digits, - or _; at most 253 characters)'],
  [Errno.EAGAIN]: ['EAGAIN', 'too many lookups in flight'],
  [Errno.ENETUNREACH]: ['ECONNREFUSED', 'no DNS server set (setDnsServers)'],
};

export interface DhcpLease {
  state: (typeof DhcpStateName)[number];
  /** "a.b.c.d/prefix", or null until bound. */
  ip: string | null;
  router: string | null;
  server: string | null;
  dns: string[];
  leaseSeconds: number;
}

export interface RouteRow {
  dst: string;
  prefix: number;
  /** Next hop, or null for direct delivery on the interface. */
  gateway: string | null;
  iface: number;
  metric: number;
  kind: 'connected' | 'default' | 'static';
}

export interface ArpRow {
  iface: number;
  ip: string;
  mac: string;
  state: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Finds build/netstack-<profile>.wasm from the source tree or the bundle in build/. */
export function wasmPath(profile: Profile, debug = false): string {
  const file = `netstack-${profile}${debug ? '.debug' : ''}.wasm`;
  const candidates = [join(here, file), join(here, '..', 'build', file)];
  const found = candidates.find((path) => existsSync(path));
  if (found) return found;
  throw new Error(`netstack: ${file} not found; run \`npm run build\` first`);
}

/** The module's counter names in its order (counter_names(): latin1, one a line). */
function counterNames(ex: NetstackExports): string[] {
  return Buffer.from(ex.memory.buffer, ex.counter_names(), ex.counter_names_bytes()).toString('latin1').split('\n');
}

/** Counter name -> value, read from the module's memory (for hosts that drive a bare module). */
export function readCounters(ex: NetstackExports, names = counterNames(ex)): Record<string, number> {
  const values = new Uint32Array(ex.memory.buffer, ex.counters(), ex.counter_count());
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/**
 * xorshift32 after one splitmix32 scramble of the seed, so nearby seeds give unrelated
 * streams; deterministic when seeded, so simulations replay exactly.
 */
export function makeRandom(seed: number): () => number {
  let z = (seed + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  let state = (z ^ (z >>> 16)) >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

export class Stack {
  readonly exports: NetstackExports;
  readonly clock: Clock;
  private readonly nics: (Nic | null)[];
  private timer: unknown = null;
  private running = false;
  private nextPollAt = 0;
  private counterNames: string[] | null = null;
  /** Called after every poll and every received frame, so socket layers can read their queues. */
  readonly afterPoll: Set<() => void> = new Set();

  private constructor(exports: NetstackExports, clock: Clock) {
    this.exports = exports;
    this.clock = clock;
    this.nics = new Array(exports.iface_count()).fill(null);
  }

  static async load(options: LoadOptions = {}): Promise<Stack> {
    const bytes =
      options.wasm instanceof Uint8Array
        ? options.wasm
        : readFileSync(options.wasm ?? wasmPath(options.profile ?? 'default', options.debug));
    const random = makeRandom(options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]);
    const log = options.log ?? ((line: string) => process.stderr.write(`netstack: ${line}\n`));
    let stack: Stack | null = null;
    const spi = () => {
      if (!options.spi) throw new Error('netstack: the module used SPI but no bus was given (LoadOptions.spi)');
      return options.spi;
    };
    const text = (ptr: number, bytes: number) =>
      Buffer.from(stack!.exports.memory.buffer, ptr, bytes).toString('utf16le');
    const imports = {
      hal: {
        nic_tx: (iface: number, ptr: number, len: number) => stack!.transmit(iface, ptr, len),
        log: (_level: number, ptr: number, len: number) => log(text(ptr, len)),
        random: () => random() | 0,
        spi_select: (on: number) => spi().select(on !== 0),
        spi_transfer: (tx: number, rx: number, len: number) => {
          const memory = stack!.exports.memory.buffer;
          spi().transfer(tx ? new Uint8Array(memory, tx, len) : null, rx ? new Uint8Array(memory, rx, len) : null, len);
        },
      },
      env: {
        abort: (msg: number, file: number, line: number, column: number) => {
          const str = (p: number) => (p ? text(p, new Uint32Array(stack!.exports.memory.buffer, p - 4, 1)[0]) : '?');
          throw new Error(`netstack module abort: ${str(msg)} at ${str(file)}:${line}:${column}`);
        },
      },
    };
    // Cast: a Uint8Array may view a SharedArrayBuffer, so TS picks the Module overload otherwise.
    const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, imports);
    const exports = instance.exports as unknown as NetstackExports;
    if (exports.abi_version() !== ABI_VERSION) {
      throw new Error(`netstack: module ABI ${exports.abi_version()} but host expects ${ABI_VERSION}`);
    }
    stack = new Stack(exports, options.clock ?? realClock);
    return stack;
  }

  /** Connects a nic to interface `iface`: its frames go to the module, the module's frames to it. */
  attach(iface: number, nic: Nic): void {
    this.checkIface(iface);
    this.nics[iface] = nic;
    nic.onFrame = (frame) => this.receive(iface, frame);
  }

  /**
   * Serves iface with an ENC28J60 on the load-time SPI bus: the module resets and sets up the
   * chip from the next polls (configure the MAC first). nicStatus() tells when it is ready.
   */
  attachEnc28j60(iface: number, options: Enc28j60Options = {}): void {
    this.checkIface(iface);
    this.nics[iface] = null;
    const flags = (options.fullDuplex ? 1 : 0) | (options.interrupt ? 2 : 0);
    this.check(this.exports.nic_attach_enc28j60(iface, flags), 'nic_attach_enc28j60');
    this.schedule(0);
  }

  /** The interface's driver state; throws with the driver's reason when it failed. */
  nicStatus(iface: number): 'initialising' | 'up' | 'no-carrier' {
    const status = this.exports.nic_status(iface);
    if (status < 0) throw new Error(`netstack: interface ${iface}: ${EncError[status] ?? `driver error ${status}`}`);
    return status === 0 ? 'initialising' : status === 1 ? 'up' : 'no-carrier';
  }

  configure(iface: number, config: IfaceConfig): void {
    this.setMac(iface, config.mac);
    const { addr, prefix } = parseCidr(config.ip);
    const gateway = config.gateway ? parseIpv4(config.gateway) : 0;
    this.check(this.exports.iface_set_ipv4(iface, addr, prefix, gateway), 'iface_set_ipv4');
  }

  /** Each interface's IPv4 address as the module uses it now (static, probed or leased). */
  addresses(): { iface: number; addr: string; prefix: number }[] {
    const rows = [];
    for (let iface = 0; iface < this.exports.iface_count(); iface++) {
      const addr = this.exports.iface_ipv4(iface);
      if (addr !== 0) rows.push({ iface, addr: formatIpv4(addr), prefix: this.exports.iface_ipv4_prefix(iface) });
    }
    return rows;
  }

  /** The interface that has this address now, or -1. */
  ifaceByAddress(address: string): number {
    return this.addresses().find((row) => row.addr === formatIpv4(parseIpv4(address)))?.iface ?? -1;
  }

  /** 802.1Q: the interface sends and accepts only frames tagged vid (1..4094); 0 = untagged. */
  setVlan(iface: number, vid: number): void {
    this.checkIface(iface);
    if (!Number.isInteger(vid) || vid < 0 || vid > 4094) throw new RangeError(`VLAN ID ${vid} is not 0..4094`);
    this.check(this.exports.iface_set_vlan(iface, vid), 'iface_set_vlan');
  }

  /**
   * QinQ (802.1ad) on an interface already bound to a C-VID with setVlan: an outer (service) tag.
   * outerVid 1..4094 (matched): received frames must carry it outside the C-tag, and every frame
   * is sent with both tags, the outer one with TPID `tpid` (0x88a8, the default, or 0x8100).
   * 'any' (skipped): any outer tag, or none, is accepted and the C-tag decides; frames leave
   * with the C-tag only (the provider edge pushes the S-tag). null turns QinQ off.
   */
  setQinq(iface: number, qinq: { outerVid: number | 'any'; tpid?: number } | null): void {
    this.checkIface(iface);
    const svid = qinq === null ? 0 : qinq.outerVid === 'any' ? -1 : qinq.outerVid;
    if (qinq !== null && qinq.outerVid !== 'any' && (!Number.isInteger(svid) || svid < 1 || svid > 4094)) {
      throw new RangeError(`S-VID ${qinq.outerVid} is not 1..4094 or 'any'`);
    }
    const tpid = qinq?.tpid ?? (svid > 0 ? 0x88a8 : 0);
    if (svid > 0 && tpid !== 0x88a8 && tpid !== 0x8100) throw new RangeError(`outer TPID 0x${tpid.toString(16)} is not 0x88a8 or 0x8100`);
    if (svid <= 0 && tpid !== 0) throw new RangeError('an outer TPID applies only to a matched S-VID (nothing is sent with any)');
    if (svid !== 0 && this.exports.iface_get_vlan(iface) === 0) throw new RangeError('QinQ needs a C-VID first (setVlan)');
    this.check(this.exports.iface_set_qinq(iface, svid, tpid), 'iface_set_qinq');
  }

  /** IGMPv2: joins group on iface (reference-counted; one leaveGroup per joinGroup). */
  joinGroup(iface: number, group: string): void {
    this.checkIface(iface);
    this.check(this.exports.igmp_join(iface, parseIpv4(group)), 'igmp_join');
    this.schedule(0);
  }

  leaveGroup(iface: number, group: string): void {
    this.checkIface(iface);
    this.check(this.exports.igmp_leave(iface, parseIpv4(group)), 'igmp_leave');
  }

  setMac(iface: number, mac: string): void {
    this.checkIface(iface);
    const [hi, lo] = parseMac(mac);
    this.check(this.exports.iface_set_mac(iface, hi, lo), 'iface_set_mac');
  }

  /** Sets the address after RFC 5227 probes find no conflict (addrState() tells when). */
  configureProbed(iface: number, ip: string, gateway?: string): void {
    this.checkIface(iface);
    const { addr, prefix } = parseCidr(ip);
    this.check(this.exports.iface_set_ipv4_probed(iface, addr, prefix, gateway ? parseIpv4(gateway) : 0), 'iface_set_ipv4_probed');
    this.kick();
  }

  addrState(iface: number): (typeof AddrStateName)[number] {
    const state = this.exports.iface_addr_state(iface);
    if (state < 0) throw new RangeError(`interface ${iface} does not exist`);
    return AddrStateName[state];
  }

  /** Starts the DHCP client on iface (the MAC must be set); dhcpLease() follows it. */
  dhcpStart(iface: number): void {
    this.checkIface(iface);
    this.check(this.exports.dhcp_start(iface), 'dhcp_start');
    this.kick();
  }

  /** Releases the lease and stops the client. */
  dhcpStop(): void {
    this.exports.dhcp_stop();
    this.kick();
  }

  dhcpLease(): DhcpLease {
    const e = this.exports;
    const addr = e.dhcp_lease_addr();
    const optional = (value: number) => (value ? formatIpv4(value) : null);
    const iface = e.dhcp_iface();
    return {
      state: DhcpStateName[e.dhcp_state()],
      ip: addr ? `${formatIpv4(addr)}/${e.dhcp_lease_prefix()}` : null,
      router: optional(e.dhcp_lease_router()),
      server: optional(e.dhcp_lease_server()),
      dns: [0, 1].map((i) => e.dhcp_dns_server(iface, i)).filter((a) => a !== 0).map(formatIpv4),
      leaseSeconds: e.dhcp_lease_seconds(),
    };
  }

  /** Brings the interface up (the module announces itself with a gratuitous ARP). */
  up(iface: number): void {
    this.exports.poll(this.clock.now() >>> 0);
    this.check(this.exports.iface_up(iface), 'iface_up');
    this.schedule(0);
  }

  down(iface: number): void {
    this.check(this.exports.iface_down(iface), 'iface_down');
  }

  /** Starts the poll loop on the clock. */
  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  /** Runs the module's timers now and re-arms the poll timer from the returned delay. */
  poll(): void {
    const delay = this.exports.poll(this.clock.now() >>> 0);
    for (const fn of this.afterPoll) fn();
    this.schedule(delay);
  }

  /** Hands one frame to the module (copied into its receive buffer). */
  receive(iface: number, frame: Uint8Array): void {
    const max = this.exports.frame_max();
    // Longer frames are still passed (truncated length kept honest) so the module counts them.
    const len = Math.min(frame.length, max);
    const ptr = this.exports.rx_buffer(iface);
    new Uint8Array(this.exports.memory.buffer, ptr, len).set(frame.subarray(0, len));
    // The poll brings the module's clock up to date (and runs anything due) before the frame.
    this.exports.poll(this.clock.now() >>> 0);
    const delay = this.exports.rx(iface, frame.length > max ? max + 1 : len);
    for (const fn of this.afterPoll) fn();
    this.schedule(delay);
  }

  counters(): Record<string, number> {
    return readCounters(this.exports, (this.counterNames ??= counterNames(this.exports)));
  }

  arpTable(): ArpRow[] {
    const rows: ArpRow[] = [];
    for (let i = 0; i < this.exports.arp_capacity(); i++) {
      const state = this.exports.arp_row(i);
      if (state === 0) continue;
      rows.push({
        iface: this.exports.arp_row_iface(),
        ip: formatIpv4(this.exports.arp_row_addr()),
        mac: formatMac(this.exports.arp_row_mac_hi(), this.exports.arp_row_mac_lo()),
        state: ArpStateName[state] ?? String(state),
      });
    }
    return rows;
  }

  /** Open UDP sockets and TCP connections (listeners included), like `ss -tuan`. */
  sockets(): SocketRow[] {
    const e = this.exports;
    const rows: SocketRow[] = [];
    for (let h = 0; h < e.udp_capacity(); h++) {
      const port = e.udp_local_port(h);
      if (port >= 0) rows.push({ proto: 'udp', state: 'UNCONN', localPort: port, peer: null });
    }
    for (let i = 0; i < e.tcp_capacity(); i++) {
      const state = e.tcp_slot_state(i);
      if (state === 0) continue;
      const peerPort = e.tcp_peer_port(i);
      const peer = peerPort ? `${formatIpv4(e.tcp_peer_addr(i))}:${peerPort}` : null;
      rows.push({ proto: 'tcp', state: TcpStateName[state] ?? String(state), localPort: e.tcp_local_port(i), peer });
    }
    return rows;
  }

  /** The routing table, like `ip route`: connected, interface default and static rows. */
  routes(): RouteRow[] {
    const rows: RouteRow[] = [];
    for (let i = 0; i < this.exports.route_capacity(); i++) {
      const kind = this.exports.route_row(i);
      if (kind === 0) continue;
      const gateway = this.exports.route_row_gateway();
      rows.push({
        dst: formatIpv4(this.exports.route_row_dst()),
        prefix: this.exports.route_row_prefix(),
        gateway: gateway === 0 ? null : formatIpv4(gateway),
        iface: this.exports.route_row_iface(),
        metric: this.exports.route_row_metric(),
        kind: RouteKindName[kind] as RouteRow['kind'],
      });
    }
    return rows;
  }

  // ---- Ping and traceroute (host/probes.ts; the stack must be started) ----

  /** count echo requests to addr, intervalMs apart; resolves when each has its answer or timed out. */
  ping(addr: string, options: PingOptions = {}): Promise<PingReport> {
    return ping(this, addr, options);
  }

  /** Echo requests with TTL 1, 2, ... until addr answers (or maxHops); per hop, who answered. */
  traceroute(addr: string, options: TracerouteOptions = {}): Promise<TracerouteReport> {
    return traceroute(this, addr, options);
  }

  /** The DNS servers the module's resolver asks: up to two addresses, [] for none. */
  setDnsServers(servers: string[]): void {
    if (servers.length > 2) throw new RangeError('at most two DNS servers');
    const [primary = 0, secondary = 0] = servers.map(parseIpv4);
    this.check(this.exports.dns_set_servers(primary, secondary), 'dns_set_servers');
  }

  dnsServers(): string[] {
    return [0, 1].map((i) => this.exports.dns_server(i)).filter((addr) => addr !== 0).map(formatIpv4);
  }

  /**
   * Looks up the A record of name with the module's resolver (app/dns.ts): from its cache at once,
   * or by queries with retries (about 7 s in all before ETIMEOUT). Needs the poll loop running
   * (start()). Rejects with a DnsError.
   */
  resolve(name: string): Promise<DnsAnswer> {
    const bytes = new TextEncoder().encode(name);
    if (bytes.length > this.exports.io_buffer_size()) return Promise.reject(new DnsError(name, 'EBADNAME', 'name too long'));
    this.writeIo(bytes);
    // Bring the module's clock up to date first: the retry timers start from it.
    this.poll();
    const handle = this.exports.dns_resolve(bytes.length);
    if (handle < 0) {
      const [code, reason] = DNS_START_ERRORS[handle] ?? [errnoName(handle), `lookup failed (${errnoName(handle)})`];
      return Promise.reject(new DnsError(name, code, reason));
    }
    return new Promise<DnsAnswer>((resolve, reject) => {
      const check = () => {
        const status = this.exports.dns_status(handle);
        if (status === DnsStatus.PENDING) return;
        this.afterPoll.delete(check);
        if (status === DnsStatus.DONE) {
          resolve({ address: formatIpv4(this.exports.dns_result_address()), ttl: this.exports.dns_result_ttl_s() });
          return;
        }
        const [code, reason] = DNS_FAILURES[status] ?? ['EBADRESP', `lookup ended with status ${status}`];
        reject(new DnsError(name, code, reason));
      };
      this.afterPoll.add(check);
      check();
      this.kick();
    });
  }

  /** Adds a static route, e.g. addRoute('203.0.113.0/24', { via: '198.51.100.2' }). */
  addRoute(cidr: string, options: { via?: string; iface?: number; metric?: number }): void {
    const { addr, prefix } = parseCidr(cidr);
    const gateway = options.via ? parseIpv4(options.via) : 0;
    this.check(this.exports.route_add(addr, prefix, gateway, options.iface ?? -1, options.metric ?? 0), `route_add ${cidr}`);
  }

  deleteRoute(cidr: string, via?: string): void {
    const { addr, prefix } = parseCidr(cidr);
    this.check(this.exports.route_del(addr, prefix, via ? parseIpv4(via) : 0), `route_del ${cidr}`);
  }

  /** Forwarding between interfaces (off by default; ENOSYS in tiny, which has one interface). */
  setForwarding(on: boolean): void {
    this.check(this.exports.ip_forwarding(on ? 1 : 0), 'ip_forwarding');
  }

  /** Largest datagram sent on iface (576..1500); longer ones leave in fragments. */
  setMtu(iface: number, mtu: number): void {
    this.checkIface(iface);
    this.check(this.exports.iface_set_mtu(iface, mtu), `iface_set_mtu ${mtu}`);
  }

  /** Copies bytes into the module's io buffer (for socket calls). */
  writeIo(data: Uint8Array): void {
    if (data.length > this.exports.io_buffer_size()) throw new RangeError('payload larger than the io buffer');
    new Uint8Array(this.exports.memory.buffer, this.exports.io_buffer(), data.length).set(data);
  }

  /** A copy of the first len bytes of the io buffer. */
  readIo(len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, this.exports.io_buffer(), len).slice();
  }

  /** Asks for a poll soon (after socket calls that queued output). */
  kick(): void {
    if (this.running) this.schedule(0);
  }

  private transmit(iface: number, ptr: number, len: number): number {
    const nic = this.nics[iface];
    if (!nic) return -1;
    // A view, not a copy: Nic.send must copy what it keeps past the call.
    nic.send(new Uint8Array(this.exports.memory.buffer, ptr, len));
    return 0;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const at = this.clock.now() + delayMs;
    if (this.timer !== null) {
      if (at >= this.nextPollAt) return;
      this.clock.clearTimer(this.timer);
    }
    this.nextPollAt = at;
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.poll();
    });
  }

  private checkIface(iface: number): void {
    if (!Number.isInteger(iface) || iface < 0 || iface >= this.nics.length) {
      throw new RangeError(`interface ${iface} does not exist (this build has ${this.nics.length})`);
    }
  }

  private check(code: number, what: string): void {
    if (code < 0) throw new Error(`netstack: ${what} failed with ${errnoName(code)} (${code})`);
  }
}
