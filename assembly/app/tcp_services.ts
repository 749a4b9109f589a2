// The classic TCP test services on the socket API: echo (RFC 862), discard (RFC 863) and
// character generator (RFC 864). They run inside the module, so they behave the same on a
// board. Connections are tracked by handle (a handle is a connection slot).
import { TCP_CONNECTION_COUNT } from "../config";
import { copy } from "../lib/bytes";
import {
  tcp_socket_accept, tcp_socket_close, tcp_socket_recv, tcp_socket_send,
  tcp_socket_send_space, tcp_socket_events, TCP_EV_CLOSED, TCP_EV_EOF, TCP_EV_ERROR,
} from "../socket/tcp";
import { EINVAL } from "../socket/errno";
import { tcp_listener_open } from "./listen";

@inline export const SERVICE_ECHO: i32 = 1;
@inline export const SERVICE_DISCARD: i32 = 2;
@inline export const SERVICE_CHARGEN: i32 = 3;
@inline const SERVICE_KINDS: i32 = 4;
@inline const CHUNK_BYTES: i32 = 1460;
/** RFC 864: 72-character lines cut from the 95 printable ASCII characters, shifting by one. */
@inline const LINE_CHARS: i32 = 72;
@inline const PRINTABLE: i32 = 95;

const listeners = new StaticArray<i32>(SERVICE_KINDS);
/** Service kind of each connection handle, 0 if the handle is not ours. */
const kind_of = new StaticArray<i32>(TCP_CONNECTION_COUNT);
/** chargen: position in the endless pattern. */
const pattern_at = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const chunk: usize = memory.data(CHUNK_BYTES, 8);

export function tcp_services_reset(): void {
  for (let k = 0; k < PRINTABLE * 2; k++) store<u8>(alphabet + <usize>k, <u8>(32 + k % PRINTABLE));
  for (let k = 0; k < SERVICE_KINDS; k++) unchecked((listeners[k] = -1));
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) unchecked((kind_of[i] = 0));
}

/** Starts (port != 0) or stops (port 0) a service. Returns 0 or a negative errno. */
export function tcp_service_start(kind: i32, port: u32, backlog: i32): i32 {
  if (kind < SERVICE_ECHO || kind > SERVICE_CHARGEN) return EINVAL;
  const old = unchecked(listeners[kind]);
  if (old >= 0) {
    tcp_socket_close(old);
    unchecked((listeners[kind] = -1));
  }
  if (port == 0) return 0;
  const handle = tcp_listener_open(port, backlog);
  if (handle < 0) return handle;
  unchecked((listeners[kind] = handle));
  return 0;
}

/** The printable characters twice over: line k of the pattern is 72 bytes from offset k % 95. */
const alphabet: usize = memory.data(PRINTABLE * 2, 8);
@inline const CYCLE_BYTES: i32 = PRINTABLE * (LINE_CHARS + 2);

/** Writes n bytes of the endless chargen pattern, starting at position at, into dst. */
function fill_pattern(dst: usize, at: i32, n: i32): void {
  let out = 0;
  while (out < n) {
    const line = at / (LINE_CHARS + 2);
    const column = at % (LINE_CHARS + 2);
    let take = LINE_CHARS + 2 - column;
    if (take > n - out) take = n - out;
    const chars = column < LINE_CHARS ? min(take, LINE_CHARS - column) : 0;
    if (chars > 0) copy(dst + <usize>out, alphabet + <usize>(line % PRINTABLE + column), chars);
    for (let k = chars; k < take; k++) store<u8>(dst + <usize>(out + k), column + k == LINE_CHARS ? 13 : 10);
    out += take;
    at = (at + take) % CYCLE_BYTES;
  }
}

function serve(handle: i32, kind: i32): void {
  if (kind == SERVICE_CHARGEN) {
    let space = tcp_socket_send_space(handle);
    while (space > 0) {
      const n = space < CHUNK_BYTES ? space : CHUNK_BYTES;
      const at = unchecked(pattern_at[handle]);
      fill_pattern(chunk, at, n);
      const sent = tcp_socket_send(handle, chunk, n);
      if (sent <= 0) break;
      unchecked((pattern_at[handle] = (at + sent) % CYCLE_BYTES));
      space -= sent;
    }
    // chargen ignores what it receives, but reads it so the window stays open.
    while (tcp_socket_recv(handle, chunk, CHUNK_BYTES) > 0) {}
    return;
  }
  for (;;) {
    // Echo reads only what it can send back at once, so nothing needs buffering here.
    let room = CHUNK_BYTES;
    if (kind == SERVICE_ECHO) {
      const space = tcp_socket_send_space(handle);
      if (space < room) room = space;
      if (room <= 0) return;
    }
    const n = tcp_socket_recv(handle, chunk, room);
    if (n <= 0) return;
    if (kind == SERVICE_ECHO) tcp_socket_send(handle, chunk, n);
  }
}

/** Accepts new connections, serves the open ones, closes the finished ones. */
export function tcp_services_poll(): void {
  for (let kind = SERVICE_ECHO; kind <= SERVICE_CHARGEN; kind++) {
    const listener = unchecked(listeners[kind]);
    if (listener < 0) continue;
    for (let accepted = tcp_socket_accept(listener); accepted >= 0; accepted = tcp_socket_accept(listener)) {
      unchecked((kind_of[accepted] = kind));
      unchecked((pattern_at[accepted] = 0));
    }
  }
  for (let handle = 0; handle < TCP_CONNECTION_COUNT; handle++) {
    const kind = unchecked(kind_of[handle]);
    if (kind == 0) continue;
    serve(handle, kind);
    const events = tcp_socket_events(handle);
    if (events & (TCP_EV_EOF | TCP_EV_CLOSED | TCP_EV_ERROR)) {
      tcp_socket_close(handle);
      unchecked((kind_of[handle] = 0));
    }
  }
}
