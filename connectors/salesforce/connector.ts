// Salesforce REST: SOQL through /services/data/vXX.X/queryAll, nextRecordsUrl paging (relative to instance_url),
// incremental on SystemModstamp. queryAll also answers deleted records (IsDeleted, while in the recycle bin: 15 days),
// so a delete reaches the store through the same query.
import { providerBaseUrl } from '../base-url';
import { z } from 'zod';
import { configObject, paceFields, urlField } from '../config';
import { authExpired, invalidConfig, rateLimited } from '../errors';
import { requestJson } from '../http';
import type { ConnectionContext, Connector, FetchPageRequest, FetchPageResult } from '../types';
import { salesforceMappings } from './mappings';

const FIELDS: Record<string, string[]> = {
  Opportunity: ['Id', 'Name', 'Amount', 'StageName', 'CloseDate', 'AccountId', 'SystemModstamp'],
  Account: ['Id', 'Name', 'Website', 'Industry', 'SystemModstamp'],
};

interface QueryPage {
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown> & { Id: string; SystemModstamp?: string; IsDeleted?: boolean }>;
}

const classify = (status: number, body: string) => {
  if (body.includes('REQUEST_LIMIT_EXCEEDED')) {
    // The org's API allowance is used up; it refills over the rolling day, so wait longer than a blip.
    return rateLimited(`salesforce answered ${status}: ${body.slice(0, 300)}`, 60_000);
  }
  if (status === 401 || body.includes('INVALID_SESSION_ID')) {
    return authExpired(`salesforce answered ${status}: ${body.slice(0, 300)}`);
  }
  return undefined;
};

/** SOQL datetime literal: 2026-05-01T07:25:37Z (no quotes, UTC). */
const soqlDateTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult> {
  const fields = FIELDS[request.entityType];
  if (!fields) throw invalidConfig(`salesforce does not sync ${request.entityType}`);
  const token = connection.credentials.accessToken;
  if (!token) throw invalidConfig('salesforce connection has no access token');
  const instance = providerBaseUrl('salesforce', connection.credentials.instanceUrl ?? connection.config.instanceUrl, connection.policy);
  const version = typeof connection.config.apiVersion === 'string' ? connection.config.apiVersion : 'v59.0';
  let url: string;
  if (request.cursor) {
    if (!request.cursor.startsWith('/services/data/')) throw invalidConfig('salesforce nextRecordsUrl has an unexpected shape');
    url = `${instance}${request.cursor}`;
  } else {
    const where = request.since ? ` WHERE SystemModstamp > ${soqlDateTime(request.since)}` : '';
    const soql = `SELECT ${fields.join(', ')}, IsDeleted FROM ${request.entityType}${where} ORDER BY SystemModstamp ASC`;
    url = `${instance}/services/data/${version}/queryAll?q=${encodeURIComponent(soql)}`;
  }
  const { body } = await requestJson<QueryPage>('salesforce', url, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(request.pageSize ? { 'Sforce-Query-Options': `batchSize=${Math.max(200, Math.min(request.pageSize, 2000))}` } : {}) },
    classify,
    policy: connection.policy,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  return {
    records: body.records.map((r) => ({
      externalId: r.Id,
      ...(typeof r.SystemModstamp === 'string' ? { updatedAt: new Date(r.SystemModstamp).toISOString() } : {}),
      data: r,
      ...(r.IsDeleted === true ? { deleted: true as const } : {}),
    })),
    nextCursor: body.done ? null : (body.nextRecordsUrl ?? null),
  };
}

export const salesforceConnector: Connector = {
  provider: 'salesforce',
  platform: 'salesforce',
  entityTypes: ['Opportunity', 'Account'],
  defaultMappings: salesforceMappings,
  // Salesforce limits by day and by concurrent long requests, not by second: this bounds one integration's pace.
  maxPace: { perSecond: 25 },
  configSchema: configObject({
    instanceUrl: urlField.optional(),
    apiVersion: z.string().regex(/^v\d{2}\.\d$/, 'expected a version like v59.0').optional(),
    ...paceFields({ perSecond: 25 }),
  }),
  credentials: [['accessToken']],
  fetchPage,
};
