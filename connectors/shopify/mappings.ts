import type { FieldMapping } from '../../mapping/field-mapping';

/**
 * Paths into the GraphQL order (connectors/shopify/orders-query.ts). Written so an order maps to the same record it did
 * through REST: the numeric id (legacyResourceId), lower-case financial status, money with two decimals.
 */
export const shopifyMappings: Record<string, FieldMapping> = {
  Order: {
    fields: {
      externalId: { path: 'legacyResourceId', transform: 'string' },
      orderNumber: { path: 'name', transform: 'string' },
      status: { path: 'displayFinancialStatus', transform: 'lowercase' },
      currency: 'currencyCode',
      totalPrice: { path: 'totalPriceSet.shopMoney.amount', transform: 'money' },
      customerEmail: 'email',
      lineItems: {
        path: 'lineItems.nodes',
        default: [],
        each: {
          externalId: { path: 'id', transform: 'idTail' },
          title: 'title',
          sku: 'sku',
          quantity: 'quantity',
          price: { path: 'originalUnitPriceSet.shopMoney.amount', transform: 'money' },
        },
      },
      createdAt: { path: 'createdAt', transform: 'datetime' },
      updatedAt: { path: 'updatedAt', transform: 'datetime' },
    },
  },
};
