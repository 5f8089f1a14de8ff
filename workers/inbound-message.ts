// What makes a message of the inbound stream one this service acts on: the consumer checks it before starting
// anything, and the dead-letter replay checks it again before re-delivering it.
import type { ConnectorRegistry } from '../connectors/registry';
import { FilterError, parseFilters } from '../connectors/filters';
import { syncTriggerSchema } from '../contracts/sync';
import { consumedEvents } from '../events/catalogue';
import { parseEvent, type EventEnvelope } from '../events/envelope';
import type { Db } from '../store/db';
import { findIntegration, integrationBelongsTo } from '../store/integrations';

export interface InboundCheckDeps {
  db: Db;
  connectors: ConnectorRegistry;
}

/** A refusal: the message goes to the dead-letter stream with this reason. */
export class InboundRefusal extends Error {
  override name = 'InboundRefusal';
}

/** The stream entry's `event` field as a consumed event of its tenant's integration, or an InboundRefusal saying why not. */
export async function readInboundMessage(fields: readonly string[], deps: InboundCheckDeps): Promise<EventEnvelope> {
  const at = fields.indexOf('event');
  const raw = at >= 0 ? fields[at + 1] : undefined;
  if (raw === undefined) throw new InboundRefusal('message has no "event" field');
  let event: EventEnvelope;
  try {
    event = parseEvent(JSON.parse(raw));
  } catch (err) {
    throw new InboundRefusal(err instanceof Error ? err.message : String(err));
  }
  if (!(event.type in consumedEvents)) throw new InboundRefusal(`"${event.type}" is not an event this service consumes`);
  const data = event.data as { integrationId: string; tenantId: string; connectionId?: string };
  // A message may only touch its own tenant's integration (and that integration's connection).
  if (!(await integrationBelongsTo(deps.db, data))) {
    throw new InboundRefusal(`integration ${data.integrationId}${data.connectionId ? ` with connection ${data.connectionId}` : ''} does not exist for tenant ${data.tenantId}`);
  }
  if (event.type === 'integration.sync.scheduled') {
    const { trigger } = event.data as EventEnvelope<'integration.sync.scheduled'>['data'];
    if (!syncTriggerSchema.safeParse(trigger).success) throw new InboundRefusal(`unknown trigger "${trigger}" (one of ${syncTriggerSchema.options.join(', ')})`);
  }
  if (event.type === 'integration.webhook.received') {
    const { entityType, filters } = event.data as EventEnvelope<'integration.webhook.received'>['data'];
    const integration = await findIntegration(deps.db, data.tenantId, data.integrationId);
    const connector = integration && deps.connectors.get(integration.provider);
    if (!connector) throw new InboundRefusal(`integration ${data.integrationId} has no connector`);
    if (entityType !== undefined && !connector.entityTypes.includes(entityType)) {
      throw new InboundRefusal(`${connector.provider} does not sync ${entityType} (it syncs ${connector.entityTypes.join(', ')})`);
    }
    try {
      parseFilters(connector, filters);
    } catch (err) {
      if (err instanceof FilterError) throw new InboundRefusal(err.message);
      throw err;
    }
  }
  return event;
}
