// The GraphQL orders query: what it asks for, what it costs, and Shopify's search syntax for `since` and the filters.
import { MAX_QUERY_COST } from './graphql';

/** Line items fetched with each order; an order with more has the rest fetched by `ORDER_LINE_ITEMS` (rare). */
export const LINE_ITEMS_PER_ORDER = 5;
export const LINE_ITEMS_PER_FOLLOW_UP = 100;

const MONEY = 'shopMoney { amount currencyCode }';
export const LINE_ITEM_FIELDS = `id name title sku quantity originalUnitPriceSet { ${MONEY} }`;
/** Every field the Order mapping reads, and what a custom mapping is most likely to want, as the order's raw data. */
export const ORDER_FIELDS = `id legacyResourceId name email createdAt updatedAt processedAt cancelledAt closedAt
      displayFinancialStatus displayFulfillmentStatus currencyCode note tags test
      totalPriceSet { ${MONEY} } subtotalPriceSet { ${MONEY} } totalTaxSet { ${MONEY} } totalDiscountsSet { ${MONEY} }`;

export const ORDERS_QUERY = `query Orders($first: Int!, $after: String, $query: String, $lineItems: Int!) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { ${ORDER_FIELDS} lineItems(first: $lineItems) { pageInfo { hasNextPage endCursor } nodes { ${LINE_ITEM_FIELDS} } } }
  }
}`;

export const ORDER_LINE_ITEMS_QUERY = `query OrderLineItems($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: ${LINE_ITEMS_PER_FOLLOW_UP}, after: $after) { pageInfo { hasNextPage endCursor } nodes { ${LINE_ITEM_FIELDS} } }
  }
}`;

/**
 * Shopify's documented cost rules: an object 1 point, scalars and enums 0, a connection 2 plus `first` times the cost
 * of one node. A line item is 1 + its money bag (2); an order 1 + four money bags (8) + its line items connection.
 */
const LINE_ITEM_COST = 3;
const orderCost = (lineItems: number) => 1 + 4 * 2 + 2 + lineItems * LINE_ITEM_COST;
export const ordersQueryCost = (first: number) => 2 + first * orderCost(LINE_ITEMS_PER_ORDER);
export const LINE_ITEMS_QUERY_COST = 1 + 2 + LINE_ITEMS_PER_FOLLOW_UP * LINE_ITEM_COST;

/** The most orders one query may ask for: 250 (Shopify's page limit) or fewer, so the query stays under its cost cap. */
export const MAX_ORDERS_PER_QUERY = Math.min(250, Math.floor((MAX_QUERY_COST - 2) / orderCost(LINE_ITEMS_PER_ORDER)));

export interface OrderFilters {
  ids?: string[];
  status?: 'open' | 'closed' | 'cancelled' | 'any';
  financial_status?: string;
}

/** The `query:` argument: Shopify's search syntax. Every value here was checked by its filter schema (digits, enums). */
export function ordersSearch(since: string | null, filters: OrderFilters = {}): string | null {
  const terms: string[] = [];
  // At or after, as the incremental high-water mark means: a record at that second is fetched again, never missed.
  if (since) terms.push(`updated_at:>='${new Date(since).toISOString()}'`);
  if (filters.status && filters.status !== 'any') terms.push(`status:${filters.status}`);
  if (filters.financial_status && filters.financial_status !== 'any') terms.push(`financial_status:${filters.financial_status}`);
  if (filters.ids?.length) terms.push(`(${filters.ids.map((id) => `id:${id}`).join(' OR ')})`);
  return terms.length ? terms.join(' AND ') : null;
}
