import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shopifyMappings } from '../../connectors/shopify/mappings';
import { orderSchema } from '../../mapping/entities';
import { fieldMappingSchema, mapRecord, MappingError, mergeMappings } from '../../mapping/field-mapping';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'shopify');
const [order] = JSON.parse(readFileSync(path.join(fixtures, 'orders.page.json'), 'utf8')).orders;
const webhookOrder = JSON.parse(readFileSync(path.join(fixtures, 'webhook.orders-create.json'), 'utf8'));

describe('declarative field mapping', () => {
  it('maps a recorded Shopify order into the internal Order', () => {
    const mapped = mapRecord(shopifyMappings.Order!, orderSchema, order);
    expect(mapped).toEqual({
      externalId: '450789469',
      orderNumber: '#1001',
      status: 'partially_refunded',
      currency: 'USD',
      totalPrice: '598.94',
      customerEmail: 'customer@example.com',
      lineItems: [],
      createdAt: '2008-01-10T16:00:00.000Z',
      updatedAt: '2008-01-10T16:00:00.000Z',
    });
  });

  it('maps line items with each element mapped on its own', () => {
    const mapped = mapRecord(shopifyMappings.Order!, orderSchema, webhookOrder);
    expect(mapped.lineItems[0]).toEqual({ externalId: '466157049', title: 'IPod Nano - 8gb', sku: 'IPOD2008GREEN', quantity: 1, price: '199.00' });
  });

  it('keeps money as the exact decimal text, also from a JSON number', () => {
    const mapping = { fields: { ...shopifyMappings.Order!.fields, totalPrice: { path: 'amount', transform: 'decimal' as const } } };
    expect(mapRecord(mapping, orderSchema, { ...order, amount: '12345678901234567.89' }).totalPrice).toBe('12345678901234567.89');
    expect(mapRecord(mapping, orderSchema, { ...order, amount: 0.1 }).totalPrice).toBe('0.1');
  });

  it('names the field that is wrong', () => {
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, total_price: 'twelve' })).toThrow(new MappingError('totalPrice: "twelve" is not a decimal amount'));
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, currency: null })).toThrow(/currency/);
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, created_at: 'soon' })).toThrow(/createdAt/);
  });

  it('lets a stored mapping override single fields of the connector default', () => {
    const merged = mergeMappings(shopifyMappings.Order, { fields: { orderNumber: { path: 'order_number', transform: 'string' }, status: { const: 'imported' } } });
    const mapped = mapRecord(merged, orderSchema, order);
    expect(mapped).toMatchObject({ orderNumber: '1001', status: 'imported', totalPrice: '598.94' });
  });

  it('validates a mapping a user wants to store', () => {
    expect(fieldMappingSchema.safeParse(shopifyMappings.Order).success).toBe(true);
    expect(fieldMappingSchema.safeParse({ fields: { totalPrice: { path: 'x', transform: 'float' } } }).success).toBe(false);
  });
});
