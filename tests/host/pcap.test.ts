// The capture file must be byte-exact classic libpcap, readable by tcpdump while it grows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PcapWriter, pcapFileHeader, pcapRecord, withPcap } from '../../host/pcap.ts';
import type { Nic } from '../../host/runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'netstack-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A real ARP request: who-has 192.0.2.1 tell 192.0.2.2, padded to 60 bytes.
const ARP_REQUEST = Buffer.from(
  'ffffffffffff' + '020000000002' + '0806' + '0001080006040001' + '020000000002' + 'c0000202' + '000000000000' + 'c0000201' + '00'.repeat(18),
  'hex',
);

test('file header is magic a1b2c3d4 (LE), v2.4, snaplen 65535, linktype 1', () => {
  assert.equal(Buffer.from(pcapFileHeader()).toString('hex'), 'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
});

test('record header carries seconds, microseconds, captured and original length', () => {
  const record = Buffer.from(pcapRecord(ARP_REQUEST, 12_345.678));
  assert.equal(record.readUInt32LE(0), 12);
  assert.equal(record.readUInt32LE(4), 345_678);
  assert.equal(record.readUInt32LE(8), 60);
  assert.equal(record.readUInt32LE(12), 60);
  assert.deepEqual(record.subarray(16), ARP_REQUEST);
});

test('frames longer than the snap length are cut but keep their original length', () => {
  const record = Buffer.from(pcapRecord(new Uint8Array(70_000), 0));
  assert.equal(record.readUInt32LE(8), 65535);
  assert.equal(record.readUInt32LE(12), 70_000);
  assert.equal(record.length, 16 + 65535);
});

test('withPcap records both directions and the file is complete before close', () => {
  const path = join(dir, 'both.pcap');
  const sent: Uint8Array[] = [];
  const inner: Nic = { onFrame: null, send: (f) => sent.push(f), close: () => {} };
  let now = 1_000;
  const nic = withPcap(inner, path, { now: () => now });
  const received: Uint8Array[] = [];
  nic.onFrame = (f) => received.push(f);
  nic.send(ARP_REQUEST);
  now = 2_500;
  inner.onFrame!(ARP_REQUEST.subarray(0, 42));
  assert.equal(sent.length, 1);
  assert.equal(received.length, 1);
  // Read while still open: the writes are synchronous, nothing waits in a buffer.
  const file = readFileSync(path);
  assert.equal(file.length, 24 + 16 + 60 + 16 + 42);
  assert.equal(file.readUInt32LE(24), 1); // first record at t = 1 s
  assert.equal(file.readUInt32LE(24 + 16 + 60), 2); // second at t = 2.5 s
  assert.equal(file.readUInt32LE(24 + 16 + 60 + 4), 500_000);
  nic.close();
  assert.equal(nic.pcap.frames, 2);
});

test('tcpdump reads the capture', { skip: !hasTcpdump() && 'tcpdump not installed' }, () => {
  const path = join(dir, 'tcpdump.pcap');
  const writer = new PcapWriter(path, () => 0);
  writer.write(ARP_REQUEST);
  const text = execFileSync('tcpdump', ['-nn', '-r', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  writer.close();
  assert.match(text, /ARP, Request who-has 192\.0\.2\.1 tell 192\.0\.2\.2/);
});

function hasTcpdump(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
