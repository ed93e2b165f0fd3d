/**
 * `DirectoryBundleStore`: the agent's journal on disk. Each stored bundle is one file in the
 * agent's state folder, `<hash>.bundle`, holding the receive time (8 octets, big-endian ms)
 * and the encoded bundle; it is written to a temporary name and renamed, so a crash leaves
 * either the whole entry or none, and removed once the bundle is forwarded, delivered or
 * expired. On start the agent reloads every entry.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleStore } from '../agent.js';

/** A {@link BundleStore} in a folder; see the module comment. */
export class DirectoryBundleStore implements BundleStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(id: string): string {
    return join(this.dir, `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.bundle`);
  }

  put(id: string, bundle: Uint8Array, receivedAt: number): void {
    const idBytes = new TextEncoder().encode(id);
    const out = new Uint8Array(8 + 2 + idBytes.length + bundle.length);
    const dv = new DataView(out.buffer);
    dv.setFloat64(0, receivedAt);
    dv.setUint16(8, idBytes.length);
    out.set(idBytes, 10);
    out.set(bundle, 10 + idBytes.length);
    const f = this.file(id);
    writeFileSync(`${f}.tmp`, out);
    renameSync(`${f}.tmp`, f);
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  *load(): Iterable<{ id: string; bundle: Uint8Array; receivedAt: number }> {
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.bundle')) continue;
      const b = new Uint8Array(readFileSync(join(this.dir, name)));
      if (b.length < 10) continue;
      const dv = new DataView(b.buffer, b.byteOffset, b.length);
      const n = dv.getUint16(8);
      if (10 + n > b.length) continue;
      const id = new TextDecoder().decode(b.subarray(10, 10 + n));
      yield { id, receivedAt: dv.getFloat64(0), bundle: b.subarray(10 + n) };
    }
  }
}
