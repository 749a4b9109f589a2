// HTTP/1.1 server (RFC 9110 semantics, RFC 9112 message syntax) on the TCP socket API, inside
// the module, so a board serves the same pages. Static memory only: one bounded request-head
// buffer per connection, one shared chunk to build output in, and per-connection progress so a
// response larger than the send ring streams across polls. Nothing is allocated per request;
// string literals are static data, read as UTF-16 and written as ASCII.
//
//   GET|HEAD /  or /status   text/plain: every counter (lib/counters.ts) and the TCP slot table
//   GET|HEAD /bytes/N        N bytes (N <= BYTES_MAX) of PATTERN, generated as send space allows
//   anything else            404; methods other than GET/HEAD 405; bad syntax 400 (and close)
//
// PATTERN: 64-byte lines. A line starting at body offset L is L as 16 lowercase hex digits, a
// space, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST" and "\n"; N bytes is that stream cut
// after N bytes. Tests recompute it to check length and digest.
//
// Per connection (tracked by handle, like tcp_services.ts):
//   READ   reading a request head into its buffer (REQUEST_BYTES; full -> 431/414 and close)
//   SEND   a response in progress: head bytes, then body bytes; request body bytes skipped
//   LINGER the last response is queued and our FIN follows it: read and discard until the
//          peer's FIN, so unread input never turns our close into a RST that could destroy
//          the response at the client
// Keep-alive: HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes unless
// "Connection: keep-alive". Pipelined requests wait in the buffer and are answered in order.
import { PROFILE_ID, TCP_CONNECTION_COUNT } from "../config";
import { Counter, counter_names_bytes, counter_names_ptr, counter_value } from "../lib/counters";
import { clock_now, clock_wake_at } from "../net/clock";
import { CLOSED, FREE, LISTEN, TIME_WAIT } from "../net/tcp/tcb";
import {
  tcp_slot, tcp_slot_state, tcp_socket_abort, tcp_socket_accept, tcp_socket_close, tcp_socket_events,
  tcp_socket_recv, tcp_socket_send, tcp_socket_send_space,
  tcp_socket_set_keepalive, tcp_socket_shutdown,
  TCP_EV_CLOSED, TCP_EV_ERROR,
} from "../socket/tcp";
import { tcp_listener_open } from "./listen";

/** Bytes of a request head (request line and header fields) a connection may hold. */
@inline export const REQUEST_BYTES: i32 = 1024;
/** Header fields in one request; more is 431. */
@inline export const HEADERS_MAX: i32 = 32;
/** Largest N for /bytes/N (12 decimal digits). */
@inline export const BYTES_MAX: u64 = 999_999_999_999;
/** Output is built in one shared chunk of one full segment, and written in pieces this big. */
@inline const CHUNK_BYTES: i32 = 1460;
/** Longest line of the status page (names are cut at NAME_MAX). */
@inline const LINE_MAX: i32 = 128;
@inline const NAME_MAX: i32 = 64;
@inline const NAME_COLUMN: i32 = 32;
@inline const VALUE_WIDTH: i32 = 10;
/** Content-Length digits accepted (u64 holds 19). */
@inline const LENGTH_DIGITS_MAX: i32 = 18;
/** Requests answered per connection per call, so one pipelining client cannot hog a poll. */
@inline const ROUNDS_MAX: i32 = 64;

// Parse results besides an HTTP status.
@inline export const HTTP_INCOMPLETE: i32 = 0;
@inline export const HTTP_OK: i32 = 200;

@inline export const METHOD_GET: i32 = 1;
@inline export const METHOD_HEAD: i32 = 2;
@inline export const METHOD_OTHER: i32 = 3;

// Connection phases.
@inline const P_FREE: i32 = 0;
@inline const P_READ: i32 = 1;
@inline const P_SEND: i32 = 2;
@inline const P_LINGER: i32 = 3;

// Response bodies.
@inline const BODY_TEXT: i32 = 1;   // the reason phrase and "\n"
@inline const BODY_STATUS: i32 = 2; // the status page, generated a line at a time
@inline const BODY_BYTES: i32 = 3;  // PATTERN

// Response flags.
@inline const R_CLOSE: i32 = 1;      // "Connection: close", then LINGER
@inline const R_HEAD_ONLY: i32 = 2;  // HEAD: no body bytes
@inline const R_HTTP10: i32 = 4;     // the request was HTTP/1.0 (keep-alive must be announced)

// ---- The parsed request (the parser's output, read right after http_parse_head) ----

