// Child process of the TCP TAP benchmark, run with `ip netns exec` in the benchmark's
// namespace: keeps WINDOW full-size UDP datagrams in flight to an echo port and sends a new one
// for every reply, for MAX_SECONDS (after a short warm-up). A window that stays empty for 50 ms
// (everything lost) is refilled and the missing datagrams counted as lost. Prints one JSON line.
//
// Usage: udp-flood.ts ADDR PORT PAYLOAD_BYTES WINDOW MAX_SECONDS
import dgram from 'node:dgram';

const [addr, portText, bytesText, windowText, secondsText] = process.argv.slice(2);
const port = Number(portText);
const payload = Buffer.alloc(Number(bytesText), 0x5a);
const window = Number(windowText);
const maxMs = Number(secondsText) * 1000;
const WARMUP_MS = 500;
const REFILL_AFTER_MS = 50;

const socket = dgram.createSocket('udp4');
// Room for the whole window in both directions, so the kernel itself does not drop.
socket.on('listening', () => {
  socket.setRecvBufferSize(4 << 20);
  socket.setSendBufferSize(4 << 20);
  for (let i = 0; i < window; i++) send();
});

let inFlight = 0;
let replies = 0;
let sent = 0;
let lost = 0;
let lastReply = performance.now();
const began = performance.now();
let start = 0;
let counted = 0;

function send(): void {
  inFlight++;
  sent++;
  socket.send(payload, port, addr);
}

socket.on('message', () => {
  const now = performance.now();
  lastReply = now;
  inFlight--;
  replies++;
  if (!start && now - began >= WARMUP_MS) {
    start = now;
    counted = 0;
  } else if (start) counted++;
  if (start && now - start >= maxMs) return finish(now);
  send();
});

let finished = false;
function finish(now: number): void {
  if (finished) return;
  finished = true;
  clearInterval(watchdog);
  const seconds = start ? (now - start) / 1000 : 0;
  process.stdout.write(`${JSON.stringify({ replies: counted, seconds, perSecond: seconds ? counted / seconds : 0, sent, lost, window, payloadBytes: payload.length })}\n`);
  socket.close();
}

const hardStop = began + WARMUP_MS + maxMs + 3_000;
const watchdog = setInterval(() => {
  const now = performance.now();
  if (now > hardStop) return finish(now);
  if (now - lastReply > REFILL_AFTER_MS) {
    lost += inFlight;
    inFlight = 0;
    lastReply = now;
    for (let i = 0; i < window; i++) send();
  }
}, 10);

socket.bind(0);
