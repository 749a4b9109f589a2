// A Linux-side UDP listener for the fragmentation suites, run with `node -e` inside a
// namespace: prints "ready", then "<length> <sha256> <source>" per datagram; exits after
// `count` datagrams or `timeoutMs`.
import { createHash } from 'node:crypto';

export function listenerScript(port: number, count: number, timeoutMs: number): string {
  return `const s = require('node:dgram').createSocket('udp4'); let n = 0;
s.on('message', (m, r) => { console.log(m.length, require('node:crypto').createHash('sha256').update(m).digest('hex'), r.address); if (++n >= ${count}) process.exit(0); });
s.bind(${port}, () => console.log('ready'));
setTimeout(() => process.exit(3), ${timeoutMs});`;
}

/** A script sending one datagram of `bytes` of pattern to addr:port from Linux. */
export function senderScript(addr: string, port: number, bytes: number): string {
  return `const s = require('node:dgram').createSocket('udp4');
const b = Buffer.from(Array.from({ length: ${bytes} }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
s.send(b, ${port}, '${addr}', (e) => { if (e) { console.error(e.message); process.exit(1); } s.close(); });`;
}

/** The bytes both scripts and helpers/udp-sender.ts send. */
export function udpPattern(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
