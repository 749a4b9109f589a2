// A Linux TAP device as a Nic: frames in from a Worker reading the fd (tap-worker.ts, through a
// shared ring), frames out with write() from the main thread. `net.Socket` cannot wrap a TAP fd
// and libuv's thread pool costs a round trip per frame, hence koffi + a worker.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Nic } from '../runtime.ts';
import { O_RDWR, libc } from './libc.ts';
import type { TapWorkerData } from './tap-worker.ts';
import { DROPS, READS, RingReader, STOP, WRITE, ringBytes } from './tap-ring.ts';

const TUNSETIFF = 0x400454ca;
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
const O_CLOEXEC = 0x80000;
const IFREQ_BYTES = 40;
const IFNAMSIZ = 16;
const ENOENT = 2;
const EPERM = 1;
const EACCES = 13;
const EBUSY = 16;
/** Frames handed to the stack per event-loop turn, so timers and signals still get a turn. */
const DRAIN_MAX = 256;

export interface TapStats {
  framesIn: number;
  framesOut: number;
  /** Frames the kernel gave us that the ring had no room for. */
  dropsRingFull: number;
  /** write() failures (the kernel refused the frame, e.g. link down). */
  dropsWrite: number;
}

// Atomics.waitAsync is in Node 20 (V8) but only in TypeScript's es2024 lib.
type WaitAsync = (array: Int32Array, index: number, value: number) => { async: boolean; value: unknown };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

/** Where the worker's code is: next to the bundle (build/tap-worker.mjs) or beside this source. */
function workerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'tap-worker.mjs'), join(here, 'tap-worker.ts'), join(here, 'nic', 'tap-worker.ts')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`netstack: tap worker not found (looked for ${candidates.join(', ')}); run \`npm run build\``);
  return found;
}

/**
 * Starts the worker. From source (run under tsx), a worker does not inherit tsx's loader in
 * Node 20, so a two-line bootstrap registers tsx in the worker before importing the .ts file.
 */
function startWorker(workerData: TapWorkerData): Worker {
  const path = workerPath();
  if (!path.endsWith('.ts')) return new Worker(path, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(path).href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export function validTapName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

function openError(name: string, call: string, errno: number): Error {
  const c = libc();
  const reason = `${c.strerror(errno)} (errno ${errno})`;
  if (errno === ENOENT) return new Error(`netstack: /dev/net/tun is missing: ${reason}; load the tun module (modprobe tun)`);
  if (errno === EPERM || errno === EACCES) {
    return new Error(`netstack: cannot create TAP ${name}: ${reason}; run as root, or inside a namespace you own`);
  }
  if (errno === EBUSY) return new Error(`netstack: TAP ${name} is already in use by another process`);
  return new Error(`netstack: cannot create TAP ${name}: ${call}: ${reason}`);
}

/** Creates (or attaches to) TAP `name` in the current network namespace. */
export async function openTap(name: string): Promise<TapNic> {
  if (!validTapName(name)) throw new Error(`netstack: invalid TAP name "${name}" (1-15 of A-Z a-z 0-9 _ . -)`);
  if (!existsSync('/dev/net/tun')) {
    throw new Error('netstack: /dev/net/tun is missing; load the tun module (modprobe tun), or run where TUN/TAP is available');
  }
  const c = libc();
  const fd = c.open('/dev/net/tun', O_RDWR | O_CLOEXEC);
  if (fd < 0) throw openError(name, 'open(/dev/net/tun)', c.errno());
  const ifreq = new Uint8Array(IFREQ_BYTES);
  ifreq.set(new TextEncoder().encode(name).subarray(0, IFNAMSIZ - 1));
  new DataView(ifreq.buffer).setUint16(IFNAMSIZ, IFF_TAP | IFF_NO_PI, true);
  if (c.ioctl(fd, TUNSETIFF, ifreq) < 0) {
    const errno = c.errno();
    c.close(fd);
    throw openError(name, 'ioctl(TUNSETIFF)', errno);
  }
  const nic = new TapNic(name, fd);
  await nic.ready;
  return nic;
}

export class TapNic implements Nic {
  readonly name: string;
  onFrame: ((frame: Uint8Array) => void) | null = null;
  /** Called when the worker fails (the link is then dead); default: log to stderr. */
  onError: (error: Error) => void = (error) => process.stderr.write(`${error.message}\n`);
  /** Resolves once the worker runs. */
  readonly ready: Promise<void>;
  /** Resolves once the worker has stopped and the fd is closed. */
  readonly closed: Promise<void>;
  private fd: number;
  private readonly ring: RingReader;
  private readonly worker: Worker;
  private framesIn = 0;
  private framesOut = 0;
  private dropsWrite = 0;
  private closing = false;

  constructor(name: string, fd: number) {
    this.name = name;
    this.fd = fd;
    const buffer = new SharedArrayBuffer(ringBytes());
    this.ring = new RingReader(buffer);
    this.worker = startWorker({ fd, ring: buffer });
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error) this.onError(new Error(`netstack: TAP ${name}: ${message.error}`));
    });
    this.worker.on('error', (error) => this.onError(error));
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('online', resolve);
      this.worker.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      this.worker.once('exit', () => {
        libc().close(this.fd);
        this.fd = -1;
        resolve();
      });
    });
    this.wait();
  }

  send(frame: Uint8Array): void {
    if (this.fd < 0 || this.closing) return;
    if (libc().write(this.fd, frame, frame.length) === frame.length) this.framesOut++;
    else this.dropsWrite++;
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    Atomics.store(this.ring.control, STOP, 1);
    // Wakes our own pending waitAsync so it stops holding the event loop.
    Atomics.notify(this.ring.control, WRITE);
  }

  stats(): TapStats {
    return {
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      dropsRingFull: Atomics.load(this.ring.control, DROPS),
      dropsWrite: this.dropsWrite,
    };
  }

  /** Frames the worker has read (delivered or dropped); for benchmarks. */
  readsByWorker(): number {
    return Atomics.load(this.ring.control, READS) >>> 0;
  }

  private readonly deliver = (frame: Uint8Array) => {
    this.framesIn++;
    // A view of the ring slot, reused once we return: the Nic contract says keepers copy
    // (the stack copies into module memory, a fault delay copies what it holds back).
    this.onFrame?.(frame);
  };

  /** Drains the ring, then sleeps on the WRITE counter until the worker publishes more. */
  private wait(): void {
    if (this.closing) return;
    const drained = this.ring.drain(this.deliver, DRAIN_MAX);
    if (drained === DRAIN_MAX) {
      setImmediate(() => this.wait());
      return;
    }
    const seen = Atomics.load(this.ring.control, WRITE);
    if (!this.ring.empty()) return void setImmediate(() => this.wait());
    const result = waitAsync(this.ring.control, WRITE, seen);
    if (result.async) (result.value as Promise<string>).then(() => this.wait());
    else setImmediate(() => this.wait());
  }
}
