// What `netstack show <what>` prints about a running stack, as the Linux tools print it. One
// entry per subcommand in SHOW: adding a listing is adding an entry.
import { formatIpv4, parseCidr } from './addr.ts';
import type { Stack } from './runtime.ts';

export interface ShowContext {
  stack: Stack;
  /** Interface index -> the name the user knows (the TAP name). */
  ifaceName(iface: number): string;
}

export interface RouteRow {
  /** Destination network ("0.0.0.0" with prefix 0 for the default route). */
  dst: string;
  prefix: number;
  gateway: string | null;
  iface: number;
  kind: 'connected' | 'default';
}

/**
 * The routes the module uses today: each interface's connected subnet, then its default
 * gateway (net/ipv4.ts route_iface). To be replaced by the routing table's own listing.
 */
export function routesFromConfig(stack: Stack): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const { iface, ip, gateway } of stack.interfaces()) {
    const { addr, prefix } = parseCidr(ip);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    rows.push({ dst: formatIpv4((addr & mask) >>> 0), prefix, gateway: null, iface, kind: 'connected' });
  }
  for (const { iface, gateway } of stack.interfaces()) {
    if (gateway) rows.push({ dst: '0.0.0.0', prefix: 0, gateway, iface, kind: 'default' });
  }
  return rows;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** Like `ip route`. */
function showRoute({ stack, ifaceName }: ShowContext): string {
  const addrOf = new Map(stack.interfaces().map(({ iface, ip }) => [iface, ip.split('/')[0]]));
  return routesFromConfig(stack)
    .map((r) =>
      r.kind === 'default'
        ? `default via ${r.gateway} dev ${ifaceName(r.iface)}\n`
        : `${r.dst}/${r.prefix} dev ${ifaceName(r.iface)} proto kernel scope link src ${addrOf.get(r.iface)}\n`,
    )
    .join('');
}

/** Like `ip neigh`. */
function showArp({ stack, ifaceName }: ShowContext): string {
  return stack
    .arpTable()
    .map((row) => `${row.ip} dev ${ifaceName(row.iface)}${row.state === 'INCOMPLETE' ? '' : ` lladdr ${row.mac}`} ${row.state}\n`)
    .join('');
}

/** Like `ss -tuan` (the module binds every socket to all of its addresses: "*"). */
function showSockets({ stack }: ShowContext): string {
  const rows = [['Netid', 'State', 'Local Address:Port', 'Peer Address:Port']];
  for (const s of stack.sockets()) rows.push([s.proto, s.state, `*:${s.localPort}`, s.peer ?? '*:*']);
  return table(rows);
}

/** "name value", one counter a line, in the module's order. */
function showCounters({ stack }: ShowContext): string {
  const entries = Object.entries(stack.counters()).filter(([name]) => name);
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${name.padEnd(width)} ${value}\n`).join('');
}

export const SHOW: Record<string, (context: ShowContext) => string> = {
  arp: showArp,
  counters: showCounters,
  route: showRoute,
  sockets: showSockets,
};
