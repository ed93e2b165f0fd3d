import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, CcsdsErrorCode, SeededRandom, fromHex, toHex } from 'ccsds/core';
import {
  AesVariant,
  BlockType,
  type Bundle,
  ScopeFlags,
  SecurityContextId,
  ShaVariant,
  additionalAuthenticatedData,
  bundlePayload,
  createBundle,
  decodeAbstractSecurityBlock,
  decodeBundle,
  decryptBcb,
  encodeAbstractSecurityBlock,
  encodeBundle,
  encryptBcb,
  formatEid,
  type Eid,
  integrityProtectedPlaintext,
  parseEid,
  signBib,
  verifyBib,
} from 'ccsds/bp';
import { fuzzDecoder, mutate } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface Example {
  name: string;
  hex: string;
  original_hex: string;
  keys: Record<string, string>;
  expected: Record<string, string | number>[];
}

const examples = loadVectors<{ rfc9173_examples: Example[] }>('bp/bundles.json').rfc9173_examples;
const byName = (prefix: string): Example => examples.find((e) => e.name.startsWith(prefix))!;
const ipn21 = parseEid('ipn:2.1');
const ipn30 = parseEid('ipn:3.0');

function hexOf(b: Bundle): string {
  return toHex(encodeBundle(b));
}

function securityBlock(b: Bundle, type: number) {
  return b.blocks.find((x) => x.blockType === type)!;
}

test('RFC 9173 A.1: BIB-HMAC-SHA2 with HMAC 512/512 gives the RFC bundle and verifies', async () => {
  const v = byName('rfc9173-a1');
  const key = fromHex(v.keys['hmac_key']!);
  const signed = await signBib(decodeBundle(fromHex(v.original_hex)), {
    targets: [1],
    key,
    source: ipn21,
    shaVariant: ShaVariant.HMAC_512,
    scopeFlags: 0,
  });
  assert.equal(hexOf(signed), v.hex);
  const bib = securityBlock(signed, BlockType.BLOCK_INTEGRITY);
  assert.equal(toHex(integrityProtectedPlaintext(signed, 1, 0, bib)), v.expected[0]!['ippt']);
  const asb = decodeAbstractSecurityBlock(bib.data);
  assert.equal(asb.contextId, SecurityContextId.BIB_HMAC_SHA2);
  assert.equal(toHex(asb.results[0]![0]!.value).slice(4), v.expected[0]!['hmac_sha512']);
  const res = await verifyBib(decodeBundle(fromHex(v.hex)), { key });
  assert.deepEqual(
    res.map((r) => [r.securityBlock, r.target, r.ok]),
    [[2, 1, true]],
  );
  const wrong = await verifyBib(decodeBundle(fromHex(v.hex)), { key: fromHex('00'.repeat(16)) });
  assert.deepEqual(
    wrong.map((r) => [r.ok, r.reason]),
    [[false, 'HMAC mismatch']],
  );
});

test('RFC 9173 A.2: BCB-AES-GCM A128GCM with key wrap gives the RFC bundle and decrypts', async () => {
  const v = byName('rfc9173-a2');
  const cek = fromHex(v.keys['content_encryption_key']!);
  const kek = fromHex(v.keys['key_encryption_key']!);
  const e = v.expected[0]!;
  const enc = await encryptBcb(decodeBundle(fromHex(v.original_hex)), {
    targets: [1],
    key: cek,
    keyEncryptionKey: kek,
    source: ipn21,
    aesVariant: AesVariant.A128GCM,
    iv: fromHex(v.keys['iv']!),
    scopeFlags: 0,
  });
  assert.equal(hexOf(enc), v.hex);
  assert.equal(toHex(bundlePayload(enc)), e['ciphertext']);
  const bcb = securityBlock(enc, BlockType.BLOCK_CONFIDENTIALITY);
  const asb = decodeAbstractSecurityBlock(bcb.data);
  assert.equal(toHex(asb.parameters![2]!.value).slice(4), e['aes_wrapped_key']);
  assert.equal(toHex(asb.results[0]![0]!.value).slice(2), e['tag']);
  assert.equal(toHex(additionalAuthenticatedData(enc, enc.blocks[1]!, 0, bcb)), e['aad']);
  // The receiver holds only the key-encryption key.
  const dec = await decryptBcb(decodeBundle(fromHex(v.hex)), { key: kek });
  assert.deepEqual(
    dec.results.map((r) => [r.securityBlock, r.target, r.ok]),
    [[2, 1, true]],
  );
  assert.equal(hexOf(dec.bundle), v.original_hex);
  assert.equal(toHex(bundlePayload(dec.bundle)), e['plaintext']);
  // A wrong key-encryption key fails the unwrap; nothing is decrypted.
  const bad = await decryptBcb(decodeBundle(fromHex(v.hex)), { key: cek });
  assert.equal(bad.results[0]!.ok, false);
  assert.match(bad.results[0]!.reason!, /unwrap/);
  assert.equal(hexOf(bad.bundle), v.hex);
});

