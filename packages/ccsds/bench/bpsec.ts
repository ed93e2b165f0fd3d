/**
 * BPSec benchmarks (RFC 9173): BIB-HMAC-SHA2-256 sign and verify and BCB-AES-GCM-256 encrypt and
 * decrypt of the payload of a bundle (1 KiB and 60 KiB), each set against the platform's own
 * primitive over the same payload in the same run: `node:crypto` `createHmac('sha256')`, and
 * `createCipheriv`/`createDecipheriv('aes-256-gcm')` with the tag. Rates count payload octets.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { SeededRandom } from '../src/core/index.js';
import {
  ShaVariant,
  decodeBundle,
  decryptBcb,
  encryptBcb,
  parseEid,
  signBib,
  verifyBib,
} from '../src/bp/index.js';
import { sample } from './bundle-sample.js';
import { type Work, measureCase, report } from './harness.js';

const LAYER = 'bpsec';

/**
 * BPSec on one bundle of `size` payload octets: `n` signings, verifications, encryptions and
 * decryptions, each with the `node:crypto` primitive over the same payload as peer.
 */
async function bpsec(size: number, n: number): Promise<void> {
  const bundle = decodeBundle(sample(size));
  const payload = bundle.blocks.find((b) => b.blockNumber === 1)!.data;
  const random = new SeededRandom(size + 1);
  const hmacKey = random.bytes(32);
  const aesKey = random.bytes(32);
  const iv = random.bytes(12);
  const source = parseEid('ipn:1.0');
  const work: Work = { items: n, itemName: 'bundles', bytes: n * size };
  const signed = await signBib(bundle, {
    targets: [1],
    key: hmacKey,
    source,
    shaVariant: ShaVariant.HMAC_256,
  });
  const encrypted = await encryptBcb(bundle, { targets: [1], key: aesKey, source, iv });
  const verified = await verifyBib(signed, { key: hmacKey });
  const decrypted = await decryptBcb(encrypted, { key: aesKey });
  if (!verified.every((r) => r.ok) || !decrypted.results.every((r) => r.ok))
    throw new Error('BPSec bench: the sample does not verify or decrypt');
  const hmac = await measureCase(
    `node:crypto createHmac sha256 ${size} B`,
    () => {
      for (let i = 0; i < n; i++) createHmac('sha256', hmacKey).update(payload).digest();
    },
    work,
  );
  report(
    LAYER,
    await measureCase(
      `BIB-HMAC-SHA2-256 sign, ${size} B payload`,
      async () => {
        for (let i = 0; i < n; i++)
          await signBib(bundle, {
            targets: [1],
            key: hmacKey,
            source,
            shaVariant: ShaVariant.HMAC_256,
          });
      },
      work,
    ),
    work,
    hmac,
  );
  report(
    LAYER,
    await measureCase(
      `BIB-HMAC-SHA2-256 verify, ${size} B payload`,
      async () => {
        for (let i = 0; i < n; i++) await verifyBib(signed, { key: hmacKey });
      },
      work,
    ),
    work,
    hmac,
  );
  const encPeer = await measureCase(
    `node:crypto aes-256-gcm encrypt ${size} B`,
    () => {
      for (let i = 0; i < n; i++) {
        const c = createCipheriv('aes-256-gcm', aesKey, iv);
        c.update(payload);
        c.final();
        c.getAuthTag();
      }
    },
    work,
  );
  report(
    LAYER,
    await measureCase(
      `BCB-AES-GCM-256 encrypt, ${size} B payload`,
      async () => {
        for (let i = 0; i < n; i++) await encryptBcb(bundle, { targets: [1], key: aesKey, source });
      },
      work,
    ),
    work,
    encPeer,
  );
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
  const tag = cipher.getAuthTag();
  const decPeer = await measureCase(
    `node:crypto aes-256-gcm decrypt ${size} B`,
    () => {
      for (let i = 0; i < n; i++) {
        const d = createDecipheriv('aes-256-gcm', aesKey, iv);
        d.setAuthTag(tag);
        d.update(ciphertext);
        d.final();
      }
    },
    work,
  );
  report(
    LAYER,
    await measureCase(
      `BCB-AES-GCM-256 decrypt, ${size} B payload`,
      async () => {
        for (let i = 0; i < n; i++) await decryptBcb(encrypted, { key: aesKey });
      },
      work,
    ),
    work,
    decPeer,
  );
}

/** Runs the BPSec benchmarks. */
export async function run(): Promise<void> {
  for (const size of [1024, 60 * 1024]) await bpsec(size, size > 4096 ? 50 : 500);
}
