// Shopify orders through the GraphQL Admin API: cursor paging sorted by updated time, paced by query cost; backfills
// and large windows through Bulk Operations (./bulk.ts), read through the same fetchPage by their own cursors.
import { z } from 'zod';
import { configObject, paceFields, reconcileEveryHoursField, urlField } from '../config';
import { invalidConfig, providerRejected } from '../errors';
import { idListFilter } from '../filters';
import type { ConnectionContext, Connector, FetchPageRequest, FetchPageResult } from '../types';
import { checkBulkExport, isBulkCursor, olderOrdersHidden, readBulkPage, startBulkExport } from './bulk';
import { shopifyGraphql } from './graphql';
import { shopifyMappings } from './mappings';
import {
  LINE_ITEMS_PER_ORDER,
  LINE_ITEMS_QUERY_COST,
  MAX_ORDERS_PER_QUERY,
  ORDER_LINE_ITEMS_QUERY,
  ORDERS_QUERY,
  ordersQueryCost,
  ordersSearch,
  type OrderFilters,
} from './orders-query';
import { SHOP_DOMAIN } from './shop';
import { shopifyWebhook } from './webhook';

export { DEFAULT_API_VERSION } from './graphql';

/**
 * Query cost points per second and bucket size (GraphQL Admin API limits): Standard 100/s of 2,000, Advanced 200/s,
 * Plus 1,000/s of 20,000, Enterprise 2,000/s of 40,000. Each answer's throttleStatus corrects the shared pace.
 */
const SHOPIFY_DEFAULT_PACE = { perSecond: 100, burst: 2_000 };
const SHOPIFY_MAX_PACE = { perSecond: 2_000, burst: 40_000 };
const MAX_LINE_ITEM_FOLLOW_UPS = 100;

interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}
type LineItem = Record<string, unknown>;
interface OrderNode {
  id: string;
  legacyResourceId: string;
  updatedAt: string;
  lineItems: Connection<LineItem> | { nodes: LineItem[] };
  [key: string]: unknown;
}

async function fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult> {
  if (request.entityType !== 'Order') throw invalidConfig(`shopify does not sync ${request.entityType}`);
  if (isBulkCursor(request.cursor)) return readBulkPage(connection, request.cursor, request);
  const first = Math.max(1, Math.min(request.pageSize ?? MAX_ORDERS_PER_QUERY, MAX_ORDERS_PER_QUERY));
  const warnings = new Set<string>();
  const query = <T>(text: string, variables: Record<string, unknown>, estimatedCost: number) =>
    shopifyGraphql<T>(connection, text, variables, { estimatedCost, signal: request.signal }).then((result) => {
      if (result.warning) warnings.add(result.warning);
      return result.data;
    });
  const { orders } = await query<{ orders: Connection<OrderNode> }>(
    ORDERS_QUERY,
    { first, after: request.cursor, query: ordersSearch(request.since, request.filters as OrderFilters | undefined), lineItems: LINE_ITEMS_PER_ORDER },
    ordersQueryCost(first),
  );
  for (const order of orders.nodes) {
    const items = order.lineItems as Connection<LineItem>;
    let more = items.pageInfo;
    const nodes = items.nodes;
    for (let asked = 0; more.hasNextPage; asked++) {
      // Shopify caps an order's line items well below this; a shop that keeps saying "more" is not believed.
      if (asked === MAX_LINE_ITEM_FOLLOW_UPS) throw providerRejected(`shopify order ${order.legacyResourceId} claims more than ${MAX_LINE_ITEM_FOLLOW_UPS * 100} line items`);
      const { order: rest } = await query<{ order: { lineItems: Connection<LineItem> } | null }>(ORDER_LINE_ITEMS_QUERY, { id: order.id, after: more.endCursor }, LINE_ITEMS_QUERY_COST);
      if (!rest) break; // deleted meanwhile: the orders page's copy is what there is
      nodes.push(...rest.lineItems.nodes);
      more = rest.lineItems.pageInfo;
    }
    // Every line item under the order, as a bulk operation's lines are grouped: one raw shape whichever way it came.
    order.lineItems = { nodes };
  }
  return {
    ...(warnings.size ? { warnings: [...warnings] } : {}),
    records: orders.nodes.map((order) => ({ externalId: String(order.legacyResourceId), updatedAt: order.updatedAt, data: order })),
    nextCursor: orders.pageInfo.hasNextPage ? orders.pageInfo.endCursor : null,
  };
}

export const shopifyConnector: Connector = {
  provider: 'shopify',
  platform: 'shopify',
  entityTypes: ['Order'],
  defaultMappings: shopifyMappings,
  defaultPace: SHOPIFY_DEFAULT_PACE,
  maxPace: SHOPIFY_MAX_PACE,
  pacedByCost: true,
  configSchema: configObject({
    shopDomain: z.string().regex(SHOP_DOMAIN, 'expected <shop>.myshopify.com').optional(),
    baseUrl: urlField.optional(),
    apiVersion: z.string().regex(/^\d{4}-(01|04|07|10)$/, 'expected a Shopify API version like 2025-10').optional(),
    reconcileEveryHours: reconcileEveryHoursField,
    ...paceFields(SHOPIFY_MAX_PACE),
  })
    .refine((c) => c.shopDomain !== undefined || c.baseUrl !== undefined, { message: 'give shopDomain (<shop>.myshopify.com)', path: ['shopDomain'] })
    // The same rule for OpenAPI, which cannot read a refinement.
    .meta({ anyOf: [{ required: ['shopDomain'] }, { required: ['baseUrl'] }] }),
  credentials: [['accessToken']],
  fetchPage,
  bulkExport: {
    start: (connection, request) => startBulkExport(connection, request.since, request.signal),
    check: checkBulkExport,
  },
  // The orders query's own search terms.
  filters: {
    ids: idListFilter,
    status: z.enum(['open', 'closed', 'cancelled', 'any']),
    financial_status: z.enum(['authorized', 'pending', 'paid', 'partially_paid', 'refunded', 'voided', 'partially_refunded', 'any', 'unpaid']),
  },
  webhook: shopifyWebhook,
  idFilter: 'ids',
  // Orders have no feed of deletes (deletionEvents covers products and collections only): orders/delete webhooks,
  // and a daily listing of every order (a bulk export) for the deletes whose webhook never arrived.
  reconcile: { everyHours: 24, incomplete: (connection, _entityType, signal) => olderOrdersHidden(connection, signal) },
};