test('RFC 9173 A.3: BCB then a waypoint BIB over the primary and bundle age blocks', async () => {
  const v = byName('rfc9173-a3');
  const hmacKey = fromHex(v.keys['hmac_key']!);
  const cek = fromHex(v.keys['content_encryption_key']!);
  const original = decodeBundle(fromHex(v.original_hex));
  const enc = await encryptBcb(original, {
    targets: [1],
    key: cek,
    source: ipn21,
    aesVariant: AesVariant.A128GCM,
    iv: fromHex(v.keys['iv']!),
    scopeFlags: 0,
    blockNumber: 4,
    index: 0,
  });
  const signed = await signBib(enc, {
    targets: [0, 2],
    key: hmacKey,
    source: ipn30,
    shaVariant: ShaVariant.HMAC_256,
    scopeFlags: 0,
    blockNumber: 3,
    index: 0,
  });
  assert.equal(hexOf(signed), v.hex);
  const bib = securityBlock(signed, BlockType.BLOCK_INTEGRITY);
  assert.equal(toHex(integrityProtectedPlaintext(signed, 0, 0, bib)), v.expected[0]!['ippt']);
  assert.equal(toHex(integrityProtectedPlaintext(signed, 2, 0, bib)), v.expected[1]!['ippt']);
  const asb = decodeAbstractSecurityBlock(bib.data);
  assert.equal(toHex(asb.results[0]![0]!.value).slice(4), v.expected[0]!['hmac_sha256']);
  assert.equal(toHex(asb.results[1]![0]!.value).slice(4), v.expected[1]!['hmac_sha256']);
  assert.equal(toHex(bundlePayload(signed)), v.expected[2]!['ciphertext']);

  const received = decodeBundle(fromHex(v.hex));
  // Keys chosen by security source.
  const keyFor = (src: Eid) => (formatEid(src) === 'ipn:3.0' ? hmacKey : cek);
  const ver = await verifyBib(received, { key: keyFor });
  assert.deepEqual(
    ver.map((r) => [r.securityBlock, r.target, r.ok]),
    [
      [3, 0, true],
      [3, 2, true],
    ],
  );
  const dec = await decryptBcb(received, { key: keyFor });
  assert.deepEqual(
    dec.results.map((r) => [r.securityBlock, r.target, r.ok]),
    [[4, 1, true]],
  );
  assert.equal(toHex(bundlePayload(dec.bundle)), v.expected[2]!['plaintext']);
  assert.equal(
    dec.bundle.blocks.some((b) => b.blockType === BlockType.BLOCK_CONFIDENTIALITY),
    false,
  );
});

