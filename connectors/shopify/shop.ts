// Where a shop is: `<name>.myshopify.com`, or a checked `baseUrl` (tests, proxies).
import { providerBaseUrl } from '../base-url';
import { invalidConfig } from '../errors';
import type { OutboundPolicy } from '../outbound';

export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/i;

/** A shop is `<name>.myshopify.com`; `baseUrl` (tests, proxies) passes the outbound URL checks instead. */
export function shopUrl(config: Record<string, unknown>, policy: OutboundPolicy): string {
  if (typeof config.shopDomain === 'string') {
    if (!SHOP_DOMAIN.test(config.shopDomain)) throw invalidConfig(`shopify shopDomain must be <shop>.myshopify.com, got "${config.shopDomain}"`);
    return `https://${config.shopDomain}`;
  }
  if (config.baseUrl !== undefined) return providerBaseUrl('shopify', config.baseUrl, policy);
  throw invalidConfig('shopify integration needs config.shopDomain (e.g. my-shop.myshopify.com)');
}
