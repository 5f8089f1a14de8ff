import { shopifyConnector } from './shopify/connector';
import type { Connector } from './types';

export type ConnectorRegistry = ReadonlyMap<string, Connector>;

export function createConnectorRegistry(connectors: Connector[] = [shopifyConnector]): ConnectorRegistry {
  return new Map(connectors.map((c) => [c.provider, c]));
}
