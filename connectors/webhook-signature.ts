import { createHmac, timingSafeEqual } from 'node:crypto';

/** Base64 HMAC-SHA256 over `signed` with `secret`, compared in constant time (Shopify, WooCommerce, HubSpot v3). */
export function verifyBase64HmacSha256(signed: Buffer | string, signature: string | undefined, secret: string): boolean {
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(signed).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
