import { createHmac } from 'node:crypto';
import { verifyHubSpotWebhook } from '../../connectors/hubspot/webhook';
import { verifyBase64HmacSha256, WebhookBodyError } from '../../connectors/webhook-signature';
import { shopifyWebhook } from '../../connectors/shopify/webhook';
import { woocommerceWebhook } from '../../connectors/woocommerce/webhook';

const SECRET = 'wc-webhook-secret';
const body = Buffer.from(JSON.stringify({ id: 727, status: 'processing' }));
const sign = (data: Buffer | string, secret = SECRET) => createHmac('sha256', secret).update(data).digest('base64');

describe('webhook signatures', () => {
  it('WooCommerce / Shopify: accepts a good signature, refuses a tampered body, a wrong secret and a missing header', () => {
    expect(verifyBase64HmacSha256(body, sign(body), SECRET)).toBe(true);
    expect(verifyBase64HmacSha256(Buffer.from(body.toString().replace('727', '728')), sign(body), SECRET)).toBe(false);
    expect(verifyBase64HmacSha256(body, sign(body, 'other'), SECRET)).toBe(false);
    expect(verifyBase64HmacSha256(body, undefined, SECRET)).toBe(false);
    expect(verifyBase64HmacSha256(body, 'not-base64-at-all', SECRET)).toBe(false);
  });

  it('HubSpot v3: signs method + URI + body + timestamp and refuses stale timestamps', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    const uri = 'https://sync.example.com/webhooks/hubspot/4f0c';
    const timestamp = String(now - 60_000);
    const signature = sign(`POST${uri}${body.toString()}${timestamp}`);
    const request = { method: 'POST', uri, rawBody: body, signature, timestamp };
    expect(verifyHubSpotWebhook(request, SECRET, now)).toBe(true);
    expect(verifyHubSpotWebhook({ ...request, rawBody: Buffer.from('{}') }, SECRET, now)).toBe(false);
    expect(verifyHubSpotWebhook({ ...request, uri: `${uri}?x=1` }, SECRET, now)).toBe(false);
    expect(verifyHubSpotWebhook(request, 'other', now)).toBe(false);
    expect(verifyHubSpotWebhook({ ...request, signature: undefined }, SECRET, now)).toBe(false);
    expect(verifyHubSpotWebhook(request, SECRET, now + 5 * 60_000)).toBe(false); // six minutes old
  });

  it('reads the record a delete notice names, only for the delete topic, and refuses a body that names none', () => {
    const delivery = (headers: Record<string, string>, raw: string) => ({ method: 'POST', publicUrl: 'https://x/', headers, rawBody: Buffer.from(raw) });
    const shopify = shopifyWebhook.deletion!;
    const woo = woocommerceWebhook.deletion!;
    expect(shopify(delivery({ 'x-shopify-topic': 'orders/delete' }, '{"id":450789469}'))).toEqual({ entityType: 'Order', externalId: '450789469' });
    expect(woo(delivery({ 'x-wc-webhook-topic': 'order.deleted' }, '{"id":"727"}'))).toEqual({ entityType: 'Order', externalId: '727' });
    expect(shopify(delivery({ 'x-shopify-topic': 'orders/create' }, '{"id":450789469}'))).toBeUndefined();
    expect(woo(delivery({ 'x-shopify-topic': 'orders/delete' }, '{"id":1}'))).toBeUndefined();
    for (const raw of ['{"id":"1 OR id:2"}', '{"id":-4}', '{"id":1.5}', '{"id":1e300}', 'null', '[]', 'not json', '{"id":"12345678901234567890123"}']) {
      expect(() => shopify(delivery({ 'x-shopify-topic': 'orders/delete' }, raw))).toThrow(WebhookBodyError);
    }
  });
});
