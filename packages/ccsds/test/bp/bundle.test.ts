import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CcsdsErrorCode, fromHex, isCcsdsError, toHex } from 'ccsds/core';
import {
  BlockType,
  BundleFlags,
  CrcType,
  type Bundle,
  bundleAgeOf,
  bundlePayload,
  createBundle,
  crc16X25,
  decodeBundle,
  decodeBundleAgeData,
  decodeHopCountData,
  decodePreviousNodeData,
  encodeBundle,
  encodePrimaryBlock,
  formatEid,
  hopCountOf,
  parseEid,
  previousNodeOf,
} from 'ccsds/bp';
import { loadVectors } from '../support/vectors.js';

interface BlockFields {
  type: number;
  block_number: number;
  block_processing_flags: number;
  crc_type: number;
  data_length: number;
  data: string | null;
  crc: string | null;
  decoded?: unknown;
}
interface BundleFields {
  primary: {
    bundle_processing_flags: number;
    crc_type: number;
    destination: string;
    source: string;
    report_to: string;
    creation_timestamp: { dtn_time_ms: number; sequence_number: number };
    lifetime_ms: number;
    fragment_offset: number | null;
    total_adu_length: number | null;
    encoded: string;
  };
  blocks: BlockFields[];
  payload_sha256?: string;
  bundle_hex_offset?: number;
}
interface Vector {
  name: string;
  hex: string;
  fields: BundleFields;
  input?: {
    received_hex?: string;
    received_fields?: BundleFields;
    request_hex?: string;
    request_fields?: BundleFields;
  };
}
interface BundleFile {
  vectors: Vector[];
  rfc9173_examples: (Vector & { original_hex: string })[];
}

const file = loadVectors<BundleFile>('bp/bundles.json');

function checkFields(b: Bundle, f: BundleFields, name: string): void {
  const p = b.primary;
  assert.equal(p.flags, f.primary.bundle_processing_flags, name);
  assert.equal(p.crcType, f.primary.crc_type, name);
  assert.equal(formatEid(p.destination), f.primary.destination, name);
  assert.equal(formatEid(p.source), f.primary.source, name);
  assert.equal(formatEid(p.reportTo), f.primary.report_to, name);
  assert.equal(p.creationTime, f.primary.creation_timestamp.dtn_time_ms, name);
  assert.equal(p.sequenceNumber, f.primary.creation_timestamp.sequence_number, name);
  assert.equal(p.lifetime, f.primary.lifetime_ms, name);
  assert.equal(p.fragmentOffset ?? null, f.primary.fragment_offset, name);
  assert.equal(p.totalAduLength ?? null, f.primary.total_adu_length, name);
  assert.equal(toHex(encodePrimaryBlock(p)), f.primary.encoded, name);
  assert.equal(b.blocks.length, f.blocks.length, name);
  f.blocks.forEach((fb, i) => {
    const bb = b.blocks[i]!;
    assert.equal(bb.blockType, fb.type, `${name} block ${i}`);
    assert.equal(bb.blockNumber, fb.block_number);
    assert.equal(bb.flags, fb.block_processing_flags);
    assert.equal(bb.crcType, fb.crc_type);
    assert.equal(bb.data.length, fb.data_length);
    if (fb.data !== null) assert.equal(toHex(bb.data), fb.data);
    if (fb.type === 6) assert.equal(formatEid(decodePreviousNodeData(bb.data)), fb.decoded);
    if (fb.type === 7) assert.equal(decodeBundleAgeData(bb.data), fb.decoded);
    if (fb.type === 10) assert.deepEqual(decodeHopCountData(bb.data), fb.decoded);
  });
  if (f.payload_sha256 !== undefined) {
    assert.equal(
      createHash('sha256').update(bundlePayload(b)).digest('hex'),
      f.payload_sha256,
      name,
    );
  }
}

test('CRC-16/X.25 check value', () => {
  assert.equal(crc16X25(new TextEncoder().encode('123456789')), 0x906e);
});

test('ION bundles decode to their fields and re-encode byte-identically', () => {
  assert.equal(file.vectors.length, 11);
  for (const v of file.vectors) {
    let bytes = fromHex(v.hex);
    if (v.fields.bundle_hex_offset !== undefined)
      bytes = bytes.subarray(v.fields.bundle_hex_offset);
    const b = decodeBundle(bytes);
    checkFields(b, v.fields, v.name);
    assert.equal(toHex(encodeBundle(b)), toHex(bytes), v.name);
    for (const [hex, fields] of [
      [v.input?.received_hex, v.input?.received_fields],
      [v.input?.request_hex, v.input?.request_fields],
    ] as const) {
      if (hex === undefined || fields === undefined) continue;
      const rb = decodeBundle(fromHex(hex));
      checkFields(rb, fields, `${v.name} input`);
      assert.equal(toHex(encodeBundle(rb)), hex);
    }
  }
});

