import { providerBaseUrl } from '../../connectors/base-url';
import { addressRefusal, checkOutboundUrl, STRICT_POLICY } from '../../connectors/outbound';

describe('outbound address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressRefusal(address)).toBe(range);
  });

  it.each(['8.8.8.8', '23.227.38.65', '2606:4700::6810:85e5', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows the public address %s', (address) => {
    expect(addressRefusal(address)).toBeUndefined();
  });

  it('allows an internal range only when the operator lists it', () => {
    expect(addressRefusal('10.20.1.5', ['10.20.0.0/16'])).toBeUndefined();
    expect(addressRefusal('10.21.1.5', ['10.20.0.0/16'])).toBe('private');
  });

  it('takes https only and refuses address literals and localhost before connecting', () => {
    expect(providerBaseUrl('woocommerce', 'https://shop.example.com/', STRICT_POLICY)).toBe('https://shop.example.com');
    expect(() => providerBaseUrl('woocommerce', 'http://shop.example.com', STRICT_POLICY)).toThrow(/must be https/);
    expect(() => providerBaseUrl('woocommerce', 'https://127.0.0.1:8443', STRICT_POLICY)).toThrow(/address not allowed: 127.0.0.1 \(loopback\)/);
    expect(() => providerBaseUrl('woocommerce', 'https://[::ffff:7f00:1]/', STRICT_POLICY)).toThrow(/address not allowed/);
    expect(() => providerBaseUrl('woocommerce', 'https://localhost', STRICT_POLICY)).toThrow(/address not allowed: localhost/);
    expect(() => providerBaseUrl('woocommerce', 'not a url', STRICT_POLICY)).toThrow(/not a URL/);
    expect(() => providerBaseUrl('woocommerce', undefined, STRICT_POLICY)).toThrow(/baseUrl/);
    expect(checkOutboundUrl(new URL('http://127.0.0.1:8080'), { allowInsecure: true, allowedCidrs: [] })).toBeUndefined();
  });
});
