import type { WebhookReceiver } from '../types';
import { bodyHmacWebhook, deletionByTopic } from '../webhook-signature';

/** X-WC-Webhook-Signature over the raw body; X-WC-Webhook-Delivery-ID names the delivery. order.deleted: trashed or deleted for good. */
export const woocommerceWebhook: WebhookReceiver = {
  ...bodyHmacWebhook('x-wc-webhook-signature', 'x-wc-webhook-delivery-id'),
  deletion: deletionByTopic('x-wc-webhook-topic', 'order.deleted', 'Order'),
};
