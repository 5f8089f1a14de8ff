import { hubspotConnector } from './hubspot/connector';
import { salesforceConnector } from './salesforce/connector';
import { shopifyConnector } from './shopify/connector';
import { woocommerceConnector } from './woocommerce/connector';
import type { Connector } from './types';

export type ConnectorRegistry = ReadonlyMap<string, Connector>;

export function createConnectorRegistry(connectors: Connector[] = [shopifyConnector, woocommerceConnector, hubspotConnector, salesforceConnector]): ConnectorRegistry {
  return new Map(connectors.map((c) => [c.provider, c]));
}
