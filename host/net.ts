// TCP on a Stack, shaped like Node's `net` so code written for Node ports over:
//
//   const server = createServer(stack, (socket) => socket.pipe(socket));
//   server.listen(7);
//   const socket = connect(stack, { host: '192.0.2.1', port: 7 }, () => socket.end('hi'));
//
// The module owns the connections; a Socket keeps only its handle. Everything is driven from
// a stack.afterPoll hook (which runs after the module returns from poll/rx, so listeners may
// call back into the module): it reads tcp_events and moves bytes through the io buffer.
//
// Back-pressure both ways. Writing: _write hands the module only what tcp_send accepts and
// calls back once the whole chunk is taken, so a full send ring holds the writer. Reading:
// bytes are pulled from the module only while push() has room; otherwise they stay in the
// module's receive ring, its advertised window closes and the peer slows down; _read resumes.
import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { Errno, TcpEvent, TcpStateName } from './abi.ts';
import { formatIpv4, parseIpv4 } from './addr.ts';
import { moduleError, type AddressInfo, type NetstackError } from './api.ts';
import type { Stack } from './runtime.ts';

const TCP_DESCRIPTIONS: Record<string, string> = {
  EAGAIN: 'nothing to do yet',
  EMFILE: 'every TCP connection slot of this build is in use',
  EADDRINUSE: 'the port is already listened on',
  EISCONN: 'the socket is already connected or listening',
  ENOTCONN: 'the connection is not open',
  EPIPE: 'this side already shut down sending',
  ECONNREFUSED: 'the peer refused the connection (RST)',
  ECONNRESET: 'the peer reset the connection (RST)',
  ETIMEDOUT: 'the peer stopped answering',
};

/** moduleError (api.ts) with TCP's wording for the codes TCP adds. */
function tcpError(errno: number, syscall: string, target?: string): NetstackError {
  const error = moduleError(errno, syscall, target);
  const description = TCP_DESCRIPTIONS[error.code];
  if (description) error.message = `${syscall} ${error.code}${target ? ` ${target}` : ''} (${description})`;
  return error;
}

/** Upper bound on tcp_recv calls per hook run, so a misbehaving module cannot spin the host. */
const PULL_MAX = 1024;

export interface SocketOptions {
  /** Keep writing after the peer's FIN (default false: end our side too, as Node does). */
  allowHalfOpen?: boolean;
}

export interface TcpConnectOptions extends SocketOptions {
  host: string;
  port: number;
  noDelay?: boolean;
  keepAlive?: boolean;
}

interface PendingWrite {
  data: Uint8Array;
  taken: number;
  callback: (error?: Error | null) => void;
}

export class Socket extends Duplex {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localPort: number | undefined;
  connecting = false;
  bytesRead = 0;
  bytesWritten = 0;
  private handle = -1;
  private writing: PendingWrite | null = null;
  /** push() still has room: keep taking bytes out of the module. */
  private pulling = true;
  private eofPushed = false;
  private resetRequested = false;
  private readonly hook = () => this.service();

  /** handle: an accepted connection (internal; use connect() or a Server). */
  constructor(
    private readonly stack: Stack,
    options: SocketOptions & { handle?: number } = {},
  ) {
    // 'close' is emitted by _destroy, with Node's hadError argument (net.Socket does the same).
    super({ allowHalfOpen: options.allowHalfOpen ?? false, emitClose: false });
    if (options.handle !== undefined) this.adopt(options.handle);
  }

