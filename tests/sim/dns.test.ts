// The resolver between two release modules on an in-memory link: one module's UDP socket on
// port 53 serves a scripted zone (answers, CNAMEs, NXDOMAIN, silence, and malformed answers
// with pointer loops or wrong IDs), the other resolves thousands of names through it on a
// virtual clock. Every lookup ends as the zone says, and the resolver allocates nothing:
// memory size and heap probe unchanged. Then Stack.resolve (debug build) on the same zone.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DnsStatus, PROFILES, type NetstackExports } from '../../host/abi.ts';
import { formatIpv4, parseIpv4 } from '../../host/addr.ts';
import { DnsError, makeRandom, wasmPath, type DnsAnswer } from '../../host/runtime.ts';
import { addNode, simulation } from './harness.ts';
import { noSpiImports } from '../../host/spi/bus.ts';

const SERVER_IP = '192.0.2.1';
const CLIENT_IP = '192.0.2.2';
const LOOKUPS = 1500;
const NAMES = 160;

async function instantiate(path: string, onTx: (frame: Uint8Array) => void, seed: number): Promise<NetstackExports> {
  const random = makeRandom(seed);
  let memory: WebAssembly.Memory | null = null;
  const imports = {
    hal: {
      nic_tx: (_iface: number, ptr: number, len: number) => (onTx(new Uint8Array(memory!.buffer, ptr, len).slice()), 0),
      log: () => {},
      random: () => random() | 0,
      ...noSpiImports,
    },
    env: { abort: () => { throw new Error('module abort'); } },
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(path), imports);
  const ex = instance.exports as unknown as NetstackExports;
  memory = ex.memory;
  return ex;
}

function counters(ex: NetstackExports): Record<string, number> {
  const names = Buffer.from(ex.memory.buffer, ex.counter_names(), ex.counter_names_bytes()).toString('latin1').split('\n');
  const values = new Uint32Array(ex.memory.buffer, ex.counters(), ex.counter_count());
  return Object.fromEntries(names.map((name, i) => [name, values[i]]));
}

/** What the zone does with name i: the kind is chosen by i so the expected status is known. */
const KINDS = ['a', 'a', 'cname', 'nx', 'silent', 'loop', 'badid', 'a'] as const;
const kindOf = (i: number) => KINDS[i % KINDS.length];
const addressOf = (i: number) => `198.51.100.${(i % 250) + 1}`;
const EXPECTED: Record<(typeof KINDS)[number], number> = {
  a: DnsStatus.DONE,
  cname: DnsStatus.DONE,
  nx: DnsStatus.NXDOMAIN,
  silent: DnsStatus.TIMEOUT,
  loop: DnsStatus.TIMEOUT,
  badid: DnsStatus.TIMEOUT,
};

/** The answer to a query (question copied), or null to stay silent. */
function respond(query: Uint8Array): Uint8Array | null {
  let end = 12;
  while (end < query.length && query[end] !== 0) end += query[end] + 1;
  const question = query.subarray(12, end + 5);
  const first = Buffer.from(query.subarray(13, 13 + query[12])).toString('latin1');
  const i = Number(/^n(\d+)$/.exec(first)?.[1] ?? -1);
  const kind = kindOf(i);
  if (kind === 'silent') return null;
  const header = Buffer.alloc(12);
  header.writeUInt16BE((query[0] << 8) | query[1], 0);
  if (kind === 'badid') header.writeUInt16BE(((query[0] << 8) | query[1]) ^ 0x8000, 0);
  header.writeUInt16BE(kind === 'nx' ? 0x8183 : 0x8180, 2);
  header.writeUInt16BE(1, 4);
  const a = (owner: number[]) => Buffer.from([...owner, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, ...addressOf(i).split('.').map(Number)]);
  const records: Buffer[] = [];
  if (kind === 'a' || kind === 'badid') records.push(a([0xc0, 12]));
  if (kind === 'cname') {
    // n<i>.test CNAME h.test (pointer to "test" in the question), then h.test A.
    const target = 12 + 1 + query[12];
    const cname = Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 9, 0, 4, 1, 0x68, 0xc0 | (target >> 8), target & 0xff]);
    const at = 12 + question.length + cname.length - 4;
    records.push(cname, a([0xc0 | (at >> 8), at & 0xff]));
  }
  if (kind === 'loop') {
    // An owner name that points at itself.
    const at = 12 + question.length;
    records.push(a([0xc0 | (at >> 8), at & 0xff]));
  }
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

