# The Linux side of the IGMP suite, inside the test's namespace (bounded by timeouts):
#   igmp_peer.py query LOCAL_IP TENTHS          an IGMPv2 general query to 224.0.0.1 from LOCAL_IP
#   igmp_peer.py send LOCAL_IP GROUP PORT TEXT  a UDP datagram to GROUP:PORT out of LOCAL_IP's
#                                               interface; prints JSON with the reply, if any
import json, socket, struct, sys

mode, local = sys.argv[1], sys.argv[2]


def csum(data):
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


if mode == 'query':
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    message = struct.pack('!BBH4s', 0x11, int(sys.argv[3]), 0, socket.inet_aton('0.0.0.0'))
    message = message[:2] + struct.pack('!H', csum(message)) + message[4:]
    s.sendto(message, ('224.0.0.1', 0))
else:
    group, port, text = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(local))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.settimeout(3)
    s.sendto(text.encode(), (group, port))
    try:
        data, address = s.recvfrom(2048)
        print(json.dumps({'reply': data.decode(), 'from': address[0]}))
    except socket.timeout:
        print(json.dumps({'reply': None}))
