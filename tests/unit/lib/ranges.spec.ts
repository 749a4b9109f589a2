import {
  ranges_add, ranges_count, ranges_covers, ranges_end, ranges_recent, ranges_reset, ranges_shift, ranges_skip,
  ranges_start, ranges_take_front, RANGES_BYTES, RANGES_MAX,
} from "../../../assembly/lib/ranges";
import { ring_read, ring_write } from "../../../assembly/lib/ring";

const set: usize = memory.data(RANGES_BYTES, 8);
const copy_of: usize = memory.data(RANGES_BYTES, 8);

/** The set holds exactly these ranges, as "s-e s-e ...". */
function dump(): string {
  let out = "";
  for (let i = 0; i < ranges_count(set); i++) {
    if (i > 0) out += " ";
    out += ranges_start(set, i).toString() + "-" + ranges_end(set, i).toString();
  }
  return out;
}

describe("ranges: add", () => {
  beforeEach(() => {
    ranges_reset(set);
  });

  it("starts empty with no recent range", () => {
    expect<i32>(ranges_count(set)).toBe(0);
    expect<i32>(ranges_recent(set)).toBe(-1);
  });

  it("keeps disjoint ranges sorted whatever the insertion order", () => {
    expect<bool>(ranges_add(set, 300, 400)).toBe(true);
    expect<bool>(ranges_add(set, 100, 200)).toBe(true);
    expect<bool>(ranges_add(set, 500, 600)).toBe(true);
    expect<string>(dump()).toBe("100-200 300-400 500-600");
  });

  it("ignores an empty or inverted range", () => {
    expect<bool>(ranges_add(set, 10, 10)).toBe(true);
    expect<bool>(ranges_add(set, 20, 10)).toBe(true);
    expect<i32>(ranges_count(set)).toBe(0);
  });

  it("merges an overlapping range", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 150, 250);
    expect<string>(dump()).toBe("100-250");
    ranges_add(set, 50, 120);
    expect<string>(dump()).toBe("50-250");
  });

  it("merges adjacent ranges on either side (touching ends)", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 200, 300);
    expect<string>(dump()).toBe("100-300");
    ranges_add(set, 50, 100);
    expect<string>(dump()).toBe("50-300");
  });

  it("a range bridging several swallows them all", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    ranges_add(set, 500, 600);
    ranges_add(set, 700, 800);
    ranges_add(set, 150, 550);
    expect<string>(dump()).toBe("100-600 700-800");
  });

  it("a range inside an existing one changes nothing", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 120, 180);
    expect<string>(dump()).toBe("100-200");
  });

  it("out of capacity: returns false and leaves the set unchanged", () => {
    for (let i = 0; i < RANGES_MAX; i++) expect<bool>(ranges_add(set, i * 100, i * 100 + 10)).toBe(true);
    const before = dump();
    memory.copy(copy_of, set, RANGES_BYTES);
    expect<bool>(ranges_add(set, 50, 60)).toBe(false);
    expect<bool>(ranges_add(set, RANGES_MAX * 100 + 50, RANGES_MAX * 100 + 60)).toBe(false);
    expect<string>(dump()).toBe(before);
    expect<i32>(memory.compare(copy_of, set, RANGES_BYTES)).toBe(0);
  });

  it("a full set still merges a range that touches an existing one", () => {
    for (let i = 0; i < RANGES_MAX; i++) ranges_add(set, i * 100, i * 100 + 10);
    expect<bool>(ranges_add(set, 10, 20)).toBe(true);
    expect<i32>(ranges_count(set)).toBe(RANGES_MAX);
    expect<i32>(ranges_end(set, 0)).toBe(20);
    // Bridging two ranges frees a place.
    expect<bool>(ranges_add(set, 20, 100)).toBe(true);
    expect<i32>(ranges_count(set)).toBe(RANGES_MAX - 1);
  });
});