for (const profile of PROFILES) {
  test(`${profile}: ${LOOKUPS} lookups through a scripted server end as the zone says, allocating nothing`, async () => {
    const queues: Uint8Array[][] = [[], []];
    const server = await instantiate(wasmPath(profile), (frame) => queues[1].push(frame), 1);
    const client = await instantiate(wasmPath(profile), (frame) => queues[0].push(frame), 2);
    const nodes = [server, client];
    let now = 0xfff0_0000; // the u32 clock wraps during the run
    [SERVER_IP, CLIENT_IP].forEach((ip, i) => {
      const ex = nodes[i];
      ex.poll(now);
      assert.ok(ex.iface_set_mac(0, 0x0200, 0x10 + i) >= 0);
      assert.ok(ex.iface_set_ipv4(0, parseIpv4(ip), 24, 0) >= 0);
      assert.ok(ex.iface_up(0) >= 0);
    });
    const socket = server.udp_open();
    assert.ok(socket >= 0 && server.udp_bind(socket, 0, 53) === 0);
    assert.equal(client.dns_set_servers(parseIpv4(SERVER_IP), 0), 0);
    const serve = () => {
      for (let len = server.udp_recvfrom(socket); len >= 0; len = server.udp_recvfrom(socket)) {
        const answer = respond(new Uint8Array(server.memory.buffer, server.io_buffer(), len).slice());
        if (!answer) continue;
        new Uint8Array(server.memory.buffer).set(answer, server.io_buffer());
        server.udp_sendto(socket, server.udp_peer_addr(), server.udp_peer_port(), answer.length);
      }
    };
    const deliver = () => {
      for (let rounds = 0; rounds < 100 && (queues[0].length || queues[1].length); rounds++) {
        nodes.forEach((ex, i) => {
          for (const frame of queues[i].splice(0)) {
            new Uint8Array(ex.memory.buffer).set(frame, ex.rx_buffer(0));
            ex.rx(0, frame.length);
          }
        });
        serve();
      }
    };
    const tick = (ms: number) => {
      now = (now + ms) >>> 0;
      for (const ex of nodes) ex.poll(now);
      deliver();
    };
    const name = Buffer.alloc(32);
    const lookup = (i: number): { status: number; address: string } => {
      const len = name.write(`n${i}.test`, 'latin1');
      new Uint8Array(client.memory.buffer).set(name.subarray(0, len), client.io_buffer());
      const handle = client.dns_resolve(len);
      assert.ok(handle >= 0, `dns_resolve: ${handle}`);
      deliver();
      let status = client.dns_status(handle);
      for (let waited = 0; status === DnsStatus.PENDING && waited < 10_000; waited += 100) {
        tick(100);
        status = client.dns_status(handle);
      }
      return { status, address: formatIpv4(client.dns_result_address()) };
    };
    // The first lookups warm up the ARP caches and the socket tables.
    lookup(0);
    const first = client.heap_top();
    const start = { bytes: client.memory.buffer.byteLength, probe: client.heap_top(), step: client.heap_top() - first };
    const random = makeRandom(0xd75);
    for (let n = 0; n < LOOKUPS; n++) {
      const i = random() % NAMES;
      const { status, address } = lookup(i);
      assert.equal(status, EXPECTED[kindOf(i)], `lookup ${n}: n${i}.test (${kindOf(i)})`);
      if (status === DnsStatus.DONE) assert.equal(address, addressOf(i), `n${i}.test`);
      tick(1000);
    }
    assert.equal(client.memory.buffer.byteLength, start.bytes, 'memory grew');
    assert.equal(client.heap_top() - start.probe, start.step, 'something allocated on the heap');
    const c = counters(client);
    for (const name of ['dns_cache_hits', 'dns_cache_negative_hits', 'dns_cache_evictions', 'dns_timeouts', 'dns_retries', 'dns_rx_pointer_loop', 'dns_rx_bad_id', 'dns_nxdomain']) {
      assert.ok(c[name] > 0, `${name} = ${c[name]}`);
    }
  });
}