let req_method: i32 = 0;
let req_minor: i32 = 0;
/** Offset and length of the path in the buffer: origin-form, query cut off. */
let req_path_at: i32 = 0;
let req_path_len: i32 = 0;
/** The target was origin-form ("/...") or absolute-form ("http://host/..."). */
let req_target_ok: bool = false;
let req_close: bool = false;
let req_content_length: u64 = 0;
/** Bytes of the head, blank line included (what the caller removes from its buffer). */
let req_head_bytes: i32 = 0;
/** A whole request line was seen (decides 414 or 431 when the buffer fills). */
let req_line_seen: bool = false;

export function http_request_method(): i32 { return req_method; }
export function http_request_minor(): i32 { return req_minor; }
export function http_request_path_at(): i32 { return req_path_at; }
export function http_request_path_len(): i32 { return req_path_len; }
export function http_request_target_ok(): bool { return req_target_ok; }
export function http_request_close(): bool { return req_close; }
export function http_request_content_length(): u64 { return req_content_length; }
export function http_request_head_bytes(): i32 { return req_head_bytes; }
export function http_request_line_seen(): bool { return req_line_seen; }

// ---- Static state ----

let listener: i32 = -1;
let requests_total: u32 = 0;
let errors_total: u32 = 0;
/** Length of the status page body; fixed for a build (values are fixed-width). */
let status_body_bytes: u64 = 0;

const request_buffers: usize = memory.data(REQUEST_BYTES * TCP_CONNECTION_COUNT, 8);
const chunk: usize = memory.data(CHUNK_BYTES, 8);
const head_scratch: usize = memory.data(LINE_MAX * 2, 8);
const digits: usize = memory.data(24, 8);
const phase = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const request_used = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const peer_eof = new StaticArray<bool>(TCP_CONNECTION_COUNT);
/** Request body bytes still to read and discard before the next request. */
const skip_bytes = new StaticArray<u64>(TCP_CONNECTION_COUNT);
const status_code = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const body_kind = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const response_flags = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const head_bytes = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const head_sent = new StaticArray<i32>(TCP_CONNECTION_COUNT);
const body_bytes = new StaticArray<u64>(TCP_CONNECTION_COUNT);
const body_sent = new StaticArray<u64>(TCP_CONNECTION_COUNT);
/** Status page: next line to generate. */
const body_line = new StaticArray<i32>(TCP_CONNECTION_COUNT);
/** Counter names: where each starts in the names table (ASCII bytes) and how long it is. */
const name_start = new StaticArray<i32>(Counter.COUNT);
const name_length = new StaticArray<i32>(Counter.COUNT);

// The status page shows TCP states by number with these names (net/tcp/tcb.ts order).
// @ts-ignore: compile-time check
if (TIME_WAIT != 11) ERROR("STATE_NAMES follows net/tcp/tcb.ts: FREE = 0 ... TIME_WAIT = 11");
@inline const STATE_WIDTH: i32 = 12;
const STATE_NAMES = "FREE        CLOSED      LISTEN      SYN-SENT    SYN-RECEIVEDESTABLISHED FIN-WAIT-1  FIN-WAIT-2  CLOSE-WAIT  CLOSING     LAST-ACK    TIME-WAIT   ";
const PATTERN_FILL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST";

@inline function request_buffer(handle: i32): usize {
  return request_buffers + <usize>(handle * REQUEST_BYTES);
}

// ---- ASCII output: a cursor into the buffer being built ----

let out: usize = 0;

@inline function put(c: u32): void {
  store<u8>(out, <u8>c);
  out++;
}

/** n UTF-16 units at p (ASCII text) as bytes. */
function put_units(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) put(load<u16>(p + (<usize>i << 1)));
}

/** A string literal's characters as ASCII bytes (the literals here are ASCII). */
function put_text(s: string): void {
  put_units(changetype<usize>(s), s.length);
}

function put_text_range(s: string, from: i32, n: i32): void {
  put_units(changetype<usize>(s) + (<usize>from << 1), n);
}

function put_spaces(n: i32): void {
  for (let i = 0; i < n; i++) put(32);
}

/** Decimal digits of value, right-aligned in width characters (width 0: no padding). */
function put_decimal(value: u64, width: i32): void {
  let n = 0;
  do {
    store<u8>(digits + <usize>n, <u8>(48 + <u32>(value % 10)));
    value /= 10;
    n++;
  } while (value != 0);
  put_spaces(width - n);
  while (n > 0) {
    n--;
    put(load<u8>(digits + <usize>n));
  }
}

