import type { WebhookReceiver } from '../types';
import { bodyHmacWebhook, deletionByTopic, headerOf } from '../webhook-signature';

/** Shopify retries a failed delivery for 48 hours: anything triggered before that is not one of its retries. */
const RETRY_WINDOW_MS = 48 * 3_600_000;

/** X-Shopify-Hmac-Sha256 over the raw body; X-Shopify-Webhook-Id is the same on every retry of one delivery. */
export const shopifyWebhook: WebhookReceiver = {
  ...bodyHmacWebhook('x-shopify-hmac-sha256', 'x-shopify-webhook-id'),
  staleness: (delivery, now) => {
    const triggeredAt = Date.parse(headerOf(delivery, 'x-shopify-triggered-at') ?? '');
    if (Number.isNaN(triggeredAt)) return undefined;
    return now.getTime() - triggeredAt > RETRY_WINDOW_MS ? 'triggered more than 48 hours ago, past Shopify\'s retry window' : undefined;
  },
  deletion: deletionByTopic('x-shopify-topic', 'orders/delete', 'Order'),
};
