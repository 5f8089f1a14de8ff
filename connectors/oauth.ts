// OAuth 2.0 refresh_token grant (RFC 6749 §6) against a provider's token endpoint.
import { invalidGrant, parseRetryAfter, providerFailure, providerRejected } from './errors';
import { OPERATOR_POLICY, outboundFetch, type OutboundPolicy } from './outbound';

export interface RefreshGrant {
  tokenUrl: string;
  refreshToken: string;
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  accessToken: string;
  /** Present only when the provider rotates refresh tokens. */
  refreshToken?: string;
  /** Absent when the provider does not say (Salesforce). */
  expiresAt?: Date;
  instanceUrl?: string;
}

/** As sent: any field may be of any type, so each is checked before it is used. */
interface TokenResponse {
  access_token?: unknown;
  refresh_token?: unknown;
  expires_in?: unknown;
  instance_url?: unknown;
  error?: unknown;
  error_description?: unknown;
}

/** The token URL is the tenant's: it goes through the same outbound policy as the provider's API. */
export async function refreshAccessToken(grant: RefreshGrant, now: Date, policy: OutboundPolicy): Promise<TokenSet> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: grant.refreshToken,
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
  });
  return requestTokens('token endpoint', grant.tokenUrl, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: body.toString() }, now, policy);
}

/** POSTs for tokens; an RFC 6749 §5 answer (the token endpoint's, or the integration manager's in the same shape) → tokens or a typed failure. */
async function requestTokens(source: string, url: string, init: { headers: Record<string, string>; body: string }, now: Date, policy: OutboundPolicy): Promise<TokenSet> {
  const response = await outboundFetch(source, url, { ...init, method: 'POST', signal: AbortSignal.timeout(30_000) }, policy);
  const text = await response.text();
  let json: TokenResponse = {};
  try {
    json = JSON.parse(text) as TokenResponse;
  } catch {
    // not JSON: judged by status below
  }
  if (json.error === 'invalid_grant') {
    throw invalidGrant(`invalid_grant: ${typeof json.error_description === 'string' ? json.error_description : 'refresh token rejected'}`);
  }
  // Only the RFC's own error fields are quoted, and only when they are strings: an error body may echo what we sent.
  if (!response.ok) {
    const said = typeof json.error === 'string' ? `${json.error}${typeof json.error_description === 'string' ? `: ${json.error_description}` : ''}` : 'no OAuth error in the answer';
    throw providerFailure(source, response.status, said, parseRetryAfter(response.headers.get('retry-after')));
  }
  if (typeof json.access_token !== 'string' || !json.access_token) throw providerRejected(`${source} answered without access_token`);
  const expiresIn = json.expires_in === undefined ? undefined : Number(json.expires_in);
  return {
    accessToken: json.access_token,
    ...(typeof json.refresh_token === 'string' && json.refresh_token ? { refreshToken: json.refresh_token } : {}),
    ...(expiresIn !== undefined && Number.isFinite(expiresIn) ? { expiresAt: new Date(now.getTime() + expiresIn * 1000) } : {}),
    ...(typeof json.instance_url === 'string' && json.instance_url ? { instanceUrl: json.instance_url } : {}),
  };
}

export interface IntegrationManager {
  url: string;
  /** Bearer token of the manager's API, when it asks for one. */
  token?: string | undefined;
}

/** The manager the environment names (INTEGRATION_MANAGER_URL, _TOKEN), if any. */
export function integrationManagerOf(env: { INTEGRATION_MANAGER_URL?: string | undefined; INTEGRATION_MANAGER_TOKEN?: string | undefined }): IntegrationManager | undefined {
  return env.INTEGRATION_MANAGER_URL ? { url: env.INTEGRATION_MANAGER_URL, token: env.INTEGRATION_MANAGER_TOKEN } : undefined;
}

/**
 * The seed's design: the integration manager holds the client credentials and performs the grant. We send the
 * connection and its current refresh token; it answers in the token endpoint's own shape (RFC 6749 §5, errors
 * included), so rotation, expiry and invalid_grant are handled exactly as with a direct refresh.
 */
export async function refreshThroughManager(
  manager: IntegrationManager,
  request: { connectionId: string; integrationId: string; tenantId: string; refreshToken: string },
  now: Date,
): Promise<TokenSet> {
  const url = `${manager.url.replace(/\/+$/, '')}/connections/${encodeURIComponent(request.connectionId)}/refresh`;
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', ...(manager.token ? { Authorization: `Bearer ${manager.token}` } : {}) };
  const body = JSON.stringify({ integrationId: request.integrationId, tenantId: request.tenantId, refreshToken: request.refreshToken });
  return requestTokens('integration manager', url, { headers, body }, now, OPERATOR_POLICY);
}
