// wire/dns.ts: names from text, the query byte for byte, and response reading against malformed
// input (compression pointer loops and out-of-bounds pointers, label types, truncation at every
// length, counts beyond the message, mismatched answers, RCODE, TC).
import { Counter } from "../../../assembly/lib/counters";
import {
  dns_answer_addr, dns_answer_found, dns_answer_rcode, dns_answer_ttl, dns_name_encode, dns_name_equal,
  dns_name_read, dns_name_read_len, dns_query_emit, dns_response_check, DNS_NAME_MAX_BYTES,
} from "../../../assembly/wire/dns";
import { first_difference, prefilled } from "../helpers/bytes";

const text_buf: usize = memory.data(1024, 8);
const name_buf: usize = memory.data(DNS_NAME_MAX_BYTES + 1, 8);
const out_buf: usize = memory.data(DNS_NAME_MAX_BYTES + 1, 8);
const msg: usize = memory.data(1024, 8);
let at: i32 = 0;

function text(s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(text_buf + <usize>i, <u8>s.charCodeAt(i));
  return s.length;
}

function encode(s: string): i32 {
  memory.fill(name_buf, 0xa5, DNS_NAME_MAX_BYTES + 1);
  return dns_name_encode(text_buf, text(s), name_buf);
}

function repeat(c: string, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) s += c;
  return s;
}

// Message builder.
function b8(v: u32): void { store<u8>(msg + <usize>at, <u8>v); at++; }
function b16(v: u32): void { b8(v >> 8); b8(v & 0xff); }
function b32(v: u32): void { b16(v >>> 16); b16(v & 0xffff); }
function labels(s: string): void {
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i == s.length || s.charCodeAt(i) == 0x2e) {
      b8(<u32>(i - start));
      for (let j = start; j < i; j++) b8(<u32>s.charCodeAt(j));
      start = i + 1;
    }
  }
}
function name(s: string): void { labels(s); b8(0); }
function pointer(offset: i32): void { b16(0xc000 | <u32>offset); }
function header(id: u32, flags: u32, qd: u32, an: u32): void {
  at = 0;
  b16(id); b16(flags); b16(qd); b16(an); b16(0); b16(0);
}
function question(s: string): void { name(s); b16(1); b16(1); }
function rr(type: u32, ttl: u32, rdlength: u32): void { b16(type); b16(1); b32(ttl); b16(rdlength); }
function a_record_at_question(ttl: u32, addr: u32): void { pointer(12); rr(1, ttl, 4); b32(addr); }

const ID: u32 = 0x1234;
const ADDR: u32 = 0xc000024d; // 192.0.2.77

/** ok.test answered with one A record (ttl 300) at 192.0.2.77. */
function good_response(): void {
  header(ID, 0x8180, 1, 1);
  question("ok.test");
  a_record_at_question(300, ADDR);
}

function check(len: i32, asked: string): Counter {
  const name_len = encode(asked);
  return dns_response_check(msg, len, ID, name_buf, name_len);
}