  /** Active open; 'connect' follows once the handshake completes, or 'error'. */
  connect(options: TcpConnectOptions, listener?: () => void): this {
    if (this.handle >= 0 || this.destroyed) throw Object.assign(new Error('Socket is already connected'), { code: 'ERR_SOCKET_CONNECTED' });
    const port = checkPort(options.port);
    const target = `${options.host}:${port}`;
    if (listener) this.once('connect', listener);
    const ex = this.stack.exports;
    let addr: number;
    try {
      addr = parseIpv4(options.host);
    } catch (cause) {
      return this.failSoon(Object.assign(tcpError(Errno.EINVAL, 'connect', target), { cause }));
    }
    const handle = ex.tcp_open();
    if (handle < 0) return this.failSoon(tcpError(handle, 'connect', target));
    this.sync();
    const started = ex.tcp_connect(handle, addr, port);
    if (started < 0) {
      ex.tcp_close(handle);
      return this.failSoon(tcpError(started, 'connect', target));
    }
    this.handle = handle;
    this.connecting = true;
    this.remoteAddress = options.host;
    this.remotePort = port;
    this.localPort = ex.tcp_local_port(handle);
    if (options.noDelay) ex.tcp_set_nodelay(handle, 1);
    if (options.keepAlive) ex.tcp_set_keepalive(handle, 1);
    this.stack.afterPoll.add(this.hook);
    this.stack.kick();
    return this;
  }

  setNoDelay(noDelay = true): this {
    if (this.handle >= 0) {
      this.sync();
      this.stack.exports.tcp_set_nodelay(this.handle, noDelay ? 1 : 0);
      this.stack.kick();
    }
    return this;
  }

  /** The idle time and probe count are the module's (config.ts); initialDelay is ignored. */
  setKeepAlive(enable = false, _initialDelay?: number): this {
    if (this.handle >= 0) {
      this.sync();
      this.stack.exports.tcp_set_keepalive(this.handle, enable ? 1 : 0);
      this.stack.kick();
    }
    return this;
  }

  address(): AddressInfo | Record<string, never> {
    return this.localPort === undefined ? {} : { address: '0.0.0.0', family: 'IPv4', port: this.localPort };
  }

  /** Ends the connection with a RST at once (like Node's resetAndDestroy). */
  resetAndDestroy(): this {
    this.resetRequested = true;
    return this.destroy();
  }

  /** The module's state name for this connection (diagnostics), or 'FREE' once released. */
  get tcpState(): string {
    return TcpStateName[this.handle >= 0 ? this.stack.exports.tcp_state(this.handle) : 0] ?? 'FREE';
  }

