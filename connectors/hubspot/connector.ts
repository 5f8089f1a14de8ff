// HubSpot CRM v3: deals → Opportunity, companies → Account. List paging through paging.next.after; incremental
// through the search endpoint on hs_lastmodifieddate, which stops at 10,000 results per query. Then the archived
// (deleted) ones: the list with archived=true, which search never answers.
import { hubspotWebhook } from './webhook';
import { providerBaseUrl } from '../base-url';
import { z } from 'zod';
import { configObject, paceFields, urlField } from '../config';
import { invalidConfig, rateLimited } from '../errors';
import { requestJson } from '../http';
import type { ConnectionContext, Connector, FetchPageRequest, FetchPageResult } from '../types';
import { hubspotMappings } from './mappings';

const OBJECTS: Record<string, { path: string; properties: string[] }> = {
  Opportunity: { path: 'deals', properties: ['dealname', 'amount', 'dealstage', 'closedate', 'hs_lastmodifieddate'] },
  Account: { path: 'companies', properties: ['name', 'domain', 'industry', 'hs_lastmodifieddate'] },
};
const LIST_LIMIT = 100;
const SEARCH_LIMIT = 200;
const SEARCH_WINDOW = 10_000;
/** The cursor of the archived listing, which follows the live one: `archived:<after>`. */
const ARCHIVED = 'archived:';

interface HubSpotPage {
  results: Array<{ id: string; properties: Record<string, unknown>; updatedAt?: string; archived?: boolean; archivedAt?: string }>;
  paging?: { next?: { after: string } };
}

/** The cursor of a search remembers its since-mark, which moves forward when the 10,000-result window is used up. */
interface SearchCursor {
  after: string;
  since: string;
}

const classify = (status: number, body: string, retryAfterMs: number | undefined) => {
  if (status === 429) {
    // HubSpot's limits are per second or per ten seconds; without Retry-After wait one interval.
    return rateLimited(`hubspot answered 429: ${body.slice(0, 300)}`, retryAfterMs ?? 1_000);
  }
  return undefined;
};

async function fetchPage(connection: ConnectionContext, request: FetchPageRequest): Promise<FetchPageResult> {
  const object = OBJECTS[request.entityType];
  if (!object) throw invalidConfig(`hubspot does not sync ${request.entityType}`);
  const token = connection.credentials.accessToken;
  if (!token) throw invalidConfig('hubspot connection has no access token');
  const base = providerBaseUrl('hubspot', connection.config.baseUrl ?? 'https://api.hubapi.com', connection.policy);
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Content-Type': 'application/json' };
  const common = { headers, classify, policy: connection.policy, ...(request.signal ? { signal: request.signal } : {}) };

  const list = async (after: string | null, archived: boolean) => {
    const url = new URL(`${base}/crm/v3/objects/${object.path}`);
    url.searchParams.set('limit', String(Math.min(request.pageSize ?? LIST_LIMIT, LIST_LIMIT)));
    url.searchParams.set('properties', object.properties.join(','));
    if (archived) url.searchParams.set('archived', 'true');
    if (after) url.searchParams.set('after', after);
    return (await requestJson<HubSpotPage>('hubspot', url.toString(), common)).body;
  };

  if (request.cursor?.startsWith(ARCHIVED)) {
    const body = await list(request.cursor.slice(ARCHIVED.length) || null, true);
    // Archived before the window began: announced by an earlier sync already.
    const since = request.since ? Date.parse(request.since) : -Infinity;
    const records = body.results
      .filter((r) => !r.archivedAt || Date.parse(r.archivedAt) >= since)
      .map((r) => ({ externalId: String(r.id), data: r as unknown as Record<string, unknown>, deleted: true as const }));
    const next = body.paging?.next?.after;
    return { records, nextCursor: next ? `${ARCHIVED}${next}` : null };
  }

  if (!request.since) {
    const body = await list(request.cursor, false);
    return { records: toRecords(body), nextCursor: body.paging?.next?.after ?? ARCHIVED };
  }

  const cursor: SearchCursor = request.cursor ? (JSON.parse(request.cursor) as SearchCursor) : { after: '0', since: request.since };
  const limit = Math.min(request.pageSize ?? SEARCH_LIMIT, SEARCH_LIMIT);
  const { body } = await requestJson<HubSpotPage>('hubspot', `${base}/crm/v3/objects/${object.path}/search`, {
    ...common,
    method: 'POST',
    body: JSON.stringify({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(Date.parse(cursor.since)) }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      properties: object.properties,
      limit,
      after: cursor.after,
    }),
  });
  const records = toRecords(body);
  const next = body.paging?.next?.after;
  let nextCursor: string | null = null;
  if (next && Number(next) + limit <= SEARCH_WINDOW) nextCursor = JSON.stringify({ after: next, since: cursor.since });
  else if (next && records.length) {
    // The window is used up: search again from the last modification time seen (records at that instant come again, unchanged).
    nextCursor = JSON.stringify({ after: '0', since: records[records.length - 1]!.updatedAt ?? cursor.since });
  } else nextCursor = ARCHIVED;
  return { records, nextCursor };
}

function toRecords(page: HubSpotPage) {
  return page.results.map((r) => {
    const modified = r.properties.hs_lastmodifieddate ?? r.updatedAt;
    return { externalId: String(r.id), ...(typeof modified === 'string' ? { updatedAt: new Date(modified).toISOString() } : {}), data: r as unknown as Record<string, unknown> };
  });
}

export const hubspotConnector: Connector = {
  provider: 'hubspot',
  platform: 'hubspot',
  entityTypes: ['Opportunity', 'Account'],
  defaultMappings: hubspotMappings,
  // 100 requests per 10 seconds per app and account (standard).
  defaultPace: { perSecond: 10 },
  // 190 requests per 10 s on Pro and Enterprise (100 on Starter, the default pace).
  maxPace: { perSecond: 19 },
  configSchema: configObject({ baseUrl: urlField.optional(), portalId: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).optional(), ...paceFields({ perSecond: 19 }) }),
  credentials: [['accessToken']],
  fetchPage,
  webhook: hubspotWebhook,
};
