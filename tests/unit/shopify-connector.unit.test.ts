import { STRICT_POLICY } from '../../connectors/outbound';
import { parseRetryAfter, providerFailure } from '../../connectors/errors';
import { DEFAULT_API_VERSION, nextPageInfo, shopifyConnector } from '../../connectors/shopify/connector';
import { FailureType } from '../../contracts/failures';
import { FakeShopify, SUPPORTED_API_VERSIONS } from '../support/fake-shopify';

describe('Shopify paging and provider errors', () => {
  it('reads the next page_info from the Link header, ignoring rel="previous"', () => {
    const link =
      '<https://shop.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=prev123>; rel="previous", ' +
      '<https://shop.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=next456>; rel="next"';
    expect(nextPageInfo(link)).toBe('next456');
    expect(nextPageInfo('<https://shop.myshopify.com/admin/api/2024-10/orders.json?limit=250&page_info=prev123>; rel="previous"')).toBeNull();
    expect(nextPageInfo(null)).toBeNull();
  });

  it('reads Retry-After as fractional seconds or an HTTP date', () => {
    expect(parseRetryAfter('2.0')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('types provider answers so retry policies can tell them apart', () => {
    const limited = providerFailure('shopify', 429, '{"errors":"Exceeded 2 calls per second"}', 2_000);
    expect(limited).toMatchObject({ type: FailureType.RateLimited, nonRetryable: false, nextRetryDelay: 2_000 });
    expect(providerFailure('shopify', 401, 'bad token')).toMatchObject({ type: FailureType.AuthExpired, nonRetryable: true });
    expect(providerFailure('shopify', 503, 'down')).toMatchObject({ type: FailureType.ProviderUnavailable, nonRetryable: false });
    expect(providerFailure('shopify', 422, '{"errors":{"limit":"too big"}}')).toMatchObject({ type: FailureType.ProviderRejected, nonRetryable: true });
    expect(providerFailure('shopify', 422, '{"errors":{"limit":"too big"}}').message).toContain('limit');
  });

  it('only calls shops on myshopify.com', async () => {
    const fetchOrders = (config: Record<string, unknown>) =>
      shopifyConnector.fetchPage({ config, credentials: { accessToken: 't' }, policy: STRICT_POLICY }, { entityType: 'Order', cursor: null, since: null });
    await expect(fetchOrders({ shopDomain: 'evil.example.com' })).rejects.toMatchObject({ type: FailureType.InvalidConfig, nonRetryable: true });
    await expect(fetchOrders({ baseUrl: 'http://127.0.0.1:1' })).rejects.toMatchObject({ type: FailureType.InvalidConfig });
    await expect(fetchOrders({})).rejects.toThrow(/shopDomain/);
  });

  it('asks for a supported API version by default, and warns when Shopify answers with another one', async () => {
    expect(SUPPORTED_API_VERSIONS).toContain(DEFAULT_API_VERSION);
    const shop = await new FakeShopify({ accessToken: 't' }).start();
    try {
      shop.addOrders(3);
      const fetchOrders = (config: Record<string, unknown>) =>
        shopifyConnector.fetchPage({ config: { baseUrl: shop.baseUrl, ...config }, credentials: { accessToken: 't' }, policy: { allowInsecure: true, allowedCidrs: [] } }, { entityType: 'Order', cursor: null, since: null });
      const current = await fetchOrders({});
      expect(current.records).toHaveLength(3);
      expect(current.warnings).toBeUndefined();
      const outdated = await fetchOrders({ apiVersion: '2024-10' });
      expect(outdated.records).toHaveLength(3);
      expect(outdated.warnings).toEqual([expect.stringMatching(/^Shopify answered with API version 2026-01, not the requested 2024-10, which it no longer supports/)]);
    } finally {
      await shop.stop();
    }
  });
});
