// OAuth 2.0 refresh_token grant (RFC 6749 §6) against a provider's token endpoint.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { parseRetryAfter, providerFailure } from './errors';

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
  let response: Response;
  try {
    response = await fetch(grant.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw ApplicationFailure.create({ type: FailureType.ProviderUnavailable, message: `token endpoint unreachable: ${err instanceof Error ? err.message : String(err)}` });
  }
  const text = await response.text();
  let json: TokenResponse = {};
  try {
    json = JSON.parse(text) as TokenResponse;
  } catch {
    // not JSON: judged by status below
  }
  if (json.error === 'invalid_grant') {
    throw ApplicationFailure.create({ type: FailureType.InvalidGrant, message: `invalid_grant: ${json.error_description ?? 'refresh token rejected'}`, nonRetryable: true });
  }
  // The body of an error answer is the provider's own words; it never echoes our secrets back, but keep only its error fields.
  if (!response.ok) throw providerFailure('token endpoint', response.status, json.error ? `${json.error}: ${json.error_description ?? ''}` : '', parseRetryAfter(response.headers.get('retry-after')));
  if (!json.access_token) throw ApplicationFailure.create({ type: FailureType.ProviderRejected, message: 'token endpoint answered without access_token', nonRetryable: true });
  const expiresIn = json.expires_in === undefined ? undefined : Number(json.expires_in);
  return {
    accessToken: json.access_token,
    ...(json.refresh_token ? { refreshToken: json.refresh_token } : {}),
    ...(expiresIn !== undefined && Number.isFinite(expiresIn) ? { expiresAt: new Date(now.getTime() + expiresIn * 1000) } : {}),
    ...(json.instance_url ? { instanceUrl: json.instance_url } : {}),
  };
}
