import type { FieldMapping } from '../../mapping/field-mapping';

export const woocommerceMappings: Record<string, FieldMapping> = {
  Order: {
    fields: {
      externalId: { path: 'id', transform: 'string' },
      orderNumber: { path: 'number', transform: 'string' },
      status: 'status',
      currency: 'currency',
      totalPrice: { path: 'total', transform: 'decimal' },
      customerEmail: 'billing.email',
      lineItems: {
        path: 'line_items',
        default: [],
        each: {
          externalId: { path: 'id', transform: 'string' },
          title: 'name',
          sku: 'sku',
          quantity: 'quantity',
          price: { path: 'price', transform: 'decimal' },
        },
      },
      createdAt: { path: 'date_created_gmt', transform: 'datetime' },
      updatedAt: { path: 'date_modified_gmt', transform: 'datetime' },
    },
  },
};