test('Stack.resolve: answers, NXDOMAIN, timeout and refused starts as DnsError codes', async () => {
  const { clock, wire } = simulation();
  const server = await addNode(wire, clock, { name: 'server', mac: '02:00:00:00:00:01', cidr: `${SERVER_IP}/24`, seed: 1 });
  const client = await addNode(wire, clock, { name: 'client', mac: '02:00:00:00:00:02', cidr: `${CLIENT_IP}/24`, seed: 2 });
  const ex = server.stack.exports;
  const socket = ex.udp_open();
  assert.ok(socket >= 0 && ex.udp_bind(socket, 0, 53) === 0);
  server.stack.afterPoll.add(() => {
    for (let len = ex.udp_recvfrom(socket); len >= 0; len = ex.udp_recvfrom(socket)) {
      const answer = respond(new Uint8Array(ex.memory.buffer, ex.io_buffer(), len).slice());
      if (!answer) continue;
      server.stack.writeIo(answer);
      ex.udp_sendto(socket, ex.udp_peer_addr(), ex.udp_peer_port(), answer.length);
      server.stack.kick();
    }
  });
  /** Runs the virtual clock until the lookup settles (at most 10 s). */
  const settle = async (lookup: Promise<DnsAnswer>): Promise<DnsAnswer | DnsError> => {
    let outcome: DnsAnswer | DnsError | undefined;
    lookup.then((answer) => (outcome = answer), (error) => (outcome = error));
    for (let waited = 0; waited < 10_000; waited += 10) {
      await new Promise(setImmediate);
      if (outcome !== undefined) break;
      clock.advance(10);
    }
    assert.ok(outcome !== undefined, 'the lookup did not settle within 10 s');
    return outcome;
  };
  const code = (outcome: DnsAnswer | DnsError) => (outcome instanceof DnsError ? outcome.code : 'answer');

  await assert.rejects(client.stack.resolve('n0.test'), (error: DnsError) => error.code === 'ECONNREFUSED');
  client.stack.setDnsServers([SERVER_IP]);
  assert.deepEqual(client.stack.dnsServers(), [SERVER_IP]);
  assert.deepEqual(await settle(client.stack.resolve('n0.test')), { address: addressOf(0), ttl: 3600 });
  // n2 is a CNAME (TTL 9) to an A record (TTL 3600): the chain's smallest TTL.
  assert.deepEqual(await settle(client.stack.resolve('n2.test')), { address: addressOf(2), ttl: 9 });
  const started = clock.now();
  // A cache hit settles without any time passing.
  const hit = await settle(client.stack.resolve('N0.TEST'));
  assert.equal((hit as DnsAnswer).address, addressOf(0));
  assert.equal(clock.now(), started);
  const nx = await settle(client.stack.resolve('n3.test'));
  assert.equal(code(nx), 'ENOTFOUND');
  assert.match((nx as Error).message, /n3\.test: no such name \(NXDOMAIN\)/);
  const before = clock.now();
  assert.equal(code(await settle(client.stack.resolve('n4.test'))), 'ETIMEOUT');
  assert.ok(clock.now() - before >= 7_000, `timed out after ${clock.now() - before} ms`);
  await assert.rejects(client.stack.resolve('bad..name'), (error: DnsError) => error.code === 'EBADNAME');
  assert.throws(() => client.stack.setDnsServers(['192.0.2.1', '192.0.2.3', '192.0.2.4']), RangeError);
  assert.throws(() => client.stack.setDnsServers(['224.0.0.1']), /dns_set_servers/);
  client.stack.stop();
  server.stack.stop();
});
