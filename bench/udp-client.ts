// Child process of the TAP benchmark, run with `ip netns exec` in the benchmark's namespace:
// a kernel UDP socket doing stop-and-wait echo requests (send, wait for the reply, repeat).
// Bounded by a request count and a time limit; a reply missing for 100 ms counts as lost and
// the next request goes out. Prints one JSON line.
//
// Usage: udp-client.ts ADDR PORT COUNT MAX_SECONDS PAYLOAD_BYTES
import dgram from 'node:dgram';

const [addr, portText, countText, secondsText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const maxMs = Number(secondsText) * 1000;
const payload = Buffer.alloc(Number(bytesText), 0x5a);
const WARMUP = 200;
const LOST_AFTER_MS = 100;

const socket = dgram.createSocket('udp4');
let done = 0;
let lost = 0;
let sentAt = 0;
let start = 0;
let rttSum = 0;
let rttMin = Infinity;
let rttMax = 0;

function send(): void {
  sentAt = performance.now();
  socket.send(payload, port, addr);
}

let finished = false;
function finish(): void {
  if (finished) return;
  finished = true;
  const seconds = (performance.now() - start) / 1000;
  const n = Math.max(1, done);
  process.stdout.write(`${JSON.stringify({ exchanges: done, lost, seconds, rttMinUs: rttMin * 1000, rttAvgUs: (rttSum / n) * 1000, rttMaxUs: rttMax * 1000 })}\n`);
  socket.close();
  clearInterval(watchdog);
}

let warm = 0;
socket.on('message', () => {
  if (finished) return;
  const now = performance.now();
  if (warm < WARMUP) {
    if (++warm === WARMUP) start = performance.now();
    return send();
  }
  const rtt = now - sentAt;
  rttSum += rtt;
  rttMin = Math.min(rttMin, rtt);
  rttMax = Math.max(rttMax, rtt);
  if (++done >= count || now - start >= maxMs) return finish();
  send();
});

// One coarse timer rather than one per request: re-sends after a loss and enforces the bound.
const hardStop = performance.now() + maxMs + 5_000;
const watchdog = setInterval(() => {
  const now = performance.now();
  if (now > hardStop) return finish();
  if (now - sentAt > LOST_AFTER_MS) {
    if (warm >= WARMUP) lost++;
    send();
  }
}, 20);

send();
