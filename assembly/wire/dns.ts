// DNS messages (RFC 1035 4.1): the query a stub resolver sends (one question, QTYPE A, QCLASS IN)
// and a safe reading of the response to it.
//
//   0    2       4         6         8         10        12
//   | id | flags | qdcount | ancount | nscount | arcount | question... | answers... | ...
//   flags: QR(15) opcode(14..11) AA(10) TC(9) RD(8) RA(7) Z(6..4) RCODE(3..0)
//
// Names are handled in wire form (length-prefixed labels ending with a zero byte, at most 255
// bytes). Reading a name from a message follows compression pointers (RFC 1035 4.1.4) only
// strictly backwards: each pointer must land before the start of the label run that holds it,
// so every jump moves to a smaller offset and loops are impossible; the jump count is bounded
// as well. Pointers into the header or past the end, label types 01/10 (RFC 6891 drops 0x40),
// and names longer than 255 bytes are refused.
//
// Contract: dns_response_check returns Counter.OK only after every length it used was checked
// against the message end; the dns_answer_* getters then describe the answer.
import { get16, get32, put16 } from "../lib/bytes";
import { Counter } from "../lib/counters";

@inline const ID: usize = 0;
@inline const FLAGS: usize = 2;
@inline const QDCOUNT: usize = 4;
@inline const ANCOUNT: usize = 6;
@inline const NSCOUNT: usize = 8;
@inline const ARCOUNT: usize = 10;
@inline export const DNS_HEADER_BYTES: i32 = 12;
/** Longest name in wire form, length bytes and the root label included (RFC 1035 2.3.4). */
@inline export const DNS_NAME_MAX_BYTES: i32 = 255;
@inline export const DNS_LABEL_MAX_BYTES: i32 = 63;
/** Without EDNS0 a UDP message is at most 512 bytes (RFC 1035 2.3.4). */
@inline export const DNS_UDP_MESSAGE_MAX_BYTES: i32 = 512;
@inline export const DNS_PORT: u32 = 53;
@inline export const DNS_TYPE_A: u32 = 1;
@inline export const DNS_TYPE_CNAME: u32 = 5;
@inline export const DNS_CLASS_IN: u32 = 1;
@inline export const DNS_RCODE_NOERROR: u32 = 0;
@inline export const DNS_RCODE_NXDOMAIN: u32 = 3;
@inline const FLAG_QR: u32 = 0x8000;
@inline const FLAG_TC: u32 = 0x0200;
@inline const FLAG_RD: u32 = 0x0100;
@inline const OPCODE_MASK: u32 = 0x7800;
@inline const RCODE_MASK: u32 = 0x000f;
/** Pointers followed in one name; strictly backwards jumps already end, this bounds the work. */
@inline const POINTER_JUMPS_MAX: i32 = 16;
/** CNAMEs followed from the name asked to its address within one response. */
@inline export const DNS_CNAME_CHAIN_MAX: i32 = 8;
/** Fixed part of a resource record after its owner name: type, class, ttl, rdlength. */
@inline const RR_FIXED_BYTES: i32 = 10;

@inline export function dns_id(msg: usize): u32 { return get16(msg + ID); }
@inline export function dns_flags(msg: usize): u32 { return get16(msg + FLAGS); }
@inline export function dns_qdcount(msg: usize): u32 { return get16(msg + QDCOUNT); }
@inline export function dns_ancount(msg: usize): u32 { return get16(msg + ANCOUNT); }

// ---- Names from text ----

/** Characters accepted in a name: letters, digits, hyphen, underscore (service labels). */
@inline function name_char(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f;
}

/**
 * Encodes the dotted name of len bytes at text into wire form at out (room for
 * DNS_NAME_MAX_BYTES). One trailing dot is accepted; empty labels, labels over 63 bytes, other
 * characters, the root name alone and names over 255 encoded bytes are refused. Returns the
 * encoded length, or -1.
 */
export function dns_name_encode(text: usize, len: i32, out: usize): i32 {
  if (len > 0 && load<u8>(text + <usize>(len - 1)) == 0x2e) len--;
  // Encoded: one length byte per label instead of each dot, plus the first length and the root.
  if (len <= 0 || len + 2 > DNS_NAME_MAX_BYTES) return -1;
  let label_start = 0;
  for (let i = 0; i <= len; i++) {
    const c: u32 = i < len ? load<u8>(text + <usize>i) : 0x2e;
    if (c == 0x2e) {
      const label_len = i - label_start;
      if (label_len == 0 || label_len > DNS_LABEL_MAX_BYTES) return -1;
      store<u8>(out + <usize>label_start, <u8>label_len);
      label_start = i + 1;
    } else {
      if (!name_char(c)) return -1;
      store<u8>(out + <usize>(i + 1), <u8>c);
    }
  }
  store<u8>(out + <usize>(len + 1), 0);
  return len + 2;
}

