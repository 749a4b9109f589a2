// Error codes returned (negated) by socket and configuration calls; the values match Linux
// errno so hosts can reuse their names (host/abi.ts mirrors this list).
@inline export const ESRCH: i32 = -3;
@inline export const EBADF: i32 = -9;
@inline export const EEXIST: i32 = -17;
@inline export const ENOSPC: i32 = -28;
@inline export const EAGAIN: i32 = -11;
@inline export const EINVAL: i32 = -22;
@inline export const EMFILE: i32 = -24;
@inline export const EMSGSIZE: i32 = -90;
@inline export const EADDRINUSE: i32 = -98;
@inline export const EADDRNOTAVAIL: i32 = -99;
@inline export const ENETDOWN: i32 = -100;
@inline export const ENETUNREACH: i32 = -101;
@inline export const ENOBUFS: i32 = -105;
@inline export const EPIPE: i32 = -32;
@inline export const EISCONN: i32 = -106;
@inline export const ENOTCONN: i32 = -107;
@inline export const ETIMEDOUT: i32 = -110;
@inline export const ECONNREFUSED: i32 = -111;
@inline export const ECONNRESET: i32 = -104;
@inline export const EOPNOTSUPP: i32 = -95;
/** The call exists in every profile, but this profile compiled its feature out (config.ts FEATURE_*). */
@inline export const ENOSYS: i32 = -38;
