import type { FieldMapping } from '../../mapping/field-mapping';

export const hubspotMappings: Record<string, FieldMapping> = {
  Opportunity: {
    fields: {
      externalId: { path: 'id', transform: 'string' },
      name: 'properties.dealname',
      amount: { path: 'properties.amount', transform: 'decimal' },
      stage: 'properties.dealstage',
      closeDate: { path: 'properties.closedate', transform: 'string' },
    },
  },
  Account: {
    fields: {
      externalId: { path: 'id', transform: 'string' },
      name: 'properties.name',
      domain: 'properties.domain',
      industry: 'properties.industry',
    },
  },
};
