/**
 * The convergence layer compliance suite: the same tests for every adapter, given a factory of
 * two layers that can reach each other. Bundles are real ones (ION's captures and generated
 * ones of every size up to the adapter's maximum).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CcsdsErrorCode, SeededRandom, fromHex, isCcsdsError, toHex } from 'ccsds/core';
import {
  type ConvergenceLayer,
  createBundle,
  decodeBundle,
  encodeBundle,
  parseEid,
} from 'ccsds/bp';
import { loadVectors } from '../support/vectors.js';

/** Two layers; `a` sends to `b.address` and `b` to `a.address`. */
export interface ClaPair {
  a: ConvergenceLayer;
  b: ConvergenceLayer;
}

/** Options of {@link claCompliance}. */
export interface ClaComplianceOptions {
  /** `from` of a received bundle can be replied to (false for files). */
  replyToFrom?: boolean;
  /** Bundles in the in-order test (default 300). */
  inOrderCount?: number;
}

interface Received {
  data: Uint8Array;
  from: string;
}

/** The next `n` bundles `t` receives. */
export function collectBundles(
  t: ConvergenceLayer,
  n: number,
  timeoutMs = 15_000,
): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const got: Received[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`received ${got.length} of ${n} bundles in ${timeoutMs} ms`));
    }, timeoutMs);
    const off = t.events.on('message', (data, from) => {
      got.push({ data: data.slice(), from });
      if (got.length === n) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

const ion = loadVectors<{ vectors: { name: string; hex: string }[] }>(
  'bp/bundles.json',
).vectors.map((v) => {
  const b = fromHex(v.hex);
  return v.name.startsWith('ion-stcp') ? b.subarray(4) : b;
});

/** A valid encoded bundle of exactly `length` octets (length ≥ 40). */
export function bundleOfLength(length: number, seed = 1): Uint8Array {
  const rng = new SeededRandom(seed);
  let n = Math.max(1, length - 40);
  for (let k = 0; k < 8; k++) {
    const b = encodeBundle(
      createBundle({
        destination: parseEid('ipn:2.1'),
        source: parseEid('ipn:1.1'),
        payload: rng.bytes(n),
        creationTime: 1,
        sequenceNumber: seed,
      }),
    );
    if (b.length === length) return b;
    n += length - b.length;
  }
  throw new Error(`cannot make a bundle of ${length} octets`);
}

/** Registers the suite. */
export function claCompliance(
  name: string,
  make: () => Promise<ClaPair>,
  options: ClaComplianceOptions = {},
): void {
  const it = (title: string, fn: (p: ClaPair) => Promise<void>): void => {
    test(title, async () => {
      const p = await make();
      try {
        await fn(p);
      } finally {
        await p.a.close();
        await p.b.close();
      }
    });
  };
  describe(`Convergence layer compliance: ${name}`, () => {
    it('ION bundles arrive intact, in order, and decode', async ({ a, b }) => {
      const sent = ion.filter((x) => x.length <= a.maxMessageLength);
      assert.ok(sent.length >= 9);
      const got = collectBundles(b, sent.length);
      for (const x of sent) await a.send(b.address, x);
      const r = await got;
      r.forEach((x, i) => {
        assert.equal(toHex(x.data), toHex(sent[i]!));
        decodeBundle(x.data);
      });
      assert.equal(a.stats.bundlesSent, sent.length);
      assert.equal(b.stats.bundlesReceived, sent.length);
    });

    it('a bundle of exactly the maximum arrives; one octet more is refused clearly', async ({
      a,
      b,
    }) => {
      const max = Math.min(a.maxMessageLength, 1 << 20);
      const big = bundleOfLength(max);
      const got = collectBundles(b, 1);
      await a.send(b.address, big);
      assert.equal(toHex((await got)[0]!.data), toHex(big));
      if (a.maxMessageLength <= 1 << 20) {
        await assert.rejects(
          a.send(b.address, bundleOfLength(max + 1)),
          (e) =>
            isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED) && /exceeds/.test((e as Error).message),
        );
      }
      await assert.rejects(a.send(b.address, new Uint8Array(0)), (e) =>
        isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      );
    });

    const count = options.inOrderCount ?? 300;
    it(`${count} bundles in order, none lost, when the sender awaits each send`, async ({
      a,
      b,
    }) => {
      const got = collectBundles(b, count, 25_000);
      const sent: string[] = [];
      for (let i = 0; i < count; i++) {
        const x = bundleOfLength(100 + (i % 50), i + 1);
        sent.push(toHex(x));
        await a.send(b.address, x);
      }
      const r = await got;
      assert.deepEqual(
        r.map((x) => toHex(x.data)),
        sent,
      );
    });

    it('both directions work', async ({ a, b }) => {
      if (options.replyToFrom !== false) {
        const off = b.events.on('message', (data, from) => void b.send(from, data).catch(() => {}));
        const back = collectBundles(a, 5);
        for (let i = 0; i < 5; i++) await a.send(b.address, bundleOfLength(200, i + 1));
        assert.equal((await back).length, 5);
        off();
      }
      const direct = collectBundles(a, 3);
      for (let i = 0; i < 3; i++) await b.send(a.address, bundleOfLength(90, i + 10));
      assert.deepEqual(
        (await direct).map((x) => x.data.length),
        [90, 90, 90],
      );
    });

    it('bad addresses are refused; close is idempotent and stops delivery', async ({ a, b }) => {
      for (const bad of ['nonsense', '', 'http://127.0.0.1:1']) {
        await assert.rejects(
          a.send(bad, ion[0]!),
          (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
          bad,
        );
      }
      let after = 0;
      b.events.on('message', () => after++);
      await Promise.all([b.close(), b.close()]);
      await assert.rejects(b.send(a.address, ion[0]!), (e) =>
        isCcsdsError(e, CcsdsErrorCode.INVALID_STATE),
      );
      await a.send(b.address, ion[0]!).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(after, 0);
    });
  });
}
