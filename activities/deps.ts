import type { IntegrationManager } from '../connectors/oauth';
import type { OutboundPolicy } from '../connectors/outbound';
import type { ProviderRateLimiter } from '../connectors/rate-limit';
import type { ConnectorRegistry } from '../connectors/registry';
import type { EventBus } from '../events/bus';
import type { Keyring } from '../security/keyring';
import type { Db } from '../store/db';

/** What every activity may touch; tests pass real test servers, never module mocks. */
export interface ActivityDeps {
  db: Db;
  bus: EventBus;
  connectors: ConnectorRegistry;
  clock: () => Date;
  keyring: Keyring;
  batchThreshold: number;
  /** A token expiring within this is refreshed before it is used. */
  tokenRefreshMarginMs: number;
  /** Where provider and token requests may go; STRICT_POLICY when unset. */
  outboundPolicy?: OutboundPolicy;
  rateLimiter?: ProviderRateLimiter;
  /** Set: token refreshes are delegated to the integration manager's refresh API (INTEGRATION_MANAGER_URL). */
  integrationManager?: IntegrationManager;
}
