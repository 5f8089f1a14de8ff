import { invalidConfig } from './errors';

/** Outbound safety: providers are reached over HTTPS; plain HTTP and loopback only with ALLOW_INSECURE_PROVIDER_URLS (tests). */
export function providerBaseUrl(provider: string, value: unknown, allowInsecure = false): string {
  if (typeof value !== 'string') throw invalidConfig(`${provider} integration needs config.baseUrl`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidConfig(`${provider} config.baseUrl "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(allowInsecure && url.protocol === 'http:')) throw invalidConfig(`${provider} config.baseUrl must be https`);
  if (!allowInsecure && /^(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(url.hostname)) throw invalidConfig(`${provider} config.baseUrl must not point at this machine`);
  return url.toString().replace(/\/$/, '');
}
