// Child process of the TCP TAP benchmark, run with `ip netns exec` in the benchmark's
// namespace: a kernel TCP socket client. Every mode is bounded in bytes or count and in time.
// Prints one JSON line.
//
// Usage:
//   tcp-client.ts push ADDR PORT BYTES MAX_SECONDS
//     Writes BYTES (or as much as MAX_SECONDS allow) into a discard port. The clock stops when
//     the server has acknowledged every byte: the kernel's unacknowledged count for the socket
//     (tx_queue in /proc/net/tcp, write_seq - snd_una) is 0. At MAX_SECONDS the acknowledged
//     part counts. Then we close our side and wait a little for the server's FIN (reported as
//     serverFin); without one we reset the connection, so the server's slot is released.
//   tcp-client.ts pull ADDR PORT BYTES MAX_SECONDS
//     Reads BYTES (or for MAX_SECONDS) from a chargen port; seconds = connect .. the last
//     byte counted. Then resets the connection (chargen would go on sending).
//   tcp-client.ts connect ADDR PORT MAX_COUNT MAX_SECONDS fin|rst
//     Connections one after another to an echo port: connect, send 1 byte, read it back, then
//     fin: close (we close first, so TIME-WAIT is on this side) and wait for the server's FIN;
//          a connection without it 1 s after ours is reset and counted as stalled; 3 stalls end it.
//     rst: abort with a RST at once (no FIN exchange, no TIME-WAIT anywhere).
import { readFileSync } from 'node:fs';
import net from 'node:net';

const [mode, addr, portText, countText, secondsText, teardown] = process.argv.slice(2);
const port = Number(portText);
const limit = Number(countText);
const maxMs = Number(secondsText) * 1000;
/** How long we wait for the server's FIN after ours was acknowledged. */
const FIN_WAIT_MS = 500;
const CHUNK = Buffer.alloc(1 << 20, 0x61);
const TCP_STATES = ['?', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING'];

const print = (result: object) => process.stdout.write(`${JSON.stringify(result)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Our socket's row in /proc/net/tcp (this namespace's table): state and unacknowledged bytes. */
function kernelView(localPort: number): { state: string; unacked: number } | null {
  const hex = localPort.toString(16).toUpperCase().padStart(4, '0');
  const remote = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !f[1].endsWith(`:${hex}`) || !f[2].endsWith(`:${remote}`)) continue;
    return { state: TCP_STATES[parseInt(f[3], 16)] ?? f[3], unacked: parseInt(f[4].split(':')[0], 16) };
  }
  return null;
}

async function push(): Promise<object> {
  const socket = net.connect({ host: addr, port, noDelay: true });
  let error = '';
  let serverFin = false;
  socket.on('error', (e) => (error = e.message));
  socket.on('data', () => {}); // discard sends nothing; read so 'end' can come
  socket.on('end', () => (serverFin = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  }).catch(() => {});
  if (error) return { bytes: 0, seconds: 0, complete: false, error };
  const start = performance.now();
  const localPort = socket.localPort!;
  let written = 0;
  // Write until the byte count or the time bound, as fast as the socket takes it.
  while (written < limit && performance.now() - start < maxMs && !error) {
    const n = Math.min(CHUNK.length, limit - written);
    written += n;
    if (!socket.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        setTimeout(resolve, Math.max(1, maxMs - (performance.now() - start))).unref();
      });
    }
  }
  // Everything written: wait (polling the kernel's view) until the server acknowledged it all.
  let acked = 0;
  let seconds = 0;
  for (;;) {
    const now = performance.now();
    const view = kernelView(localPort);
    const unacked = view ? view.unacked + socket.writableLength : 0;
    if (!view || unacked === 0 || now - start >= maxMs || error) {
      acked = written - unacked;
      seconds = (now - start) / 1000;
      break;
    }
    await sleep(1);
  }
  const complete = acked === limit;
  socket.end();
  const finBy = performance.now() + FIN_WAIT_MS;
  while (!serverFin && !error && performance.now() < finBy) await sleep(5);
  const finalState = kernelView(localPort)?.state ?? 'gone';
  if (!serverFin) socket.resetAndDestroy();
  else socket.destroy();
  return { bytes: acked, written, seconds, complete, serverFin, stateAfterOurFin: finalState, error };
}

function pull(): Promise<object> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr, port });
    let start = 0;
    let got = 0;
    let error = '';
    let over = false;
    const stop = () => {
      if (over) return;
      over = true;
      const seconds = start ? (performance.now() - start) / 1000 : 0;
      // chargen never stops on its own: a RST ends it (and releases the server's slot).
      socket.resetAndDestroy();
      resolve({ bytes: got, seconds, complete: got >= limit, error });
    };
    socket.on('connect', () => {
      start = performance.now();
      setTimeout(stop, maxMs).unref();
    });
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= limit) stop();
    });
    socket.on('end', () => ((error ||= 'server closed'), stop()));
    socket.on('error', (e) => ((error ||= e.message), stop()));
  });
}

async function connectLoop(): Promise<object> {
  const graceful = teardown !== 'rst';
  const start = performance.now();
  let done = 0;
  let stalled = 0;
  let errors = 0;
  const messages = new Set<string>();
  const stallStates = new Map<string, number>();
  while (done + errors + stalled < limit && performance.now() - start < maxMs && stalled < 3) {
    const socket = net.connect({ host: addr, port, noDelay: true });
    let echoed = false;
    const result = await new Promise<'ok' | 'error' | 'stalled'>((resolve) => {
      let watchdog = setTimeout(() => resolve('stalled'), 2_000);
      socket.on('error', (e) => messages.add(e.message));
      socket.on('connect', () => socket.write('x'));
      socket.on('data', () => {
        if (echoed) return;
        echoed = true;
        if (graceful) {
          socket.end();
          // The server's FIN ends it ('close'); without one within 1 s, it counts as stalled.
          // (No polling meanwhile: /proc/net/tcp grows with every TIME-WAIT we leave behind.)
          clearTimeout(watchdog);
          watchdog = setTimeout(() => {
            const state = kernelView(socket.localPort ?? 0)?.state ?? 'gone';
            stallStates.set(state, (stallStates.get(state) ?? 0) + 1);
            resolve('stalled');
          }, 1_000);
        } else {
          socket.resetAndDestroy();
        }
      });
      socket.on('close', () => {
        clearTimeout(watchdog);
        resolve(echoed ? 'ok' : 'error');
      });
    });
    if (result === 'ok') done++;
    else if (result === 'error') errors++;
    else {
      stalled++;
      // Release the server's slot, as an application would after a timeout.
      socket.resetAndDestroy();
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { connections: done, perSecond: done / seconds, errors, stalled, stallStates: Object.fromEntries(stallStates), seconds, teardown: graceful ? 'fin' : 'rst', messages: [...messages] };
}

const hardStop = setTimeout(() => {
  print({ error: 'hard time limit' });
  process.exit(1);
}, maxMs + 15_000);
hardStop.unref();

if (mode === 'push') print(await push());
else if (mode === 'pull') print(await pull());
else if (mode === 'connect') print(await connectLoop());
else {
  process.stderr.write(`tcp-client: unknown mode ${mode}\n`);
  process.exit(2);
}
process.exit(0);