/** Writes the decimal form of value at dst; returns its length (1..20). For specs and logs. */
export function http_format_decimal(dst: usize, value: u64): i32 {
  out = dst;
  put_decimal(value, 0);
  return <i32>(out - dst);
}

function put_ipv4(addr: u32): void {
  put_decimal(addr >>> 24, 0);
  put(46);
  put_decimal((addr >>> 16) & 0xff, 0);
  put(46);
  put_decimal((addr >>> 8) & 0xff, 0);
  put(46);
  put_decimal(addr & 0xff, 0);
}

// ---- Parsing (RFC 9112 2-6) ----

@inline function at(buf: usize, i: i32): u32 {
  return load<u8>(buf + <usize>i);
}

/** tchar (RFC 9110 5.6.2). */
function is_tchar(c: u32): bool {
  if (c >= 48 && c <= 57) return true; // 0-9
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 122) return true; // a-z A-Z
  switch (c) {
    case 33: case 35: case 36: case 37: case 38: case 39: case 42: case 43: case 45: case 46:
    case 94: case 95: case 96: case 124: case 126:
      return true;
  }
  return false;
}

/** Field-value characters: VCHAR, obs-text, SP, HTAB (never CR, LF, NUL or other controls). */
@inline function is_field_char(c: u32): bool {
  return (c >= 32 && c != 127) || c == 9;
}

