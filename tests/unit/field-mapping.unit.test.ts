import { readFileSync } from 'node:fs';
import path from 'node:path';
import { shopifyMappings } from '../../connectors/shopify/mappings';
import { orderSchema } from '../../mapping/entities';
import { fieldMappingSchema, mapRecord, MappingError, mergeMappings } from '../../mapping/field-mapping';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers', 'shopify');
// The orders of orders.page.json as the GraphQL Admin API presents them: they map to what they mapped to through REST.
const [order, orderWithItems] = JSON.parse(readFileSync(path.join(fixtures, 'graphql.orders.page.json'), 'utf8')).data.orders.nodes;

describe('declarative field mapping', () => {
  it('maps a Shopify order into the internal Order it mapped to through REST', () => {
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
    const mapped = mapRecord(shopifyMappings.Order!, orderSchema, orderWithItems);
    expect(mapped.lineItems[0]).toEqual({ externalId: '466157049', title: 'IPod Nano - 8gb', sku: 'IPOD2008GREEN', quantity: 1, price: '199.00' });
  });

  it('writes money with two decimals however GraphQL wrote it', () => {
    const priced = (amount: unknown) => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, totalPriceSet: { shopMoney: { amount, currencyCode: 'USD' } } }).totalPrice;
    expect([priced('0.0'), priced('199.0'), priced('49.95'), priced('100'), priced('1.125'), priced(7)]).toEqual(['0.00', '199.00', '49.95', '100.00', '1.125', '7.00']);
    expect(() => priced('12,50')).toThrow(/totalPrice: "12,50" is not a decimal amount/);
  });

  it('keeps money as the exact decimal text, also from a JSON number', () => {
    const mapping = { fields: { ...shopifyMappings.Order!.fields, totalPrice: { path: 'amount', transform: 'decimal' as const } } };
    expect(mapRecord(mapping, orderSchema, { ...order, amount: '12345678901234567.89' }).totalPrice).toBe('12345678901234567.89');
    expect(mapRecord(mapping, orderSchema, { ...order, amount: 0.1 }).totalPrice).toBe('0.1');
  });

  it('names the field that is wrong', () => {
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, totalPriceSet: { shopMoney: { amount: 'twelve' } } })).toThrow(new MappingError('totalPrice: "twelve" is not a decimal amount'));
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, currencyCode: null })).toThrow(/currency/);
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, { ...order, createdAt: 'soon' })).toThrow(/createdAt/);
  });

  it('names a wrong field inside a list by its element, at any depth', () => {
    const items = orderWithItems.lineItems.nodes;
    const badPrice = { ...orderWithItems, lineItems: { nodes: [items[0], { ...items[0], originalUnitPriceSet: { shopMoney: { amount: 'ten' } } }] } };
    expect(() => mapRecord(shopifyMappings.Order!, orderSchema, badPrice)).toThrow(new MappingError('lineItems[1].price: "ten" is not a decimal amount'));
    const nested = { fields: { groups: { path: 'groups', each: { rows: { path: 'rows', each: { at: { path: 'at', transform: 'datetime' as const } } } } } } };
    expect(() => mapRecord(nested, orderSchema.partial(), { groups: [{ rows: [] }, { rows: [{ at: '2024-01-01T00:00:00Z' }, { at: 'later' }] }] })).toThrow(
      new MappingError('groups[1].rows[1].at: "later" is not a date'),
    );
  });

  it('lets a stored mapping override single fields of the connector default', () => {
    const merged = mergeMappings(shopifyMappings.Order, { fields: { orderNumber: { path: 'legacyResourceId', transform: 'string' }, status: { const: 'imported' } } });
    const mapped = mapRecord(merged, orderSchema, order);
    expect(mapped).toMatchObject({ orderNumber: '450789469', status: 'imported', totalPrice: '598.94' });
  });

  it('validates a mapping a user wants to store', () => {
    expect(fieldMappingSchema.safeParse(shopifyMappings.Order).success).toBe(true);
    expect(fieldMappingSchema.safeParse({ fields: { totalPrice: { path: 'x', transform: 'float' } } }).success).toBe(false);
  });
});
