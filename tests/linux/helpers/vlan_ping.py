# Echo requests to the stack through an AF_PACKET socket on the TAP, 802.1Q-tagged with VID (0 =
# untagged), answering the stack's ARP requests for us with the same tag. Used where the kernel
# has no 8021q support for a VLAN subinterface. Prints JSON: replies received and the VIDs seen
# on the stack's frames (null = untagged). Bounded: one second per request.
#   python3 vlan_ping.py DEV STACK_MAC VID COUNT
import json, select, socket, struct, sys, time

SOL_PACKET, PACKET_AUXDATA, TP_STATUS_VLAN_VALID, PACKET_OUTGOING = 263, 8, 0x10, 4
dev, stack_mac, vid, count = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), int(sys.argv[3]), int(sys.argv[4])
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
    tag = struct.pack('!HH', 0x8100, vid) if vid else b''
    return dst + MY_MAC + tag + struct.pack('!H', ethertype) + payload


def echo(seq):
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x1234, seq) + b'netstack-vlan'
    icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0, MY_IP, STACK_IP)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return frame(stack_mac, 0x0800, ip + icmp)


def arp_reply(to_mac):
    body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + MY_MAC + MY_IP + to_mac + STACK_IP
    return frame(to_mac, 0x0806, body)


def parse(data, ancillary):
    tci = None
    for level, kind, value in ancillary:
        if level == SOL_PACKET and kind == PACKET_AUXDATA:
            status, _, _, _, _, vlan_tci, _ = struct.unpack('IIIHHHH', value[:20])
            if status & TP_STATUS_VLAN_VALID:
                tci = vlan_tci
    ethertype, body = struct.unpack('!H', data[12:14])[0], data[14:]
    if ethertype == 0x8100:  # tag left in the bytes
        tci, ethertype = struct.unpack('!HH', data[14:18])
        body = data[18:]
    return (None if tci is None else tci & 0xfff), ethertype, body


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((dev, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
replies, vids = 0, set()
for seq in range(count):
    s.send(echo(seq))
    deadline = time.time() + 1
    while time.time() < deadline:
        ready, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
        if not ready:
            break
        data, ancillary, _, address = s.recvmsg(2048, 256)
        if address[2] == PACKET_OUTGOING or data[6:12] != stack_mac:
            continue
        seen, ethertype, body = parse(data, ancillary)
        vids.add(seen)
        if ethertype == 0x0806 and body[6:8] == b'\0\1' and body[24:28] == MY_IP:
            s.send(arp_reply(data[6:12]))
        elif ethertype == 0x0800 and body[9] == 1 and body[20] == 0 and body[12:16] == STACK_IP:
            replies += 1
            break
print(json.dumps({'replies': replies, 'vids': sorted(vids, key=lambda v: -1 if v is None else v)}))
