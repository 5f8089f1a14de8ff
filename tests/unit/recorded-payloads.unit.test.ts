// Every record of every recorded provider payload maps through its connector's default mapping: real records leave
// optional values null or out, and only a record that cannot be identified (or a value of the wrong type) is refused.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConnectorRegistry } from '../../connectors/registry';
import { entitySchemas } from '../../mapping/entities';
import { mapRecord, MappingError } from '../../mapping/field-mapping';

const fixtures = path.join(__dirname, '..', 'fixtures', 'providers');
const read = (file: string) => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));

const recorded: Array<{ provider: string; entityType: string; file: string; records: Array<Record<string, unknown>> }> = [
  { provider: 'shopify', entityType: 'Order', file: 'shopify/graphql.orders.page.json', records: read('shopify/graphql.orders.page.json').data.orders.nodes },
  { provider: 'woocommerce', entityType: 'Order', file: 'woocommerce/orders.json', records: read('woocommerce/orders.json') },
  { provider: 'hubspot', entityType: 'Opportunity', file: 'hubspot/deals.page.json', records: read('hubspot/deals.page.json').results },
  { provider: 'hubspot', entityType: 'Opportunity', file: 'hubspot/deals.search.json', records: read('hubspot/deals.search.json').results },
  { provider: 'hubspot', entityType: 'Account', file: 'hubspot/companies.page.json', records: read('hubspot/companies.page.json').results },
  { provider: 'salesforce', entityType: 'Opportunity', file: 'salesforce/opportunities.query.json', records: read('salesforce/opportunities.query.json').records },
  { provider: 'salesforce', entityType: 'Account', file: 'salesforce/accounts.query.page1.json', records: read('salesforce/accounts.query.page1.json').records },
  { provider: 'salesforce', entityType: 'Account', file: 'salesforce/accounts.query.last.json', records: read('salesforce/accounts.query.last.json').records },
];

const connectors = createConnectorRegistry();
const mappingOf = (provider: string, entityType: string) => connectors.get(provider)!.defaultMappings[entityType]!;

describe('recorded provider payloads through the default mappings', () => {
  it.each(recorded)('$file: every record maps as $entityType', ({ provider, entityType, records }) => {
    expect(records.length).toBeGreaterThan(0);
    const rejected = records.flatMap((record) => {
      try {
        mapRecord(mappingOf(provider, entityType), entitySchemas[entityType]!, record);
        return [];
      } catch (err) {
        if (!(err instanceof MappingError)) throw err;
        return [`${String(record.id ?? record.Id)}: ${err.message}`];
      }
    });
    expect(rejected).toEqual([]);
  });

  it.each(recorded)('$file: a record without its id is refused, naming the field', ({ provider, entityType, records }) => {
    const withoutId = structuredClone(records[0]!);
    delete withoutId.id;
    delete withoutId.Id;
    delete withoutId.legacyResourceId;
    expect(() => mapRecord(mappingOf(provider, entityType), entitySchemas[entityType]!, withoutId)).toThrow(/^externalId: /);
  });
});

describe('blank and wrong values', () => {
  const deal = read('hubspot/deals.page.json').results[0];
  const opportunity = (properties: Record<string, unknown>) => ({ ...deal, properties: { ...deal.properties, ...properties } });
  const map = (record: unknown) => mapRecord(mappingOf('hubspot', 'Opportunity'), entitySchemas.Opportunity!, record);

  it('takes a blank amount or close date as no value', () => {
    const mapped = map(opportunity({ amount: '', dealstage: null }));
    expect(mapped).not.toHaveProperty('amount');
    expect(mapped).not.toHaveProperty('stage');
  });

  it('refuses a value of the wrong type, naming the field', () => {
    expect(() => map(opportunity({ amount: 'a lot' }))).toThrow('amount: "a lot" is not a decimal amount');
  });
});
