import { hash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { activeTraceContext } from '../observability/tracing';
import { eventCatalogue, type EventData, type EventType } from './catalogue';

export const EVENT_SOURCE = 'integration-sync';

export const envelopeSchema = z
  .object({
    id: z.string().min(1),
    type: z.enum(Object.keys(eventCatalogue) as [EventType, ...EventType[]]),
    source: z.string().min(1),
    time: z.iso.datetime({ offset: true }),
    tenantId: z.string().optional(),
    integrationId: z.string().optional(),
    correlationId: z.string().optional(),
    // W3C trace context of the code that published it (the CloudEvents distributed-tracing extension's names).
    traceparent: z.string().optional(),
    tracestate: z.string().optional(),
    data: z.unknown(),
  })
  .strict();

/** The envelope's fields as the schema declares them, with `data` typed by the event's type. */
export type EventEnvelope<T extends EventType = EventType> = Omit<z.infer<typeof envelopeSchema>, 'type' | 'data'> & { type: T; data: EventData<T> };

/** A UUID-shaped id that is the same for the same type and key, so a retried publish repeats the id and consumers drop the copy. */
export function deterministicEventId(type: string, key: string): string {
  const h = hash('sha256', `${type}\u0000${key}`, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface EventContext {
  tenantId?: string;
  integrationId?: string;
  correlationId?: string;
  /** Makes the id deterministic; give it whenever a retry could publish the same event again. */
  idempotencyKey?: string;
  time?: Date;
}

/**
 * Whether createEvent checks data against the catalogue. On by default (tests, the API, the launcher); a worker
 * turns it off unless EVENT_VALIDATION is set: its events are built from typed, already validated records, and the
 * check costs about as much CPU per record as mapping the record does.
 */
let validateEvents = true;
export function setEventValidation(on: boolean): void {
  validateEvents = on;
}

// A page's events share one Date: formatted once, not once per event (by its time, as a Date can be set anew).
let lastTimeMs = NaN;
let lastIso = '';
function isoTime(time: Date): string {
  const ms = time.getTime();
  if (ms !== lastTimeMs) {
    lastIso = time.toISOString();
    lastTimeMs = ms;
  }
  return lastIso;
}

/** Builds an envelope (validating its data against the catalogue, unless turned off): a wrong field throws here, not at a consumer. */
export function createEvent<T extends EventType>(type: T, data: EventData<T>, context: EventContext = {}): EventEnvelope<T> {
  const parsed = validateEvents ? (eventCatalogue[type].parse(data) as EventData<T>) : data;
  const envelope: EventEnvelope<T> = {
    id: context.idempotencyKey ? deterministicEventId(type, context.idempotencyKey) : randomUUID(),
    type,
    source: EVENT_SOURCE,
    time: isoTime(context.time ?? new Date()),
    data: parsed,
  };
  if (context.tenantId !== undefined) envelope.tenantId = context.tenantId;
  if (context.integrationId !== undefined) envelope.integrationId = context.integrationId;
  if (context.correlationId !== undefined) envelope.correlationId = context.correlationId;
  Object.assign(envelope, activeTraceContext());
  return envelope;
}

/** Validates an envelope received from outside (stream, HTTP) including its data. */
export function parseEvent(input: unknown): EventEnvelope {
  const envelope = envelopeSchema.parse(input);
  const data = eventCatalogue[envelope.type].parse(envelope.data);
  return { ...envelope, data } as EventEnvelope;
}
