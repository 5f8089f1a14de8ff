import { readFileSync } from 'node:fs';
import path from 'node:path';
import { consumedEvents, eventCatalogue, publishedEvents } from '../../events/catalogue';
import { createEvent, deterministicEventId, parseEvent } from '../../events/envelope';

const specDir = path.join(__dirname, '..', 'fixtures', 'spec');
const spec000 = readFileSync(path.join(specDir, '000_c984d9eeb5929834.txt'), 'utf8');
const spec004 = readFileSync(path.join(specDir, '004_8c03501893d71b8f.txt'), 'utf8');

const section = (text: string, from: string, to?: string) => text.slice(text.indexOf(from), to ? text.indexOf(to) : undefined);
const eventTypesIn = (text: string) => [...text.matchAll(/\*\*Event Type\*\*: `([^`]+)`/g)].map((m) => m[1]!);
const headingsIn = (text: string) => [...text.matchAll(/^### (integration\.[\w.-]+)$/gm)].map((m) => m[1]!);

describe('event catalogue against the source documents', () => {
  const published000 = eventTypesIn(spec000);
  const consumed000 = headingsIn(section(spec000, '## Consumed Events'));
  const published004 = [...spec004.matchAll(/^\| `(integration\.[\w.-]+)` \|/gm)].map((m) => m[1]!);

  it('finds the 8 + 6 published and 3 consumed types in the specs', () => {
    expect(published000).toHaveLength(8);
    expect(published004).toHaveLength(6);
    expect(consumed000).toHaveLength(3);
  });

  it('has a schema for every published type and nothing else', () => {
    expect(Object.keys(publishedEvents).sort()).toEqual([...published000, ...published004].sort());
  });

  it('has a schema for every consumed type', () => {
    expect(Object.keys(consumedEvents).sort()).toEqual([...consumed000].sort());
  });

  it.each(published000.filter((t) => t.startsWith('integration.data.')))('names the data fields of %s exactly as spec 000', (type) => {
    const block = section(spec000, `### ${type}\n`).split('---')[0]!;
    const specFields = [...block.matchAll(/^- `(\w+)`/gm)].map((m) => m[1]!);
    expect(Object.keys(eventCatalogue[type as keyof typeof eventCatalogue].shape).sort()).toEqual(specFields.sort());
  });

  it.each([...published000, ...consumed000].filter((t) => !t.startsWith('integration.data.')))(
    'names the data fields of %s exactly as spec 000',
    (type) => {
      const block = section(spec000, `### ${type}\n`).split('---')[0]!;
      const line = block.split('\n').find((l) => l.startsWith('**data**:'))!;
      const specFields = [...line.matchAll(/`(\w+)\??`/g)].map((m) => m[1]!);
      expect(Object.keys(eventCatalogue[type as keyof typeof eventCatalogue].shape).sort()).toEqual(specFields.sort());
    },
  );
});

describe('envelope', () => {
  it('validates data and rejects a misspelled field', () => {
    expect(() =>
      createEvent('integration.token.refreshed', { connectionId: 'c', integrationId: 'i', refreshed_at: 'x' } as never),
    ).toThrow();
  });

  it('derives the same id from the same idempotency key, and another from another', () => {
    const data = { timestamp: '2026-01-01T00:00:00.000Z' };
    const a = createEvent('integration.sync.check_due', data, { idempotencyKey: 'k1' });
    const b = createEvent('integration.sync.check_due', data, { idempotencyKey: 'k1' });
    const c = createEvent('integration.sync.check_due', data, { idempotencyKey: 'k2' });
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicEventId('x', 'k1')).not.toBe(deterministicEventId('y', 'k1'));
  });

  it('checks that batchSize matches the records', () => {
    const record = { rawData: { id: 1 }, externalId: '1', idempotencyKey: 'i-1-s' };
    const base = { integrationId: 'i', tenantId: 't', entityType: 'Order', syncTaskId: 's', correlationId: 'c' };
    expect(() => createEvent('integration.data.raw.batch', { ...base, records: [record], batchSize: 2 })).toThrow(/batchSize/);
    expect(createEvent('integration.data.raw.batch', { ...base, records: [record], batchSize: 1 }).data.batchSize).toBe(1);
  });

  it('parses an inbound envelope and rejects an unknown type', () => {
    const event = createEvent('integration.webhook.received', { integrationId: 'i', tenantId: 't' });
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
    expect(() => parseEvent({ ...event, type: 'integration.nope' })).toThrow();
  });
});