test('RFC 9173 A.4: full scope BIB (HMAC 384) then BCB (A256GCM) over the payload and the BIB', async () => {
  const v = byName('rfc9173-a4');
  const hmacKey = fromHex(v.keys['hmac_key']!);
  const cek = fromHex(v.keys['content_encryption_key']!);
  const signed = await signBib(decodeBundle(fromHex(v.original_hex)), {
    targets: [1],
    key: hmacKey,
    source: ipn21,
    shaVariant: ShaVariant.HMAC_384,
    scopeFlags: 7,
    blockNumber: 3,
    index: 0,
  });
  const bib = securityBlock(signed, BlockType.BLOCK_INTEGRITY);
  assert.equal(toHex(integrityProtectedPlaintext(signed, 1, 7, bib)), v.expected[0]!['ippt']);
  assert.equal(toHex(bib.data), v.expected[2]!['plaintext']);
  const enc = await encryptBcb(signed, {
    targets: [3, 1],
    key: cek,
    source: ipn21,
    aesVariant: AesVariant.A256GCM,
    iv: fromHex(v.keys['iv']!),
    scopeFlags: 7,
    blockNumber: 2,
    index: 1,
  });
  assert.equal(hexOf(enc), v.hex);
  const bcb = securityBlock(enc, BlockType.BLOCK_CONFIDENTIALITY);
  assert.equal(
    toHex(additionalAuthenticatedData(enc, enc.blocks[2]!, 7, bcb)),
    v.expected[1]!['aad'],
  );
  assert.equal(
    toHex(additionalAuthenticatedData(enc, enc.blocks[0]!, 7, bcb)),
    v.expected[2]!['aad'],
  );
  const asb = decodeAbstractSecurityBlock(bcb.data);
  assert.deepEqual(asb.targets, [3, 1]);
  assert.equal(toHex(asb.results[0]![0]!.value).slice(2), v.expected[2]!['tag']);
  assert.equal(toHex(asb.results[1]![0]!.value).slice(2), v.expected[1]!['tag']);
  assert.equal(toHex(enc.blocks[0]!.data), v.expected[2]!['ciphertext']);
  assert.equal(toHex(bundlePayload(enc)), v.expected[1]!['ciphertext']);

  const received = decodeBundle(fromHex(v.hex));
  const dec = await decryptBcb(received, { key: cek });
  assert.deepEqual(
    dec.results.map((r) => [r.target, r.ok]),
    [
      [3, true],
      [1, true],
    ],
  );
  assert.equal(hexOf(dec.bundle), hexOf(signed));
  const ver = await verifyBib(dec.bundle, { key: hmacKey });
  assert.deepEqual(
    ver.map((r) => [r.target, r.ok]),
    [[1, true]],
  );
  assert.equal(toHex(bundlePayload(dec.bundle)), v.expected[1]!['plaintext']);
});

function randomBundle(rng: SeededRandom, n: number): Bundle {
  return createBundle({
    destination: parseEid('ipn:1.2'),
    source: ipn21,
    payload: rng.bytes(n),
    creationTime: 1000 + rng.nextInt(1_000_000),
    sequenceNumber: rng.nextInt(100),
    hopLimit: 16,
  });
}

function flipBit(data: Uint8Array, bit: number): Uint8Array {
  const c = data.slice();
  c[bit >> 3] = c[bit >> 3]! ^ (1 << (bit & 7));
  return c;
}

test('sign then verify round-trips; any single bit flip in a signed target fails it', async () => {
  const rng = new SeededRandom(9172);
  const variants = [ShaVariant.HMAC_256, ShaVariant.HMAC_384, ShaVariant.HMAC_512];
  for (let i = 0; i < 24; i++) {
    const b = randomBundle(rng, 1 + rng.nextInt(300));
    const key = rng.bytes(16 + rng.nextInt(48));
    const kek = i % 3 === 0 ? rng.bytes(32) : undefined;
    const hop = b.blocks.find((x) => x.blockType === BlockType.HOP_COUNT)!.blockNumber;
    const signed = await signBib(b, {
      targets: [1, hop, 0],
      key: kek === undefined ? key : rng.bytes(32),
      ...(kek === undefined ? {} : { keyEncryptionKey: kek }),
      source: ipn21,
      shaVariant: variants[i % 3]!,
      // Not the target header flag: target 0 (the primary block) has no block header.
      scopeFlags: [0, ScopeFlags.PRIMARY_BLOCK, ScopeFlags.SECURITY_HEADER, 5][i % 4]!,
    });
    // Through the wire and back.
    const rx = decodeBundle(encodeBundle(signed));
    const ok = await verifyBib(rx, { key: kek ?? key });
    assert.deepEqual(
      ok.map((r) => [r.target, r.ok]),
      [
        [1, true],
        [hop, true],
        [0, true],
      ],
    );
    // One bit flipped in the payload: that target fails, the others still verify.
    const payload = bundlePayload(rx);
    const bit = rng.nextInt(payload.length * 8);
    const tampered: Bundle = {
      primary: rx.primary,
      blocks: rx.blocks.map((x) => (x.blockType === 1 ? { ...x, data: flipBit(x.data, bit) } : x)),
    };
    const res = await verifyBib(decodeBundle(encodeBundle(tampered)), { key: kek ?? key });
    assert.deepEqual(
      res.map((r) => [r.target, r.ok]),
      [
        [1, false],
        [hop, true],
        [0, true],
      ],
    );
    // A changed primary block (lifetime) fails the primary target, and every target when the
    // scope covers the primary block.
    const primaryChanged = { ...rx, primary: { ...rx.primary, lifetime: rx.primary.lifetime + 1 } };
    const pres = await verifyBib(primaryChanged, { key: kek ?? key });
    assert.equal(pres.find((r) => r.target === 0)!.ok, false);
    const scope = decodeAbstractSecurityBlock(
      rx.blocks.find((x) => x.blockType === BlockType.BLOCK_INTEGRITY)!.data,
    ).parameters!.at(-1)!.value[0]!;
    if (scope & ScopeFlags.PRIMARY_BLOCK)
      assert.equal(
        pres.every((r) => !r.ok),
        true,
      );
  }
});

