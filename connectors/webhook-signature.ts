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

export class WebhookBodyError extends Error {
  override name = 'WebhookBodyError';
}

/**
 * A delete notice's record, when the delivery's topic header says it is one: the body's numeric `id` (Shopify's
 * orders/delete and WooCommerce's order.deleted bodies are `{"id": 123}`).
 */
export function deletionByTopic(topicHeader: string, topic: string, entityType: string) {
  return (delivery: WebhookDelivery): { entityType: string; externalId: string } | undefined => {
    if (headerOf(delivery, topicHeader)?.trim() !== topic) return undefined;
    let id: unknown;
    try {
      id = (JSON.parse(delivery.rawBody.toString('utf8')) as { id?: unknown } | null)?.id;
    } catch {
      throw new WebhookBodyError(`The ${topic} body must be JSON`);
    }
    const externalId = typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? String(id) : typeof id === 'string' && /^\d{1,20}$/.test(id) ? id : undefined;
    if (!externalId) throw new WebhookBodyError(`The ${topic} body must name the record by a numeric id`);
    return { entityType, externalId };
  };
}

/** The common scheme (Shopify, WooCommerce): base64 HMAC-SHA256 of the raw body in one header, a delivery id in another. */
export function bodyHmacWebhook(signatureHeader: string, deliveryIdHeader: string): WebhookReceiver {
  return {
    verify: (delivery, secret) => verifyBase64HmacSha256(delivery.rawBody, headerOf(delivery, signatureHeader), secret),
    deliveryId: (delivery) => headerOf(delivery, deliveryIdHeader)?.trim() || undefined,
    deliveryIdSource: `the ${deliveryIdHeader} header`,
  };
}
