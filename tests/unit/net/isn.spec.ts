import { isn_generate, isn_reset } from "../../../assembly/net/tcp/isn";
import { ip4 } from "../helpers/bytes";

// hal.random comes from the deterministic xorshift in as-pect.config.js, so these specs
// repeat exactly; they assert relations between ISNs, never particular values.
const LOCAL = ip4(203, 0, 113, 5);
const REMOTE = ip4(198, 51, 100, 7);

describe("isn (RFC 6528)", () => {
  beforeEach(() => {
    isn_reset();
  });

  it("gives the same ISN for the same 4-tuple at the same time", () => {
    const a = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    const b = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    expect<u32>(b).toBe(a);
  });

  it("gives different ISNs for different ports or addresses", () => {
    const a = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    expect<u32>(isn_generate(LOCAL, 80, REMOTE, 40001, 1000)).not.toBe(a);
    expect<u32>(isn_generate(LOCAL, 81, REMOTE, 40000, 1000)).not.toBe(a);
    expect<u32>(isn_generate(LOCAL, 80, ip4(198, 51, 100, 8), 40000, 1000)).not.toBe(a);
    expect<u32>(isn_generate(ip4(203, 0, 113, 6), 80, REMOTE, 40000, 1000)).not.toBe(a);
  });

  it("keeps local and remote apart: swapping the ends changes the ISN", () => {
    const a = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    expect<u32>(isn_generate(REMOTE, 40000, LOCAL, 80, 1000)).not.toBe(a);
  });

  it("advances 250 per millisecond (a 4-microsecond clock, RFC 9293 3.4.1)", () => {
    const a = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    expect<u32>(isn_generate(LOCAL, 80, REMOTE, 40000, 1001) - a).toBe(250);
    expect<u32>(isn_generate(LOCAL, 80, REMOTE, 40000, 2000) - a).toBe(250_000);
  });

  it("wraps with the millisecond clock without a jump", () => {
    const before = isn_generate(LOCAL, 80, REMOTE, 40000, 0xffffffff);
    const after = isn_generate(LOCAL, 80, REMOTE, 40000, 0);
    expect<u32>(after - before).toBe(250);
  });

  it("changes every ISN when the secret is drawn again", () => {
    const a = isn_generate(LOCAL, 80, REMOTE, 40000, 1000);
    const b = isn_generate(LOCAL, 443, REMOTE, 50000, 1000);
    isn_reset();
    expect<u32>(isn_generate(LOCAL, 80, REMOTE, 40000, 1000)).not.toBe(a);
    expect<u32>(isn_generate(LOCAL, 443, REMOTE, 50000, 1000)).not.toBe(b);
  });
});