test('a bit flip anywhere in the HMAC or the key fails verification', async () => {
  const rng = new SeededRandom(1);
  const b = randomBundle(rng, 64);
  const key = rng.bytes(32);
  const signed = await signBib(b, { targets: [1], key, source: ipn21 });
  const bib = signed.blocks.find((x) => x.blockType === BlockType.BLOCK_INTEGRITY)!;
  const macBits = 48 * 8; // HMAC 384 is the last 48 octets of the BIB data
  for (let k = 0; k < 40; k++) {
    const bit = (bib.data.length - 48) * 8 + rng.nextInt(macBits);
    const t: Bundle = {
      primary: signed.primary,
      blocks: signed.blocks.map((x) => (x === bib ? { ...x, data: flipBit(x.data, bit) } : x)),
    };
    const r = await verifyBib(t, { key });
    assert.equal(r[0]!.ok, false);
  }
  const r = await verifyBib(signed, { key: flipBit(key, rng.nextInt(256)) });
  assert.equal(r[0]!.ok, false);
  assert.deepEqual(await verifyBib(signed, { key: () => undefined }), [
    {
      securityBlock: bib.blockNumber,
      source: ipn21,
      target: 1,
      ok: false,
      reason: 'no key for this security source',
    },
  ]);
});

test('encrypt then decrypt round-trips; a bit flip in ciphertext, tag or covered header fails', async () => {
  const rng = new SeededRandom(9173);
  for (let i = 0; i < 24; i++) {
    const b = randomBundle(rng, 1 + rng.nextInt(300));
    const a256 = i % 2 === 0;
    const key = rng.bytes(a256 ? 32 : 16);
    const kek = i % 3 === 0 ? rng.bytes(16) : undefined;
    const enc = await encryptBcb(b, {
      targets: [1],
      ...(kek === undefined ? { key } : { keyEncryptionKey: kek }),
      ...(kek === undefined ? {} : { aesVariant: a256 ? AesVariant.A256GCM : AesVariant.A128GCM }),
      source: ipn21,
      scopeFlags: i % 4 === 0 ? 0 : 7,
    });
    const wire = encodeBundle(enc);
    const rx = decodeBundle(wire);
    assert.notEqual(toHex(bundlePayload(rx)), toHex(bundlePayload(b)));
    const dec = await decryptBcb(rx, { key: kek ?? key });
    assert.equal(dec.results[0]!.ok, true);
    assert.equal(hexOf(dec.bundle), hexOf(b));
    // Ciphertext bit flip: failed, payload left as the (tampered) ciphertext.
    const ct = bundlePayload(rx);
    const bit = rng.nextInt(ct.length * 8);
    const t1: Bundle = {
      primary: rx.primary,
      blocks: rx.blocks.map((x) => (x.blockType === 1 ? { ...x, data: flipBit(x.data, bit) } : x)),
    };
    const d1 = await decryptBcb(t1, { key: kek ?? key });
    assert.equal(d1.results[0]!.ok, false);
    assert.match(d1.results[0]!.reason!, /authentication failed/);
    assert.equal(toHex(bundlePayload(d1.bundle)), toHex(flipBit(ct, bit)));
    // Tag bit flip (the tag is the last 16 octets of the BCB data).
    const bcb = rx.blocks.find((x) => x.blockType === BlockType.BLOCK_CONFIDENTIALITY)!;
    const tbit = (bcb.data.length - 16) * 8 + rng.nextInt(128);
    const t2: Bundle = {
      primary: rx.primary,
      blocks: rx.blocks.map((x) => (x === bcb ? { ...x, data: flipBit(x.data, tbit) } : x)),
    };
    const d2 = await decryptBcb(t2, { key: kek ?? key });
    assert.equal(d2.results[0]!.ok, false);
    assert.equal(toHex(bundlePayload(d2.bundle)), toHex(ct));
    // Header covered by the AAD (payload block flags) when the scope includes it.
    const t3: Bundle = {
      primary: rx.primary,
      blocks: rx.blocks.map((x) => (x.blockType === 1 ? { ...x, flags: x.flags ^ 0x10 } : x)),
    };
    const d3 = await decryptBcb(t3, { key: kek ?? key });
    assert.equal(d3.results[0]!.ok, i % 4 === 0);
    // Wrong key.
    const d4 = await decryptBcb(rx, { key: flipBit(kek ?? key, rng.nextInt(128)) });
    assert.equal(d4.results[0]!.ok, false);
    assert.equal(toHex(bundlePayload(d4.bundle)), toHex(ct));
  }
});

