// A bounded set of disjoint byte ranges [start, end) measured from a moving base. TCP uses it
// twice: the receiver's out-of-order data (base = RCV.NXT; its ranges become SACK blocks) and
// the sender's SACK scoreboard (base = SND.UNA). Offsets stay far below 2^31 because they are
// bounded by a buffer size (config.ts checks this).
//
//   layout: [ count: i32 | recent: i32 | start 0: i32 | end 0: i32 | ... RANGES_MAX pairs ]
// `recent` is the range that last grew, reported first as RFC 2018 4 asks.
import { TCP_OOO_RANGES } from "../config";

@inline export const RANGES_MAX: i32 = TCP_OOO_RANGES;
@inline export const RANGES_BYTES: i32 = 8 + 8 * RANGES_MAX;

@inline function start_at(set: usize, i: i32): usize { return set + 8 + <usize>(i << 3); }
@inline export function ranges_count(set: usize): i32 { return load<i32>(set); }
@inline export function ranges_start(set: usize, i: i32): i32 { return load<i32>(start_at(set, i)); }
@inline export function ranges_end(set: usize, i: i32): i32 { return load<i32>(start_at(set, i), 4); }
@inline export function ranges_recent(set: usize): i32 { return load<i32>(set, 4); }

export function ranges_reset(set: usize): void {
  store<i32>(set, 0);
  store<i32>(set, -1, 4);
}

@inline function put(set: usize, i: i32, start: i32, end: i32): void {
  store<i32>(start_at(set, i), start);
  store<i32>(start_at(set, i), end, 4);
}

function remove(set: usize, i: i32): void {
  const count = ranges_count(set) - 1;
  for (let k = i; k < count; k++) put(set, k, ranges_start(set, k + 1), ranges_end(set, k + 1));
  store<i32>(set, count);
  const recent = ranges_recent(set);
  if (recent == i) store<i32>(set, -1, 4);
  else if (recent > i) store<i32>(set, recent - 1, 4);
}

/**
 * Adds [start, end), merging with every range it touches or overlaps. Ranges stay sorted.
 * Returns false, changing nothing, when it would need more than RANGES_MAX ranges.
 */
export function ranges_add(set: usize, start: i32, end: i32): bool {
  if (end <= start) return true;
  const count = ranges_count(set);
  // First range that ends at or after start: everything before it stays.
  let i = 0;
  while (i < count && ranges_end(set, i) < start) i++;
  if (i == count || ranges_start(set, i) > end) {
    if (count == RANGES_MAX) return false;
    for (let k = count; k > i; k--) put(set, k, ranges_start(set, k - 1), ranges_end(set, k - 1));
    put(set, i, start, end);
    store<i32>(set, count + 1);
    store<i32>(set, i, 4);
    return true;
  }
  // Merge into range i, then absorb the following ranges it now reaches.
  const merged_start = min(start, ranges_start(set, i));
  let merged_end = max(end, ranges_end(set, i));
  while (i + 1 < ranges_count(set) && ranges_start(set, i + 1) <= merged_end) {
    merged_end = max(merged_end, ranges_end(set, i + 1));
    remove(set, i + 1);
  }
  put(set, i, merged_start, merged_end);
  store<i32>(set, i, 4);
  return true;
}

/** The base moved forward by n: offsets shrink by n; ranges now behind the base go. */
export function ranges_shift(set: usize, n: i32): void {
  let i = 0;
  while (i < ranges_count(set)) {
    const start = ranges_start(set, i) - n;
    const end = ranges_end(set, i) - n;
    if (end <= 0) {
      remove(set, i);
      continue;
    }
    put(set, i, start < 0 ? 0 : start, end);
    i++;
  }
}

/** If a range starts at the base, removes it and returns its length; otherwise 0. */
export function ranges_take_front(set: usize): i32 {
  if (ranges_count(set) == 0 || ranges_start(set, 0) != 0) return 0;
  const len = ranges_end(set, 0);
  remove(set, 0);
  return len;
}

/** True if [start, end) lies wholly inside one range. */
export function ranges_covers(set: usize, start: i32, end: i32): bool {
  for (let i = 0; i < ranges_count(set); i++) {
    if (ranges_start(set, i) <= start && end <= ranges_end(set, i)) return true;
  }
  return false;
}

/** End of the range containing offset, or offset itself when none does. */
export function ranges_skip(set: usize, offset: i32): i32 {
  for (let i = 0; i < ranges_count(set); i++) {
    if (ranges_start(set, i) <= offset && offset < ranges_end(set, i)) return ranges_end(set, i);
  }
  return offset;
}
