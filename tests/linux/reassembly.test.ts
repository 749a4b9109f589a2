// Reassembly against the kernel: Linux cuts datagrams bigger than the TAP's 1500-byte MTU into
// fragments, and the stack must put them back together. An 8000-byte UDP datagram to a closed
// port proves it end to end: the port unreachable that comes back quotes the reassembled header
// (total length 8028, no fragment fields), and it is sent only after the UDP checksum over all
// 8000 bytes was verified. A 4000-byte ping arrives whole too (answering it needs fragmentation
// on send, so only its arrival is checked, in the counters printed at exit).
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

  test('a 4000-byte ping arrives in fragments and is reassembled', () => {
    // No reply is asserted: sending 4008 bytes back needs fragmentation on send.
    netns.run('ping', ['-c', '1', '-W', '1', '-s', '4000', STACK_IP], { timeoutMs: 5_000 });
  });

  test('the counters on exit: every datagram reassembled, nothing refused', async () => {
    assert.equal(await netstack.stop(), 0);
    const counters = Object.fromEntries([...netstack.stderr().matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    assert.ok(counters.ipv4_reasm_datagrams >= 2, netstack.stderr());
    assert.ok(counters.ipv4_reasm_fragments >= 6 + 3, netstack.stderr());
    assert.ok(counters.icmp_rx_echo_request >= 1, netstack.stderr());
    for (const name of ['ipv4_reasm_timeouts', 'ipv4_reasm_overlaps', 'ipv4_reasm_no_room', 'ipv4_reasm_bad_length', 'udp_rx_bad_checksum']) {
      assert.equal(counters[name], undefined, `${name}: ${netstack.stderr()}`);
    }
  });
});
