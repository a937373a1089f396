import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may go. Checked when an endpoint is registered or changed and
 * again before every attempt (a name may resolve elsewhere by then); the
 * attempt then connects to the addresses that were checked, never resolving
 * the name again, so a second answer cannot swap in an internal address (DNS
 * rebinding).
 */
export interface DestinationPolicy {
  /** Outside production only: http, and loopback or private addresses (a receiver on the same machine or network). */
  allowLocal: boolean;
}

/** A webhook URL that passed, with the addresses its host resolved to, all checked. */
export interface Destination {
  url: URL;
  addresses: LookupAddress[];
}

/** Every address a host name resolves to. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true });

/** A refused destination; the message is the reason, worded to follow the field's name ("input.url: must use https."). */
export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

export const MAX_URL_LENGTH = 2048;

/** Ranges a local receiver may use when the policy allows it; ipaddr.js names them. */
const LOCAL_RANGES = new Set(['loopback', 'private', 'uniqueLocal']);

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback',
  private: 'a private',
  uniqueLocal: 'a private',
  linkLocal: 'a link-local',
  unspecified: 'an unspecified',
  multicast: 'a multicast',
  broadcast: 'a broadcast',
  carrierGradeNat: 'a carrier-grade NAT',
};

/**
 * Why `address` may not receive webhooks (the kind of address: "a loopback"),
 * or undefined when it may. Only globally routable unicast addresses pass;
 * an IPv4-mapped IPv6 address is judged as the IPv4 address it stands for.
 */
export function forbiddenAddress(address: string, policy: DestinationPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return 'an invalid';
  const ip = ipaddr.process(address);
  let range: string = ip.range();
  // ::a.b.c.d (IPv4-compatible, deprecated) is not "unicast" in any useful sense.
  if (ip.kind() === 'ipv6' && range === 'unicast' && ip.toByteArray().slice(0, 12).every((byte) => byte === 0)) range = 'reserved';
  if (range === 'unicast') return undefined;
  if (policy.allowLocal && LOCAL_RANGES.has(range)) return undefined;
  return RANGE_NAMES[range] ?? 'a reserved (special-purpose)';
}

/** Checks a webhook URL and every address its host resolves to; throws DestinationRefused with the reason. */
export async function checkDestination(text: string, policy: DestinationPolicy, resolve: Resolver = systemResolver): Promise<Destination> {
  const url = checkUrl(text, policy);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new DestinationRefused('has a host name that could not be resolved.');
    }
    if (addresses.length === 0) throw new DestinationRefused('has a host name that could not be resolved.');
  }
  for (const { address } of addresses) {
    const kind = forbiddenAddress(address, policy);
    if (kind) {
      const what = isIP(host) ? 'is' : 'resolves to';
      throw new DestinationRefused(`${what} ${kind} address; webhooks go to public addresses only.`);
    }
  }
  return { url, addresses };
}

function checkUrl(text: string, policy: DestinationPolicy): URL {
  if (text.length > MAX_URL_LENGTH) throw new DestinationRefused(`must be at most ${MAX_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationRefused('is not a URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowLocal)) throw new DestinationRefused('must use https.');
  // Credentials in a URL end up in logs and delivery listings; the signature authenticates the sender.
  if (url.username || url.password) throw new DestinationRefused('must not contain a user name or password.');
  return url;
}

/**
 * A `lookup` for http(s).request that answers with the checked addresses
 * whatever it is asked, so that the connection goes where the check looked.
 */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const fitting = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : [...addresses];
    if (fitting.length === 0) {
      callback(Object.assign(new Error('no checked address of the family asked for'), { code: 'ENOTFOUND' }), '', 0);
    } else if (options.all) {
      callback(null, fitting);
    } else {
      callback(null, fitting[0].address, fitting[0].family);
    }
  };
}
