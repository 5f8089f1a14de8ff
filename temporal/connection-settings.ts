// Where and how every process reaches Temporal, read the way the `temporal` CLI reads it (@temporalio/envconfig):
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, and the TOML profile
// file (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE). One profile serves the CLI and this service.
import { existsSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from '../config/config-error';

/** What both connection kinds (the client's and the worker's native one) take, plus the namespace. */
export interface TemporalConnection {
  address: string;
  namespace: string;
  tls?: NativeConnectionOptions['tls'];
  apiKey?: string;
  metadata?: Record<string, string>;
}

/** The dev server's defaults, for when nothing is set. */
const DEFAULT_ADDRESS = 'localhost:7233';
const DEFAULT_NAMESPACE = 'default';

/**
 * Resolves the connection from `env` (environment variables win over the profile's values). A named file that is
 * missing, unreadable or not TOML, a missing profile or certificate is a ConfigError that names the setting, never
 * the content: a profile file holds API keys and keys of certificates.
 */
export function loadTemporalConnection(env: Readonly<Record<string, string>>): TemporalConnection {
  const file = env.TEMPORAL_CONFIG_FILE;
  if (file !== undefined && !existsSync(file)) throw new ConfigError([`TEMPORAL_CONFIG_FILE: no file at ${file}`]);
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw new ConfigError([`Temporal connection settings (${file ? `TEMPORAL_CONFIG_FILE ${file}, ` : ''}TEMPORAL_* variables): ${describe(err)}`]);
  }
  const { address, tls, apiKey, metadata } = loaded.connectionOptions;
  return {
    address: address ?? DEFAULT_ADDRESS,
    namespace: loaded.namespace ?? DEFAULT_NAMESPACE,
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(typeof apiKey === 'string' ? { apiKey } : {}),
    ...(metadata ? { metadata: metadata as Record<string, string> } : {}),
  };
}

/** The first line only: a TOML parser quotes the offending line of the file, which may be a key. */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}

/**
 * A connection that fails says where it was going, why, and for a TLS failure which setting to look at: the
 * server's CA, or the client certificate an mTLS cluster asks for (its refusal reaches us as a certificate alert or,
 * as often, just a broken pipe, hence the hint from what was configured).
 */
export async function connectOrExplain<T>(settings: Omit<TemporalConnection, 'namespace'>, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    const reason = describe(err);
    const tls = settings.tls;
    const hint = !tls
      ? ''
      : /UnknownIssuer|unknown ca|self.signed|unable to (get|verify)|certificate verify|BadSignature/i.test(reason)
        ? " (the server's certificate is not trusted: check TEMPORAL_TLS_SERVER_CA_CERT_PATH/_DATA and TEMPORAL_TLS_SERVER_NAME)"
        : typeof tls === 'object' && tls.clientCertPair
          ? ''
          : ' (no client certificate was given: a cluster that requires mTLS needs TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH, or their _DATA forms)';
    throw new Error(`Could not connect to Temporal at ${settings.address}: ${reason}${hint}`, { cause: err });
  }
}
