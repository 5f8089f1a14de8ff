// WooCommerce REST API v3 orders: page/per_page paging (≤ 100) with X-WP-TotalPages, consumer key/secret over Basic auth.
// After the orders, the trashed ones (status=trash, which no other listing answers) as deletes; an order deleted for
// good is only heard of through the order.deleted webhook.
import { woocommerceWebhook } from './webhook';
import { z } from 'zod';
import { configObject, paceFields, urlField } from '../config';
import { invalidConfig } from '../errors';
import { idListFilter } from '../filters';
import { providerBaseUrl } from '../base-url';
import { requestJson } from '../http';
import type { ConnectionContext, Connector, FetchPageRequest, FetchPageResult } from '../types';
import { woocommerceMappings } from './mappings';

const MAX_PER_PAGE = 100;
/** The cursor of the trash listing: `trash:<page>`. */
const TRASH = 'trash:';

async function fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult> {
  if (request.entityType !== 'Order') throw invalidConfig(`woocommerce does not sync ${request.entityType}`);
  const { consumerKey, consumerSecret } = connection.credentials;
  if (!consumerKey || !consumerSecret) throw invalidConfig('woocommerce connection needs consumerKey and consumerSecret');
  const filters = (request.filters ?? {}) as { status?: string[]; include?: string[] };
  // A listing narrowed by status is what was asked for; otherwise the trash follows the orders.
  const trash = request.cursor?.startsWith(TRASH) ?? false;
  const page = request.cursor ? Number(trash ? request.cursor.slice(TRASH.length) : request.cursor) : 1;
  const url = new URL(`${providerBaseUrl('woocommerce', connection.config.baseUrl, connection.policy)}/wp-json/wc/v3/orders`);
  url.searchParams.set('page', String(page));
  url.searchParams.set('per_page', String(Math.min(request.pageSize ?? MAX_PER_PAGE, MAX_PER_PAGE)));
  url.searchParams.set('orderby', 'modified');
  url.searchParams.set('order', 'asc');
  if (request.since) {
    // WooCommerce compares modified_after strictly, to the second: an order changed later within the second of the
    // since-mark (the newest change the last sync read) would never be listed. A second earlier lists it; what did not
    // change since is told apart by its hash and announces nothing.
    url.searchParams.set('modified_after', new Date(Date.parse(request.since) - 1_000).toISOString());
    url.searchParams.set('dates_are_gmt', 'true');
  }
  if (trash) url.searchParams.set('status', 'trash');
  else if (filters.status) url.searchParams.set('status', filters.status.join(','));
  if (filters.include) url.searchParams.set('include', filters.include.join(','));
  const { body, headers } = await requestJson<Array<Record<string, unknown>>>('woocommerce', url.toString(), {
    headers: { Authorization: `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`, Accept: 'application/json' },
    policy: connection.policy,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const totalPages = Number(headers.get('x-wp-totalpages') ?? 1);
  return {
    records: body.map((order) => ({
      externalId: String(order.id),
      ...(typeof order.date_modified_gmt === 'string' ? { updatedAt: `${order.date_modified_gmt}Z` } : {}),
      data: order,
      ...(trash ? { deleted: true as const } : {}),
    })),
    nextCursor: page < totalPages ? `${trash ? TRASH : ''}${page + 1}` : !trash && !filters.status ? `${TRASH}1` : null,
  };
}

export const woocommerceConnector: Connector = {
  provider: 'woocommerce',
  platform: 'woocommerce',
  entityTypes: ['Order'],
  defaultMappings: woocommerceMappings,
  // Self-hosted: no documented limit; this bounds what one integration may ask of a store.
  maxPace: { perSecond: 50 },
  configSchema: configObject({ baseUrl: urlField, ...paceFields({ perSecond: 50 }) }),
  credentials: [['consumerKey', 'consumerSecret']],
  fetchPage,
  // The orders endpoint's own query parameters.
  filters: {
    include: idListFilter,
    status: z
      .union([z.array(z.string()), z.string()])
      .transform((value) => (Array.isArray(value) ? value : value.split(',').map((s) => s.trim())))
      .pipe(z.array(z.enum(['any', 'pending', 'processing', 'on-hold', 'completed', 'cancelled', 'refunded', 'failed', 'trash'])).min(1)),
  },
  webhook: woocommerceWebhook,
  idFilter: 'include',
};
