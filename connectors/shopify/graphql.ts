// Shopify's GraphQL Admin API: one POST per query, paid for in query cost points from a bucket per app and shop.
// Each answer reports what the query cost and how full the bucket is (`extensions.cost`); errors can arrive in a 200.
import { invalidConfig, providerRejected, providerUnavailable, rateLimited } from '../errors';
import { requestJson } from '../http';
import type { ConnectionContext } from '../types';
import { shopUrl } from './shop';

const MIN_THROTTLED_WAIT_MS = 100;

/** Shopify refuses a single query whose requested cost is above this, whatever the bucket holds. */
export const MAX_QUERY_COST = 1000;

/**
 * Shopify's newest stable version on 2026-11-26, supported until about 2027-10 (each quarterly version is supported for
 * at least 12 months). A version past its window is answered with the oldest supported one instead: the sync warns.
 */
export const DEFAULT_API_VERSION = '2026-10';

export interface QueryCost {
  requestedQueryCost: number;
  /** Null when the query did not run (throttled). */
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

interface GraphqlError {
  message?: string;
  extensions?: { code?: string };
}

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: GraphqlError[] | string;
  extensions?: { cost?: QueryCost };
}

export interface GraphqlResult<T> {
  data: T;
  /** Set when Shopify answered in another API version than the one asked for. */
  warning?: string;
}

/**
 * Runs one query: takes `estimatedCost` points from the shop's pace first, then hands back what the query did not use
 * and tells the pace how full Shopify says the bucket is, so every worker on this shop waits for the same bucket.
 */
export async function shopifyGraphql<T>(
  connection: ConnectionContext,
  query: string,
  variables: Record<string, unknown>,
  options: { estimatedCost: number; signal?: AbortSignal | undefined },
): Promise<GraphqlResult<T>> {
  const token = connection.credentials.accessToken;
  if (!token) throw invalidConfig('shopify connection has no access token');
  const version = apiVersion(connection.config);
  await connection.pace?.take(options.estimatedCost);
  const { body, headers } = await requestJson<GraphqlAnswer<T>>('shopify', `${shopUrl(connection.config, connection.policy)}/admin/api/${version}/graphql.json`, {
    method: 'POST',
    headers: { 'X-Shopify-Access-Token': token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
    policy: connection.policy,
    signal: options.signal,
  });
  const cost = body.extensions?.cost;
  const throttle = cost?.throttleStatus;
  // What the query did not spend comes back: all of it when it did not run (THROTTLED: actual cost null), none when
  // the answer says nothing of cost.
  const spent = cost ? (cost.actualQueryCost ?? 0) : options.estimatedCost;
  await connection.pace?.settle({
    unused: options.estimatedCost - spent,
    ...(throttle
      ? { inUse: throttle.maximumAvailable - throttle.currentlyAvailable, limit: { perSecond: throttle.restoreRate, burst: throttle.maximumAvailable } }
      : {}),
  });
  if (body.errors) throw graphqlFailure(body.errors, cost);
  if (body.data === undefined || body.data === null) throw providerUnavailable('shopify answered a query with neither data nor errors');
  const answered = headers.get('x-shopify-api-version');
  return {
    data: body.data,
    ...(answered && answered !== version
      ? { warning: `Shopify answered with API version ${answered}, not the requested ${version}, which it no longer supports: set config.apiVersion to a supported version (default ${DEFAULT_API_VERSION})` }
      : {}),
  };
}

export function apiVersion(config: Record<string, unknown>): string {
  return typeof config.apiVersion === 'string' ? config.apiVersion : DEFAULT_API_VERSION;
}

/** A query's errors as the typed failure the retry policies understand. */
function graphqlFailure(errors: GraphqlError[] | string, cost: QueryCost | undefined) {
  const list = typeof errors === 'string' ? [{ message: errors }] : errors;
  const codes = new Set(list.map((e) => e.extensions?.code));
  const detail = `shopify answered: ${list.map((e) => e.message ?? e.extensions?.code ?? 'error').join('; ').slice(0, 300)}`;
  if (codes.has('THROTTLED')) {
    // Exactly as long as the bucket needs to refill what the query asks for, and at least a moment: Shopify said no.
    const t = cost?.throttleStatus;
    const missing = t && cost ? cost.requestedQueryCost - t.currentlyAvailable : undefined;
    const waitMs = t && missing !== undefined && t.restoreRate > 0 ? Math.ceil((missing / t.restoreRate) * 1000) : 1000;
    return rateLimited(detail, Math.max(MIN_THROTTLED_WAIT_MS, waitMs));
  }
  if (codes.has('INTERNAL_SERVER_ERROR') || codes.has('SERVICE_UNAVAILABLE')) return providerUnavailable(detail);
  // ACCESS_DENIED (a missing scope), MAX_COST_EXCEEDED, a query Shopify cannot parse: asking again changes nothing.
  return providerRejected(detail);
}
