// HTTP parser and generators of app/http.ts: request line, header fields and their limits,
// Content-Length, Connection, malformed input; decimal formatting, the /bytes pattern and the
// fixed-width status page.
import {
  http_format_decimal, http_parse_head, http_pattern_byte, http_request_close, http_request_content_length,
  http_request_head_bytes, http_request_line_seen, http_request_method, http_request_minor, http_request_path_at,
  http_request_path_len, http_request_target_ok, http_status_body_bytes, http_status_line, http_status_line_count,
  HEADERS_MAX, HTTP_INCOMPLETE, HTTP_OK, METHOD_GET, METHOD_HEAD, METHOD_OTHER, REQUEST_BYTES,
} from "../../../assembly/app/http";

const buffer: usize = memory.data(4096, 8);

/** Copies an ASCII string into the buffer; returns its length. */
function load_text(text: string): i32 {
  for (let i = 0; i < text.length; i++) store<u8>(buffer + <usize>i, <u8>text.charCodeAt(i));
  return text.length;
}

function parse(text: string): i32 {
  return http_parse_head(buffer, load_text(text));
}

function path(): string {
  let s = "";
  for (let i = 0; i < http_request_path_len(); i++) s += String.fromCharCode(load<u8>(buffer + <usize>(http_request_path_at() + i)));
  return s;
}

function text_at(ptr: usize, len: i32): string {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(load<u8>(ptr + <usize>i));
  return s;
}

