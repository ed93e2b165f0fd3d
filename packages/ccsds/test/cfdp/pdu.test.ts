import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from 'ccsds/core';
import {
  type Pdu,
  type PduHeader,
  decodeFileDataPdu,
  decodePdu,
  encodePdu,
  makeHeader,
  pduLengthAt,
} from 'ccsds/cfdp';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

const width = fc.integer({ min: 1, max: 8 });
const headerArb: fc.Arbitrary<PduHeader> = fc
  .record({
    version: fc.constantFrom(0, 1),
    direction: fc.constantFrom(0 as const, 1 as const),
    transmissionMode: fc.constantFrom(0 as const, 1 as const),
    crcFlag: fc.boolean(),
    largeFileFlag: fc.boolean(),
    segmentationControl: fc.boolean(),
    segmentMetadataFlag: fc.boolean(),
    entityIdLength: width,
    transactionSeqNumLength: width,
    seed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  })
  .map((r) => {
    const mask = (w: number): bigint => (1n << BigInt(8 * w)) - 1n;
    const v0 = r.version === 0;
    return makeHeader({
      version: r.version,
      direction: r.direction,
      transmissionMode: r.transmissionMode,
      crcFlag: r.crcFlag,
      largeFileFlag: v0 ? false : r.largeFileFlag,
      segmentationControl: r.segmentationControl,
      segmentMetadataFlag: v0 ? false : r.segmentMetadataFlag,
      entityIdLength: r.entityIdLength,
      transactionSeqNumLength: r.transactionSeqNumLength,
      sourceEntityId: r.seed & mask(r.entityIdLength),
      destinationEntityId: (r.seed >> 3n) & mask(r.entityIdLength),
      transactionSequenceNumber: (r.seed >> 5n) & mask(r.transactionSeqNumLength),
    });
  });

const fssArb = (h: PduHeader): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: h.largeFileFlag ? Number.MAX_SAFE_INTEGER : 0xffffffff });
const name = fc.string({ maxLength: 40 });

const pduArb: fc.Arbitrary<Pdu> = headerArb.chain((h) =>
  fc.oneof(
    fc
      .record({
        off: fssArb(h),
        data: fc.uint8Array({ maxLength: 200 }),
        rcs: fc.integer({ min: 0, max: 3 }),
        md: fc.uint8Array({ maxLength: 63 }),
      })
      .map(
        ({ off, data, rcs, md }): Pdu => ({
          kind: 'fileData',
          header: { ...h, pduType: 1 },
          offset: off,
          data,
          ...(h.segmentMetadataFlag ? { recordContinuationState: rcs, segmentMetadata: md } : {}),
        }),
      ),
    fc
      .record({
        size: fssArb(h),
        src: name,
        dst: name,
        closure: fc.boolean(),
        ck: fc.constantFrom(0, 1, 2, 3, 15),
        msg: fc.uint8Array({ maxLength: 50 }),
      })
      .map(
        (r): Pdu => ({
          kind: 'metadata',
          header: h,
          closureRequested: h.version === 0 ? false : r.closure,
          checksumType: h.version === 0 ? 0 : r.ck,
          fileSize: r.size,
          sourceFileName: r.src,
          destinationFileName: r.dst,
          options: [
            { kind: 'messageToUser', message: r.msg },
            {
              kind: 'filestoreRequest',
              actionCode: 2,
              firstFileName: r.src,
              secondFileName: r.dst,
            },
            { kind: 'faultHandlerOverride', conditionCode: 5, handlerCode: 3 },
            { kind: 'flowLabel', flowLabel: r.msg.subarray(0, 5) },
          ],
          ...(h.version === 0 ? { segmentationControlB3: r.closure } : {}),
        }),
      ),
    fc
      .record({
        cc: fc.integer({ min: 0, max: 15 }),
        ck: fc.nat({ max: 0xffffffff }),
        size: fssArb(h),
      })
      .map(
        (r): Pdu => ({
          kind: 'eof',
          header: h,
          conditionCode: r.cc,
          fileChecksum: r.ck,
          fileSize: r.size,
          ...(r.cc !== 0
            ? {
                faultLocation: {
                  kind: 'entityId' as const,
                  entityId: h.sourceEntityId,
                  length: h.entityIdLength,
                },
              }
            : {}),
        }),
      ),
    fc
      .record({
        cc: fc.integer({ min: 0, max: 15 }),
        dc: fc.constantFrom(0 as const, 1 as const),
        fs: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
        n: fc.nat({ max: 3 }),
      })
      .map(
        (r): Pdu => ({
          kind: 'finished',
          header: { ...h, direction: 1 },
          conditionCode: r.cc,
          deliveryCode: r.dc,
          fileStatus: r.fs,
          filestoreResponses: Array.from({ length: r.n }, (_, i) => ({
            kind: 'filestoreResponse' as const,
            actionCode: i,
            statusCode: i,
            firstFileName: `f${i}`,
            secondFileName: i === 2 ? 'x' : null,
            filestoreMessage: i === 1 ? 'no' : '',
          })),
          ...(r.cc !== 0
            ? {
                faultLocation: {
                  kind: 'entityId' as const,
                  entityId: h.destinationEntityId,
                  length: h.entityIdLength,
                },
              }
            : {}),
          ...(h.version === 0 ? { endSystemStatusB3: r.n > 1 } : {}),
        }),
      ),
    fc
      .record({
        a: fc.constantFrom(4, 5),
        cc: fc.integer({ min: 0, max: 15 }),
        ts: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
      })
      .map(
        (r): Pdu => ({
          kind: 'ack',
          header: h,
          ackedDirectiveCode: r.a,
          directiveSubtypeCode: r.a === 5 ? 1 : 0,
          conditionCode: r.cc,
          transactionStatus: r.ts,
        }),
      ),
    fc.array(fc.tuple(fssArb(h), fssArb(h)), { maxLength: 10 }).map((pairs): Pdu => {
      const reqs = pairs.map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]);
      return {
        kind: 'nak',
        header: h,
        startOfScope: 0,
        endOfScope: Math.max(0, ...reqs.map((x) => x[1])),
        segmentRequests: reqs,
      };
    }),
    fc.constantFrom(0, 1).map((r): Pdu => ({ kind: 'prompt', header: h, responseRequired: r })),
    fssArb(h).map((p): Pdu => ({ kind: 'keepAlive', header: h, progress: p })),
  ),
);

