// Reassembly against the kernel: Linux cuts datagrams bigger than the TAP's 1500-byte MTU into
// fragments, and the stack must put them back together. An 8000-byte UDP datagram to a closed
// port proves it end to end: the port unreachable that comes back quotes the reassembled header
// (total length 8028, no fragment fields), and it is sent only after the UDP checksum over all
// 8000 bytes was verified. Pings of 4000 and 8000 bytes (and 1473, one byte over a frame) are
// reassembled and answered in fragments that Linux reassembles in turn; an 8000-byte datagram to
// the UDP echo comes back whole the same way.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Netns, type Netstack, linuxSkip } from './netns-fixture.ts';

const skip = linuxSkip();
const TAP = 'nsreasm0';
const STACK_IP = '203.0.113.2';

// A raw ICMP socket sees the error; the connected UDP socket sees it as ECONNREFUSED.
const CLOSED_PORT_SCRIPT = `
import json, socket, struct, time
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.settimeout(3)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.connect(("${STACK_IP}", 9))
udp.send(bytes((i * 7) & 0xff for i in range(8000)))
result = {}
deadline = time.time() + 3
while time.time() < deadline and "type" not in result:
    try:
        packet = icmp.recv(2048)
    except socket.timeout:
        break
    outer = (packet[0] & 15) * 4
    if packet[outer] != 3:
        continue
    quote = packet[outer + 8:]
    inner = (quote[0] & 15) * 4
    total, ident, frag = struct.unpack("!HHH", quote[2:8])
    sport, dport, ulen = struct.unpack("!HHH", quote[inner:inner + 6])
    result = {"type": packet[outer], "code": packet[outer + 1], "total": total, "frag": frag, "dport": dport, "ulen": ulen}
udp.settimeout(1)
try:
    udp.recv(100)
    result["udp"] = "reply"
except ConnectionRefusedError:
    result["udp"] = "refused"
except socket.timeout:
    result["udp"] = "timeout"
print(json.dumps(result))
`;

describe('IPv4 reassembly of datagrams Linux fragments', { skip }, () => {
  let netns: Netns;
  let netstack: Netstack;

  before(async () => {
    netns = new Netns('reasm');
    netstack = await netns.startNetstack(['--tap', TAP, '--ip', `${STACK_IP}/24`, '--host-ip', '203.0.113.1/24', '--echo']);
  });
  after(async () => {
    await netstack?.stop().catch(() => {});
    netns?.destroy();
  });

  test('an 8000-byte UDP datagram to a closed port: port unreachable quotes the reassembled header', () => {
    const result = netns.run('python3', ['-c', CLOSED_PORT_SCRIPT], { timeoutMs: 15_000 });
    assert.equal(result.status, 0, result.stderr);
    const seen = JSON.parse(result.stdout);
    assert.deepEqual(seen, { type: 3, code: 3, total: 8028, frag: 0, dport: 9, ulen: 8008, udp: 'refused' }, result.stdout);
  });

  /** ping's per-reply sizes and its summary line. */
  function ping(args: string[]): { sizes: number[]; transmitted: number; received: number; status: number | null; output: string } {
    const result = netns.run('ping', ['-n', '-W', '2', ...args, STACK_IP], { timeoutMs: 15_000 });
    const output = result.stdout + result.stderr;
    const sizes = [...result.stdout.matchAll(/^(\d+) bytes from 203\.0\.113\.2: icmp_seq=\d+ ttl=64 /gm)].map((m) => Number(m[1]));
    const summary = result.stdout.match(/^(\d+) packets transmitted, (\d+) received/m);
    return { sizes, transmitted: Number(summary?.[1] ?? -1), received: Number(summary?.[2] ?? -1), status: result.status, output };
  }

  for (const size of [4000, 8000, 1473]) {
    test(`ping -c 3 -s ${size}: every request reassembled, every reply of ${size + 8} bytes`, () => {
      const result = ping(['-c', '3', '-i', '0.2', '-s', String(size)]);
      assert.equal(result.status, 0, result.output);
      assert.deepEqual(result.sizes, [size + 8, size + 8, size + 8], result.output);
      assert.equal(result.transmitted, 3, result.output);
      assert.equal(result.received, 3, result.output);
    });
  }

  test('ping -M do -s 2000: Linux refuses to send a DF datagram over its MTU itself', () => {
    // The kernel answers the send with EMSGSIZE ("message too long, mtu=1500"): nothing reaches the stack.
    const result = ping(['-c', '1', '-M', 'do', '-s', '2000']);
    assert.notEqual(result.status, 0, result.output);
    assert.match(result.output, /message too long, mtu=1500/);
    assert.equal(result.received, 0, result.output);
  });

  test('an 8000-byte datagram to the UDP echo comes back whole (the stack fragments, Linux reassembles)', () => {
    const script = `
import hashlib, json, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("${STACK_IP}", 7))
data = bytes((i * 7 + 3) & 0xff for i in range(8000))
got = []
for _ in range(3):
    s.send(data)
    reply = s.recv(65535)
    got.append([len(reply), reply == data])
print(json.dumps(got))
`;
    const result = netns.run('python3', ['-c', script], { timeoutMs: 15_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [[8000, true], [8000, true], [8000, true]], result.stdout);
  });

  test('the counters on exit: every datagram reassembled, the answers fragmented, nothing refused', async () => {
    assert.equal(await netstack.stop(), 0);
    const counters = Object.fromEntries([...netstack.stderr().matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    // 1 closed-port datagram, 9 pings (3 + 6 + 2 fragments each), 3 echo datagrams (6 each).
    assert.equal(counters.ipv4_reasm_datagrams, 1 + 9 + 3, netstack.stderr());
    assert.equal(counters.ipv4_reasm_fragments, 6 + 3 * (3 + 6 + 2) + 3 * 6, netstack.stderr());
    assert.equal(counters.icmp_tx_echo_reply, 9, netstack.stderr());
    // Answers: 9 echo replies and 3 UDP echoes in fragments, as many pieces as came in.
    assert.equal(counters.ipv4_tx_fragmented, 9 + 3, netstack.stderr());
    assert.equal(counters.ipv4_tx_fragments, 3 * (3 + 6 + 2) + 3 * 6, netstack.stderr());
    for (const name of ['ipv4_reasm_timeouts', 'ipv4_reasm_overlaps', 'ipv4_reasm_no_room', 'ipv4_reasm_bad_length', 'udp_rx_bad_checksum', 'ipv4_tx_frag_unresolved']) {
      assert.equal(counters[name], undefined, `${name}: ${netstack.stderr()}`);
    }
  });
});
