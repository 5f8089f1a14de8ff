// Shopify Admin REST orders: cursor paging through the Link header's page_info, limit ≤ 250, X-Shopify-Access-Token.
import { shopifyWebhook } from './webhook';
import { providerBaseUrl } from '../base-url';
import { z } from 'zod';
import { configObject, paceFields, urlField } from '../config';
import { invalidConfig } from '../errors';
import { idListFilter } from '../filters';
import type { OutboundPolicy } from '../outbound';
import { requestJson } from '../http';
import type { ConnectionContext, Connector, FetchPageRequest, FetchPageResult } from '../types';
import { shopifyMappings } from './mappings';

const MAX_LIMIT = 250;
const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;
const SHOPIFY_MAX_PACE = { perSecond: 20, burst: 400 };
/**
 * Shopify's newest stable version on 2026-11-26, supported until about 2027-10 (each quarterly version is supported for
 * at least 12 months). A version past its window is answered with the oldest supported one instead: the sync warns.
 */
export const DEFAULT_API_VERSION = '2026-10';

interface ShopifyOrder {
  id: number | string;
  updated_at?: string;
  [key: string]: unknown;
}

/** A shop is `<name>.myshopify.com`; `baseUrl` (tests, proxies) passes the outbound URL checks instead. */
function baseUrl(config: Record<string, unknown>, policy: OutboundPolicy): string {
  if (typeof config.shopDomain === 'string') {
    if (!SHOP_DOMAIN.test(config.shopDomain)) throw invalidConfig(`shopify shopDomain must be <shop>.myshopify.com, got "${config.shopDomain}"`);
    return `https://${config.shopDomain}`;
  }
  if (config.baseUrl !== undefined) return providerBaseUrl('shopify', config.baseUrl, policy);
  throw invalidConfig('shopify integration needs config.shopDomain (e.g. my-shop.myshopify.com)');
}

/** `<…?limit=250&page_info=abc>; rel="next", <…>; rel="previous"` → the next page_info. */
export function nextPageInfo(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>;\s*rel="?next"?/.exec(part.trim());
    if (match) return new URL(match[1]!).searchParams.get('page_info');
  }
  return null;
}

async function fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult> {
  if (request.entityType !== 'Order') throw invalidConfig(`shopify does not sync ${request.entityType}`);
  const token = connection.credentials.accessToken;
  if (!token) throw invalidConfig('shopify connection has no access token');
  const version = typeof connection.config.apiVersion === 'string' ? connection.config.apiVersion : DEFAULT_API_VERSION;
  const url = new URL(`${baseUrl(connection.config, connection.policy)}/admin/api/${version}/orders.json`);
  url.searchParams.set('limit', String(Math.min(request.pageSize ?? MAX_LIMIT, MAX_LIMIT)));
  if (request.cursor) {
    // With page_info Shopify accepts only limit (and fields): the filters live in the cursor.
    url.searchParams.set('page_info', request.cursor);
  } else {
    const filters = (request.filters ?? {}) as { status?: string; financial_status?: string; ids?: string[] };
    url.searchParams.set('status', filters.status ?? 'any');
    url.searchParams.set('order', 'updated_at asc');
    if (request.since) url.searchParams.set('updated_at_min', request.since);
    if (filters.financial_status) url.searchParams.set('financial_status', filters.financial_status);
    if (filters.ids) url.searchParams.set('ids', filters.ids.join(','));
  }
  const { body, headers } = await requestJson<{ orders: ShopifyOrder[] }>('shopify', url.toString(), {
    headers: { 'X-Shopify-Access-Token': token, Accept: 'application/json' },
    policy: connection.policy,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const answered = headers.get('x-shopify-api-version');
  return {
    ...(answered && answered !== version
      ? { warnings: [`Shopify answered with API version ${answered}, not the requested ${version}, which it no longer supports: set config.apiVersion to a supported version (default ${DEFAULT_API_VERSION})`] }
      : {}),
    records: body.orders.map((order) => ({
      externalId: String(order.id),
      ...(typeof order.updated_at === 'string' ? { updatedAt: order.updated_at } : {}),
      data: order,
    })),
    nextCursor: nextPageInfo(headers.get('link')),
  };
}

export const shopifyConnector: Connector = {
  provider: 'shopify',
  platform: 'shopify',
  entityTypes: ['Order'],
  defaultMappings: shopifyMappings,
  // Leaky bucket of 40 leaking 2 per second (standard plans).
  defaultPace: { perSecond: 2, burst: 40 },
  // Plus stores get 20 requests/s and a bucket of 400; standard ones 2/s and 40 (the default pace).
  maxPace: SHOPIFY_MAX_PACE,
  configSchema: configObject({
    shopDomain: z.string().regex(SHOP_DOMAIN, 'expected <shop>.myshopify.com').optional(),
    baseUrl: urlField.optional(),
    apiVersion: z.string().regex(/^\d{4}-(01|04|07|10)$/, 'expected a Shopify API version like 2025-10').optional(),
    ...paceFields(SHOPIFY_MAX_PACE),
  })
    .refine((c) => c.shopDomain !== undefined || c.baseUrl !== undefined, { message: 'give shopDomain (<shop>.myshopify.com)', path: ['shopDomain'] })
    // The same rule for OpenAPI, which cannot read a refinement.
    .meta({ anyOf: [{ required: ['shopDomain'] }, { required: ['baseUrl'] }] }),
  credentials: [['accessToken']],
  fetchPage,
  // orders.json's own query parameters.
  filters: {
    ids: idListFilter,
    status: z.enum(['open', 'closed', 'cancelled', 'any']),
    financial_status: z.enum(['authorized', 'pending', 'paid', 'partially_paid', 'refunded', 'voided', 'partially_refunded', 'any', 'unpaid']),
  },
  webhook: shopifyWebhook,
};