describe("http: request line", () => {
  it("parses GET with origin-form target and HTTP/1.1", () => {
    const request = "GET /status HTTP/1.1\r\nHost: a\r\n\r\n";
    expect<i32>(parse(request)).toBe(HTTP_OK);
    expect<i32>(http_request_method()).toBe(METHOD_GET);
    expect<i32>(http_request_minor()).toBe(1);
    expect<string>(path()).toBe("/status");
    expect<bool>(http_request_target_ok()).toBe(true);
    expect<bool>(http_request_close()).toBe(false);
    expect<i32>(http_request_head_bytes()).toBe(request.length);
  });

  it("tells HEAD and other methods apart; methods are case-sensitive", () => {
    expect<i32>(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<i32>(http_request_method()).toBe(METHOD_HEAD);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<i32>(http_request_method()).toBe(METHOD_OTHER);
    expect<i32>(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<i32>(http_request_method()).toBe(METHOD_OTHER);
  });

  it("cuts the query and takes the path of an absolute-form target", () => {
    expect<i32>(parse("GET /bytes/10?x=1 HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<string>(path()).toBe("/bytes/10");
    expect<i32>(parse("GET http://192.0.2.2/status HTTP/1.1\r\nHost: 192.0.2.2\r\n\r\n")).toBe(HTTP_OK);
    expect<string>(path()).toBe("/status");
    expect<i32>(parse("GET * HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<bool>(http_request_target_ok()).toBe(false);
  });

  it("ignores empty lines before the request line and accepts bare LF", () => {
    expect<i32>(parse("\r\n\r\nGET / HTTP/1.1\nHost: a\n\n")).toBe(HTTP_OK);
    expect<string>(path()).toBe("/");
    expect<i32>(http_request_head_bytes()).toBe(28);
  });

  it("rejects malformed request lines with 400 and other major versions with 505", () => {
    expect<i32>(parse("GET /\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1 \r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / http/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.x\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("G(T / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse(" GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n")).toBe(505);
    expect<i32>(parse("GET / HTTP/0.9\r\n\r\n")).toBe(505);
  });

  it("decides on a bad request line before the head is complete", () => {
    expect<i32>(parse("\x16\x03\x01 garbage\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\r\n")).toBe(HTTP_INCOMPLETE);
    expect<bool>(http_request_line_seen()).toBe(true);
    expect<i32>(parse("GET /very-long-target-without-end")).toBe(HTTP_INCOMPLETE);
    expect<bool>(http_request_line_seen()).toBe(false);
    expect<i32>(parse("")).toBe(HTTP_INCOMPLETE);
  });

  it("answers a higher HTTP/1.x minor as 1.1", () => {
    expect<i32>(parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<i32>(http_request_minor()).toBe(1);
  });
});

describe("http: header fields", () => {
  it("needs exactly one Host in HTTP/1.1, none in HTTP/1.0", () => {
    expect<i32>(parse("GET / HTTP/1.1\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.0\r\n\r\n")).toBe(HTTP_OK);
  });

  it("rejects obs-fold, whitespace before the colon, a missing colon and control characters", () => {
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n")).toBe(400);
    expect<i32>(parse("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n")).toBe(400);
  });

  it("accepts tabs, empty values and obs-text in values", () => {
    expect<i32>(parse("GET / HTTP/1.1\r\nHost:\ta \t\r\nX-Empty:\r\nX-Text: caf\xe9\r\n\r\n")).toBe(HTTP_OK);
  });

  it(`allows ${HEADERS_MAX} fields; one more is 431`, () => {
    let request = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (let i = 1; i < HEADERS_MAX; i++) request += "X: " + i.toString() + "\r\n";
    expect<i32>(parse(request + "\r\n")).toBe(HTTP_OK);
    expect<i32>(parse(request + "Y: 1\r\n\r\n")).toBe(431);
  });

  it("keeps the request buffer at 1 KiB", () => {
    expect<i32>(REQUEST_BYTES).toBe(1024);
  });
});

describe("http: Content-Length", () => {
  it("reads the length of a body to skip", () => {
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567\r\n\r\n")).toBe(HTTP_OK);
    expect<u64>(http_request_content_length()).toBe(1234567);
    expect<i32>(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<u64>(http_request_content_length()).toBe(0);
  });

  it("accepts a repeated field with the same value, rejects different ones", () => {
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n")).toBe(HTTP_OK);
    expect<u64>(http_request_content_length()).toBe(5);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")).toBe(400);
  });

  it("rejects non-digits, lists, signs, empty values and too many digits", () => {
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n")).toBe(400);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n")).toBe(400);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")).toBe(400);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n")).toBe(400);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456789\r\n\r\n")).toBe(400);
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 123456789012345678\r\n\r\n")).toBe(HTTP_OK);
  });

  it("refuses request bodies in a transfer coding with 501", () => {
    expect<i32>(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")).toBe(501);
  });
});

describe("http: persistence", () => {
  it("HTTP/1.1 keeps the connection unless Connection: close", () => {
    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");
    expect<bool>(http_request_close()).toBe(false);
    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n");
    expect<bool>(http_request_close()).toBe(true);
    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n");
    expect<bool>(http_request_close()).toBe(false);
  });

  it("HTTP/1.0 closes unless Connection: keep-alive", () => {
    parse("GET / HTTP/1.0\r\n\r\n");
    expect<bool>(http_request_close()).toBe(true);
    parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
    expect<bool>(http_request_close()).toBe(false);
    parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n");
    expect<bool>(http_request_close()).toBe(true);
  });

  it("parses only the first of pipelined requests", () => {
    const first = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
    expect<i32>(parse(first + "GET /b HTTP/1.1\r\nHost: a\r\n\r\n")).toBe(HTTP_OK);
    expect<string>(path()).toBe("/a");
    expect<i32>(http_request_head_bytes()).toBe(first.length);
  });
});

describe("http: output generators", () => {
  it("formats decimals by hand", () => {
    expect<string>(text_at(buffer, http_format_decimal(buffer, 0))).toBe("0");
    expect<string>(text_at(buffer, http_format_decimal(buffer, 7))).toBe("7");
    expect<string>(text_at(buffer, http_format_decimal(buffer, 10000000))).toBe("10000000");
    expect<string>(text_at(buffer, http_format_decimal(buffer, 4294967295))).toBe("4294967295");
    expect<string>(text_at(buffer, http_format_decimal(buffer, u64.MAX_VALUE))).toBe("18446744073709551615");
  });

  it("generates the /bytes pattern: 64-byte lines led by their offset in hex", () => {
    let line = "";
    for (let i: u64 = 0; i < 64; i++) line += String.fromCharCode(http_pattern_byte(i));
    expect<string>(line).toBe("0000000000000000 abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST\n");
    line = "";
    for (let i: u64 = 0; i < 17; i++) line += String.fromCharCode(http_pattern_byte(0x5f5e100 - 64 + i));
    expect<string>(line).toBe("0000000005f5e0c0 ");
    expect<u8>(http_pattern_byte(9_999_999_999 * 64 + 63)).toBe(10);
  });

  it("keeps every status line's length fixed and sums them to the announced length", () => {
    let total: u64 = 0;
    for (let line = 0; line < http_status_line_count(); line++) {
      const n = http_status_line(buffer, line);
      expect<bool>(n > 0 && n <= 128).toBe(true);
      expect<u8>(load<u8>(buffer + <usize>(n - 1))).toBe(10);
      total += <u64>n;
    }
    expect<u64>(total).toBe(http_status_body_bytes());
  });

  it("writes counter lines as name, padding and a 10-digit column", () => {
    const n = http_status_line(buffer, 2);
    expect<string>(text_at(buffer, n)).toBe("eth_rx_frames                            0\n");
  });
});