describe("dns: names from text", () => {
  it("encodes labels with their lengths and a root label", () => {
    expect<i32>(encode("ok.test")).toBe(9);
    const expected = memory.data<u8>([2, 0x6f, 0x6b, 4, 0x74, 0x65, 0x73, 0x74, 0]);
    expect<i32>(first_difference(name_buf, expected, 9)).toBe(-1);
    expect<u8>(load<u8>(name_buf + 9)).toBe(0xa5);
  });

  it("accepts one trailing dot, letters, digits, hyphen and underscore", () => {
    expect<i32>(encode("ok.test.")).toBe(9);
    expect<i32>(encode("a")).toBe(3);
    expect<i32>(encode("_sip._udp.Host-1.EXAMPLE")).toBe(26);
  });

  it("refuses empty names and labels, the root alone, and other characters", () => {
    expect<i32>(encode("")).toBe(-1);
    expect<i32>(encode(".")).toBe(-1);
    expect<i32>(encode("a..b")).toBe(-1);
    expect<i32>(encode(".a")).toBe(-1);
    expect<i32>(encode("ok.test..")).toBe(-1);
    expect<i32>(encode("a b")).toBe(-1);
    expect<i32>(encode("a/b")).toBe(-1);
    expect<i32>(encode("caf\u00e9")).toBe(-1);
    expect<i32>(encode("a\x00b")).toBe(-1);
  });

  it("takes labels of 63 bytes and refuses 64", () => {
    expect<i32>(encode(repeat("a", 63) + ".test")).toBe(70);
    expect<i32>(encode(repeat("a", 64) + ".test")).toBe(-1);
  });

  it("takes names of 255 encoded bytes and refuses 256", () => {
    const label = repeat("b", 62);
    // 4 labels of 62 and one of 1 = 253 characters, 255 bytes encoded.
    const longest = label + "." + label + "." + label + "." + label + ".c";
    expect<i32>(longest.length).toBe(253);
    expect<i32>(encode(longest)).toBe(255);
    expect<i32>(encode(longest + ".")).toBe(255);
    expect<i32>(encode(longest + "c")).toBe(-1);
  });

  it("compares names ignoring ASCII case", () => {
    const a_len = encode("Ok.TEST");
    memory.copy(out_buf, name_buf, <usize>a_len);
    const b_len = encode("ok.test");
    expect<bool>(dns_name_equal(out_buf, a_len, name_buf, b_len)).toBe(true);
    const c_len = encode("ok.tesu");
    expect<bool>(dns_name_equal(out_buf, a_len, name_buf, c_len)).toBe(false);
  });
});

describe("dns: the query", () => {
  it("is one recursive question for the A record, byte for byte", () => {
    const name_len = encode("ok.test");
    const out = prefilled(64);
    expect<i32>(dns_query_emit(out, 0xbeef, name_buf, name_len)).toBe(25);
    const expected = memory.data<u8>([
      0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x02, 0x6f, 0x6b, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
    ]);
    expect<i32>(first_difference(out, expected, 25)).toBe(-1);
    expect<u8>(load<u8>(out + 25)).toBe(0xa5);
  });

  it("carries a longer name and the id as given", () => {
    const name_len = encode("_x.Host-1.example");
    const out = prefilled(64);
    expect<i32>(dns_query_emit(out, 0x0001, name_buf, name_len)).toBe(12 + 19 + 4);
    const expected = memory.data<u8>([
      0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x02, 0x5f, 0x78, 0x06, 0x48, 0x6f, 0x73, 0x74, 0x2d, 0x31, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x00,
      0x00, 0x01, 0x00, 0x01,
    ]);
    expect<i32>(first_difference(out, expected, 35)).toBe(-1);
  });
});

