// Keys for secrets at rest: the current key seals, any known key opens, so ENCRYPTION_KEY can rotate.
import { createHash } from 'node:crypto';
import { decryptJson, encryptJson } from './secrets';

export interface Sealed {
  keyId: string;
  blob: Buffer;
}

export class Keyring {
  readonly currentId: string;
  private readonly keys = new Map<string, Buffer>();

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.currentId = Keyring.idOf(current);
    for (const key of [current, ...previous]) this.keys.set(Keyring.idOf(key), key);
  }

  /** A short, non-secret fingerprint of a key. */
  static idOf(key: Buffer): string {
    return createHash('sha256').update(key).digest('hex').slice(0, 12);
  }

  seal(value: unknown): Sealed {
    return { keyId: this.currentId, blob: encryptJson(this.keys.get(this.currentId)!, value) };
  }

  open<T>(sealed: Sealed): T {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`secret sealed with unknown key ${sealed.keyId}: add it to ENCRYPTION_KEYS_PREVIOUS`);
    return decryptJson<T>(key, sealed.blob);
  }
}
