// HTTP/1.1 server (stub: the HTTP helper fills this in).

/** Starts (port != 0) or stops (port 0) the server. Returns 0 or a negative errno. */
export function http_start(port: u32): i32 {
  return port == 0 ? 0 : -95;
}

/** Accepts, reads requests, writes responses; called after every rx and poll. */
export function http_poll(): void {}

export function http_reset(): void {}
