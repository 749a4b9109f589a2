// Text <-> number conversions for addresses, with one-line errors for bad input.

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`invalid IPv4 address "${text}"`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function formatIpv4(addr: number): string {
  return [24, 16, 8, 0].map((shift) => (addr >>> shift) & 0xff).join('.');
}

export function parseCidr(text: string): { addr: number; prefix: number } {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match || Number(match[2]) > 32) throw new Error(`invalid address/prefix "${text}" (expected like 192.0.2.2/24)`);
  return { addr: parseIpv4(match[1]), prefix: Number(match[2]) };
}

/** Returns [hi16, lo32] as the module's iface_set_mac takes them. */
export function parseMac(text: string): [number, number] {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new Error(`invalid MAC address "${text}" (expected like 02:00:00:00:00:01)`);
  }
  const bytes = parts.map((p) => parseInt(p, 16));
  if (bytes[0] & 1) throw new Error(`MAC address "${text}" is multicast; an interface needs a unicast address`);
  return [(bytes[0] << 8) | bytes[1], ((bytes[2] << 24) | (bytes[3] << 16) | (bytes[4] << 8) | bytes[5]) >>> 0];
}

export function formatMac(hi16: number, lo32: number): string {
  const bytes = [hi16 >>> 8, hi16, lo32 >>> 24, lo32 >>> 16, lo32 >>> 8, lo32];
  return bytes.map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(':');
}

/** A locally administered unicast MAC derived from a seed (02:xx:...). */
export function randomMac(random: () => number): string {
  const r = random();
  const s = random();
  return formatMac(0x0200 | (r & 0xff), s >>> 0);
}
