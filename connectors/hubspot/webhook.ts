import { createHash } from 'node:crypto';
import type { WebhookReceiver } from '../types';
import { headerOf, verifyBase64HmacSha256 } from '../webhook-signature';

const MAX_AGE_MS = 5 * 60_000;

/**
 * Signature v3: base64 HMAC-SHA256, with the app secret, of method + full URI + raw body + X-HubSpot-Request-Timestamp;
 * a timestamp older than five minutes is refused, so a captured request cannot be replayed later.
 */
export function verifyHubSpotWebhook(
  input: { method: string; uri: string; rawBody: Buffer; signature: string | undefined; timestamp: string | undefined },
  secret: string,
  now = Date.now(),
): boolean {
  const timestamp = Number(input.timestamp);
  if (!input.timestamp || !Number.isFinite(timestamp) || Math.abs(now - timestamp) > MAX_AGE_MS) return false;
  const signed = Buffer.concat([Buffer.from(`${input.method}${input.uri}`), input.rawBody, Buffer.from(input.timestamp)]);
  return verifyBase64HmacSha256(signed, input.signature, secret);
}

export const hubspotWebhook: WebhookReceiver = {
  verify: (delivery, secret) =>
    verifyHubSpotWebhook(
      {
        method: delivery.method,
        uri: delivery.publicUrl,
        rawBody: delivery.rawBody,
        signature: headerOf(delivery, 'x-hubspot-signature-v3'),
        timestamp: headerOf(delivery, 'x-hubspot-request-timestamp'),
      },
      secret,
    ),
  // HubSpot sends no delivery id header; each event in the body has its eventId, the same on every retry.
  deliveryId: (delivery) => {
    let events: unknown;
    try {
      events = JSON.parse(delivery.rawBody.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(events) || events.length === 0) return undefined;
    const ids = events.map((e) => (e && typeof e === 'object' ? (e as { eventId?: unknown }).eventId : undefined));
    if (!ids.every((id) => typeof id === 'number' || (typeof id === 'string' && id.length > 0))) return undefined;
    const key = ids.map(String).sort().join(',');
    return key.length <= 200 ? key : createHash('sha256').update(key).digest('hex');
  },
  deliveryIdSource: 'the eventId of every event in the body',
};