test('every PDU type round trips for every header combination (widths 1..8, both versions)', () => {
  fc.assert(
    fc.property(pduArb, (pdu) => {
      const bytes = encodePdu(pdu);
      assert.equal(pduLengthAt(bytes, 0), bytes.length);
      const back = decodePdu(bytes);
      assert.deepEqual(toHex(encodePdu(back)), toHex(bytes));
      assert.equal(back.kind, pdu.kind);
      assert.deepEqual(back.header, { ...pdu.header });
    }),
    { numRuns: 3000 },
  );
});

test('decodeFileDataPdu, given the header of an earlier PDU, decodes as decodePdu does and rejects what it rejects', () => {
  fc.assert(
    fc.property(pduArb, fc.integer({ min: 0, max: 1000 }), fc.integer(), (pdu, at, flip) => {
      if (pdu.kind !== 'fileData') return;
      const bytes = encodePdu(pdu);
      const hl = 4 + 2 * pdu.header.entityIdLength + pdu.header.transactionSeqNumLength;
      const header = decodePdu(bytes).header;
      assert.deepEqual(decodeFileDataPdu(bytes, header, hl), decodePdu(bytes));
      // One octet of the data field changed, or the PDU cut short: the same verdict.
      const bad = bytes.slice(0, hl + (at % (bytes.length - hl + 1)));
      if (bad.length > hl && flip % 2 === 0) bad[bad.length - 1]! ^= 1 + (flip & 0x7e);
      let want: unknown;
      try {
        want = decodePdu(bad);
      } catch (e) {
        want = (e as { code?: unknown }).code;
      }
      let got: unknown;
      try {
        got = decodeFileDataPdu(bad, header, hl);
      } catch (e) {
        got = (e as { code?: unknown }).code;
      }
      assert.deepEqual(got, want);
    }),
    { numRuns: 3000 },
  );
});

test('malformed PDUs are rejected with the right codes', () => {
  const good = encodePdu({
    kind: 'keepAlive',
    header: makeHeader({
      sourceEntityId: 1n,
      destinationEntityId: 2n,
      transactionSequenceNumber: 3n,
      crcFlag: true,
    }),
    progress: 10,
  });
  const bad = good.slice();
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => decodePdu(bad), { code: 'BAD_CRC' });
  assert.throws(() => decodePdu(good.subarray(0, good.length - 1)), { code: 'TRUNCATED' });
  assert.throws(() => decodePdu(new Uint8Array([...good, 0])), { code: 'INVALID_FIELD' });
  const v2 = good.slice();
  v2[0] = (v2[0]! & 0x1f) | (2 << 5);
  assert.throws(() => decodePdu(v2), { code: 'UNSUPPORTED' });
  const nak = encodePdu({
    kind: 'nak',
    header: makeHeader({
      sourceEntityId: 1n,
      destinationEntityId: 2n,
      transactionSequenceNumber: 3n,
    }),
    startOfScope: 0,
    endOfScope: 100,
    segmentRequests: [[10, 20]],
  });
  const backwards = nak.slice();
  backwards[backwards.length - 1] = 5; // end 5 < start 10
  assert.throws(() => decodePdu(backwards), { code: 'INVALID_FIELD' });
  const unknown = nak.slice();
  unknown[10] = 0x0b;
  assert.throws(() => decodePdu(unknown), { code: 'INVALID_FIELD' });
  assert.throws(
    () =>
      encodePdu({
        kind: 'eof',
        header: makeHeader({
          sourceEntityId: 1n,
          destinationEntityId: 2n,
          transactionSequenceNumber: 3n,
        }),
        conditionCode: 0,
        fileChecksum: 0,
        fileSize: 2 ** 33,
      }),
    { code: 'INVALID_ARGUMENT' },
  );
});

test('fuzz: 10^5 hostile PDUs give only CcsdsError, and whatever decodes re-encodes stably', () => {
  const seeds: Uint8Array[] = [];
  for (const f of ['cfdp/header.json', 'cfdp/pdus.json']) {
    for (const v of loadVectors<{ vectors: { hex: string }[] }>(f).vectors)
      seeds.push(fromHex(v.hex));
  }
  const s = fuzzDecoder(
    (b) => {
      const p = decodePdu(b, { ignoreCrc: true });
      // Whatever decodes re-encodes to a PDU that decodes to the same thing (spare bits a
      // hostile peer set are not kept, so the octets may differ there).
      const re = encodePdu(p);
      const again = encodePdu(decodePdu(re));
      if (toHex(again) !== toHex(re)) throw new Error(`re-encode is not stable for ${toHex(b)}`);
    },
    { seeds, seed: 77 },
  );
  assert.ok(s.accepted > 1000 && s.rejected > 1000, JSON.stringify(s));
});