  // Node's sockets keep the event loop alive unless unref'd; the stack's poll timer does that
  // here, so both are no-ops kept for compatibility.
  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writing = { data: chunk, taken: 0, callback };
    if (this.connecting) return; // flushed on connect
    this.sync();
    this.flush();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.connecting) {
      this.once('connect', () => this._final(callback));
      return;
    }
    if (this.handle < 0) return callback();
    this.sync();
    const result = this.stack.exports.tcp_shutdown(this.handle);
    this.stack.kick();
    callback(result < 0 ? tcpError(result, 'shutdown') : null);
  }

  override _read(): void {
    this.pulling = true;
    if (this.handle < 0 || this.connecting) return;
    this.sync();
    this.pull();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release(error !== null || this.resetRequested);
    const pending = this.writing;
    this.writing = null;
    pending?.callback(error ?? tcpError(Errno.EPIPE, 'write'));
    callback(error);
    process.nextTick(() => this.emit('close', error !== null));
  }

  /** Takes over an accepted connection's handle. */
  private adopt(handle: number): void {
    const ex = this.stack.exports;
    this.handle = handle;
    this.remoteAddress = formatIpv4(ex.tcp_peer_addr(handle));
    this.remotePort = ex.tcp_peer_port(handle);
    this.localPort = ex.tcp_local_port(handle);
    this.stack.afterPoll.add(this.hook);
  }

  /** Gives the handle back: tcp_abort (RST) when failing or reset, else tcp_close (FIN in the background). */
  private release(abort: boolean): void {
    if (this.handle < 0) return;
    this.stack.afterPoll.delete(this.hook);
    this.sync();
    if (abort) this.stack.exports.tcp_abort(this.handle);
    else this.stack.exports.tcp_close(this.handle);
    this.handle = -1;
    this.connecting = false;
    this.stack.kick();
  }

  /** Errors found before a handle exists surface after the caller has attached listeners. */
  private failSoon(error: Error): this {
    process.nextTick(() => this.destroy(error));
    return this;
  }

  /** The module stamps what it queues with the clock of its last poll; bring it up to now. */
  private sync(): void {
    this.stack.exports.poll(this.stack.clock.now() >>> 0);
  }

  /** Runs after every poll and received frame: the module's clock is current here. */
  private service(): void {
    if (this.handle < 0) return;
    const ex = this.stack.exports;
    const events = ex.tcp_events(this.handle);
    if (events & TcpEvent.ERROR) {
      const target = this.connecting ? `${this.remoteAddress}:${this.remotePort}` : undefined;
      this.destroy(tcpError(ex.tcp_error(this.handle), this.connecting ? 'connect' : 'read', target));
      return;
    }
    if (this.connecting) {
      if (!(events & TcpEvent.CONNECTED)) return;
      this.connecting = false;
      this.emit('connect');
      this.emit('ready');
      if (this.handle < 0) return;
    }
    if (this.writing && events & TcpEvent.WRITABLE) this.flush();
    if (this.pulling && events & TcpEvent.READABLE) this.pull();
  }

  /** Hands the pending chunk to the module as far as its send ring takes it. */
  private flush(): void {
    const pending = this.writing;
    if (!pending || this.handle < 0) return;
    const ex = this.stack.exports;
    const ioBytes = ex.io_buffer_size();
    let sent = false;
    while (pending.taken < pending.data.length) {
      const len = Math.min(ioBytes, pending.data.length - pending.taken);
      this.stack.writeIo(pending.data.subarray(pending.taken, pending.taken + len));
      const taken = ex.tcp_send(this.handle, len);
      if (taken === Errno.EAGAIN) break;
      if (taken < 0) {
        this.writing = null;
        pending.callback(tcpError(taken, 'write'));
        return;
      }
      pending.taken += taken;
      this.bytesWritten += taken;
      sent = true;
      if (taken < len) break;
    }
    if (sent) this.stack.kick();
    if (pending.taken === pending.data.length) {
      this.writing = null;
      pending.callback();
    }
  }

  /** Moves received bytes into the stream while it has room; end of stream ends it. */
  private pull(): void {
    const ex = this.stack.exports;
    for (let i = 0; i < PULL_MAX && this.pulling && !this.eofPushed && this.handle >= 0; i++) {
      const len = ex.tcp_recv(this.handle);
      if (len === Errno.EAGAIN) return;
      if (len < 0) {
        this.destroy(tcpError(len, 'read'));
        return;
      }
      if (len === 0) {
        this.eofPushed = true;
        this.push(null);
        return;
      }
      // Copy out before pushing: a 'data' listener may write, which reuses the io buffer.
      const chunk = Buffer.from(this.stack.readIo(len));
      this.bytesRead += len;
      this.pulling = this.push(chunk);
    }
  }
}

export interface ServerOptions {
  /** For accepted sockets (see SocketOptions). */
  allowHalfOpen?: boolean;
}

export interface ListenOptions {
  port: number;
  host?: string;
  backlog?: number;
}

export class Server extends EventEmitter {
  private handle = -1;
  private localAddress = '0.0.0.0';
  private localPort = 0;
  private readonly connections = new Set<Socket>();
  private closing = false;
  private readonly hook = () => this.accept();

  constructor(
    private readonly stack: Stack,
    private readonly options: ServerOptions = {},
  ) {
    super();
  }

  get listening(): boolean {
    return this.handle >= 0;
  }