test('the forwarded ION bundle: hop count, previous node and bundle age helpers', () => {
  const v = file.vectors.find((x) => x.name === 'ion-udp-forwarded')!;
  const b = decodeBundle(fromHex(v.hex));
  assert.deepEqual(hopCountOf(b), { limit: 30, count: 4 });
  assert.equal(formatEid(previousNodeOf(b)!), 'ipn:1.0');
  assert.equal(bundleAgeOf(b), 2317);
  const received = decodeBundle(fromHex(v.input!.received_hex!));
  assert.deepEqual(hopCountOf(received), { limit: 30, count: 3 });
  assert.equal(bundleAgeOf(received), undefined);
});

test('RFC 9173 example bundles decode and re-encode byte-identically', () => {
  assert.equal(file.rfc9173_examples.length, 4);
  for (const v of file.rfc9173_examples) {
    const b = decodeBundle(fromHex(v.hex));
    checkFields(b, v.fields, v.name);
    assert.equal(toHex(encodeBundle(b)), v.hex, v.name);
    const o = decodeBundle(fromHex(v.original_hex));
    assert.equal(toHex(encodeBundle(o)), v.original_hex);
    assert.equal(
      b.blocks.filter(
        (x) =>
          x.blockType === BlockType.BLOCK_INTEGRITY ||
          x.blockType === BlockType.BLOCK_CONFIDENTIALITY,
      ).length > 0,
      true,
    );
  }
});

test('every CRC type round-trips on every block, and a flipped bit is BAD_CRC', () => {
  for (const crcType of [CrcType.NONE, CrcType.CRC16, CrcType.CRC32C]) {
    const b = createBundle({
      destination: parseEid('ipn:2.1'),
      source: parseEid('dtn://node-a/app'),
      payload: new TextEncoder().encode('hello'),
      creationTime: 848632306246,
      sequenceNumber: 9,
      lifetime: 60_000,
      crcType,
      payloadCrcType: crcType,
      hopLimit: 16,
      flags: BundleFlags.REPORT_DELIVERY,
    });
    const bytes = encodeBundle(b);
    const d = decodeBundle(bytes);
    assert.deepEqual(d.primary, b.primary);
    assert.equal(toHex(encodeBundle(d)), toHex(bytes));
    if (crcType !== CrcType.NONE) {
      // flip a bit in the payload text
      const i = bytes.indexOf(0x68); // 'h'
      const bad = bytes.slice();
      bad[i] = bad[i]! ^ 1;
      assert.throws(
        () => decodeBundle(bad),
        (e) => isCcsdsError(e, CcsdsErrorCode.BAD_CRC),
      );
      assert.doesNotThrow(() => decodeBundle(bad, { verifyCrc: false }));
    }
  }
});