test('encrypting a signed payload also encrypts its BIB; decrypt then verify', async () => {
  const rng = new SeededRandom(7);
  const b = randomBundle(rng, 200);
  const hk = rng.bytes(32);
  const ck = rng.bytes(32);
  const signed = await signBib(b, { targets: [1], key: hk, source: ipn21 });
  const bibNo = signed.blocks.find((x) => x.blockType === BlockType.BLOCK_INTEGRITY)!.blockNumber;
  await assert.rejects(
    encryptBcb(signed, { targets: [bibNo], key: ck, source: ipn21 }),
    (e: unknown) => e instanceof CcsdsError && e.code === CcsdsErrorCode.INVALID_ARGUMENT,
  );
  const enc = await encryptBcb(signed, { targets: [1, bibNo], key: ck, source: ipn21 });
  // An encrypted target cannot be signed again, and the primary block cannot be encrypted.
  await assert.rejects(signBib(enc, { targets: [1], key: hk, source: ipn21 }), /encrypted/);
  await assert.rejects(encryptBcb(b, { targets: [0], key: ck, source: ipn21 }), /primary/);
  await assert.rejects(encryptBcb(enc, { targets: [1], key: ck, source: ipn21 }), /already/);
  await assert.rejects(signBib(signed, { targets: [1], key: hk, source: ipn21 }), /already signed/);
  await assert.rejects(
    encryptBcb(b, { targets: [1], key: rng.bytes(20), source: ipn21 }),
    /needs a 32-octet key/,
  );
  // The BIB is unreadable until decrypted.
  assert.deepEqual(await verifyBib(enc, { key: hk }), []);
  await assert.rejects(
    verifyBib(enc, { key: hk, blockNumber: bibNo }),
    (e: unknown) => e instanceof CcsdsError && e.code === CcsdsErrorCode.INVALID_STATE,
  );
  const dec = await decryptBcb(enc, { key: ck });
  assert.equal(
    dec.results.every((r) => r.ok),
    true,
  );
  assert.equal(hexOf(dec.bundle), hexOf(signed));
  assert.deepEqual(
    (await verifyBib(dec.bundle, { key: hk })).map((r) => r.ok),
    [true],
  );
});

