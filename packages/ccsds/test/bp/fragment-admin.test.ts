import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CcsdsErrorCode, SeededRandom, isCcsdsError, toHex } from 'ccsds/core';
import {
  AdminRecordType,
  BlockFlags,
  BlockType,
  BundleFlags,
  BundleReassembler,
  type CborValue,
  StatusReason,
  bundlePayload,
  createBundle,
  createStatusReport,
  decodeAdminRecord,
  decodeBundle,
  decodeCbor,
  encodeAdminRecord,
  encodeBundle,
  encodeCbor,
  fragmentBundle,
  parseEid,
  reassembleFragments,
  withExtensionBlock,
} from 'ccsds/bp';

function sample(n: number, flags = 0) {
  const rng = new SeededRandom(n);
  let b = createBundle({
    destination: parseEid('ipn:2.1'),
    source: parseEid('ipn:1.1'),
    payload: rng.bytes(n),
    creationTime: 848632306246,
    sequenceNumber: n,
    lifetime: 60_000,
    flags,
    hopLimit: 10,
  });
  b = withExtensionBlock(b, 200, new Uint8Array([1, 2, 3]), { flags: 0 });
  b = withExtensionBlock(b, 201, new Uint8Array([4]), {
    flags: BlockFlags.REPLICATE_IN_EVERY_FRAGMENT,
  });
  return b;
}

test('fragments fit the size, replicate only flagged blocks, and reassemble in any order', () => {
  const b = sample(5000);
  const frags = fragmentBundle(b, 1000);
  assert.ok(frags.length > 5);
  let offset = 0;
  frags.forEach((f, i) => {
    const bytes = encodeBundle(f);
    assert.ok(bytes.length <= 1000, `fragment ${i}: ${bytes.length}`);
    const d = decodeBundle(bytes);
    assert.equal(d.primary.fragmentOffset, offset);
    assert.equal(d.primary.totalAduLength, 5000);
    assert.ok((d.primary.flags & BundleFlags.IS_FRAGMENT) !== 0);
    assert.equal(
      d.blocks.some((x) => x.blockType === 201),
      true,
    );
    assert.equal(
      d.blocks.some((x) => x.blockType === 200),
      i === 0,
    );
    offset += bundlePayload(d).length;
  });
  assert.equal(offset, 5000);
  const rng = new SeededRandom(3);
  const shuffled = frags.map((f) => decodeBundle(encodeBundle(f)));
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const whole = reassembleFragments(shuffled)!;
  assert.equal(toHex(encodeBundle(whole)), toHex(encodeBundle(b)));
  // Missing one: nothing.
  assert.equal(reassembleFragments(shuffled.slice(1)), undefined);
  // Fragments of fragments.
  const sub = frags.flatMap((f) => fragmentBundle(f, 600));
  assert.ok(sub.length > frags.length);
  assert.equal(toHex(encodeBundle(reassembleFragments(sub)!)), toHex(encodeBundle(b)));
});

test('property: fragmentation and reassembly round-trip for any size and limit', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 120, max: 2000 }),
      (n, max) => {
        const b = sample(n);
        const frags = fragmentBundle(b, max);
        for (const f of frags) assert.ok(encodeBundle(f).length <= max);
        assert.equal(toHex(encodeBundle(reassembleFragments(frags)!)), toHex(encodeBundle(b)));
      },
    ),
    { numRuns: 150 },
  );
});

