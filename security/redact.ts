// The one redaction step between a connection's secrets and anything that leaves an activity (failure messages, and
// through them Temporal history, logs, lastSync.error and integration.sync.failed).
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

export const REDACTED = '[redacted]';

/** Credentials as a provider may echo them back: each value, and HTTP Basic's encoding of a key and secret pair. */
export function secretsToRedact(secrets: Readonly<Record<string, string | undefined>>): string[] {
  const values = Object.values(secrets).filter((v): v is string => typeof v === 'string' && v.length >= 4);
  const { consumerKey, consumerSecret } = secrets;
  if (consumerKey && consumerSecret) values.push(Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64'));
  // Longest first, so a secret containing another is replaced whole.
  return values.sort((a, b) => b.length - a.length);
}

/** Anything shaped like a credential in a provider's answer, whoever's it is. */
const CREDENTIAL_SHAPES = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(shpat|shpca|shppa|shpss)_[A-Za-z0-9]{8,}/g,
  /("(?:access_token|refresh_token|client_secret|accessToken|refreshToken|clientSecret|password|api_key|apiKey)"\s*:\s*")[^"]*"/g,
];

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  out = out.replace(CREDENTIAL_SHAPES[0]!, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(CREDENTIAL_SHAPES[1]!, REDACTED);
  out = out.replace(CREDENTIAL_SHAPES[2]!, (_m, key: string) => `${key}${REDACTED}"`);
  return out;
}

/**
 * The error as it may leave the activity: the same failure type, retry decision and delay, its message redacted and
 * no cause or stack that could still hold a secret. A cancellation passes unchanged.
 */
export function redactedFailure(err: unknown, secrets: readonly string[]): unknown {
  if (err instanceof CancelledFailure) return err;
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      type: err.type ?? 'Error',
      message: redactText(err.message, secrets),
      nonRetryable: err.nonRetryable ?? false,
      ...(err.nextRetryDelay !== undefined && err.nextRetryDelay !== null ? { nextRetryDelay: err.nextRetryDelay } : {}),
    });
  }
  if (err instanceof Error) return ApplicationFailure.create({ type: err.name, message: redactText(err.message, secrets) });
  return err;
}