describe("dns: answers", () => {
  it("reads a single A record with its TTL", () => {
    good_response();
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_rcode()).toBe(0);
    expect<bool>(dns_answer_found()).toBe(true);
    expect<u32>(dns_answer_addr()).toBe(ADDR);
    expect<u32>(dns_answer_ttl()).toBe(300);
  });

  it("matches the question ignoring case", () => {
    header(ID, 0x8180, 1, 1);
    question("OK.Test");
    a_record_at_question(300, ADDR);
    expect<Counter>(check(at, "ok.TEST")).toBe(Counter.OK);
    expect<u32>(dns_answer_addr()).toBe(ADDR);
  });

  it("takes the first of several A records", () => {
    header(ID, 0x8180, 1, 3);
    question("ok.test");
    a_record_at_question(60, ADDR);
    a_record_at_question(60, ADDR + 1);
    a_record_at_question(60, ADDR + 2);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_addr()).toBe(ADDR);
  });

  it("skips records for other names and types", () => {
    header(ID, 0x8180, 1, 3);
    question("ok.test");
    name("other.test"); rr(1, 60, 4); b32(0xc0000263);
    pointer(12); rr(28, 60, 16); for (let i = 0; i < 16; i++) b8(0x20);
    a_record_at_question(70, ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_addr()).toBe(ADDR);
    expect<u32>(dns_answer_ttl()).toBe(70);
  });

  it("follows a CNAME chain in either order and keeps the smallest TTL", () => {
    // www.test CNAME host.test (pointer to "test" at 16); host.test A.
    header(ID, 0x8180, 1, 2);
    question("www.test");
    pointer(12); rr(5, 100, 7); labels("host"); pointer(16);
    const host = at - 7;
    pointer(host); rr(1, 200, 4); b32(ADDR);
    expect<Counter>(check(at, "www.test")).toBe(Counter.OK);
    expect<bool>(dns_answer_found()).toBe(true);
    expect<u32>(dns_answer_addr()).toBe(ADDR);
    expect<u32>(dns_answer_ttl()).toBe(100);

    // The A record first, then two CNAMEs: a.test -> b.test -> c.test.
    header(ID, 0x8180, 1, 3);
    question("a.test");
    name("c.test"); rr(1, 50, 4); b32(ADDR + 5);
    name("b.test"); rr(5, 400, 8); name("c.test");
    pointer(12); rr(5, 300, 8); name("b.test");
    expect<Counter>(check(at, "a.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_addr()).toBe(ADDR + 5);
    expect<u32>(dns_answer_ttl()).toBe(50);
  });

  it("refuses a CNAME loop as a chain too long", () => {
    header(ID, 0x8180, 1, 2);
    question("a.test");
    pointer(12); rr(5, 300, 8); name("b.test");
    name("b.test"); rr(5, 300, 2); pointer(12);
    expect<Counter>(check(at, "a.test")).toBe(Counter.dns_rx_cname_chain_too_long);
  });

  it("reports no address when the chain ends without an A record", () => {
    header(ID, 0x8180, 1, 1);
    question("www.test");
    pointer(12); rr(5, 100, 6); name("gone");
    expect<Counter>(check(at, "www.test")).toBe(Counter.OK);
    expect<bool>(dns_answer_found()).toBe(false);
    header(ID, 0x8180, 1, 0);
    question("ok.test");
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<bool>(dns_answer_found()).toBe(false);
  });

  it("reads TTLs with the top bit set as 0 (RFC 2181 8)", () => {
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    a_record_at_question(0x80000001, ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_ttl()).toBe(0);
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    a_record_at_question(0x7fffffff, ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_ttl()).toBe(0x7fffffff);
  });

  it("reports NXDOMAIN and SERVFAIL through the RCODE", () => {
    header(ID, 0x8183, 1, 0);
    question("nope.test");
    expect<Counter>(check(at, "nope.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_rcode()).toBe(3);
    expect<bool>(dns_answer_found()).toBe(false);
    header(ID, 0x8182, 1, 0);
    question("ok.test");
    expect<Counter>(check(at, "ok.test")).toBe(Counter.OK);
    expect<u32>(dns_answer_rcode()).toBe(2);
  });
});

describe("dns: responses that do not answer the query", () => {
  it("refuses a wrong id, a query, another opcode and TC", () => {
    good_response();
    const name_len = encode("ok.test");
    expect<Counter>(dns_response_check(msg, at, ID + 1, name_buf, name_len)).toBe(Counter.dns_rx_bad_id);
    store<u8>(msg + 2, 0x01); // QR clear
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_not_response);
    store<u8>(msg + 2, 0x90); // opcode 2
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_not_response);
    store<u8>(msg + 2, 0x83); // TC
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_truncated);
  });

  it("refuses another name, type, class or question count", () => {
    good_response();
    const len = at;
    expect<Counter>(check(len, "ok.tesu")).toBe(Counter.dns_rx_question_mismatch);
    expect<Counter>(check(len, "ok")).toBe(Counter.dns_rx_question_mismatch);
    store<u8>(msg + 22, 28); // QTYPE AAAA
    expect<Counter>(check(len, "ok.test")).toBe(Counter.dns_rx_question_mismatch);
    good_response();
    store<u8>(msg + 24, 3); // QCLASS CH
    expect<Counter>(check(len, "ok.test")).toBe(Counter.dns_rx_question_mismatch);
    good_response();
    store<u8>(msg + 5, 2); // QDCOUNT 2
    expect<Counter>(check(len, "ok.test")).toBe(Counter.dns_rx_question_mismatch);
    store<u8>(msg + 5, 0);
    expect<Counter>(check(len, "ok.test")).toBe(Counter.dns_rx_question_mismatch);
  });

  it("refuses an A record whose data is not 4 bytes", () => {
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    pointer(12); rr(1, 300, 5); b32(ADDR); b8(0);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_bad_record);
  });
});

