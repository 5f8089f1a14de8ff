import { bodyHmacWebhook } from '../webhook-signature';

/** X-WC-Webhook-Signature over the raw body; X-WC-Webhook-Delivery-ID names the delivery. */
export const woocommerceWebhook = bodyHmacWebhook('x-wc-webhook-signature', 'x-wc-webhook-delivery-id');
