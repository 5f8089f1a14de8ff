import type { FieldMapping } from '../../mapping/field-mapping';

export const shopifyMappings: Record<string, FieldMapping> = {
  Order: {
    fields: {
      externalId: { path: 'id', transform: 'string' },
      orderNumber: { path: 'name', transform: 'string' },
      status: { path: 'financial_status', transform: 'string' },
      currency: 'currency',
      totalPrice: { path: 'total_price', transform: 'decimal' },
      customerEmail: 'email',
      lineItems: {
        path: 'line_items',
        default: [],
        each: {
          externalId: { path: 'id', transform: 'string' },
          title: 'title',
          sku: 'sku',
          quantity: 'quantity',
          price: { path: 'price', transform: 'decimal' },
        },
      },
      createdAt: { path: 'created_at', transform: 'datetime' },
      updatedAt: { path: 'updated_at', transform: 'datetime' },
    },
  },
};
