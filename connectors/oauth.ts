// OAuth 2.0 refresh_token grant (RFC 6749 §6) against a provider's token endpoint.
import { describeError, invalidGrant, parseRetryAfter, providerFailure, providerRejected, providerUnavailable } from './errors';

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

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number | string;
  instance_url?: string;
  error?: string;
  error_description?: string;
}

export async function refreshAccessToken(grant: RefreshGrant, now: Date): Promise<TokenSet> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: grant.refreshToken,
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
  });
  return requestTokens('token endpoint', grant.tokenUrl, { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body }, now);
}

/** POSTs for tokens; an RFC 6749 §5 answer (the token endpoint's, or the integration manager's in the same shape) → tokens or a typed failure. */
async function requestTokens(source: string, url: string, init: RequestInit, now: Date): Promise<TokenSet> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, method: 'POST', signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw providerUnavailable(`${source} unreachable: ${describeError(err)}`);
  }
  const text = await response.text();
  let json: TokenResponse = {};
  try {
    json = JSON.parse(text) as TokenResponse;
  } catch {
    // not JSON: judged by status below
  }
  if (json.error === 'invalid_grant') {
    throw invalidGrant(`invalid_grant: ${json.error_description ?? 'refresh token rejected'}`);
  }
  // The body of an error answer is the provider's own words; it never echoes our secrets back, but keep only its error fields.
  if (!response.ok) throw providerFailure(source, response.status, json.error ? `${json.error}: ${json.error_description ?? ''}` : '', parseRetryAfter(response.headers.get('retry-after')));
  if (!json.access_token) throw providerRejected(`${source} answered without access_token`);
  const expiresIn = json.expires_in === undefined ? undefined : Number(json.expires_in);
  return {
    accessToken: json.access_token,
    ...(json.refresh_token ? { refreshToken: json.refresh_token } : {}),
    ...(expiresIn !== undefined && Number.isFinite(expiresIn) ? { expiresAt: new Date(now.getTime() + expiresIn * 1000) } : {}),
    ...(json.instance_url ? { instanceUrl: json.instance_url } : {}),
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
  return requestTokens('integration manager', url, { headers, body }, now);
}
