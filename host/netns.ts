// Network namespaces and `ip` commands. Everything netstack does to a real network happens
// inside a namespace, so the host's own interfaces are never touched.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Runs `ip args...`; throws a one-line error with ip's own message. */
export function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; code?: string; message: string };
    if (e.code === 'ENOENT') throw new Error('netstack: `ip` not found; install iproute2');
    const detail = (e.stderr ?? '').trim().split('\n')[0] || e.message;
    throw new Error(`netstack: ip ${args.join(' ')}: ${detail}`);
  }
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`) || existsSync(`/var/run/netns/${name}`);
}

/** Creates the namespace if it is missing; returns whether we created it (and so own it). */
export function netnsEnsure(name: string): boolean {
  if (netnsExists(name)) return false;
  ip('netns', 'add', name);
  return true;
}

export function netnsDelete(name: string): void {
  if (netnsExists(name)) ip('netns', 'delete', name);
}

/**
 * Whether this process looks like it is in the host's own network namespace, where netstack
 * must not create a TAP. PID 1's namespace settles it when readable; otherwise (a sandbox may
 * hide it) a namespace made by `ip netns`, or one holding nothing but loopback (and our own
 * TAP), is taken as isolated, and anything else as the host's.
 */
export function looksLikeHostNetns(tap: string): boolean {
  const self = statSync('/proc/self/ns/net');
  try {
    const init = statSync('/proc/1/ns/net');
    return self.ino === init.ino && self.dev === init.dev;
  } catch {}
  for (const dir of ['/run/netns', '/var/run/netns']) {
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      try {
        const named = statSync(join(dir, name));
        if (named.ino === self.ino && named.dev === self.dev) return false;
      } catch {}
    }
  }
  const links = ip('-o', 'link', 'show')
    .split('\n')
    .map((line) => /^\d+: ([^:@]+)/.exec(line)?.[1])
    .filter((name) => name !== undefined);
  return links.some((name) => name !== 'lo' && name !== tap);
}
