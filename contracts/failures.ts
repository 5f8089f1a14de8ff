// The ApplicationFailure types activities throw and retry policies name; shared by workflows and activities.
export const FailureType = {
  /** The provider refused the credentials (expired or revoked token). Retrying with the same token cannot help. */
  AuthExpired: 'AuthExpired',
  /** The provider asked us to slow down; the failure carries its Retry-After as the next retry delay. */
  RateLimited: 'RateLimited',
  /** 5xx, timeout or network error: worth retrying with backoff. */
  ProviderUnavailable: 'ProviderUnavailable',
  /** A 4xx other than auth and rate limit: the request itself is wrong. */
  ProviderRejected: 'ProviderRejected',
  /** The OAuth server refused the refresh token (RFC 6749 invalid_grant): only a new authorisation helps. */
  InvalidGrant: 'InvalidGrant',
  /** The integration or its connection is missing, paused or misconfigured. */
  InvalidConfig: 'InvalidConfig',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export const NON_RETRYABLE_FAILURES: FailureType[] = [FailureType.AuthExpired, FailureType.InvalidGrant, FailureType.ProviderRejected, FailureType.InvalidConfig];
