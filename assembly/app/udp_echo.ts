// UDP echo service (RFC 862): every datagram goes back to its sender unchanged. It uses only
// the socket API, as firmware would, so it runs the same on a board.
import { UDP_ECHO_PAYLOAD_MAX } from "../config";
import { udp_socket_bind, udp_socket_close, udp_socket_open, udp_socket_recvfrom, udp_socket_sendto } from "../socket/udp";

/** Datagrams up to the largest the profile reassembles are echoed whole (config.ts); a reply
 *  larger than the MTU leaves in fragments. */
const buffer: usize = memory.data(UDP_ECHO_PAYLOAD_MAX, 8);
const peer: usize = memory.data(8, 4);
let handle: i32 = -1;

/** Starts the service on port (0 stops it). Returns 0 or a negative errno. */
export function udp_echo_start(port: u32): i32 {
  if (handle >= 0) {
    udp_socket_close(handle);
    handle = -1;
  }
  if (port == 0) return 0;
  const opened = udp_socket_open();
  if (opened < 0) return opened;
  const bound = udp_socket_bind(opened, 0, port);
  if (bound < 0) {
    udp_socket_close(opened);
    return bound;
  }
  handle = opened;
  return 0;
}

/** Answers everything queued. A reply that cannot go out now (no buffer) is lost, as UDP allows. */
export function udp_echo_poll(): void {
  if (handle < 0) return;
  for (;;) {
    const len = udp_socket_recvfrom(handle, buffer, UDP_ECHO_PAYLOAD_MAX, peer);
    if (len < 0) return;
    // len is the datagram's full length; only what the buffer took goes back (truncated).
    udp_socket_sendto(handle, load<u32>(peer), load<u32>(peer, 4), buffer, min(len, UDP_ECHO_PAYLOAD_MAX));
  }
}
