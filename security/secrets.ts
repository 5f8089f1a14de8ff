// AES-256-GCM for secrets at rest (connection tokens, webhook keys). Format: version(1) | iv(12) | tag(16) | ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;

export function encryptJson(key: Buffer, value: unknown): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function decryptJson<T>(key: Buffer, blob: Buffer): T {
  if (blob[0] !== VERSION) throw new Error(`unknown secret format version ${blob[0]}`);
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(1, 13));
  decipher.setAuthTag(blob.subarray(13, 29));
  const plain = Buffer.concat([decipher.update(blob.subarray(29)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as T;
}
