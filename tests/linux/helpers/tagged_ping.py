# Echo requests to the stack through an AF_PACKET socket on the TAP, carrying the tags TAGS (a
# comma-separated list of TPID:VID from the outside in, TPID in hex, or '-' for an untagged
# frame); the stack's ARP requests for us are answered with the same tags. Used where the kernel
# has no 8021q support for VLAN subinterfaces. The kernel strips the outermost tag of a frame the
# stack writes into PACKET_AUXDATA; the rest stay in the bytes. Prints JSON: replies received,
# the tag stacks seen on the stack's frames as lists of [tpid, vid] from the outside in ([] =
# untagged), and the lengths of its echo replies on the wire. Bounded: one second per request.
#   python3 tagged_ping.py DEV STACK_MAC TAGS COUNT [SIZE]
# SIZE is the IPv4 datagram's total length (default 41).
import json, select, socket, struct, sys, time

SOL_PACKET, PACKET_AUXDATA, PACKET_OUTGOING = 263, 8, 4
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
TAG_TYPES = (0x8100, 0x88a8)
dev, stack_mac, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), int(sys.argv[4])
tag_list = [] if sys.argv[3] == '-' else [tuple(part.split(':')) for part in sys.argv[3].split(',')]
TAGS = b''.join(struct.pack('!HH', int(tpid, 16), int(vid)) for tpid, vid in tag_list)
size = int(sys.argv[5]) if len(sys.argv) > 5 else 41
MY_MAC = bytes.fromhex('020000000a01')
MY_IP, STACK_IP = socket.inet_aton('192.0.2.1'), socket.inet_aton('192.0.2.2')


def csum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def frame(dst, ethertype, payload):
    return dst + MY_MAC + TAGS + struct.pack('!H', ethertype) + payload


def echo(seq):
    body = bytes((seq + i) & 0xff for i in range(size - 28))
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x5151, seq) + body
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0, MY_IP, STACK_IP)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return frame(stack_mac, 0x0800, ip + icmp)


def arp_reply(to_mac):
    body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + MY_MAC + MY_IP + to_mac + STACK_IP
    return frame(to_mac, 0x0806, body)


def parse(data, ancillary):
    """The tag stack (outside in), the type after it, the payload and the frame's length on the wire."""
    tags = []
    for level, kind, value in ancillary:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _, _, _, _, tci, tpid = struct.unpack('IIIHHHH', value[:20])
            if status & TP_STATUS_VLAN_VALID:
                tags.append([tpid if status & TP_STATUS_VLAN_TPID_VALID else 0x8100, tci & 0xfff])
    at = 12
    while struct.unpack('!H', data[at:at + 2])[0] in TAG_TYPES and at + 6 <= len(data):
        tpid, tci = struct.unpack('!HH', data[at:at + 4])
        tags.append([tpid, tci & 0xfff])
        at += 4
    ethertype = struct.unpack('!H', data[at:at + 2])[0]
    return tags, ethertype, data[at + 2:], len(data) + 4 * (len(tags) - (at - 12) // 4)


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
replies, stacks, lengths = 0, [], []
for seq in range(count):
    s.send(echo(seq))
    deadline = time.time() + 1
    while time.time() < deadline:
        ready, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
        if not ready:
            break
        data, ancillary, _, address = s.recvmsg(4096, 256)
        if address[2] == PACKET_OUTGOING or data[6:12] != stack_mac:
            continue
        tags, ethertype, body, wire_len = parse(data, ancillary)
        if tags not in stacks:
            stacks.append(tags)
        if ethertype == 0x0806 and body[6:8] == b'\0\1' and body[24:28] == MY_IP:
            s.send(arp_reply(data[6:12]))
        elif ethertype == 0x0800 and body[9] == 1 and body[20] == 0 and body[12:16] == STACK_IP:
            replies += 1
            lengths.append(wire_len)
            break
print(json.dumps({'replies': replies, 'stacks': sorted(stacks), 'lengths': sorted(set(lengths))}))
