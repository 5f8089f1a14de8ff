import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { envFields } from '../../config/env';

const root = path.resolve(__dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.temporal.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { build?: string; command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } }>;
};
const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const appServices = Object.entries(compose.services).filter(([, s]) => s.build);

describe('docker-compose.temporal.yml (no Docker engine here, so its wiring is checked by reading it)', () => {
  it('has Temporal, its UI, Redis, PostgreSQL, the API and scaled workers', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['temporal', 'temporal-ui', 'redis', 'app-postgresql', 'api', 'worker']),
    );
    expect(compose.services.worker!.deploy?.replicas).toBeGreaterThan(1);
  });

  it.each(appServices)('%s runs an entry point that `npm run build` compiles', (_name, service) => {
    const [node, entry] = service.command!;
    expect(node).toBe('node');
    const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(root, source))).toBe(true);
    const build = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude: string[] };
    expect(build.include).toContain(source.split('/')[0]);
    expect(build.exclude).not.toContain(source);
    expect(scripts.build).toContain('tsconfig.build.json');
  });

  it.each(appServices)('%s sets only variables the config schema knows', (_name, service) => {
    const unknown = Object.keys(service.environment ?? {}).filter((k) => !(k in envFields));
    expect(unknown).toEqual([]);
  });
});
