// The one way out to a provider, a token endpoint or the integration manager. Everything a tenant types is hostile:
// the workers run inside the operator's network with its secrets, so a request goes only to a public address over
// HTTPS, checked on the address actually connected to (after DNS, so a name that resolves inside cannot slip
// through), and never follows a redirect.
import dns from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch, type Response } from 'undici';
import { ApplicationFailure } from '@temporalio/common';
import { describeError, invalidConfig, providerRejected, providerUnavailable } from './errors';

export interface OutboundPolicy {
  /** ALLOW_INSECURE_PROVIDER_URLS (tests against fake providers on this machine): plain HTTP and any address. */
  allowInsecure: boolean;
  /** PROVIDER_ALLOWED_CIDRS: internal ranges the operator deliberately lets providers live in. */
  allowedCidrs: readonly string[];
}

export const STRICT_POLICY: OutboundPolicy = { allowInsecure: false, allowedCidrs: [] };
/** The integration manager's URL is the operator's own setting, not a tenant's. */
export const OPERATOR_POLICY: OutboundPolicy = { allowInsecure: true, allowedCidrs: [] };

type Lookup = typeof dns.lookup;

export class AddressNotAllowed extends Error {
  override name = 'AddressNotAllowed';
}

/** Why an address may not be reached (its range: loopback, private, linkLocal, …), or undefined when it may. */
export function addressRefusal(address: string, allowedCidrs: readonly string[] = []): string | undefined {
  let ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) forms reach the IPv4 address inside.
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
    else if (v6.range() === 'rfc6052' || v6.range() === 'rfc6145') ip = ipaddr.fromByteArray(v6.toByteArray().slice(12));
  }
  for (const cidr of allowedCidrs) {
    const [range, bits] = ipaddr.parseCIDR(cidr);
    if (range.kind() === ip.kind() && ip.match(range, bits)) return undefined;
  }
  const range = ip.range();
  return range === 'unicast' ? undefined : range;
}

/** dns.lookup, refusing when any address the name resolves to is not allowed (a rebinding name gets no second chance). */
function guardedLookup(policy: OutboundPolicy, lookup: Lookup): Lookup {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as dns.LookupAddress[];
      for (const { address } of list) {
        const refused = addressRefusal(address, policy.allowedCidrs);
        if (refused) return callback(new AddressNotAllowed(`address not allowed: ${hostname} resolves to ${address} (${refused})`), '');
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as Lookup;
}

const agents = new Map<string, Agent>();

/** One connection pool per policy, whose every connection is checked before it is made. */
export function guardedAgent(policy: OutboundPolicy, lookup: Lookup = dns.lookup): Agent {
  const key = JSON.stringify(policy);
  const cached = lookup === dns.lookup ? agents.get(key) : undefined;
  if (cached) return cached;
  const connect = buildConnector({ lookup: guardedLookup(policy, lookup), timeout: 10_000 });
  const agent = new Agent({
    connect: (options, callback) => {
      // A literal address is never looked up: it is checked here.
      const host = options.hostname.replace(/^\[|\]$/g, '');
      const refused = isIP(host) ? addressRefusal(host, policy.allowedCidrs) : undefined;
      if (refused) return callback(new AddressNotAllowed(`address not allowed: ${host} (${refused})`), null);
      return connect(options, callback);
    },
  });
  if (lookup === dns.lookup) agents.set(key, agent);
  return agent;
}

/** The URL a tenant gave, if it is one this policy lets a request go to (HTTPS, not an address literal it refuses). */
export function checkOutboundUrl(url: URL, policy: OutboundPolicy): string | undefined {
  if (policy.allowInsecure) return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : `must be http(s), got ${url.protocol}`;
  if (url.protocol !== 'https:') return 'must be https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'address not allowed: localhost';
  const refused = isIP(host) ? addressRefusal(host, policy.allowedCidrs) : undefined;
  return refused ? `address not allowed: ${host} (${refused})` : undefined;
}

/** Visible ASCII and spaces: what every provider's headers need, and nothing that could split a header. */
const SENDABLE_HEADER = /^[\x20-\x7e]*$/;

export interface OutboundInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/**
 * fetch under the policy. An address it refuses throws AddressNotAllowed (the caller makes it non-retryable); a
 * redirect is not followed but refused, naming where it pointed.
 */
export async function outboundFetch(source: string, url: string, init: OutboundInit, policy: OutboundPolicy, lookup?: Lookup): Promise<Response> {
  const problem = checkOutboundUrl(new URL(url), policy);
  if (problem) throw invalidConfig(`${source} URL ${problem}`);
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    // Said without the value: it is usually a credential.
    if (!SENDABLE_HEADER.test(value)) throw invalidConfig(`${source}: the ${name} header would carry characters HTTP cannot send (check the connection's credentials)`);
  }
  let response: Response;
  try {
    response = await undiciFetch(url, { ...init, redirect: 'manual', ...(policy.allowInsecure ? {} : { dispatcher: guardedAgent(policy, lookup) }) });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    const refused = addressNotAllowedIn(err);
    if (refused) throw invalidConfig(`${source} ${refused.message}`);
    if (err instanceof ApplicationFailure) throw err;
    throw providerUnavailable(`${source} unreachable: ${describeError(err)}`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw providerRejected(`${source} answered ${response.status}, a redirect to ${response.headers.get('location') ?? 'nowhere'}; redirects are not followed`);
  }
  return response;
}

/** The AddressNotAllowed a failed fetch carries (undici wraps connect errors in a TypeError's cause). */
export function addressNotAllowedIn(err: unknown): AddressNotAllowed | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) if (e instanceof AddressNotAllowed) return e;
  return undefined;
}
