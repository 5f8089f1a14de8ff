// The fake Shopify's GraphQL engine: the Admin API subset in shopify-admin.graphql, run by graphql-js, with Shopify's
// documented query cost (objects 1, scalars and enums 0, connections 2 + first × a node) and its error answers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  execute,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export const schema = buildSchema(readFileSync(path.join(__dirname, 'shopify-admin.graphql'), 'utf8'));

/** Shopify refuses one query that asks for more than this, whatever its bucket holds. */
export const SINGLE_QUERY_MAX_COST = 1000;

export interface ParsedQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

/** The query parsed and checked against the schema, or Shopify's error answer for it. */
export function parseQuery(text: string): ParsedQuery | { errors: Array<{ message: string; extensions?: Record<string, unknown> }> } {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (err) {
    return { errors: [{ message: (err as Error).message, extensions: { code: 'PARSE_ERROR' } }] };
  }
  const problems = validate(schema, document);
  if (problems.length) return { errors: problems.map((p) => ({ message: p.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) };
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return { document, operation };
}

export function run(parsed: ParsedQuery, root: Record<string, unknown>, variables: Record<string, unknown>) {
  return execute({ schema, document: parsed.document, rootValue: root, variableValues: variables });
}

/** A mutation's documented cost. */
const MUTATION_COST = 10;

/** Requested cost (from `first`) without data; actual cost (from what came back) with it. */
export function queryCost(parsed: ParsedQuery, variables: Record<string, unknown>, data?: unknown): number {
  if (parsed.operation.operation === 'mutation') return MUTATION_COST * parsed.operation.selectionSet.selections.length;
  return selectionCost(parsed.operation.selectionSet, schema.getQueryType()!, variables, data);
}

function selectionCost(set: SelectionSetNode, type: GraphQLObjectType, variables: Record<string, unknown>, data: unknown): number {
  let cost = 0;
  for (const selection of set.selections) {
    if (selection.kind !== Kind.FIELD || !selection.selectionSet) continue;
    const field = type.getFields()[selection.name.value];
    if (!field) continue;
    const named = getNamedType(field.type);
    if (isAbstractType(named)) {
      // An interface (node(id:)) is an object: 1, plus what its fragments select on the concrete type.
      const value = data === undefined ? undefined : (data as Record<string, unknown> | null)?.[selection.alias?.value ?? selection.name.value];
      if (data !== undefined && !value) continue;
      cost += 1;
      for (const fragment of selection.selectionSet.selections) {
        const on = fragment.kind === Kind.INLINE_FRAGMENT && fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (fragment.kind === Kind.INLINE_FRAGMENT && on && isObjectType(on)) cost += selectionCost(fragment.selectionSet, on, variables, value);
      }
      continue;
    }
    if (!isObjectType(named)) continue;
    const value = data === undefined ? undefined : (data as Record<string, unknown> | null)?.[selection.alias?.value ?? selection.name.value];
    if (data !== undefined && (value === null || value === undefined)) continue;
    if (named.name.endsWith('Connection')) cost += connectionCost(selection, named, variables, value as Record<string, unknown[]> | undefined);
    else if (Array.isArray(value)) for (const item of value) cost += 1 + selectionCost(selection.selectionSet, named, variables, item);
    else cost += 1 + selectionCost(selection.selectionSet, named, variables, value);
  }
  return cost;
}

function connectionCost(selection: FieldNode, connection: GraphQLObjectType, variables: Record<string, unknown>, data: Record<string, unknown[]> | undefined): number {
  const nodeType = getNamedType(connection.getFields().nodes!.type) as GraphQLObjectType;
  const nodes = selection.selectionSet!.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'nodes');
  const edges = selection.selectionSet!.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'edges');
  const edgeNode = edges?.selectionSet?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === 'node');
  const nodeCost = (item: unknown) =>
    Math.max(nodes?.selectionSet ? 1 + selectionCost(nodes.selectionSet, nodeType, variables, item) : 0, edgeNode?.selectionSet ? 1 + selectionCost(edgeNode.selectionSet, nodeType, variables, item) : 0);
  if (data === undefined) {
    const first = argument(selection, 'first', variables) ?? argument(selection, 'last', variables) ?? 0;
    return 2 + Number(first) * nodeCost(undefined);
  }
  const items = (data.nodes ?? (data.edges as Array<{ node: unknown }> | undefined)?.map((e) => e.node) ?? []) as unknown[];
  return 2 + items.reduce<number>((sum, item) => sum + nodeCost(item), 0);
}

