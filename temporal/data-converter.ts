import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from '../security/payload-codec';

export interface PayloadEncryptionEnv {
  PAYLOAD_ENCRYPTION_KEY?: Buffer | undefined;
  PAYLOAD_ENCRYPTION_KEYS_PREVIOUS?: Buffer[] | undefined;
}

/** Every client and worker of a deployment must use the same converter: payloads encrypted when the key is set. */
export function dataConverterFor(env: PayloadEncryptionEnv): DataConverter | undefined {
  if (!env.PAYLOAD_ENCRYPTION_KEY) return undefined;
  return { payloadCodecs: [new EncryptionCodec(env.PAYLOAD_ENCRYPTION_KEY, env.PAYLOAD_ENCRYPTION_KEYS_PREVIOUS ?? [])] };
}

export function codecFor(env: PayloadEncryptionEnv): EncryptionCodec | undefined {
  return env.PAYLOAD_ENCRYPTION_KEY ? new EncryptionCodec(env.PAYLOAD_ENCRYPTION_KEY, env.PAYLOAD_ENCRYPTION_KEYS_PREVIOUS ?? []) : undefined;
}
