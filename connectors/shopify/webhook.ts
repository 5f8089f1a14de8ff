import { bodyHmacWebhook } from '../webhook-signature';

/** X-Shopify-Hmac-Sha256 over the raw body; X-Shopify-Webhook-Id is the same on every retry of one delivery. */
export const shopifyWebhook = bodyHmacWebhook('x-shopify-hmac-sha256', 'x-shopify-webhook-id');
