import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contracts/failures';
import { invalidConfig } from '../connectors/errors';
import { refreshAccessToken, refreshThroughManager } from '../connectors/oauth';
import { STRICT_POLICY } from '../connectors/outbound';
import { createEvent } from '../events/envelope';
import { lockConnection, saveRefreshedSecrets, setConnectionStatus } from '../store/connections';
import { withTransaction } from '../store/db';
import { redactedFailure, secretsToRedact } from '../security/redact';
import type { ActivityDeps } from './deps';

export type RefreshOutcome = 'refreshed' | 'already_fresh' | 'reauth_required';

export interface RefreshRequest {
  connectionId: string;
  /** Refresh only if the stored token is still this one (a 401 on it); otherwise refresh when it nears expiry. */
  staleAccessToken?: string;
  /** When the refresh was asked for: a refresh done since counts as this one's (its event is re-announced, same id). */
  requestedAt: string;
  /**
   * Set by the sweep (its threshold) and by an explicit request (the token's `expiresAt` it names): a token expiring at
   * or before this is refreshed even when it is outside the margin, and the outcome is always announced.
   */
  refreshBefore?: string;
}

interface RefreshResult {
  outcome: RefreshOutcome;
  refreshedEvent?: { integrationId: string; tenantId: string; refreshedAt: Date };
  failure?: { integrationId: string; tenantId: string; error: string };
}

/**
 * Single-flight across workers: the connection row stays locked from the freshness check to the stored result,
 * so of any number of concurrent refreshers only the first calls the token endpoint; the rest find a fresh token.
 * New tokens are committed before anything else can fail, so a rotated refresh token is never lost.
 */
export async function refreshConnectionTokens(deps: ActivityDeps, request: RefreshRequest): Promise<RefreshOutcome> {
  const { db, bus, keyring, clock } = deps;
  const announced = request.refreshBefore !== undefined;
  const { outcome, refreshedEvent, failure } = await withTransaction(db, async (client): Promise<RefreshResult> => {
    const connection = await lockConnection(client, keyring, request.connectionId);
    if (!connection) throw invalidConfig(`connection ${request.connectionId} not found`);
    if (connection.kind !== 'oauth2') throw invalidConfig(`connection ${request.connectionId} is not an OAuth connection`);
    const now = clock();
    const deadline = Math.max(now.getTime() + deps.tokenRefreshMarginMs, request.refreshBefore ? Date.parse(request.refreshBefore) : -Infinity);
    const refreshedSince = connection.lastRefreshedAt !== null && connection.lastRefreshedAt.toISOString() >= request.requestedAt;
    const fresh = request.staleAccessToken
      ? connection.secrets.accessToken !== request.staleAccessToken
      : (connection.expiresAt !== null && connection.expiresAt.getTime() > deadline) || (announced && refreshedSince);
    const owner = { integrationId: connection.integrationId, tenantId: connection.tenantId };
    if (connection.status === 'reauth_required') {
      return { outcome: 'reauth_required', ...(announced ? { failure: { ...owner, error: connection.lastError ?? 'the connection needs a new authorisation' } } : {}) };
    }
    if (fresh) {
      // A workflow-driven refresh announces the refresh that satisfies it (an earlier one keeps its event id).
      const announce = connection.lastRefreshedAt && (refreshedSince || announced);
      return { outcome: 'already_fresh', ...(announce ? { refreshedEvent: { ...owner, refreshedAt: connection.lastRefreshedAt! } } : {}) };
    }
    const { refreshToken, clientId, clientSecret } = connection.secrets;
    const manager = deps.integrationManager;
    // Delegated, the manager holds the client credentials; direct, we need them and the token URL.
    if (!refreshToken || (!manager && (!connection.tokenUrl || !clientId || !clientSecret))) {
      throw invalidConfig(`connection ${request.connectionId} lacks a token URL, refresh token or client credentials`);
    }
    try {
      const tokens = manager
        ? await refreshThroughManager(manager, { connectionId: connection.id, ...owner, refreshToken }, now)
        : await refreshAccessToken({ tokenUrl: connection.tokenUrl!, refreshToken, clientId: clientId!, clientSecret: clientSecret! }, now, deps.outboundPolicy ?? STRICT_POLICY);
      await saveRefreshedSecrets(client, keyring, {
        connectionId: connection.id,
        // Rotation: a returned refresh token replaces the old one; without one the old one stays valid.
        secrets: { ...connection.secrets, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? refreshToken, ...(tokens.instanceUrl ? { instanceUrl: tokens.instanceUrl } : {}) },
        expiresAt: tokens.expiresAt ?? null,
        refreshedAt: now,
      });
      return { outcome: 'refreshed', refreshedEvent: { ...owner, refreshedAt: now } };
    } catch (raw) {
      // The token endpoint's words may quote what we sent it.
      const err = redactedFailure(raw, secretsToRedact(connection.secrets));
      if (!(err instanceof ApplicationFailure) || err.type !== FailureType.InvalidGrant) throw err;
      await setConnectionStatus(client, connection.id, 'reauth_required', err.message);
      return { outcome: 'reauth_required', failure: { ...owner, error: err.message } };
    }
  });

  if (refreshedEvent) {
    const refreshedAt = refreshedEvent.refreshedAt.toISOString();
    await bus.publish([
      createEvent(
        'integration.token.refreshed',
        { connectionId: request.connectionId, integrationId: refreshedEvent.integrationId, refreshedAt },
        { tenantId: refreshedEvent.tenantId, integrationId: refreshedEvent.integrationId, idempotencyKey: `${request.connectionId}:refreshed:${refreshedAt}` },
      ),
    ]);
  }
  if (failure) await publishRefreshFailed(deps, { connectionId: request.connectionId, ...failure, requestedAt: request.requestedAt, failedAt: clock() });
  return outcome;
}

export async function publishRefreshFailed(
  deps: ActivityDeps,
  input: { connectionId: string; integrationId: string; tenantId: string; error: string; requestedAt: string; failedAt: Date },
): Promise<void> {
  const failedAt = input.failedAt.toISOString();
  // Keyed on the request, not the clock: a retried publish repeats the id, so consumers drop the copy.
  await deps.bus.publish([
    createEvent(
      'integration.token.refresh.failed',
      { connectionId: input.connectionId, integrationId: input.integrationId, error: input.error, failedAt },
      { tenantId: input.tenantId, integrationId: input.integrationId, idempotencyKey: `${input.connectionId}:refresh-failed:${input.requestedAt}` },
    ),
  ]);
}
