// UDP sockets on a Stack, shaped like Node's `dgram` so code written for Node ports over:
//
//   const socket = createSocket(stack);
//   socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
//   socket.bind(7);
//
// The module owns the sockets; this layer keeps only the handle. Payloads cross through the
// module's io buffer. Datagrams are read out in a stack.afterPoll hook, which runs after the
// module returns from poll/rx, so listeners may call back into the module safely.
import { EventEmitter } from 'node:events';
import { Errno, errnoName } from './abi.ts';
import { formatIpv4, parseIpv4 } from './addr.ts';
import type { Stack } from './runtime.ts';

export interface RemoteInfo {
  address: string;
  family: 'IPv4';
  port: number;
  size: number;
}

export interface AddressInfo {
  address: string;
  family: 'IPv4';
  port: number;
}

export interface BindOptions {
  port?: number;
  address?: string;
}

type SendCallback = (error: Error | null, bytes?: number) => void;

const DESCRIPTIONS: Record<string, string> = {
  EBADF: 'the socket is not open in the module',
  EAGAIN: 'no datagram is waiting',
  EINVAL: 'invalid argument',
  EMFILE: 'every UDP socket of this build is in use',
  EMSGSIZE: 'the datagram is larger than the module can send',
  EADDRINUSE: 'the port is already bound',
  ENETDOWN: 'the interface is down',
  ENETUNREACH: 'no route to the destination',
  ENOBUFS: 'no transmit buffer free (pool or ARP queue full); try again later',
  EADDRNOTAVAIL: 'not a member of that group',
};

export interface NetstackError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

/** An Error for a negative Errno returned by the module, worded like Node's: "send ENETUNREACH 192.0.2.9:7 (...)". */
export function moduleError(errno: number, syscall: string, target?: string): NetstackError {
  const code = errnoName(errno);
  const description = DESCRIPTIONS[code] ?? `module error ${errno}`;
  const error = new Error(`${syscall} ${code}${target ? ` ${target}` : ''} (${description})`) as NetstackError;
  error.code = code;
  error.errno = errno;
  error.syscall = syscall;
  return error;
}

/** An error for something the caller did wrong before the module was asked. */
function usageError(code: string, message: string): Error & { code: string } {
  return Object.assign(new TypeError(message), { code });
}

/** Upper bound on datagrams read per hook call, so a misbehaving module cannot spin the host. */
const DRAIN_MAX = 1024;

export class UdpSocket extends EventEmitter {
  private handle = -1;
  private state: 'new' | 'bound' | 'closed' = 'new';
  private localAddress = '0.0.0.0';
  private readonly drainHook = () => this.drain();
  /** Groups this socket joined, as "iface/group" (the module counts references per interface). */
  private readonly memberships = new Set<string>();

  constructor(private readonly stack: Stack) {
    super();
  }

  bind(port?: number | BindOptions | (() => void), address?: string | (() => void), callback?: () => void): this {
    if (typeof port === 'function') [callback, port] = [port, undefined];
    if (typeof address === 'function') [callback, address] = [address, undefined];
    if (typeof port === 'object' && port !== null) [port, address] = [port.port, port.address];
    if (this.state !== 'new') throw usageError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
    const portNumber = checkPort(port ?? 0, true);
    if (callback) this.once('listening', callback);
    const error = this.open(portNumber, address ?? '0.0.0.0');
    process.nextTick(() => (error ? this.emit('error', error) : this.emit('listening')));
    return this;
  }

  send(msg: Uint8Array | string, port: number, address: string, callback?: SendCallback): void {
    if (this.state === 'closed') throw usageError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    const payload = typeof msg === 'string' ? Buffer.from(msg) : msg;
    const portNumber = checkPort(port, false);
    const error = this.sendNow(payload, portNumber, address);
    process.nextTick(() => {
      if (callback) callback(error, error ? undefined : payload.length);
      else if (error) this.emit('error', error);
    });
  }

  address(): AddressInfo {
    if (this.state !== 'bound') throw usageError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    return { address: this.localAddress, family: 'IPv4', port: this.stack.exports.udp_local_port(this.handle) };
  }

  /**
   * Like dgram's addMembership: the stack joins the group (IGMPv2) on the interface whose
   * address is multicastInterface (default: interface 0), and this socket, bound to the
   * wildcard address or the group, receives its datagrams on its port. Throws like Node.
   */
  addMembership(multicastAddress: string, multicastInterface?: string): void {
    const [iface, group] = this.membership(multicastAddress, multicastInterface);
    const key = `${iface}/${group}`;
    if (this.memberships.has(key)) throw moduleError(Errno.EADDRINUSE, 'addMembership', multicastAddress);
    const code = this.stack.exports.igmp_join(iface, group);
    if (code < 0) throw moduleError(code, 'addMembership', multicastAddress);
    this.memberships.add(key);
  }

