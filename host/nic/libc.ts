// The few libc calls a TAP device needs, bound with koffi (no compiler, no native addon of
// our own). Loaded lazily so that importing this file costs nothing on machines without
// koffi or libc (the simulator never opens a TAP).
import { createRequire } from 'node:module';

export const O_RDWR = 0x2;
export const O_NONBLOCK = 0x800;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const POLLIN = 0x1;
export const EINTR = 4;
export const EAGAIN = 11;

export interface Libc {
  open(path: string, flags: number): number;
  close(fd: number): number;
  read(fd: number, buf: Uint8Array, len: number): number;
  write(fd: number, buf: Uint8Array, len: number): number;
  /** ioctl with a pointer argument (the only form we use). */
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  /** poll() over one struct pollfd (8 bytes: int fd, short events, short revents). */
  poll(fds: Uint8Array, count: number, timeoutMs: number): number;
  errno(): number;
  strerror(code: number): string;
}

let cached: Libc | null = null;

export function libc(): Libc {
  if (cached) return cached;
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const ioctl = lib.func('int ioctl(int fd, unsigned long request, ...)');
  const fcntl = lib.func('int fcntl(int fd, int cmd, ...)');
  const strerror = lib.func('const char *strerror(int code)');
  cached = {
    open: lib.func('int open(const char *path, int flags)'),
    close: lib.func('int close(int fd)'),
    read: lib.func('long read(int fd, void *buf, unsigned long len)'),
    write: lib.func('long write(int fd, const void *buf, unsigned long len)'),
    ioctl: (fd, request, arg) => ioctl(fd, request, 'void *', arg),
    fcntl: (fd, cmd, arg) => fcntl(fd, cmd, 'int', arg),
    poll: lib.func('int poll(void *fds, unsigned long count, int timeout)'),
    errno: () => koffi.errno(),
    strerror: (code) => strerror(code) as string,
  };
  return cached;
}
