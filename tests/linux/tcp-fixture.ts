// Shared by the tcp-*.test.ts suites: clients run inside the suite's namespace (never in the
// root namespace), their output hashed as it streams (100 MB never sits in memory), every run
// bounded in time and ended by PID; and the byte patterns the module's services produce,
// recomputed here so a transfer can be checked by length and SHA-256.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Netns } from './netns-fixture.ts';

export interface StreamResult {
  status: number | null;
  /** Bytes on stdout, and their SHA-256 (hex). */
  bytes: number;
  sha256: string;
  /** The first bytes of stdout (up to 64 KiB), for messages and small bodies. */
  head: string;
  stderr: string;
  elapsedMs: number;
  timedOut: boolean;
}

const HEAD_BYTES = 65_536;

/**
 * Runs command inside netns; stdout is counted and hashed, not kept. stdinBytes, if given, are
 * fed by a generator (fill(offset, chunk)) so large uploads are not held in memory either.
 */
export function runStreaming(
  netns: Netns,
  command: string,
  args: string[],
  { timeoutMs, stdinBytes, fill, input }: { timeoutMs: number; stdinBytes?: number; fill?: (offset: number, chunk: Buffer) => void; input?: string },
): Promise<StreamResult> {
  const started = Date.now();
  const child = spawn('ip', ['netns', 'exec', netns.name, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const hash = createHash('sha256');
  let bytes = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let stderr = '';
  let timedOut = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    if (headBytes < HEAD_BYTES) {
      head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
      headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
    }
  });
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdin!.on('error', () => {}); // the command may exit before reading everything
  if (stdinBytes !== undefined) feed(child, stdinBytes, fill ?? ((_, chunk) => chunk.fill(0)));
  else child.stdin!.end(input ?? '');
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status, bytes, sha256: hash.digest('hex'), head: Buffer.concat(head).toString('latin1'), stderr,
        elapsedMs: Date.now() - started, timedOut,
      });
    });
  });
}

function feed(child: ChildProcess, total: number, fill: (offset: number, chunk: Buffer) => void): void {
  const chunk = Buffer.alloc(65_536);
  let offset = 0;
  const stdin = child.stdin!;
  const pump = () => {
    while (offset < total) {
      const n = Math.min(chunk.length, total - offset);
      const piece = Buffer.from(chunk.subarray(0, n));
      fill(offset, piece);
      offset += n;
      if (!stdin.write(piece)) {
        stdin.once('drain', pump);
        return;
      }
    }
    stdin.end();
  };
  pump();
}

/** sha256 of `bytes` bytes produced in chunks by fill(offset, chunk). */
export function sha256Of(bytes: number, fill: (offset: number, chunk: Buffer) => void): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  for (let offset = 0; offset < bytes; ) {
    const n = Math.min(chunk.length, bytes - offset);
    const piece = chunk.subarray(0, n);
    fill(offset, piece);
    hash.update(piece);
    offset += n;
  }
  return hash.digest('hex');
}

const FILL = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST');

/**
 * The body of GET /bytes/N (app/http.ts PATTERN): 64-byte lines, each the line's starting
 * offset as 16 hex digits, a space, FILL and "\n". fill() writes the bytes at offset.
 */
export function httpPattern(offset: number, chunk: Buffer): void {
  // Whole lines from the first line touching offset, then cut to the chunk.
  const first = Math.floor(offset / 64) * 64;
  const line = Buffer.alloc(64);
  for (let start = first, at = 0; at < chunk.length; start += 64) {
    line.write(start.toString(16).padStart(16, '0'), 0, 'latin1');
    line[16] = 32;
    FILL.copy(line, 17);
    line[63] = 10;
    const skip = start < offset ? offset - start : 0;
    at += line.copy(chunk, at, skip);
  }
}

/** RFC 864 character generator (app/tcp_services.ts pattern_byte): 72 characters and CRLF a line, each line starting one later. */
const CHARGEN_PERIOD = 95 * 74;
const chargenBlock = (() => {
  const block = Buffer.alloc(CHARGEN_PERIOD);
  for (let n = 0; n < CHARGEN_PERIOD; n++) {
    const line = Math.floor(n / 74);
    const column = n % 74;
    block[n] = column === 72 ? 13 : column === 73 ? 10 : 32 + ((line + column) % 95);
  }
  return block;
})();

export function chargenPattern(offset: number, chunk: Buffer): void {
  for (let at = 0; at < chunk.length; ) {
    const from = (offset + at) % CHARGEN_PERIOD;
    at += chargenBlock.copy(chunk, at, from);
  }
}

/** A deterministic upload without a short period: a hash of each byte's offset. */
export function noisePattern(offset: number, chunk: Buffer): void {
  for (let i = 0; i < chunk.length; i++) {
    let x = Math.imul(offset + i, 0x9e3779b1);
    x ^= x >>> 15;
    x = Math.imul(x, 0x85ebca6b);
    chunk[i] = (x >>> 13) & 0xff;
  }
}

/**
 * A TCP connection held open by a socat inside the namespace: write, wait for bytes, close.
 * Ended by PID in close() (and by Netns.destroy() as a last resort).
 */
export class HeldConnection {
  private readonly child: ChildProcess;
  private received = '';
  private stderrText = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(netns: Netns, target: string) {
    this.child = spawn('ip', ['netns', 'exec', netns.name, 'socat', '-T', '30', '-', target], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => {});
    this.child.stdout!.on('data', (chunk) => {
      this.received += chunk.toString('latin1');
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr!.on('data', (chunk) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => {
      for (const wake of this.waiters.splice(0)) wake();
      resolve(code);
    }));
  }

  get stderr(): string {
    return this.stderrText;
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Waits for one whole response with a Content-Length (head and body). */
  waitForResponse(timeoutMs: number): Promise<string> {
    return this.waitFor((text) => {
      const end = text.indexOf('\r\n\r\n');
      const length = /\r\nContent-Length: (\d+)\r\n/i.exec(text.slice(0, end + 2));
      return end >= 0 && length !== null && text.length >= end + 4 + Number(length[1]);
    }, timeoutMs);
  }

  /** Waits until what was received matches (or the process ended, or timeoutMs passed). */
  async waitFor(pattern: RegExp | ((received: string) => boolean), timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const done = typeof pattern === 'function' ? pattern : (text: string) => pattern.test(text);
    while (!done(this.received) && this.child.exitCode === null && this.child.signalCode === null && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  take(): string {
    const text = this.received;
    this.received = '';
    return text;
  }

  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    const timeout = new Promise((resolve) => setTimeout(resolve, 3_000).unref());
    await Promise.race([this.exited, timeout]);
    if (this.running()) this.child.kill('SIGKILL');
    await this.exited;
  }
}
