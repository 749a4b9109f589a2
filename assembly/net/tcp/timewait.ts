// TIME-WAIT (RFC 9293 3.6.1) without holding a connection slot: what must be remembered for
// 2 MSL (the 4-tuple, both sequence points, the peer's last timestamp) sits in a compact
// table, so a closed connection's buffers are free at once. When the table is full the entry
// closest to expiry is recycled (counted).
import { TCP_MSL_MS, TCP_TIME_WAIT_COUNT } from "../../config";
import { Counter, count } from "../../lib/counters";
import { seq_gt } from "../../lib/seq";
import { time_reached } from "../../lib/time";
import { TcpOptions, TCP_FIN, TCP_RST, TCP_SYN, TCP_ACK } from "../../wire/tcp";
import { clock_now, clock_wake_at } from "../clock";
import { send_bare_ack } from "./output";

@unmanaged class TimeWait {
  in_use: bool;
  timestamps: bool;
  local_addr: u32;
  local_port: u32;
  remote_addr: u32;
  remote_port: u32;
  snd_nxt: u32;
  rcv_nxt: u32;
  ts_recent: u32;
  expires_at: u32;
}

const table: usize = memory.data(offsetof<TimeWait>() * TCP_TIME_WAIT_COUNT, 8);
let msl_ms: u32 = TCP_MSL_MS;

@inline function entry(index: i32): TimeWait {
  return changetype<TimeWait>(table + <usize>(index * offsetof<TimeWait>()));
}

export function time_wait_reset(): void {
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) entry(i).in_use = false;
}

export function time_wait_set_msl(ms: u32): void {
  msl_ms = ms;
}

export function time_wait_add(local_addr: u32, local_port: u32, remote_addr: u32, remote_port: u32, snd_nxt: u32, rcv_nxt: u32, timestamps: bool, ts_recent: u32): void {
  let slot = -1;
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) {
    const e = entry(i);
    if (!e.in_use) { slot = i; break; }
    if (slot < 0 || <i32>(e.expires_at - entry(slot).expires_at) < 0) slot = i;
  }
  const e = entry(slot);
  if (e.in_use) count(Counter.tcp_time_wait_recycled);
  e.in_use = true;
  e.local_addr = local_addr;
  e.local_port = local_port;
  e.remote_addr = remote_addr;
  e.remote_port = remote_port;
  e.snd_nxt = snd_nxt;
  e.rcv_nxt = rcv_nxt;
  e.timestamps = timestamps;
  e.ts_recent = ts_recent;
  e.expires_at = clock_now() + 2 * msl_ms;
  clock_wake_at(e.expires_at);
}

export function time_wait_find(local_addr: u32, local_port: u32, remote_addr: u32, remote_port: u32): i32 {
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) {
    const e = entry(i);
    if (e.in_use && e.local_port == local_port && e.remote_port == remote_port &&
        e.remote_addr == remote_addr && e.local_addr == local_addr) return i;
  }
  return -1;
}

/** A local port some TIME-WAIT entry still uses (ephemeral port choice avoids these). */
export function time_wait_uses_port(local_port: u32): bool {
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) {
    if (entry(i).in_use && entry(i).local_port == local_port) return true;
  }
  return false;
}

/**
 * A segment for a connection in TIME-WAIT. Returns true if it was consumed; false for a new
 * SYN beyond the old sequence space, which may open a new incarnation (RFC 9293 3.10.7.4,
 * RFC 6191): the entry is dropped and the caller hands the SYN to a listener.
 */
export function time_wait_input(index: i32, flags: u32, seq: u32, data_len: i32, options: TcpOptions): bool {
  const e = entry(index);
  // RFC 1337: a RST must not cut TIME-WAIT short (TIME-WAIT assassination).
  if (flags & TCP_RST) return true;
  if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && seq_gt(seq, e.rcv_nxt)) {
    e.in_use = false;
    return false;
  }
  if (options.has_timestamps) e.ts_recent = options.ts_val;
  // Only a retransmitted FIN is expected: acknowledge it and restart the 2 MSL wait. Data and
  // an old SYN are acknowledged too (RFC 5961 4); a bare ACK is not answered (two ACKing
  // ends must not loop).
  if (flags & TCP_FIN) {
    e.expires_at = clock_now() + 2 * msl_ms;
    clock_wake_at(e.expires_at);
  } else if (data_len == 0 && !(flags & TCP_SYN)) {
    return true;
  }
  send_bare_ack(e.local_addr, e.local_port, e.remote_addr, e.remote_port, e.snd_nxt, e.rcv_nxt, e.timestamps, e.ts_recent);
  return true;
}

export function time_wait_poll(now: u32): void {
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) {
    const e = entry(i);
    if (!e.in_use) continue;
    if (time_reached(now, e.expires_at)) e.in_use = false;
    else clock_wake_at(e.expires_at);
  }
}

/** Entries in use (for the host's connection listing). */
export function time_wait_count(): i32 {
  let n = 0;
  for (let i = 0; i < TCP_TIME_WAIT_COUNT; i++) if (entry(i).in_use) n++;
  return n;
}