test('ipn EIDs keep their element count; dtn EIDs; text forms', () => {
  for (const t of ['ipn:1.2', 'ipn:977000.1.2', 'dtn:none', 'dtn://node/svc', 'dtn://a.b/']) {
    const e = parseEid(t);
    assert.equal(formatEid(e), t);
    const b = createBundle({ destination: e, source: e, payload: new Uint8Array([1]) });
    const d = decodeBundle(encodeBundle(b));
    assert.equal(formatEid(d.primary.destination), t);
  }
  const three = encodeBundle(
    createBundle({ destination: parseEid('ipn:0.2.1'), payload: new Uint8Array([1]) }),
  );
  assert.ok(toHex(three).includes('820283000201'));
  for (const bad of ['ipn:1', 'dtn:', 'dtn:foo', 'x:1.2', 'ipn:1.2.3.4']) {
    assert.throws(
      () => parseEid(bad),
      (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
      bad,
    );
  }
});

function mutateHex(hex: string, from: string, to: string): Uint8Array {
  assert.ok(hex.includes(from), from);
  return fromHex(hex.replace(from, to));
}

test('strict decoding: the rules of RFC 9171 are errors', () => {
  const v = file.rfc9173_examples[0]!.original_hex; // CRC none: edits keep CRCs valid
  const ok = decodeBundle(fromHex(v));
  assert.equal(bundlePayload(ok).length, 35);
  const cases: [string, Uint8Array, CcsdsErrorCode][] = [
    [
      'no payload block',
      mutateHex(
        v,
        '85010100005823526561647920746f2067656e657261746520612033322d62797465207061796c6f6164',
        '',
      ),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    [
      'payload numbered 2',
      mutateHex(v, '850101000058', '850102000058'),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    ['version 6', mutateHex(v, '880700', '880600'), CcsdsErrorCode.INVALID_FIELD],
    ['definite outer array', mutateHex(v, '9f8807', '828807'), CcsdsErrorCode.INVALID_FIELD],
    ['missing break', fromHex(v.slice(0, -2)), CcsdsErrorCode.TRUNCATED],
    ['trailing octet', fromHex(`${v}00`), CcsdsErrorCode.INVALID_FIELD],
    [
      'unknown CRC type',
      mutateHex(v, '850101000058', '850101000358'),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    [
      'non-shortest head',
      mutateHex(v, '1a000f4240', '1b00000000000f4240'),
      CcsdsErrorCode.INVALID_FIELD,
    ],
    ['block number 0', mutateHex(v, '850101000058', '850100000058'), CcsdsErrorCode.INVALID_FIELD],
    [
      'unknown EID scheme',
      mutateHex(v, '8807000082028201', '8807000082098201'),
      CcsdsErrorCode.UNSUPPORTED,
    ],
    ['empty input', new Uint8Array(0), CcsdsErrorCode.TRUNCATED],
  ];
  for (const [name, bytes, code] of cases) {
    assert.throws(
      () => decodeBundle(bytes),
      (e) => isCcsdsError(e, code),
      name,
    );
  }
  // Two payload blocks / a block after the payload.
  const twice = fromHex(v.replace(/ff$/, '85010100004100ff'));
  assert.throws(
    () => decodeBundle(twice),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
  // Repeated block numbers.
  const rep = mutateHex(v, '8501010000', '85070200004100850702000041008501010000');
  assert.throws(
    () => decodeBundle(rep),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
  // Malformed bundle age data.
  const age = mutateHex(v, '8501010000', '85070200004161' + '8501010000');
  assert.throws(
    () => decodeBundle(age),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
  // Non-shortest heads accepted when asked.
  const loose = mutateHex(v, '1a000f4240', '1b00000000000f4240');
  assert.equal(decodeBundle(loose, { strictCbor: false }).primary.lifetime, 1_000_000);
});

test('limits: bundle size, block count, EID length, and a 2^60-octet claim', () => {
  const v = fromHex(file.vectors[1]!.hex);
  assert.throws(
    () => decodeBundle(v, { maxBundleLength: 100 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  assert.throws(
    () => decodeBundle(v, { maxBlocks: 3 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  const dtn = encodeBundle(
    createBundle({
      destination: parseEid(`dtn://${'n'.repeat(100)}/x`),
      payload: new Uint8Array([1]),
    }),
  );
  assert.throws(
    () => decodeBundle(dtn, { maxEidLength: 50 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  // payload byte string claiming 2^60 octets: 5b 1000000000000000
  const hex = toHex(v);
  const claim = fromHex(hex.replace('5864494f4e', '5b0010000000000000494f4e'));
  assert.throws(
    () => decodeBundle(claim),
    (e) => isCcsdsError(e, CcsdsErrorCode.TRUNCATED),
  );
  const huge = fromHex(hex.replace('5864494f4e', '5b1000000000000000494f4e'));
  assert.throws(
    () => decodeBundle(huge),
    (e) => isCcsdsError(e, CcsdsErrorCode.UNSUPPORTED),
  );
});

test('encoder refuses bad structures with INVALID_ARGUMENT', () => {
  const b = createBundle({ destination: parseEid('ipn:2.1'), payload: new Uint8Array([1, 2]) });
  const bad: Bundle[] = [
    { primary: b.primary, blocks: [] },
    { primary: b.primary, blocks: [{ ...b.blocks[b.blocks.length - 1]!, blockNumber: 2 }] },
    { primary: { ...b.primary, lifetime: -1 }, blocks: b.blocks },
    { primary: { ...b.primary, flags: BundleFlags.IS_FRAGMENT }, blocks: b.blocks },
    { primary: { ...b.primary, crcType: 5 as CrcType }, blocks: b.blocks },
  ];
  for (const x of bad) {
    assert.throws(
      () => encodeBundle(x),
      (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
    );
  }
});