  /** listen(port[, host][, backlog][, callback]) or listen({ port, host, backlog }[, callback]). */
  listen(port: number | ListenOptions, ...rest: (string | number | (() => void) | undefined)[]): this {
    const callback = typeof rest[rest.length - 1] === 'function' ? (rest.pop() as () => void) : undefined;
    const options: ListenOptions =
      typeof port === 'object' ? port : { port, host: rest.find((a) => typeof a === 'string') as string | undefined, backlog: rest.find((a) => typeof a === 'number') as number | undefined };
    if (this.handle >= 0) throw Object.assign(new Error('Listen method has been called more than once'), { code: 'ERR_SERVER_ALREADY_LISTEN' });
    if (callback) this.once('listening', callback);
    const error = this.open(checkPort(options.port), options.host ?? '0.0.0.0', options.backlog);
    process.nextTick(() => (error ? this.emit('error', error) : this.emit('listening')));
    return this;
  }

  address(): AddressInfo | null {
    return this.handle >= 0 ? { address: this.localAddress, family: 'IPv4', port: this.localPort } : null;
  }

  /** Stops accepting (unaccepted connections are reset); 'close' follows once every accepted socket has closed. */
  close(callback?: (error?: Error) => void): this {
    if (this.handle < 0) {
      const error = Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' });
      if (callback) process.nextTick(() => callback(error));
      return this;
    }
    if (callback) this.once('close', callback);
    this.stack.afterPoll.delete(this.hook);
    this.stack.exports.poll(this.stack.clock.now() >>> 0);
    this.stack.exports.tcp_close(this.handle);
    this.stack.kick();
    this.handle = -1;
    this.closing = true;
    this.closeIfIdle();
    return this;
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(() => callback(null, this.connections.size));
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private open(port: number, host: string, backlog?: number): Error | null {
    const target = `${host}:${port}`;
    let addr: number;
    try {
      addr = parseIpv4(host);
    } catch (cause) {
      return Object.assign(tcpError(Errno.EINVAL, 'listen', target), { cause });
    }
    const ex = this.stack.exports;
    const handle = ex.tcp_open();
    if (handle < 0) return tcpError(handle, 'listen', target);
    const result = ex.tcp_listen(handle, addr, port, backlog ?? ex.tcp_capacity());
    if (result < 0) {
      ex.tcp_close(handle);
      return tcpError(result, 'listen', target);
    }
    this.handle = handle;
    this.localAddress = host;
    this.localPort = port;
    this.stack.afterPoll.add(this.hook);
    return null;
  }

  private accept(): void {
    const ex = this.stack.exports;
    while (this.handle >= 0 && ex.tcp_events(this.handle) & TcpEvent.ACCEPTABLE) {
      const handle = ex.tcp_accept(this.handle);
      if (handle < 0) return;
      const socket = new Socket(this.stack, { handle, allowHalfOpen: this.options.allowHalfOpen });
      this.connections.add(socket);
      socket.once('close', () => {
        this.connections.delete(socket);
        this.closeIfIdle();
      });
      this.emit('connection', socket);
    }
  }

  private closeIfIdle(): void {
    if (!this.closing || this.connections.size > 0) return;
    this.closing = false;
    process.nextTick(() => this.emit('close'));
  }
}

function checkPort(port: unknown): number {
  const value = Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw Object.assign(new RangeError(`Port should be > 0 and < 65536. Received ${String(port)}.`), { code: 'ERR_SOCKET_BAD_PORT' });
  }
  return value;
}

/** Like net.connect({ host, port }, listener): a Socket whose handshake is under way. */
export function connect(stack: Stack, options: TcpConnectOptions, listener?: () => void): Socket {
  return new Socket(stack, options).connect(options, listener);
}

export const createConnection = connect;

/** Like net.createServer(listener): call listen() to start accepting. */
export function createServer(stack: Stack, connectionListener?: (socket: Socket) => void): Server;
export function createServer(stack: Stack, options: ServerOptions, connectionListener?: (socket: Socket) => void): Server;
export function createServer(
  stack: Stack,
  options?: ServerOptions | ((socket: Socket) => void),
  connectionListener?: (socket: Socket) => void,
): Server {
  if (typeof options === 'function') [connectionListener, options] = [options, {}];
  const server = new Server(stack, options ?? {});
  if (connectionListener) server.on('connection', connectionListener);
  return server;
}