@inline function lower(c: u32): u32 {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

/** The len bytes at buf equal the (lower-case ASCII) literal s, ignoring case. */
function equals_ignore_case(buf: usize, from: i32, len: i32, s: string): bool {
  if (len != s.length) return false;
  const p = changetype<usize>(s);
  for (let i = 0; i < len; i++) {
    if (lower(at(buf, from + i)) != <u32>load<u16>(p + (<usize>i << 1))) return false;
  }
  return true;
}

/** The len bytes at buf equal the literal s exactly (methods and paths are case-sensitive). */
function equals(buf: usize, from: i32, len: i32, s: string): bool {
  if (len != s.length) return false;
  const p = changetype<usize>(s);
  for (let i = 0; i < len; i++) {
    if (at(buf, from + i) != <u32>load<u16>(p + (<usize>i << 1))) return false;
  }
  return true;
}

/** Index of the first LF at or after from, or -1. */
function find_lf(buf: usize, from: i32, len: i32): i32 {
  for (let i = from; i < len; i++) if (at(buf, i) == 10) return i;
  return -1;
}

/** End of the line content ending at the LF at lf (a CR before it is not content). */
@inline function content_end(buf: usize, start: i32, lf: i32): i32 {
  return lf > start && at(buf, lf - 1) == 13 ? lf - 1 : lf;
}

/** Parses "METHOD SP target SP HTTP/x.y" in [start, end); returns HTTP_OK or an error status. */
function parse_request_line(buf: usize, start: i32, end: i32): i32 {
  let i = start;
  while (i < end && is_tchar(at(buf, i))) i++;
  const method_len = i - start;
  if (method_len == 0 || i >= end || at(buf, i) != 32) return 400;
  // Methods are case-sensitive (RFC 9110 9.1): "get" is some other method.
  if (equals(buf, start, method_len, "GET")) req_method = METHOD_GET;
  else if (equals(buf, start, method_len, "HEAD")) req_method = METHOD_HEAD;
  else req_method = METHOD_OTHER;
  const target = ++i;
  while (i < end && at(buf, i) > 32 && at(buf, i) < 127) i++;
  const target_len = i - target;
  if (target_len == 0 || i >= end || at(buf, i) != 32) return 400;
  i++;
  if (end - i != 8) return 400;
  if (at(buf, i) != 72 || at(buf, i + 1) != 84 || at(buf, i + 2) != 84 || at(buf, i + 3) != 80 || at(buf, i + 4) != 47) return 400;
  const major = at(buf, i + 5);
  const minor = at(buf, i + 7);
  if (major < 48 || major > 57 || at(buf, i + 6) != 46 || minor < 48 || minor > 57) return 400;
  if (major != 49) return 505;
  // A higher 1.x minor is answered as 1.1 (RFC 9110 6.2).
  req_minor = minor == 48 ? 0 : 1;
  parse_target(buf, target, target_len);
  return HTTP_OK;
}

/** Sets the path (origin-form, or the path of an absolute-form http:// target), query cut. */
function parse_target(buf: usize, from: i32, len: i32): void {
  let path = from;
  const end = from + len;
  req_target_ok = false;
  if (at(buf, from) != 47) {
    if (len < 7 || !equals_ignore_case(buf, from, 7, "http://")) return;
    path = from + 7;
    while (path < end && at(buf, path) != 47 && at(buf, path) != 63) path++;
    if (path == from + 7) return; // no authority
  }
  let cut = path;
  while (cut < end && at(buf, cut) != 63 && at(buf, cut) != 35) cut++;
  req_target_ok = true;
  req_path_at = path;
  req_path_len = cut - path;
}

/** Connection: a comma-separated list of tokens; notes close and keep-alive. Returns 0 or 1 | 2. */
function connection_options(buf: usize, from: i32, end: i32): i32 {
  let found = 0;
  let i = from;
  while (i < end) {
    while (i < end && (at(buf, i) == 32 || at(buf, i) == 9 || at(buf, i) == 44)) i++;
    const token = i;
    while (i < end && at(buf, i) != 44 && at(buf, i) != 32 && at(buf, i) != 9) i++;
    const n = i - token;
    if (n == 5 && equals_ignore_case(buf, token, 5, "close")) found |= 1;
    if (n == 10 && equals_ignore_case(buf, token, 10, "keep-alive")) found |= 2;
  }
  return found;
}

/** 1*DIGIT, at most LENGTH_DIGITS_MAX of them; -1 if not. */
function parse_length(buf: usize, from: i32, end: i32): i64 {
  if (end <= from || end - from > LENGTH_DIGITS_MAX) return -1;
  let value: i64 = 0;
  for (let i = from; i < end; i++) {
    const c = at(buf, i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + <i64>(c - 48);
  }
  return value;
}

/**
 * Parses a request head at the start of buf (len bytes held). Returns HTTP_INCOMPLETE when
 * the head has not all arrived, HTTP_OK with the request in the http_request_* getters, or
 * the status of the error response (400, 431, 501, 505). A complete head always sets
 * http_request_head_bytes(), so the caller can drop it (error responses close anyway).
 */
export function http_parse_head(buf: usize, len: i32): i32 {
  req_method = 0;
  req_minor = 1;
  req_path_at = 0;
  req_path_len = 0;
  req_target_ok = false;
  req_close = false;
  req_content_length = 0;
  req_head_bytes = 0;
  req_line_seen = false;
  // RFC 9112 2.2: empty lines before the request line are ignored.
  let start = 0;
  while (start < len && (at(buf, start) == 13 || at(buf, start) == 10)) start++;
  let lf = find_lf(buf, start, len);
  if (lf < 0) return HTTP_INCOMPLETE;
  req_line_seen = true;
  const line_status = parse_request_line(buf, start, content_end(buf, start, lf));
  if (line_status != HTTP_OK) {
    req_head_bytes = lf + 1;
    return line_status;
  }
  let hosts = 0;
  let lengths = 0;
  let options = 0;
  let headers = 0;
  // An error is decided on whole lines, so it is returned at once: the connection closes after
  // the error response and the rest of the head does not matter.
  for (;;) {
    const line = lf + 1;
    lf = find_lf(buf, line, len);
    if (lf < 0) return HTTP_INCOMPLETE;
    req_head_bytes = lf + 1;
    const end = content_end(buf, line, lf);
    if (end == line) break; // the blank line ending the head
    if (++headers > HEADERS_MAX) return 431;
    // obs-fold (a line starting with whitespace) is rejected (RFC 9112 5.2), as is a space
    // before the colon (5.1).
    let i = line;
    while (i < end && is_tchar(at(buf, i))) i++;
    if (i == line || i >= end || at(buf, i) != 58) return 400;
    const name_len = i - line;
    let value = i + 1;
    let value_end = end;
    for (let k = value; k < value_end; k++) if (!is_field_char(at(buf, k))) return 400;
    while (value < value_end && (at(buf, value) == 32 || at(buf, value) == 9)) value++;
    while (value_end > value && (at(buf, value_end - 1) == 32 || at(buf, value_end - 1) == 9)) value_end--;
    if (equals_ignore_case(buf, line, name_len, "host")) {
      hosts++;
    } else if (equals_ignore_case(buf, line, name_len, "content-length")) {
      // A list, or a second field with another value, is invalid (RFC 9112 6.3).
      const n = parse_length(buf, value, value_end);
      if (n < 0 || (lengths > 0 && <u64>n != req_content_length)) return 400;
      req_content_length = <u64>n;
      lengths++;
    } else if (equals_ignore_case(buf, line, name_len, "transfer-encoding")) {
      // Request bodies in chunked (or any) transfer coding are not supported.
      return 501;
    } else if (equals_ignore_case(buf, line, name_len, "connection")) {
      options |= connection_options(buf, value, value_end);
    }
  }
  // RFC 9112 3.2: an HTTP/1.1 request without exactly one Host is a 400.
  if (req_minor == 1 && hosts != 1) return 400;
  if (hosts > 1) return 400;
  req_close = (options & 1) != 0 || (req_minor == 0 && (options & 2) == 0);
  return HTTP_OK;
}

// ---- Routing ----

/** N of a "/bytes/N" path, or -1 for any other path. */
function bytes_path(buf: usize, from: i32, len: i32): i64 {
  if (len < 8 || len > 7 + 12 || !equals(buf, from, 7, "/bytes/")) return -1;
  const n = parse_length(buf, from + 7, from + len);
  return n < 0 || <u64>n > BYTES_MAX ? -1 : n;
}

function is_status_path(buf: usize, from: i32, len: i32): bool {
  return len == 1 || equals(buf, from, len, "/status"); // "/" (a path is never empty)
}

/** Routes the request just parsed: sets status, body and length for the handle. */
function route(handle: i32, buf: usize): void {
  let flags = 0;
  if (req_close) flags |= R_CLOSE;
  if (req_minor == 0) flags |= R_HTTP10;
  if (req_method == METHOD_HEAD) flags |= R_HEAD_ONLY;
  unchecked((response_flags[handle] = flags));
  if (req_method == METHOD_OTHER) {
    respond_text(handle, 405);
    return;
  }
  if (!req_target_ok) {
    respond_text(handle, 400);
    unchecked((response_flags[handle] = flags | R_CLOSE));
    return;
  }
  const path = req_path_at;
  const path_len = req_path_len;
  if (is_status_path(buf, path, path_len)) {
    respond(handle, 200, BODY_STATUS, status_body_bytes);
    return;
  }
  const n = bytes_path(buf, path, path_len);
  if (n >= 0) {
    respond(handle, 200, BODY_BYTES, <u64>n);
    return;
  }
  respond_text(handle, 404);
}

function reason(status: i32): string {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
  }
  return "Internal Server Error";
}

function respond(handle: i32, status: i32, kind: i32, length: u64): void {
  if (status >= 400) errors_total++;
  unchecked((status_code[handle] = status));
  unchecked((body_kind[handle] = kind));
  unchecked((body_bytes[handle] = length));
  unchecked((body_sent[handle] = 0));
  unchecked((body_line[handle] = 0));
  unchecked((head_sent[handle] = 0));
  out = head_scratch;
  build_head(handle);
  unchecked((head_bytes[handle] = <i32>(out - head_scratch)));
  unchecked((phase[handle] = P_SEND));
}

function respond_text(handle: i32, status: i32): void {
  respond(handle, status, BODY_TEXT, <u64>reason(status).length + 1);
}

/** Ends the connection after an error response (the rest of the input cannot be trusted). */
function respond_and_close(handle: i32, status: i32): void {
  unchecked((response_flags[handle] = R_CLOSE));
  respond_text(handle, status);
}

function build_head(handle: i32): void {
  const status = unchecked(status_code[handle]);
  const flags = unchecked(response_flags[handle]);
  put_text("HTTP/1.1 ");
  put_decimal(<u64>status, 0);
  put(32);
  put_text(reason(status));
  put_text("\r\nServer: netstack\r\nContent-Type: ");
  put_text(unchecked(body_kind[handle]) == BODY_BYTES ? "application/octet-stream" : "text/plain; charset=us-ascii");
  put_text("\r\nContent-Length: ");
  put_decimal(unchecked(body_bytes[handle]), 0);
  put_text("\r\n");
  if (status == 405) put_text("Allow: GET, HEAD\r\n");
  if (unchecked(body_kind[handle]) == BODY_STATUS) put_text("Cache-Control: no-store\r\n");
  if (flags & R_CLOSE) put_text("Connection: close\r\n");
  else if (flags & R_HTTP10) put_text("Connection: keep-alive\r\n");
  put_text("\r\n");
}

// ---- Bodies ----

/** Byte at offset of PATTERN (see the top of the file). */
export function http_pattern_byte(offset: u64): u8 {
  const column = <i32>(offset & 63);
  if (column < 16) {
    const nibble = <u32>((offset & ~(<u64>63)) >> (<u64>(15 - column) << 2)) & 15;
    return <u8>(nibble < 10 ? 48 + nibble : 87 + nibble);
  }
  if (column == 16) return 32;
  if (column == 63) return 10;
  return <u8>load<u16>(changetype<usize>(PATTERN_FILL) + (<usize>(column - 17) << 1));
}

/** Status page lines: title, counters, http lines, table heading, one per TCP slot. */
function status_line_count(): i32 {
  return 1 + 1 + (Counter.COUNT - 1) + 2 + 1 + TCP_CONNECTION_COUNT;
}

function put_counter_line(name_index: i32, value: u32): void {
  const n = unchecked(name_length[name_index]);
  const shown = n < NAME_MAX ? n : NAME_MAX;
  const at = counter_names_ptr() + <usize>unchecked(name_start[name_index]);
  for (let i = 0; i < shown; i++) put(load<u8>(at + <usize>i));
  put_spaces(shown < NAME_COLUMN ? NAME_COLUMN - shown : 1);
  put_decimal(<u64>value, VALUE_WIDTH);
  put(10);
}

function put_named_value(name: string, value: u32): void {
  put_text(name);
  put_spaces(NAME_COLUMN - name.length);
  put_decimal(<u64>value, VALUE_WIDTH);
  put(10);
}

/** "slot state local peer" for slot i, fixed width so the page length never changes. */
function put_slot_line(i: i32): void {
  const state = tcp_slot_state(i);
  put_decimal(<u64>i, 4);
  put_spaces(2);
  put_text_range(STATE_NAMES, (state >= 0 && state <= TIME_WAIT ? state : 0) * STATE_WIDTH, STATE_WIDTH);
  put_spaces(2);
  const t = tcp_slot(i);
  if (state == FREE || state == CLOSED || t.local_port == 0) {
    put_spaces(4);
    put(45);
  } else {
    put_decimal(<u64>t.local_port, 5);
  }
  put_spaces(2);
  const peer_start = out;
  if (state == FREE || state == CLOSED || state == LISTEN || t.remote_addr == 0) put(45);
  else {
    put_ipv4(t.remote_addr);
    put(58);
    put_decimal(<u64>t.remote_port, 0);
  }
  put_spaces(21 - <i32>(out - peer_start));
  put(10);
}

/** Writes status line number line at out. */
function put_status_line(line: i32): void {
  if (line == 0) {
    put_text("netstack status (profile ");
    put_text(PROFILE_ID == 0 ? "tiny" : PROFILE_ID == 2 ? "desktop" : "default");
    put_text(")\n");
    return;
  }
  if (line == 1) {
    put_text("\ncounters\n");
    return;
  }
  const counters = Counter.COUNT - 1;
  if (line < 2 + counters) {
    const index = line - 2;
    put_counter_line(index, counter_value(<Counter>(index + 1)));
    return;
  }
  line -= 2 + counters;
  if (line == 0) { put_named_value("http_requests", requests_total); return; }
  if (line == 1) { put_named_value("http_error_responses", errors_total); return; }
  if (line == 2) {
    put_text("\ntcp connections (");
    put_decimal(<u64>TCP_CONNECTION_COUNT, 0);
    put_text(" slots, listeners included)\nslot  state         local  peer\n");
    return;
  }
  put_slot_line(line - 3);
}

/** Fills chunk from at up to limit with body bytes of handle; returns the new at. */
function fill_body(handle: i32, at_: i32, limit: i32): i32 {
  const total = unchecked(body_bytes[handle]);
  const sent = unchecked(body_sent[handle]);
  const left = total - sent;
  let room = limit - at_;
  if (<u64>room > left) room = <i32>left;
  const kind = unchecked(body_kind[handle]);
  if (kind == BODY_BYTES) {
    const dst = chunk + <usize>at_;
    for (let k = 0; k < room; k++) store<u8>(dst + <usize>k, http_pattern_byte(sent + <u64>k));
    return at_ + room;
  }
  if (kind == BODY_TEXT) {
    const text = reason(unchecked(status_code[handle]));
    out = chunk + <usize>at_;
    const from = <i32>sent;
    const text_len = text.length;
    for (let k = 0; k < room; k++) {
      const i = from + k;
      put(i < text_len ? <u32>load<u16>(changetype<usize>(text) + (<usize>i << 1)) : 10);
    }
    return at_ + room;
  }
  // BODY_STATUS: whole lines only (a line's values are read when it is written).
  let line = unchecked(body_line[handle]);
  const lines = status_line_count();
  let used: i32 = 0;
  out = chunk + <usize>at_;
  while (line < lines && (room - used >= LINE_MAX || <u64>(room - used) >= left - <u64>used)) {
    const before = out;
    put_status_line(line);
    used += <i32>(out - before);
    line++;
  }
  unchecked((body_line[handle] = line));
  return at_ + used;
}

/** Writes what send space allows; true once the whole response is queued. */
function send_response(handle: i32): bool {
  const flags = unchecked(response_flags[handle]);
  for (;;) {
    const head_total = unchecked(head_bytes[handle]);
    const head_done = unchecked(head_sent[handle]);
    const body_left: u64 = flags & R_HEAD_ONLY ? 0 : unchecked(body_bytes[handle]) - unchecked(body_sent[handle]);
    const left: u64 = <u64>(head_total - head_done) + body_left;
    if (left == 0) return true;
    const space = tcp_socket_send_space(handle);
    // Full chunks only, unless the rest is smaller; Nagle joins chunk tails into full segments.
    if (space <= 0 || (space < CHUNK_BYTES && <u64>space < left)) return false;
    const limit = space < CHUNK_BYTES ? space : CHUNK_BYTES;
    let n = head_total - head_done;
    if (n > limit) n = limit;
    for (let k = 0; k < n; k++) store<u8>(chunk + <usize>k, load<u8>(head_scratch + <usize>(head_done + k)));
    let end = n;
    if (body_left > 0 && end < limit) end = fill_body(handle, end, limit);
    // No progress, or more body than announced, would be a bug in the generators; and a send
    // cannot take less than the space checked above. Neither can be undone: reset.
    if (end == 0 || <u64>(end - n) > body_left || tcp_socket_send(handle, chunk, end) != end) {
      tcp_socket_abort(handle);
      forget(handle);
      return false;
    }
    unchecked((head_sent[handle] = head_done + n));
    unchecked((body_sent[handle] = unchecked(body_sent[handle]) + <u64>(end - n)));
  }
  return false;
}

// ---- Input ----

/** Drops n bytes from the front of a request buffer. */
function consume(handle: i32, n: i32): void {
  const buf = request_buffer(handle);
  const used = unchecked(request_used[handle]);
  const rest = used - n;
  for (let k = 0; k < rest; k++) store<u8>(buf + <usize>k, load<u8>(buf + <usize>(n + k)));
  unchecked((request_used[handle] = rest));
}

/** Discards request body bytes, then reads into the head buffer while it has room. */
function read_input(handle: i32): void {
  let skip = unchecked(skip_bytes[handle]);
  if (skip > 0) {
    const held = <u64>unchecked(request_used[handle]);
    const n = skip < held ? skip : held;
    if (n > 0) consume(handle, <i32>n);
    skip -= n;
    while (skip > 0) {
      const got = tcp_socket_recv(handle, chunk, skip < <u64>CHUNK_BYTES ? <i32>skip : CHUNK_BYTES);
      if (got <= 0) {
        if (got == 0) unchecked((peer_eof[handle] = true));
        break;
      }
      skip -= <u64>got;
    }
    unchecked((skip_bytes[handle] = skip));
    if (skip > 0) return;
  }
  const used = unchecked(request_used[handle]);
  if (used >= REQUEST_BYTES || unchecked(peer_eof[handle])) return;
  const got = tcp_socket_recv(handle, request_buffer(handle) + <usize>used, REQUEST_BYTES - used);
  if (got > 0) unchecked((request_used[handle] = used + got));
  else if (got == 0) unchecked((peer_eof[handle] = true));
}

/** LINGER: read and discard everything until the peer's FIN. */
function drain(handle: i32): void {
  for (let k = 0; k < 8; k++) {
    const got = tcp_socket_recv(handle, chunk, CHUNK_BYTES);
    if (got == 0) unchecked((peer_eof[handle] = true));
    if (got <= 0) return;
  }
}

/** Takes the next request from the buffer; false when there is none (yet). */
function next_request(handle: i32): bool {
  const buf = request_buffer(handle);
  const used = unchecked(request_used[handle]);
  const result = http_parse_head(buf, used);
  if (result == HTTP_INCOMPLETE) {
    if (used >= REQUEST_BYTES) {
      requests_total++;
      respond_and_close(handle, req_line_seen ? 431 : 414);
      return true;
    }
    return false;
  }
  requests_total++;
  if (result != HTTP_OK) {
    respond_and_close(handle, result);
    return true;
  }
  route(handle, buf);
  // The body (if any) follows the head; it is skipped before the next request is parsed.
  unchecked((skip_bytes[handle] = req_content_length));
  consume(handle, req_head_bytes);
  return true;
}

/** Runs one connection as far as it can go now. */
function serve(handle: i32): void {
  for (let round = 0; round < ROUNDS_MAX; round++) {
    const current = unchecked(phase[handle]);
    if (current == P_LINGER) {
      drain(handle);
      return;
    }
    read_input(handle);
    if (current == P_SEND) {
      if (!send_response(handle)) return;
      if (unchecked(response_flags[handle]) & R_CLOSE) {
        tcp_socket_shutdown(handle);
        unchecked((phase[handle] = P_LINGER));
        continue;
      }
      unchecked((phase[handle] = P_READ));
      continue;
    }
    // P_READ
    if (unchecked(skip_bytes[handle]) > 0) return;
    if (!next_request(handle)) return;
  }
  // More work is waiting (pipelined requests): ask for another poll at once.
  clock_wake_at(clock_now());
}

function forget(handle: i32): void {
  unchecked((phase[handle] = P_FREE));
}

/** A connection we are done with: closed by the peer, reset, or finished. */
function finished(handle: i32): bool {
  const events = tcp_socket_events(handle);
  if (events & (TCP_EV_CLOSED | TCP_EV_ERROR)) return true;
  if (!unchecked(peer_eof[handle])) return false;
  const current = unchecked(phase[handle]);
  if (current == P_LINGER) return true;
  // The peer sent its FIN: done once every complete request it sent is answered.
  return current == P_READ && http_parse_head(request_buffer(handle), unchecked(request_used[handle])) == HTTP_INCOMPLETE;
}

// ---- Entry points ----

/** Starts (port != 0) or stops (port 0) the server. Returns 0 or a negative errno. */
export function http_start(port: u32): i32 {
  if (listener >= 0) {
    tcp_socket_close(listener);
    listener = -1;
  }
  if (port == 0) return 0;
  const handle = tcp_listener_open(port, TCP_CONNECTION_COUNT);
  if (handle < 0) return handle;
  listener = handle;
  return 0;
}

/** Accepts, reads requests, writes responses; called after every rx and poll. */
export function http_poll(): void {
  if (listener >= 0) {
    for (let accepted = tcp_socket_accept(listener); accepted >= 0; accepted = tcp_socket_accept(listener)) {
      unchecked((phase[accepted] = P_READ));
      unchecked((request_used[accepted] = 0));
      unchecked((peer_eof[accepted] = false));
      unchecked((skip_bytes[accepted] = 0));
      // A peer that vanishes is found by keepalive (the TCP layer's timers), not held forever.
      tcp_socket_set_keepalive(accepted, true);
    }
  }
  for (let handle = 0; handle < TCP_CONNECTION_COUNT; handle++) {
    if (unchecked(phase[handle]) == P_FREE) continue;
    serve(handle);
    if (unchecked(phase[handle]) != P_FREE && finished(handle)) {
      tcp_socket_close(handle);
      forget(handle);
    }
  }
}

export function http_reset(): void {
  listener = -1;
  requests_total = 0;
  errors_total = 0;
  for (let i = 0; i < TCP_CONNECTION_COUNT; i++) unchecked((phase[i] = P_FREE));
  index_counter_names();
  status_body_bytes = measure_status_body();
}

function index_counter_names(): void {
  const names = counter_names_ptr();
  const bytes = counter_names_bytes();
  let start = 0;
  let index = 0;
  for (let i = 0; i <= bytes && index < Counter.COUNT; i++) {
    if (i == bytes || load<u8>(names + <usize>i) == 10) {
      unchecked((name_start[index] = start));
      unchecked((name_length[index] = i - start));
      index++;
      start = i + 1;
    }
  }
  for (; index < Counter.COUNT; index++) {
    unchecked((name_start[index] = 0));
    unchecked((name_length[index] = 0));
  }
}

/** The status body's length: every line is fixed-width, so one pass into the chunk measures it. */
function measure_status_body(): u64 {
  let total: u64 = 0;
  const lines = status_line_count();
  for (let line = 0; line < lines; line++) {
    out = chunk;
    put_status_line(line);
    total += <u64>(out - chunk);
  }
  return total;
}

/** Length of the status page body (for specs). */
export function http_status_body_bytes(): u64 { return status_body_bytes; }

/** Writes status page line number line at dst; returns its length (for specs). */
export function http_status_line(dst: usize, line: i32): i32 {
  out = dst;
  put_status_line(line);
  return <i32>(out - dst);
}
export function http_status_line_count(): i32 { return status_line_count(); }
