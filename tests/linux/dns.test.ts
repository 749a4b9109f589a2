// The module's DNS resolver against dnsmasq inside the suite's namespace: an A record, a CNAME,
// the cache serving a second lookup (dnsmasq logs one query), NXDOMAIN for an unknown name under
// a local-only domain, REFUSED (a server failure to the stack) for a name dnsmasq cannot forward
// (it has no upstream: --no-resolv), a timeout when nothing answers, and fresh IDs and source ports per query
// (read back from the stack's --pcap capture).
//
// The TAP is made persistent and addressed before the stack opens it, so dnsmasq is already
// listening on 192.0.2.1:53 when `netstack up --resolve` sends its first query.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addServerTap, type Dnsmasq, startDnsmasq } from './dnsmasq-fixture.ts';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsdns0';
const SERVER = '192.0.2.1';
const STACK_IP = '192.0.2.2';
/** Nothing answers ARP for this address in the namespace. */
const SILENT_SERVER = '192.0.2.99';
const LOCAL_TTL_S = 600;
const WAIT_MS = 15_000;

/** Resolves when text() matches pattern, or rejects after WAIT_MS. */
async function waitFor(text: () => string, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  for (let waited = 0; waited < WAIT_MS; waited += 50) {
    const match = pattern.exec(text());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not seen within ${WAIT_MS} ms in:\n${text()}`);
}

/** DNS queries the stack sent, read from a pcap of Ethernet frames: source port and query ID. */
function queriesIn(pcap: Buffer): { port: number; id: number; name: string }[] {
  const queries = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const caplen = pcap.readUInt32LE(at + 8);
    const frame = pcap.subarray(at + 16, at + 16 + caplen);
    at += 16 + caplen;
    if (frame.length < 14 + 20 + 8 + 12 || frame.readUInt16BE(12) !== 0x0800 || frame[23] !== 17) continue;
    const ihl = (frame[14] & 0x0f) * 4;
    const udp = 14 + ihl;
    if (frame.readUInt16BE(udp + 2) !== 53 || (frame[udp + 10] & 0x80) !== 0) continue;
    const labels = [];
    for (let p = udp + 20; p < frame.length && frame[p] !== 0; p += frame[p] + 1) {
      labels.push(frame.subarray(p + 1, p + 1 + frame[p]).toString('latin1'));
    }
    queries.push({ port: frame.readUInt16BE(udp), id: frame.readUInt16BE(udp + 8), name: labels.join('.') });
  }
  return queries;
}

describe('DNS resolver against dnsmasq', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;
  let dnsmasq: Dnsmasq | undefined;
  const log = () => dnsmasq?.log() ?? '';

  before(async () => {
    netns = new Netns('dns');
    addServerTap(netns, TAP, `${SERVER}/24`);
    // --local=/test/: names under test. that dnsmasq does not know get NXDOMAIN (without it, and
    // with --no-resolv, dnsmasq has nowhere to forward them and answers REFUSED).
    dnsmasq = await startDnsmasq(netns, [
      '--user=root', '--no-poll', '--port=53', `--listen-address=${SERVER}`, '--bind-interfaces',
      '--local=/test/', '--address=/ok.test/192.0.2.77', '--host-record=host.test,192.0.2.78',
      '--cname=alias.test,host.test', `--local-ttl=${LOCAL_TTL_S}`, '--log-queries=extra',
    ]);
    await waitFor(() => netns.run('ss', ['-lun']).stdout, new RegExp(`${SERVER.replaceAll('.', '\\.')}:53\\b`), 'dnsmasq listening');
    netstack = await netns.startNetstack([
      '--tap', TAP, '--ip', `${STACK_IP}/24`, '--dns', SERVER, '--pcap', join(dnsmasq.dir, 'stack.pcap'),
      '--resolve', 'ok.test', '--resolve', 'OK.test', '--resolve', 'alias.test', '--resolve', 'nope.test',
      '--resolve', 'elsewhere.example',
    ]);
    await waitFor(() => netstack.stdout(), /^netstack: elsewhere\.example: .*$/m, 'the last lookup');
  });

  after(async () => {
    await netstack?.stop().catch(() => {});
    dnsmasq?.stop();
    netns?.destroy();
  });

  test('a name resolves to the address dnsmasq has for it', () => {
    assert.match(netstack.stdout(), new RegExp(`^netstack: ok\\.test has address 192\\.0\\.2\\.77 \\(ttl ${LOCAL_TTL_S}\\)$`, 'm'));
  });

  test('a second lookup within the TTL comes from the cache: dnsmasq saw one query', () => {
    const cached = /^netstack: OK\.test has address 192\.0\.2\.77 \(ttl (\d+)\)$/m.exec(netstack.stdout());
    assert.ok(cached, netstack.stdout());
    assert.ok(Number(cached[1]) <= LOCAL_TTL_S);
    assert.equal(log().match(/query\[A\] ok\.test from/gi)?.length, 1, log());
  });

  test('a CNAME is followed to the address', () => {
    assert.match(netstack.stdout(), /^netstack: alias\.test has address 192\.0\.2\.78 \(ttl \d+\)$/m);
  });

  test('an unknown name under a local-only domain is NXDOMAIN', () => {
    assert.match(netstack.stdout(), /^netstack: nope\.test: no such name \(NXDOMAIN\)$/m);
    assert.match(log(), /query\[A\] nope\.test from/);
  });

  test('a name dnsmasq cannot forward is REFUSED, reported as a server failure', () => {
    assert.match(netstack.stdout(), /^netstack: elsewhere\.example: the DNS server failed or refused the query/m);
  });

  test('each query left from its own port with its own ID; the counters agree', async () => {
    assert.equal(await netstack.stop(), 0);
    const queries = queriesIn(readFileSync(join(dnsmasq!.dir, 'stack.pcap')));
    assert.deepEqual(queries.map((q) => q.name), ['ok.test', 'alias.test', 'nope.test', 'elsewhere.example']);
    assert.equal(new Set(queries.map((q) => q.port)).size, 4, JSON.stringify(queries));
    assert.equal(new Set(queries.map((q) => q.id)).size, 4, JSON.stringify(queries));
    for (const { port } of queries) assert.ok(port >= 49152, `source port ${port} in the dynamic range`);
    const stderr = netstack.stderr();
    assert.match(stderr, /\bdns_queries=4\b/, stderr);
    assert.match(stderr, /\bdns_server_failures=1\b/, stderr);
    assert.match(stderr, /\bdns_cache_hits=1\b/, stderr);
    assert.match(stderr, /\bdns_answers=2\b/, stderr);
    assert.match(stderr, /\bdns_nxdomain=1\b/, stderr);
  });

  test('a server that never answers gives a timeout after the retries', async () => {
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--dns', SILENT_SERVER, '--resolve', 'slow.test']);
    await waitFor(() => netstack.stdout(), /^netstack: slow\.test: no answer from the DNS servers .*$/m, 'the timeout');
    assert.equal(await netstack.stop(), 0);
    assert.match(netstack.stderr(), /\bdns_retries=2\b/, netstack.stderr());
    assert.match(netstack.stderr(), /\bdns_timeouts=1\b/, netstack.stderr());
    assert.doesNotMatch(log(), /slow\.test/);
  });
});
