// The control channel of a running `netstack up`: a Unix socket (mode 0600) on which other
// `netstack` commands ask for a ping, a traceroute or a listing.
//
// Protocol: the client sends one request as a JSON line, the server answers with JSON lines
// and closes:
//   {"cmd":"ping","addr":"192.0.2.1","count":3,"size":56,"ttl":64,"intervalMs":1000,"timeoutMs":1000}
//     -> {"event":"probe",...ProbeResult} per probe, then {"event":"done",...PingReport}
//   {"cmd":"traceroute","addr":"192.0.2.1","maxHops":30,"probes":3,"timeoutMs":1000}
//     -> {"event":"hop",...Hop} per hop, then {"event":"done",...TracerouteReport}
//   {"cmd":"show","what":"arp"}  -> {"event":"done","text":"..."}
// Any failure: {"event":"error","message":"..."}.
//
// Path: --control PATH, else <dir>/<tap name>.sock with dir $XDG_RUNTIME_DIR/netstack when
// XDG_RUNTIME_DIR is set, else /run/netstack (created 0700).
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { SHOW, type ShowContext } from './show.ts';

/** Longest request line accepted, and how long a client may take to send it. */
const REQUEST_BYTES_MAX = 4096;
const REQUEST_TIMEOUT_MS = 5_000;
/** Clients served at once (each may run a ping). */
const CLIENTS_MAX = 8;

export type ControlRequest =
  | { cmd: 'ping'; addr: string; count?: number; size?: number; ttl?: number; intervalMs?: number; timeoutMs?: number }
  | { cmd: 'traceroute'; addr: string; maxHops?: number; probes?: number; timeoutMs?: number }
  | { cmd: 'show'; what: string };

export type ControlEvent = { event: string; [key: string]: unknown };

export function defaultControlPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'netstack') : '/run/netstack';
  return join(dir, `${name}.sock`);
}

async function serve(context: ShowContext, request: ControlRequest, send: (event: ControlEvent) => void): Promise<void> {
  const { stack } = context;
  if (request.cmd === 'show') {
    const show = SHOW[request.what];
    if (!show) throw new Error(`show: unknown listing "${request.what}" (one of ${Object.keys(SHOW).join(', ')})`);
    send({ event: 'done', text: show(context) });
  } else if (request.cmd === 'ping') {
    const max = stack.exports.probe_payload_max();
    if (request.size !== undefined && request.size > max) throw new Error(`ping: size ${request.size} above this stack's maximum ${max}`);
    const report = await stack.ping(request.addr, { ...request, onProbe: (r) => send({ event: 'probe', ...r }) });
    send({ event: 'done', ...report });
  } else if (request.cmd === 'traceroute') {
    const report = await stack.traceroute(request.addr, { ...request, onHop: (hop) => send({ event: 'hop', ...hop }) });
    send({ event: 'done', ...report });
  } else {
    throw new Error(`unknown request "${(request as { cmd: unknown }).cmd}"`);
  }
}

function handle(context: ShowContext, socket: Socket): void {
  let buffer = '';
  let started = false;
  const send = (event: ControlEvent) => socket.writable && socket.write(`${JSON.stringify(event)}\n`);
  socket.setEncoding('utf8');
  socket.setTimeout(REQUEST_TIMEOUT_MS, () => !started && socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    if (started) return;
    buffer += chunk;
    const newline = buffer.indexOf('\n');
    if (newline < 0) {
      if (buffer.length > REQUEST_BYTES_MAX) socket.destroy();
      return;
    }
    started = true;
    socket.setTimeout(0);
    let request: ControlRequest;
    try {
      request = JSON.parse(buffer.slice(0, newline));
    } catch {
      send({ event: 'error', message: 'request is not JSON' });
      socket.end();
      return;
    }
    serve(context, request, send)
      .catch((error: Error) => send({ event: 'error', message: error.message.replace(/^netstack: /, '') }))
      .finally(() => socket.end());
  });
}

/** Serves context.stack on path (0600); a stale socket file is replaced, a live one is an error. */
export async function listenControl(context: ShowContext, path: string): Promise<{ close(): void }> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (await answers(path)) throw new Error(`another netstack answers on ${path}`);
  try {
    unlinkSync(path);
  } catch {}
  const server: Server = createServer((socket) => handle(context, socket));
  server.maxConnections = CLIENTS_MAX;
  // The socket is born with the umask's mode: no window where others could connect.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  const remove = () => {
    try {
      unlinkSync(path);
    } catch {}
  };
  process.once('exit', remove);
  return {
    close() {
      server.close();
      remove();
      process.off('exit', remove);
    },
  };
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Sends one request; onEvent sees every event line. Rejects with a one-line reason when no
 *  stack listens on path (missing or stale socket). */
export function controlRequest(path: string, request: ControlRequest, onEvent: (event: ControlEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let buffer = '';
    let connected = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line) onEvent(JSON.parse(line));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) return reject(error);
      if (error.code === 'ENOENT') reject(new Error(`no control socket at ${path} (is "netstack up" running?)`));
      else if (error.code === 'ECONNREFUSED') reject(new Error(`stale control socket at ${path}: no netstack is listening`));
      else reject(new Error(`cannot connect to ${path}: ${error.message}`));
    });
    socket.on('close', () => resolve());
  });
}
