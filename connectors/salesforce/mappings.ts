import type { FieldMapping } from '../../mapping/field-mapping';

export const salesforceMappings: Record<string, FieldMapping> = {
  Opportunity: {
    fields: {
      externalId: 'Id',
      name: 'Name',
      // Salesforce sends Amount as a JSON number; it is written out as given, never rounded.
      amount: { path: 'Amount', transform: 'decimal' },
      stage: 'StageName',
      closeDate: 'CloseDate',
      accountExternalId: 'AccountId',
    },
  },
  Account: {
    fields: {
      externalId: 'Id',
      name: 'Name',
      domain: 'Website',
      industry: 'Industry',
    },
  },
};
