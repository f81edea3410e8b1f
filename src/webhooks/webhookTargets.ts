import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may be sent. A webhook URL comes from an API caller, and the service posts to it from
 * inside the utility's network: without a rule, a caller could aim it at the cloud metadata endpoint,
 * the database host or an admin page on loopback. Only public addresses are allowed, plus the networks
 * the operator names (WEBHOOK_ALLOWED_NETWORKS, e.g. the intranet where the connection workflow runs).
 */
export interface TargetPolicy {
  /** Throws TargetForbiddenError when the URL's host is, or resolves to, an address that is not allowed. */
  assertAllowed(url: string): Promise<void>;
  /**
   * A DNS lookup for the connection itself that refuses forbidden addresses, so a name that resolved to
   * a public address at registration cannot be re-pointed at an internal one later (DNS rebinding).
   */
  lookup: LookupFunction;
  /**
   * Throws TargetForbiddenError when the URL's host is an IP address that is not allowed; true when the
   * host is an address (no name lookup will run for it), false for a name.
   */
  checkAddressInUrl(url: string): boolean;
}

export class TargetForbiddenError extends Error {
  readonly code = 'ETARGETFORBIDDEN';
  constructor(message: string) {
    super(message);
    this.name = 'TargetForbiddenError';
  }
}

/** Special-purpose ranges (RFC 6890 and successors): loopback, private, link-local, CGNAT, multicast, reserved. */
const NON_PUBLIC: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  // IPv6 forms that carry an IPv4 address (which may be internal): IPv4-compatible, SIIT, NAT64 (well-known
  // and local-use), 6to4, Teredo; and the deprecated site-local range.
  ['::', 96, 'ipv6'],
  ['::ffff:0:0:0', 96, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['2001::', 32, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
for (const [net, prefix, family] of NON_PUBLIC) nonPublic.addSubnet(net, prefix, family);

/** Parses "10.1.0.0/16, 127.0.0.1" style lists; a bare address is a single host. Throws on a bad entry. */
export function parseNetworks(list: string): BlockList {
  const allowed = new BlockList();
  for (const entry of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = entry.split('/');
    const [address, prefixText] = parts;
    const family = isIP(address);
    if (family === 0 || parts.length > 2) throw new Error(`"${entry}" is not an IP address or CIDR network`);
    const max = family === 4 ? 32 : 128;
    // Only plain decimal digits: "10.0.0.0/" must not become /0 and open every address.
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) throw new Error(`"${entry}" has an invalid prefix length`);
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (prefix > max) throw new Error(`"${entry}" has an invalid prefix length`);
    allowed.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return allowed;
}

/** ::ffff:a.b.c.d reaches the IPv4 host a.b.c.d and is judged as that address. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

export function createTargetPolicy(allowed: BlockList = new BlockList()): TargetPolicy {
  function refusal(raw: string): string | undefined {
    const { address, family } = normalise(raw);
    if (allowed.check(address, family) || !nonPublic.check(address, family)) return undefined;
    return `${raw} is not a public address; if the receiver is on your own network, add it to WEBHOOK_ALLOWED_NETWORKS`;
  }

  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => refusal(a.address)).find(Boolean);
      if (refused) return callback(new TargetForbiddenError(`${hostname} resolves to ${refused}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };

  function checkAddressInUrl(url: string): boolean {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) return false;
    const refused = refusal(host);
    if (refused) throw new TargetForbiddenError(refused);
    return true;
  }

  return {
    lookup,
    checkAddressInUrl,
    async assertAllowed(url) {
      if (checkAddressInUrl(url)) return;
      await new Promise<void>((resolve, reject) =>
        lookup(new URL(url).hostname, { all: true }, (err) => (err ? reject(err) : resolve())),
      );
    },
  };
}