describe("ranges: recent (RFC 2018 4: the block that last grew is reported first)", () => {
  beforeEach(() => {
    ranges_reset(set);
  });

  it("is the index of the range just inserted", () => {
    ranges_add(set, 300, 400);
    expect<i32>(ranges_recent(set)).toBe(0);
    ranges_add(set, 100, 200);
    expect<i32>(ranges_recent(set)).toBe(0); // 100-200 now sits at 0
    ranges_add(set, 500, 600);
    expect<i32>(ranges_recent(set)).toBe(2);
  });

  it("is the range a merge grew", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    ranges_add(set, 500, 600);
    ranges_add(set, 400, 450);
    expect<i32>(ranges_recent(set)).toBe(1);
    ranges_add(set, 150, 320); // merges 0 and 1
    expect<string>(dump()).toBe("100-450 500-600");
    expect<i32>(ranges_recent(set)).toBe(0);
  });

  it("follows its range when an earlier one is removed, and clears when its own goes", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    expect<i32>(ranges_recent(set)).toBe(1);
    ranges_shift(set, 250); // 100-200 goes; 300-400 becomes 50-150 at index 0
    expect<string>(dump()).toBe("50-150");
    expect<i32>(ranges_recent(set)).toBe(0);
    ranges_shift(set, 150);
    expect<i32>(ranges_count(set)).toBe(0);
    expect<i32>(ranges_recent(set)).toBe(-1);
  });

  it("is kept when a range after it is removed", () => {
    ranges_add(set, 300, 400);
    ranges_add(set, 100, 200);
    expect<i32>(ranges_recent(set)).toBe(0);
    expect<i32>(ranges_take_front(set)).toBe(0); // 100-200 does not start at the base
    ranges_shift(set, 100);
    expect<i32>(ranges_take_front(set)).toBe(100);
    expect<i32>(ranges_recent(set)).toBe(-1);
    expect<string>(dump()).toBe("200-300");
  });
});

describe("ranges: shift, take_front, covers, skip", () => {
  beforeEach(() => {
    ranges_reset(set);
  });

  it("shift moves every range toward the base", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    ranges_shift(set, 50);
    expect<string>(dump()).toBe("50-150 250-350");
  });

  it("shift into a range clips its start at 0 (partial removal)", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    ranges_shift(set, 150);
    expect<string>(dump()).toBe("0-50 150-250");
  });

  it("shift past a range removes it (complete removal, end == base included)", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    ranges_shift(set, 200);
    expect<string>(dump()).toBe("100-200");
    ranges_shift(set, 1000);
    expect<i32>(ranges_count(set)).toBe(0);
  });

  it("take_front removes a range that starts at the base and returns its length", () => {
    ranges_add(set, 0, 70);
    ranges_add(set, 100, 200);
    expect<i32>(ranges_take_front(set)).toBe(70);
    expect<string>(dump()).toBe("100-200");
    expect<i32>(ranges_take_front(set)).toBe(0);
    expect<string>(dump()).toBe("100-200");
  });

  it("take_front on an empty set returns 0", () => {
    expect<i32>(ranges_take_front(set)).toBe(0);
  });

  it("covers only when one range holds the whole interval", () => {
    ranges_add(set, 100, 200);
    ranges_add(set, 300, 400);
    expect<bool>(ranges_covers(set, 100, 200)).toBe(true);
    expect<bool>(ranges_covers(set, 120, 130)).toBe(true);
    expect<bool>(ranges_covers(set, 90, 130)).toBe(false);
    expect<bool>(ranges_covers(set, 150, 350)).toBe(false); // spans a hole
    expect<bool>(ranges_covers(set, 199, 201)).toBe(false);
  });

  it("skip jumps to the end of the range holding the offset", () => {
    ranges_add(set, 100, 200);
    expect<i32>(ranges_skip(set, 100)).toBe(200);
    expect<i32>(ranges_skip(set, 199)).toBe(200);
    expect<i32>(ranges_skip(set, 200)).toBe(200); // end is exclusive
    expect<i32>(ranges_skip(set, 50)).toBe(50);
  });
});

const ring: usize = memory.data(16, 8);
const src: usize = memory.data<u8>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
const dst: usize = memory.data(16, 8);

describe("ring: copies that wrap", () => {
  it("writes and reads across the end of the ring", () => {
    memory.fill(ring, 0, 16);
    ring_write(ring, 16, 12, src, 10); // 4 bytes at 12..15, 6 at 0..5
    expect<u8>(load<u8>(ring + 12)).toBe(1);
    expect<u8>(load<u8>(ring + 15)).toBe(4);
    expect<u8>(load<u8>(ring)).toBe(5);
    expect<u8>(load<u8>(ring + 5)).toBe(10);
    expect<u8>(load<u8>(ring + 6)).toBe(0);
    ring_read(ring, 16, 12 + 16 * 3, dst, 10); // logical positions are taken modulo size
    expect<i32>(memory.compare(dst, src, 10)).toBe(0);
  });
});
