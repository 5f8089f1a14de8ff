import { invalidConfig } from './errors';
import { checkOutboundUrl, type OutboundPolicy } from './outbound';

/** A tenant's base URL, refused early when the outbound policy would refuse it anyway (the connect-time check decides). */
export function providerBaseUrl(provider: string, value: unknown, policy: OutboundPolicy): string {
  if (typeof value !== 'string') throw invalidConfig(`${provider} integration needs config.baseUrl`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidConfig(`${provider} config.baseUrl "${value}" is not a URL`);
  }
  const problem = checkOutboundUrl(url, policy);
  if (problem) throw invalidConfig(`${provider} config.baseUrl ${problem}`);
  return url.toString().replace(/\/$/, '');
}
