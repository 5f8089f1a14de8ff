import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookDelivery, WebhookReceiver } from './types';

/** Base64 HMAC-SHA256 over `signed` with `secret`, compared in constant time (Shopify, WooCommerce, HubSpot v3). */
export function verifyBase64HmacSha256(signed: Buffer | string, signature: string | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(signed).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function headerOf(delivery: WebhookDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The common scheme (Shopify, WooCommerce): base64 HMAC-SHA256 of the raw body in one header, a delivery id in another. */
export function bodyHmacWebhook(signatureHeader: string, deliveryIdHeader: string): WebhookReceiver {
  return {
    verify: (delivery, secret) => verifyBase64HmacSha256(delivery.rawBody, headerOf(delivery, signatureHeader), secret),
    deliveryId: (delivery) => headerOf(delivery, deliveryIdHeader)?.trim() || undefined,
    deliveryIdSource: `the ${deliveryIdHeader} header`,
  };
}