test('must-not-fragment, no room, and reassembly limits', () => {
  assert.throws(
    () => fragmentBundle(sample(3000, BundleFlags.MUST_NOT_FRAGMENT), 1000),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  assert.throws(
    () => fragmentBundle(sample(3000), 40),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_ARGUMENT),
  );
  const frags = fragmentBundle(sample(3000), 1000);
  const r = new BundleReassembler({ maxAduLength: 2000 });
  assert.throws(
    () => r.add(frags[0]!),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  const r2 = new BundleReassembler({ maxPending: 1 });
  r2.add(frags[0]!);
  r2.add(fragmentBundle(sample(2999), 1000)[0]!);
  assert.equal(r2.size, 1);
  assert.equal(r2.evicted, 1);
  assert.equal(r2.expire(848632306246 + 60_001), 1);
  assert.equal(r2.size, 0);
  const bad = { ...frags[1]!, primary: { ...frags[1]!.primary, totalAduLength: 2999 } };
  const r3 = new BundleReassembler();
  r3.add(frags[0]!);
  assert.throws(
    () => r3.add(bad),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
});

test('status reports: encode, decode, with times when requested, for fragments', () => {
  const subject = createBundle({
    destination: parseEid('ipn:2.1'),
    source: parseEid('ipn:1.1'),
    reportTo: parseEid('ipn:1.0'),
    payload: new Uint8Array(200),
    creationTime: 1000,
    sequenceNumber: 7,
    flags: BundleFlags.STATUS_TIME_REQUESTED | BundleFlags.REPORT_DELIVERY,
  });
  const rep = createStatusReport(
    subject,
    { delivered: true },
    StatusReason.NO_ADDITIONAL_INFORMATION,
    parseEid('ipn:2.0'),
    {
      dtnTime: 5000,
      sequenceNumber: 1,
    },
  );
  assert.ok((rep.primary.flags & BundleFlags.ADMIN_RECORD) !== 0);
  assert.equal(rep.primary.destination.scheme === 'ipn' && rep.primary.destination.node, 1);
  const rec = decodeAdminRecord(bundlePayload(decodeBundle(encodeBundle(rep))));
  assert.equal(rec.recordType, AdminRecordType.STATUS_REPORT);
  assert.ok('report' in rec);
  assert.deepEqual(rec.report.delivered, { asserted: true, time: 5000 });
  assert.deepEqual(rec.report.received, { asserted: false });
  assert.equal(rec.report.creationTime, 1000);
  assert.equal(rec.report.sequenceNumber, 7);
  const frag = fragmentBundle(subject, 120)[1]!;
  const fr = decodeAdminRecord(
    bundlePayload(
      createStatusReport(
        frag,
        { received: true },
        StatusReason.LIFETIME_EXPIRED,
        parseEid('ipn:2.0'),
        { dtnTime: 1, sequenceNumber: 2 },
      ),
    ),
  );
  assert.ok(
    'report' in fr && fr.report.fragmentOffset !== undefined && fr.report.fragmentLength! > 0,
  );
  // Unknown record types keep their content.
  const other = encodeAdminRecord({
    recordType: 9,
    content: encodeCbor([1, 'x', new Uint8Array([2])]),
  });
  const od = decodeAdminRecord(other);
  assert.ok('content' in od);
  assert.deepEqual(decodeCbor(od.content), [1, 'x', new Uint8Array([2])]);
  // Strictness.
  for (const hex of ['820181', '8201840000000000', '82018481f48182f40181f581f5000000']) {
    assert.throws(
      () => decodeAdminRecord(Uint8Array.from(Buffer.from(hex, 'hex'))),
      (e) => isCcsdsError(e),
    );
  }
  // Nesting limit on unknown content.
  const deep = new Uint8Array([0x82, 0x09, ...new Array(40).fill(0x81), 0x00]);
  assert.throws(
    () => decodeAdminRecord(deep, { maxDepth: 10 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  assert.doesNotThrow(() => decodeAdminRecord(deep, { maxDepth: 50 }));
  assert.equal(BlockType.PAYLOAD, 1);
});

test('generic CBOR: round trip of values, limits, and strictness', () => {
  const v: CborValue[] = [
    0,
    23,
    24,
    255,
    256,
    65535,
    65536,
    2 ** 32,
    2 ** 53 - 1,
    -1,
    -500,
    'héllo',
    true,
    false,
    null,
    new Uint8Array([1, 2]),
    { map: [[1, 'a']] },
    { tag: 24, value: new Uint8Array([0]) },
  ];
  assert.deepEqual(decodeCbor(encodeCbor(v)), v);
  assert.throws(
    () => decodeCbor(new Uint8Array([0x18, 0x05])),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
  assert.equal(decodeCbor(new Uint8Array([0x18, 0x05]), { strict: false }), 5);
  assert.throws(
    () => decodeCbor(new Uint8Array([0x1c])),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
  assert.throws(
    () => decodeCbor(new Uint8Array([0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff]), { maxDepth: 1 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  assert.throws(
    () => decodeCbor(new Uint8Array([0x9f, 0, 0, 0, 0xff]), { maxItems: 3 }),
    (e) => isCcsdsError(e, CcsdsErrorCode.LIMIT_EXCEEDED),
  );
  assert.deepEqual(decodeCbor(new Uint8Array([0xf9, 0x3c, 0x00])), { float: 1 });
  assert.throws(
    () => decodeCbor(new Uint8Array([0x62, 0xff, 0xfe])),
    (e) => isCcsdsError(e, CcsdsErrorCode.INVALID_FIELD),
  );
});