@inline function lower(c: u32): u32 {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Two wire-form names are the same name, ASCII case ignored (RFC 4343). Length bytes are at most
 *  63, below 'A', so folding every byte leaves them alone. */
export function dns_name_equal(a: usize, a_len: i32, b: usize, b_len: i32): bool {
  if (a_len != b_len) return false;
  for (let i = 0; i < a_len; i++) {
    if (lower(load<u8>(a + <usize>i)) != lower(load<u8>(b + <usize>i))) return false;
  }
  return true;
}

// ---- The query ----

/** Bytes of the query for an encoded name of name_len bytes. */
@inline export function dns_query_bytes(name_len: i32): i32 {
  return DNS_HEADER_BYTES + name_len + 4;
}

/** Writes a recursive query for the A record of the encoded name at out; returns its length. */
export function dns_query_emit(out: usize, id: u32, name: usize, name_len: i32): i32 {
  put16(out + ID, id);
  put16(out + FLAGS, FLAG_RD);
  put16(out + QDCOUNT, 1);
  put16(out + ANCOUNT, 0);
  put16(out + NSCOUNT, 0);
  put16(out + ARCOUNT, 0);
  const question = out + <usize>DNS_HEADER_BYTES;
  memory.copy(question, name, <usize>name_len);
  put16(question + <usize>name_len, DNS_TYPE_A);
  put16(question + <usize>(name_len + 2), DNS_CLASS_IN);
  return dns_query_bytes(name_len);
}

// ---- Names from a message ----

let read_len: i32 = 0;

/** Length of the name written by the last successful dns_name_read. */
export function dns_name_read_len(): i32 { return read_len; }

/**
 * Reads the possibly compressed name at offset of the len-byte message msg into out (wire form,
 * uncompressed, room for DNS_NAME_MAX_BYTES). Returns the offset just past the name where it
 * sits (after its first pointer, if any), or -reason (a Counter) when the name is refused.
 */
export function dns_name_read(msg: usize, len: i32, offset: i32, out: usize): i32 {
  let pos = offset;
  let run_start = offset;
  let after = -1;
  let jumps = 0;
  let written = 0;
  // Each turn takes a label (at least 2 of the 255 bytes) or a jump (at most POINTER_JUMPS_MAX).
  for (let turn = 0; turn <= DNS_NAME_MAX_BYTES / 2 + POINTER_JUMPS_MAX; turn++) {
    if (pos >= len) return -Counter.dns_rx_short;
    const b = <i32>load<u8>(msg + <usize>pos);
    const kind = b & 0xc0;
    if (kind == 0xc0) {
      if (pos + 1 >= len) return -Counter.dns_rx_short;
      const target = ((b & 0x3f) << 8) | <i32>load<u8>(msg + <usize>(pos + 1));
      if (target < DNS_HEADER_BYTES || target >= len) return -Counter.dns_rx_bad_pointer;
      // Not strictly before the run holding the pointer: forwards, onto itself, or a cycle.
      if (target >= run_start || ++jumps > POINTER_JUMPS_MAX) return -Counter.dns_rx_pointer_loop;
      if (after < 0) after = pos + 2;
      pos = target;
      run_start = target;
      continue;
    }
    if (kind != 0) return -Counter.dns_rx_bad_label;
    if (b == 0) {
      store<u8>(out + <usize>written, 0);
      read_len = written + 1;
      return after < 0 ? pos + 1 : after;
    }
    if (pos + 1 + b > len) return -Counter.dns_rx_short;
    // Room for this label and at least the root label after it.
    if (written + 1 + b + 1 > DNS_NAME_MAX_BYTES) return -Counter.dns_rx_name_too_long;
    memory.copy(out + <usize>written, msg + <usize>pos, <usize>(1 + b));
    written += 1 + b;
    pos += 1 + b;
  }
  return -Counter.dns_rx_name_too_long;
}

// ---- The response ----

let answer_rcode: u32 = 0;
let answer_addr: u32 = 0;
let answer_ttl: u32 = 0;
let answer_found: bool = false;

/** RCODE of the last accepted response (NOERROR, NXDOMAIN, SERVFAIL, ...). */
export function dns_answer_rcode(): u32 { return answer_rcode; }
/** The response held an A record for the name asked (directly or through CNAMEs). */
export function dns_answer_found(): bool { return answer_found; }
export function dns_answer_addr(): u32 { return answer_addr; }
/** Smallest TTL along the chain, in seconds; values with the top bit set read as 0 (RFC 2181 8). */
export function dns_answer_ttl(): u32 { return answer_ttl; }

// Scratch for the names compared while walking a response.
const owner: usize = memory.data(DNS_NAME_MAX_BYTES + 1, 4);
const target: usize = memory.data(DNS_NAME_MAX_BYTES + 1, 4);

@inline function clamp_ttl(ttl: u32): u32 {
  return (ttl & 0x80000000) != 0 ? 0 : ttl;
}

/**
 * Checks that the len-byte message msg answers our query (id, the encoded name of name_len
 * bytes, QTYPE A, QCLASS IN; RFC 5452 9.1) and finds the address: the answer section is
 * walked for the name asked, following CNAMEs (at most DNS_CNAME_CHAIN_MAX). Returns a Counter
 * naming why it was refused, or OK with dns_answer_* set (the RCODE may still be an error).
 * TC set is refused with dns_rx_truncated: there is no TCP fallback.
 */
export function dns_response_check(msg: usize, len: i32, id: u32, name: usize, name_len: i32): Counter {
  if (len < DNS_HEADER_BYTES) return Counter.dns_rx_short;
  const flags = dns_flags(msg);
  if ((flags & FLAG_QR) == 0 || (flags & OPCODE_MASK) != 0) return Counter.dns_rx_not_response;
  if (dns_id(msg) != id) return Counter.dns_rx_bad_id;
  if (dns_qdcount(msg) != 1) return Counter.dns_rx_question_mismatch;
  const qname_end = dns_name_read(msg, len, DNS_HEADER_BYTES, owner);
  if (qname_end < 0) return <Counter>-qname_end;
  if (qname_end + 4 > len) return Counter.dns_rx_short;
  if (!dns_name_equal(owner, read_len, name, name_len) ||
    get16(msg + <usize>qname_end) != DNS_TYPE_A || get16(msg + <usize>(qname_end + 2)) != DNS_CLASS_IN) {
    return Counter.dns_rx_question_mismatch;
  }
  if ((flags & FLAG_TC) != 0) return Counter.dns_rx_truncated;
  answer_rcode = flags & RCODE_MASK;
  answer_found = false;
  answer_addr = 0;
  answer_ttl = 0;
  const answers = qname_end + 4;
  // First pass: every answer record lies within the message and has a readable owner name.
  const checked = check_records(msg, len, answers, <i32>dns_ancount(msg));
  if (checked != Counter.OK) return checked;
  if (answer_rcode != DNS_RCODE_NOERROR) return Counter.OK;
  memory.copy(target, name, <usize>name_len);
  let target_len = name_len;
  let ttl: u32 = 0xffffffff;
  // One pass per link of the chain, so records may come in any order.
  for (let link = 0; link <= DNS_CNAME_CHAIN_MAX; link++) {
    const found = find_record(msg, len, answers, <i32>dns_ancount(msg), target, target_len);
    if (found < 0) return Counter.OK; // no address for the name (NODATA)
    const type = get16(msg + <usize>found);
    const rdata = found + RR_FIXED_BYTES;
    const record_ttl = clamp_ttl(get32(msg + <usize>(found + 4)));
    if (record_ttl < ttl) ttl = record_ttl;
    if (type == DNS_TYPE_A) {
      answer_found = true;
      answer_addr = get32(msg + <usize>rdata);
      answer_ttl = ttl;
      return Counter.OK;
    }
    const next = dns_name_read(msg, len, rdata, target);
    if (next < 0) return <Counter>-next;
    target_len = read_len;
  }
  return Counter.dns_rx_cname_chain_too_long;
}

/** Every one of count records from offset lies inside the message; A records have 4 bytes. */
function check_records(msg: usize, len: i32, offset: i32, count: i32): Counter {
  let pos = offset;
  for (let i = 0; i < count; i++) {
    const fixed = dns_name_read(msg, len, pos, owner);
    if (fixed < 0) return <Counter>-fixed;
    if (fixed + RR_FIXED_BYTES > len) return Counter.dns_rx_short;
    const rdlength = <i32>get16(msg + <usize>(fixed + 8));
    const end = fixed + RR_FIXED_BYTES + rdlength;
    if (end > len) return Counter.dns_rx_short;
    const type = get16(msg + <usize>fixed);
    const klass = get16(msg + <usize>(fixed + 2));
    if (klass == DNS_CLASS_IN && type == DNS_TYPE_A && rdlength != 4) return Counter.dns_rx_bad_record;
    if (klass == DNS_CLASS_IN && type == DNS_TYPE_CNAME) {
      // The CNAME's target must read as a name that ends inside the rdata.
      const target_end = dns_name_read(msg, len, fixed + RR_FIXED_BYTES, target);
      if (target_end < 0) return <Counter>-target_end;
      if (target_end > end) return Counter.dns_rx_bad_record;
    }
    pos = end;
  }
  return Counter.OK;
}

/**
 * Offset of the type field of the first IN record of type A or CNAME owned by the encoded name,
 * among count records from offset (already checked by check_records), or -1.
 */
function find_record(msg: usize, len: i32, offset: i32, count: i32, name: usize, name_len: i32): i32 {
  let pos = offset;
  for (let i = 0; i < count; i++) {
    const fixed = dns_name_read(msg, len, pos, owner);
    const type = get16(msg + <usize>fixed);
    const klass = get16(msg + <usize>(fixed + 2));
    if (klass == DNS_CLASS_IN && (type == DNS_TYPE_A || type == DNS_TYPE_CNAME) && dns_name_equal(owner, read_len, name, name_len)) {
      return fixed;
    }
    pos = fixed + RR_FIXED_BYTES + <i32>get16(msg + <usize>(fixed + 8));
  }
  return -1;
}
