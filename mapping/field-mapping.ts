// Declarative field mappings: each internal field names where its value comes from in the provider's record.
import { z } from 'zod';

/**
 * `money`: a decimal written with at least two fraction digits (Shopify GraphQL's "0.0" and REST's "0.00" alike);
 * `idTail`: the last segment of a global id (`gid://shopify/LineItem/123` → "123").
 */
const transformSchema = z.enum(['string', 'decimal', 'money', 'datetime', 'number', 'lowercase', 'idTail']);

export interface FieldRuleObject {
  /** Dot path into the raw record, e.g. `customer.email` or `properties.amount`. */
  path?: string;
  /** A fixed value instead of a path. */
  const?: unknown;
  transform?: z.infer<typeof transformSchema>;
  /** Used when the path holds null or nothing. */
  default?: unknown;
  /** For arrays: the mapping applied to each element. */
  each?: Record<string, FieldRule>;
}
export type FieldRule = string | FieldRuleObject;

export interface FieldMapping {
  fields: Record<string, FieldRule>;
}

const fieldRuleSchema: z.ZodType<FieldRule> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z
      .object({
        path: z.string().min(1).optional(),
        const: z.unknown().optional(),
        transform: transformSchema.optional(),
        default: z.unknown().optional(),
        each: z.record(z.string(), fieldRuleSchema).optional(),
      })
      .strict(),
  ]),
);

// Recursive, so OpenAPI documents it once under components and refers to it.
z.globalRegistry.add(fieldRuleSchema, { id: 'FieldRule' });

/** Validates a mapping stored by a user before it is saved or used. */
export const fieldMappingSchema = z.object({ fields: z.record(z.string(), fieldRuleSchema) }).strict();

export class MappingError extends Error {
  override name = 'MappingError';
}

function readPath(record: unknown, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

function applyTransform(field: string, value: unknown, transform: FieldRuleObject['transform']): unknown {
  if (value === undefined || value === null || !transform) return value;
  // A blank where a number or date belongs is no value (HubSpot sends "" for a cleared property), not a wrong one.
  if (value === '' && transform !== 'string' && transform !== 'lowercase') return undefined;
  if (transform === 'money') {
    const decimal = applyTransform(field, value, 'decimal') as string;
    const [whole, fraction = ''] = decimal.split('.');
    return `${whole}.${fraction.padEnd(2, '0')}`;
  }
  switch (transform) {
    case 'string':
      return String(value);
    case 'lowercase':
      return String(value).toLowerCase();
    case 'idTail':
      return String(value).slice(String(value).lastIndexOf('/') + 1);
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw new MappingError(`${field}: "${String(value)}" is not a number`);
      return n;
    }
    case 'decimal': {
      // Money stays a decimal string: a JSON number is written out as given, never rounded through arithmetic.
      const text = typeof value === 'number' ? String(value) : String(value).trim();
      if (!DECIMAL.test(text)) throw new MappingError(`${field}: "${String(value)}" is not a decimal amount`);
      return text;
    }
    case 'datetime': {
      // A time without an offset (WooCommerce's *_gmt fields) is UTC, never the machine's local time.
      const text = String(value);
      const ms = typeof value === 'number' ? value : Date.parse(/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
      if (Number.isNaN(ms)) throw new MappingError(`${field}: "${String(value)}" is not a date`);
      return new Date(ms).toISOString();
    }
  }
}

/** A rule as it is applied: its path split and its `each` compiled once per mapping, not once per record. */
interface CompiledField {
  field: string;
  rule: FieldRuleObject;
  path: readonly string[] | undefined;
  each: readonly CompiledField[] | undefined;
}

// By the fields object: a merged mapping lives for a sync chunk, a connector's default for the process.
const compiled = new WeakMap<Record<string, FieldRule>, readonly CompiledField[]>();

function compile(fields: Record<string, FieldRule>): readonly CompiledField[] {
  let out = compiled.get(fields);
  if (!out) {
    out = Object.entries(fields).map(([field, rule]) => {
      const object = typeof rule === 'string' ? { path: rule } : rule;
      return { field, rule: object, path: object.path?.split('.'), each: object.each ? compile(object.each) : undefined };
    });
    compiled.set(fields, out);
  }
  return out;
}

function applyRule({ field, rule, path, each }: CompiledField, record: unknown): unknown {
  let value = rule.const !== undefined ? rule.const : path ? readPath(record, path) : undefined;
  if (value === undefined || value === null) value = rule.default;
  if (each && Array.isArray(value)) {
    return value.map((item, i) => {
      try {
        return mapFields(each, item);
      } catch (err) {
        // Named where it failed only when it does: building `field[i].` per element cost more than the mapping.
        if (err instanceof MappingError) throw new MappingError(`${field}[${i}].${err.message}`);
        throw err;
      }
    });
  }
  return applyTransform(field, value, rule.transform);
}

function mapFields(fields: readonly CompiledField[], record: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const compiledField of fields) {
    const value = applyRule(compiledField, record);
    if (value !== undefined && value !== null) out[compiledField.field] = value;
  }
  return out;
}

/** A stored mapping overrides the connector's default field by field. */
export function mergeMappings(defaults: FieldMapping | undefined, override: FieldMapping | undefined): FieldMapping {
  return { fields: { ...(defaults?.fields ?? {}), ...(override?.fields ?? {}) } };
}

/** Maps one raw record, then validates it against the entity type's schema; throws MappingError naming what is wrong. */
export function mapRecord<S extends z.ZodType>(mapping: FieldMapping, schema: S, raw: unknown): z.infer<S> {
  const mapped = mapFields(compile(mapping.fields), raw);
  const result = schema.safeParse(mapped);
  if (!result.success) {
    throw new MappingError(result.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** The fields of a record that map on their own, for describing a record the full mapping rejected. */
export function mapFieldsLeniently(mapping: FieldMapping, raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const compiledField of compile(mapping.fields)) {
    try {
      const value = applyRule(compiledField, raw);
      if (value !== undefined && value !== null) out[compiledField.field] = value;
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
    }
  }
  return out;
}