describe("dns: malformed names and lengths", () => {
  it("refuses a pointer to itself", () => {
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    pointer(at); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_pointer_loop);
  });

  it("refuses a label run that points back into itself", () => {
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    const start = at;
    labels("a"); pointer(start); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_pointer_loop);
  });

  it("refuses a cycle of two pointers", () => {
    // Record 1's data holds a pointer to record 2's owner, which points back at it.
    header(ID, 0x8180, 1, 2);
    question("ok.test");
    pointer(12); rr(99, 300, 2);
    const first = at;
    const second = at + 2;
    pointer(second);
    pointer(first); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_pointer_loop);
    // The same cycle read from the first pointer.
    expect<i32>(dns_name_read(msg, at, first, out_buf)).toBe(-Counter.dns_rx_pointer_loop);
  });

  it("refuses a forward pointer", () => {
    header(ID, 0x8180, 1, 2);
    question("ok.test");
    const later = at + 16;
    pointer(later); rr(1, 300, 4); b32(ADDR);
    name("x.test"); rr(1, 300, 4); b32(ADDR);
    expect<i32>(at > later).toBe(true);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_pointer_loop);
  });

  it("refuses pointers into the header and past the end", () => {
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    pointer(4); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_bad_pointer);
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    pointer(0x3fff); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_bad_pointer);
    header(ID, 0x8180, 1, 1);
    question("ok.test");
    pointer(at + 50); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_bad_pointer);
  });

  it("refuses a pointer in the question (nothing lies before it)", () => {
    header(ID, 0x8180, 1, 0);
    pointer(12); b16(1); b16(1);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_pointer_loop);
  });

  it("refuses label types 0x40 and 0x80", () => {
    for (let kind = 0x40; kind <= 0x80; kind += 0x40) {
      header(ID, 0x8180, 1, 1);
      question("ok.test");
      b8(<u32>kind | 1); b8(0x61); b8(0); rr(1, 300, 4); b32(ADDR);
      expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_bad_label);
    }
  });

  it("refuses names longer than 255 bytes, also when built from pointers", () => {
    const label = repeat("c", 63);
    header(ID, 0x8180, 1, 0);
    question(label + "." + label + "." + label + "." + label);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_name_too_long);
    // 3 x 64 bytes in the question, then an owner adding 64 more through a pointer.
    header(ID, 0x8180, 1, 1);
    question(label + "." + label + "." + repeat("c", 62));
    labels(label); pointer(12); rr(1, 300, 4); b32(ADDR);
    expect<Counter>(check(at, label + "." + label + "." + repeat("c", 62))).toBe(Counter.dns_rx_name_too_long);
  });

  it("reads a compressed name and reports where it ends", () => {
    header(ID, 0x8180, 1, 0);
    question("ok.test");
    const start = at;
    labels("www"); pointer(12);
    expect<i32>(dns_name_read(msg, at, start, out_buf)).toBe(start + 6);
    expect<i32>(dns_name_read_len()).toBe(13);
    const expected = memory.data<u8>([3, 0x77, 0x77, 0x77, 2, 0x6f, 0x6b, 4, 0x74, 0x65, 0x73, 0x74, 0]);
    expect<i32>(first_difference(out_buf, expected, 13)).toBe(-1);
  });

  it("refuses answer counts larger than the message", () => {
    good_response();
    store<u8>(msg + 7, 2);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_short);
    store<u8>(msg + 6, 0xff);
    expect<Counter>(check(at, "ok.test")).toBe(Counter.dns_rx_short);
  });

  it("refuses every truncation of valid responses without trapping", () => {
    good_response();
    const full = at;
    expect<Counter>(check(full, "ok.test")).toBe(Counter.OK);
    for (let len = 0; len < full; len++) {
      expect<bool>(check(len, "ok.test") != Counter.OK).toBe(true);
    }
    header(ID, 0x8180, 1, 2);
    question("www.test");
    pointer(12); rr(5, 100, 7); labels("host"); pointer(16);
    pointer(at - 7); rr(1, 200, 4); b32(ADDR);
    const chain = at;
    expect<Counter>(check(chain, "www.test")).toBe(Counter.OK);
    for (let len = 0; len < chain; len++) {
      expect<bool>(check(len, "www.test") != Counter.OK).toBe(true);
    }
  });
});