function argument(selection: FieldNode, name: string, variables: Record<string, unknown>): unknown {
  const value = selection.arguments?.find((a) => a.name.value === name)?.value;
  return value ? literal(value, variables) : undefined;
}

function literal(value: ValueNode, variables: Record<string, unknown>): unknown {
  if (value.kind === Kind.VARIABLE) return variables[value.name.value];
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.STRING) return value.value;
  return undefined;
}

/**
 * Shopify's search syntax as the connector writes it: `updated_at:>='…'`, `status:…`, `financial_status:…` and
 * `(id:1 OR id:2)`, joined by AND. Anything else is an error here, so a query the fake does not understand is seen.
 */
export interface OrderSearch {
  updatedAtMin?: { at: number; inclusive: boolean };
  status?: string;
  financialStatus?: string;
  ids?: string[];
}

export function parseSearch(query: string | null | undefined): OrderSearch {
  const search: OrderSearch = {};
  if (!query) return search;
  for (const term of query.split(/\s+AND\s+/)) {
    let m: RegExpExecArray | null;
    if ((m = /^updated_at:(>=?)'([^']+)'$/.exec(term))) search.updatedAtMin = { at: Date.parse(m[2]!), inclusive: m[1] === '>=' };
    else if ((m = /^status:(\w+)$/.exec(term))) search.status = m[1]!;
    else if ((m = /^financial_status:(\w+)$/.exec(term))) search.financialStatus = m[1]!;
    else if ((m = /^\((id:\d+(?: OR id:\d+)*)\)$/.exec(term))) search.ids = m[1]!.split(' OR ').map((t) => t.slice(3));
    else throw new Error(`the fake Shopify does not understand the search term "${term}"`);
  }
  return search;
}

/**
 * One object as a bulk operation writes it: its fields as selected, nested objects inline, and each connection's
 * nodes as lines of their own after it, naming it as `__parentId` (Shopify's JSONL layout).
 */
export function bulkLines(set: SelectionSetNode, type: GraphQLObjectType, value: Record<string, unknown>, parentId?: string): Record<string, unknown>[] {
  const object: Record<string, unknown> = {};
  const children: Record<string, unknown>[] = [];
  for (const selection of set.selections) {
    if (selection.kind !== Kind.FIELD) continue;
    const name = selection.name.value;
    const named = getNamedType(type.getFields()[name]!.type);
    const v = value[name];
    if (isObjectType(named) && named.name.endsWith('Connection')) {
      const node = nodeSelection(selection);
      const nodeType = getNamedType(named.getFields().nodes!.type) as GraphQLObjectType;
      const items = Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
      if (node) for (const item of items) children.push(...bulkLines(node, nodeType, item, String(value.id)));
    } else if (isObjectType(named) && selection.selectionSet) {
      object[selection.alias?.value ?? name] = v === null || v === undefined ? null : bulkLines(selection.selectionSet, named, v as Record<string, unknown>)[0];
    } else {
      object[selection.alias?.value ?? name] = v ?? null;
    }
  }
  return [parentId === undefined ? object : { ...object, __parentId: parentId }, ...children];
}

/** The node selection of a connection field, through `edges { node }` or `nodes`. */
export function nodeSelection(connection: FieldNode): SelectionSetNode | undefined {
  const field = (set: SelectionSetNode | undefined, name: string) => set?.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === name);
  return field(field(connection.selectionSet, 'edges')?.selectionSet, 'node')?.selectionSet ?? field(connection.selectionSet, 'nodes')?.selectionSet;
}
