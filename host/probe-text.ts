// How the CLI prints ping and traceroute results (close to iputils ping and traceroute).
// RTTs come from the module's millisecond clock, so they are whole milliseconds.
import type { Hop, PingReport, ProbeResult } from './probes.ts';

/** traceroute's marks for unreachable codes (RFC 792, RFC 1812 5.2.7.1). */
const UNREACHABLE_MARK: Record<number, string> = { 0: '!N', 1: '!H', 2: '!P', 4: '!F', 13: '!X' };

export function pingHeader(addr: string, size: number): string {
  return `PING ${addr} ${size}(${size + 28}) bytes of data.\n`;
}

export function pingLine(r: ProbeResult): string {
  switch (r.status) {
    case 'reply':
      return `${r.bytes + 8} bytes from ${r.from}: icmp_seq=${r.sequence} ttl=${r.ttl} time=${r.rttMs} ms\n`;
    case 'time-exceeded':
      return `From ${r.from} icmp_seq=${r.sequence} Time to live exceeded\n`;
    case 'unreachable':
      return `From ${r.from} icmp_seq=${r.sequence} Destination unreachable (code ${r.code})\n`;
    case 'timeout':
      return `no answer: icmp_seq=${r.sequence}\n`;
    default:
      return `not sent: ${r.error}\n`;
  }
}

export function pingSummary(report: PingReport): string {
  const loss = Math.round((100 * (report.sent - report.received)) / report.sent);
  const rtts = report.results.filter((r) => r.status === 'reply').map((r) => r.rttMs!);
  const line = `${report.sent} packets transmitted, ${report.received} received, ${loss}% packet loss\n`;
  const stats = rtts.length
    ? `rtt min/avg/max = ${Math.min(...rtts)}/${(rtts.reduce((a, b) => a + b, 0) / rtts.length).toFixed(1)}/${Math.max(...rtts)} ms\n`
    : '';
  return `--- ${report.addr} ping statistics ---\n${line}${stats}`;
}

export function tracerouteHeader(addr: string, maxHops: number, size: number): string {
  return `traceroute to ${addr}, ${maxHops} hops max, ${size + 28} byte packets\n`;
}

/** " 1  192.0.2.1  0 ms  1 ms  *": each new responder is named before its times. */
export function hopLine(hop: Hop): string {
  let text = String(hop.ttl).padStart(2);
  let last: string | null = null;
  for (const p of hop.probes) {
    if (p.status === 'timeout' || p.status === 'error') {
      text += '  *';
      continue;
    }
    if (p.from !== last) text += `  ${p.from}`;
    last = p.from;
    text += `  ${p.rttMs} ms`;
    if (p.status === 'unreachable') text += ` ${UNREACHABLE_MARK[p.code!] ?? `!<${p.code}>`}`;
  }
  return `${text}\n`;
}
