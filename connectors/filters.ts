// Filters an `integration.webhook.received` event may ask a fetch to apply (spec 000 `filters?`). Each connector
// declares the ones its provider's API can apply, with a zod schema each; anything else is refused with the reason.
import { z } from 'zod';
import type { Connector } from './types';

export type FilterSchemas = Readonly<Record<string, z.ZodType>>;

/** Record ids, as a list or a comma-separated string; at most 250 (Shopify's and WooCommerce's page size). */
export const idListFilter = z
  .union([z.array(z.union([z.string(), z.number().int()])), z.string()])
  .transform((value) => (Array.isArray(value) ? value.map(String) : value.split(',').map((id) => id.trim())))
  .pipe(z.array(z.string().regex(/^\d{1,20}$/, 'ids are numbers')).min(1).max(250));

export class FilterError extends Error {
  override name = 'FilterError';
}

/** The filters as the connector applies them; a FilterError names what it does not support or what is wrong. */
export function parseFilters(connector: Connector, filters: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!filters || Object.keys(filters).length === 0) return undefined;
  const supported = connector.filters ?? {};
  const unknown = Object.keys(filters).filter((name) => !(name in supported));
  if (unknown.length) {
    const known = Object.keys(supported);
    throw new FilterError(`${connector.provider} cannot filter by ${unknown.join(', ')} (${known.length ? `it filters by ${known.join(', ')}` : 'it takes no filters'})`);
  }
  const result = z.object(supported).partial().strict().safeParse(filters);
  if (!result.success) throw new FilterError(`${connector.provider} filters: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}
