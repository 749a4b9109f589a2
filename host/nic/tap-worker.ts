// Reads frames from a TAP fd on its own thread. A blocking read loop on a thread of its own is
// several times faster than libuv's thread pool (one pool round trip per frame); frames land
// directly in the shared ring (see tap-ring.ts), so the main thread copies nothing extra.
//
// The fd is non-blocking and the loop sleeps in poll() with a short timeout, so the main
// thread can stop it by setting STOP: the worker then returns and the main thread closes the
// fd (closing it under a blocked read() would race with the fd number being reused).
import { parentPort, workerData } from 'node:worker_threads';
import { EAGAIN, EINTR, F_GETFL, F_SETFL, O_NONBLOCK, POLLIN, libc } from './libc.ts';
import { DROPS, FRAME_MAX, READS, RingWriter, STOP } from './tap-ring.ts';

export interface TapWorkerData {
  fd: number;
  ring: SharedArrayBuffer;
}

const POLL_TIMEOUT_MS = 100;
/** Frames read per wake-up before checking STOP again. */
const BURST_MAX = 1024;

function run({ fd, ring }: TapWorkerData): void {
  const c = libc();
  const writer = new RingWriter(ring);
  const control = writer.control;
  const scratch = new Uint8Array(FRAME_MAX);
  const pollfd = new Uint8Array(8);
  new DataView(pollfd.buffer).setInt32(0, fd, true);
  new DataView(pollfd.buffer).setInt16(4, POLLIN, true);

  const flags = c.fcntl(fd, F_GETFL, 0);
  if (flags < 0 || c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail('fcntl', c.errno());

  while (Atomics.load(control, STOP) === 0) {
    const ready = c.poll(pollfd, 1, POLL_TIMEOUT_MS);
    if (ready < 0) {
      const errno = c.errno();
      if (errno === EINTR) continue;
      return fail('poll', errno);
    }
    for (let i = 0; ready > 0 && i < BURST_MAX; i++) {
      const slot = writer.reserve();
      const target = slot ?? scratch;
      const length = c.read(fd, target, target.length);
      if (length < 0) {
        const errno = c.errno();
        if (errno === EAGAIN) break;
        if (errno === EINTR) continue;
        return fail('read', errno);
      }
      Atomics.add(control, READS, 1);
      if (slot) writer.commit(Math.min(length, FRAME_MAX));
      else Atomics.add(control, DROPS, 1);
    }
  }
}

function fail(call: string, errno: number): void {
  parentPort!.postMessage({ error: `${call}() on the TAP failed: ${libc().strerror(errno)} (errno ${errno})` });
}

run(workerData as TapWorkerData);
