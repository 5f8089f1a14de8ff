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
  // HubSpot sends no delivery id header; its retries carry the same events, which a second pass finds unchanged.
  deliveryId: () => undefined,
};
