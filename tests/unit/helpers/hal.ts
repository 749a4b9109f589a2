// Test-only imports (implemented in as-pect.config.js): the last transmitted frame is copied
// into a buffer the spec registers, so specs can check what the stack sent.

// @ts-ignore: decorator
@external("test", "capture")
export declare function capture(ptr: usize, capacity: i32): void;

// @ts-ignore: decorator
@external("test", "tx_count")
export declare function tx_count(): i32;

// @ts-ignore: decorator
@external("test", "tx_len")
export declare function tx_len(): i32;

/** The next hal.random() returns value (then the generator resumes). */
// @ts-ignore: decorator
@external("test", "random_next")
export declare function random_next(value: u32): void;

/** Logs every following frame: frame k at ptr + k * stride as [len: u32][bytes], at most count frames. */
// @ts-ignore: decorator
@external("test", "capture_log")
export declare function capture_log(ptr: usize, stride: i32, count: i32): void;
