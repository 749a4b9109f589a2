// What `netstack show <what>` prints about a running stack, as the Linux tools print it. One
// entry per subcommand in SHOW: adding a listing is adding an entry.
import type { Stack } from './runtime.ts';

export interface ShowContext {
  stack: Stack;
  /** Interface index -> the name the user knows (the TAP name). */
  ifaceName(iface: number): string;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') + '\n';
}

/** Like `ip route`: connected subnets, interface gateways (default routes) and static routes. */
function showRoute({ stack, ifaceName }: ShowContext): string {
  const addrOf = new Map(stack.addresses().map(({ iface, addr }) => [iface, addr]));
  return stack
    .routes()
    .map((r) => {
      const dst = r.prefix === 0 ? 'default' : `${r.dst}/${r.prefix}`;
      const via = r.gateway ? ` via ${r.gateway}` : '';
      const metric = r.metric ? ` metric ${r.metric}` : '';
      const kernel = r.kind === 'connected' ? ` proto kernel scope link src ${addrOf.get(r.iface)}` : r.kind === 'static' ? ' proto static' : '';
      return `${dst}${via} dev ${ifaceName(r.iface)}${kernel}${metric}\n`;
    })
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