  /** Like dgram's dropMembership: the last socket to drop a group makes the stack leave it. */
  dropMembership(multicastAddress: string, multicastInterface?: string): void {
    const [iface, group] = this.membership(multicastAddress, multicastInterface);
    const key = `${iface}/${group}`;
    if (!this.memberships.delete(key)) throw moduleError(Errno.EADDRNOTAVAIL, 'dropMembership', multicastAddress);
    this.stack.exports.igmp_leave(iface, group);
  }

  close(callback?: () => void): this {
    if (this.state === 'closed') throw usageError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    if (callback) this.once('close', callback);
    for (const key of this.memberships) {
      const [iface, group] = key.split('/').map(Number);
      this.stack.exports.igmp_leave(iface, group);
    }
    this.memberships.clear();
    this.stack.afterPoll.delete(this.drainHook);
    if (this.handle >= 0) this.stack.exports.udp_close(this.handle);
    this.handle = -1;
    this.state = 'closed';
    process.nextTick(() => this.emit('close'));
    return this;
  }

  // Node's sockets keep the event loop alive unless unref'd; these sockets hold no resource
  // of their own (the stack's poll timer does), so both are no-ops kept for compatibility.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private membership(multicastAddress: string, multicastInterface?: string): [number, number] {
    if (this.state === 'closed') throw usageError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
    const group = parseIpv4(multicastAddress);
    const iface = multicastInterface === undefined ? 0 : this.stack.ifaceByAddress(multicastInterface);
    if (iface < 0) throw moduleError(Errno.EADDRNOTAVAIL, 'addMembership', multicastInterface);
    return [iface, group];
  }

  /** Opens and binds the module socket; returns the error to report, or null. */
  private open(port: number, address: string): Error | null {
    let addr: number;
    try {
      addr = parseIpv4(address);
    } catch (cause) {
      return Object.assign(moduleError(Errno.EINVAL, 'bind', `${address}:${port}`), { cause });
    }
    const ex = this.stack.exports;
    const handle = ex.udp_open();
    if (handle < 0) return moduleError(handle, 'bind', `${address}:${port}`);
    const bound = ex.udp_bind(handle, addr, port);
    if (bound < 0) {
      ex.udp_close(handle);
      return moduleError(bound, 'bind', `${address}:${port}`);
    }
    this.handle = handle;
    this.localAddress = address;
    this.state = 'bound';
    this.stack.afterPoll.add(this.drainHook);
    return null;
  }

  private sendNow(payload: Uint8Array, port: number, address: string): Error | null {
    const target = `${address}:${port}`;
    if (this.state === 'new') {
      // Like Node: sending on an unbound socket binds it to an ephemeral port first.
      const error = this.open(0, '0.0.0.0');
      if (error) return error;
      process.nextTick(() => this.emit('listening'));
    }
    let addr: number;
    try {
      addr = parseIpv4(address);
    } catch (cause) {
      return Object.assign(moduleError(Errno.EINVAL, 'send', target), { cause });
    }
    if (payload.length > this.stack.exports.io_buffer_size()) return moduleError(Errno.EMSGSIZE, 'send', target);
    // The module stamps what it queues (ARP retries, rate limits) with the clock of its last
    // poll, which may be up to an idle interval old; bring it up to now first, as receive() does.
    this.stack.exports.poll(this.stack.clock.now() >>> 0);
    this.stack.writeIo(payload);
    const sent = this.stack.exports.udp_sendto(this.handle, addr, port, payload.length);
    this.stack.kick();
    return sent < 0 ? moduleError(sent, 'send', target) : null;
  }

  /** Reads every queued datagram out of the module and emits it. */
  private drain(): void {
    const ex = this.stack.exports;
    for (let i = 0; i < DRAIN_MAX && this.state === 'bound'; i++) {
      if (ex.udp_pending(this.handle) <= 0) return;
      const len = ex.udp_recvfrom(this.handle);
      if (len === Errno.EAGAIN) return;
      if (len < 0) {
        this.emit('error', moduleError(len, 'recvmsg'));
        return;
      }
      // Copy everything out before emitting: a listener may send, which reuses the io buffer.
      const msg = Buffer.from(this.stack.readIo(len));
      const rinfo: RemoteInfo = { address: formatIpv4(ex.udp_peer_addr()), family: 'IPv4', port: ex.udp_peer_port(), size: len };
      this.emit('message', msg, rinfo);
    }
  }
}

function checkPort(port: unknown, allowZero: boolean): number {
  const value = Number(port);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) {
    throw Object.assign(new RangeError(`Port should be ${allowZero ? '>= 0' : '> 0'} and < 65536. Received ${String(port)}.`), {
      code: 'ERR_SOCKET_BAD_PORT',
    });
  }
  return value;
}

/** Like dgram.createSocket('udp4', listener): an unbound UDP socket on this stack. */
export function createSocket(stack: Stack, onMessage?: (msg: Buffer, rinfo: RemoteInfo) => void): UdpSocket {
  const socket = new UdpSocket(stack);
  if (onMessage) socket.on('message', onMessage);
  return socket;
}