test('abstract security block: encoding rules and strict decoding', () => {
  const asb = {
    targets: [1, 5],
    contextId: -3,
    source: parseEid('dtn://node/'),
    parameters: [{ id: 9, value: fromHex('63616263') }],
    results: [[{ id: 1, value: fromHex('4101') }], []],
  };
  const enc = encodeAbstractSecurityBlock(asb);
  assert.deepEqual(decodeAbstractSecurityBlock(enc), asb);
  const noParams = { targets: [0], contextId: 1, source: ipn30, results: [[]] };
  assert.deepEqual(decodeAbstractSecurityBlock(encodeAbstractSecurityBlock(noParams)), noParams);
  const bad: [string, string, CcsdsErrorCode][] = [
    ['no targets', '80010082010001818101', CcsdsErrorCode.INVALID_FIELD],
    ['repeated target', '8201010100820100828080', CcsdsErrorCode.INVALID_FIELD],
    ['reserved context flag', '8101010282010081 80'.replace(' ', ''), CcsdsErrorCode.INVALID_FIELD],
    ['results count', '810101008201008280 80'.replace(' ', ''), CcsdsErrorCode.INVALID_FIELD],
    ['trailing octet', '810101008201008180 00'.replace(' ', ''), CcsdsErrorCode.INVALID_FIELD],
    ['truncated', '81010100820100', CcsdsErrorCode.TRUNCATED],
    ['long head', '8118010100820100 8180'.replace(' ', ''), CcsdsErrorCode.INVALID_FIELD],
    [
      'repeated parameter',
      '8101010182010082820100820100 8180'.replace(' ', ''),
      CcsdsErrorCode.INVALID_FIELD,
    ],
  ];
  for (const [what, hex, code] of bad) {
    assert.throws(
      () => decodeAbstractSecurityBlock(fromHex(hex)),
      (e: unknown) => e instanceof CcsdsError && e.code === code,
      what,
    );
  }
  assert.throws(
    () =>
      decodeAbstractSecurityBlock(fromHex('8301020301008201008380 8080'.replace(' ', '')), {
        maxTargets: 2,
      }),
    (e: unknown) => e instanceof CcsdsError && e.code === CcsdsErrorCode.LIMIT_EXCEEDED,
  );
  assert.throws(() => encodeAbstractSecurityBlock({ ...asb, targets: [] }), CcsdsError);
  assert.throws(() => encodeAbstractSecurityBlock({ ...asb, results: [[]] }), CcsdsError);
  assert.throws(
    () => encodeAbstractSecurityBlock({ ...asb, parameters: [{ id: 1, value: fromHex('0101') }] }),
    /more than one CBOR item/,
  );
});

test('fuzz: the abstract security block decoder throws only CcsdsError and round-trips', () => {
  const seeds = examples.flatMap((v) =>
    decodeBundle(fromHex(v.hex))
      .blocks.filter((b) => b.blockType === 11 || b.blockType === 12)
      .map((b) => b.data),
  );
  // A.4's BIB is encrypted; add its plaintext as a seed too.
  seeds.push(fromHex(String(byName('rfc9173-a4').expected[2]!['plaintext'])));
  let checked = 0;
  const stats = fuzzDecoder(
    (bytes) => {
      const asb = decodeAbstractSecurityBlock(bytes);
      assert.equal(toHex(encodeAbstractSecurityBlock(asb)), toHex(bytes));
      checked++;
    },
    { seeds, runs: 40_000, seed: 9172, maxRandomLength: 160 },
  );
  assert.ok(stats.accepted > 100, `accepted ${stats.accepted}`);
  assert.ok(stats.rejected > 10_000);
  assert.equal(checked, stats.accepted);
});

test('fuzz: verify and decrypt of mutated RFC 9173 bundles reject or fail, never accept a change', async () => {
  const rng = new SeededRandom(42);
  const v1 = byName('rfc9173-a1');
  const v2 = byName('rfc9173-a2');
  const cases = [
    { v: v1, key: fromHex(v1.keys['hmac_key']!), run: verifyBib },
    {
      v: v2,
      key: fromHex(v2.keys['key_encryption_key']!),
      run: async (b: Bundle, o: { key: Uint8Array }) => (await decryptBcb(b, o)).results,
    },
  ];
  let decoded = 0;
  for (let i = 0; i < 1500; i++) {
    const c = cases[i % 2]!;
    const original = fromHex(c.v.hex);
    const input = mutate(rng, [original], 64);
    let bundle: Bundle;
    try {
      bundle = decodeBundle(input);
    } catch (e) {
      assert.ok(e instanceof CcsdsError);
      continue;
    }
    decoded++;
    try {
      const res = await c.run(bundle, { key: c.key });
      // The scope of both examples is the payload alone: it may pass only with the payload
      // (plaintext signed in A.1, ciphertext in A.2) unchanged.
      if (res.some((r) => r.ok)) {
        assert.equal(toHex(bundlePayload(bundle)), toHex(bundlePayload(decodeBundle(original))));
      }
    } catch (e) {
      assert.ok(e instanceof CcsdsError, String(e));
    }
  }
  assert.ok(decoded > 50, `decoded ${decoded}`);
});
