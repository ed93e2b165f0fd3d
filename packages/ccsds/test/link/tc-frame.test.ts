import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CcsdsError, SeededRandom, toHex } from 'ccsds/core';
import {
  type ControlCommand,
  type SegmentSequenceFlags,
  MapPacketReassembler,
  TC_MAX_FRAME_LENGTH,
  decodeControlCommand,
  decodeTcFrame,
  encodeControlCommand,
  encodeTcFrame,
  segmentMapPackets,
  splitTcFrames,
  tcDataFieldCapacity,
} from 'ccsds/link';
import { encodeSpacePacket } from 'ccsds/spp';
import fc from 'fast-check';

const code = (c: string) => (e: unknown) => e instanceof CcsdsError && e.code === c;

test('AD/BD frame round trip for every header field, with and without segment header and FECF', () => {
  fc.assert(
    fc.property(
      fc.record({
        spacecraftId: fc.integer({ min: 0, max: 1023 }),
        virtualChannelId: fc.integer({ min: 0, max: 63 }),
        frameSequenceNumber: fc.integer({ min: 0, max: 255 }),
        reservedSpare: fc.integer({ min: 0, max: 3 }),
        bypassFlag: fc.boolean(),
        fecfPresent: fc.boolean(),
      }),
      fc.option(
        fc.record({
          sequenceFlags: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<SegmentSequenceFlags>,
          mapId: fc.integer({ min: 0, max: 63 }),
        }),
        { nil: undefined },
      ),
      fc.uint8Array({ minLength: 1, maxLength: 1016 }),
      (h, seg, data) => {
        const bytes = encodeTcFrame({
          ...h,
          dataField: data,
          ...(seg ? { segmentHeader: seg } : {}),
        });
        assert.ok(bytes.length <= TC_MAX_FRAME_LENGTH);
        const f = decodeTcFrame(bytes, {
          fecfPresent: h.fecfPresent,
          segmentHeaderPresent: seg !== undefined,
        });
        assert.equal(f.frameLength, bytes.length - 1);
        assert.deepEqual(
          [
            f.spacecraftId,
            f.virtualChannelId,
            f.frameSequenceNumber,
            f.reservedSpare,
            f.bypassFlag,
          ],
          [
            h.spacecraftId,
            h.virtualChannelId,
            h.frameSequenceNumber,
            h.reservedSpare,
            h.bypassFlag,
          ],
        );
        assert.equal(f.frameType, h.bypassFlag ? 'BD' : 'AD');
        assert.deepEqual(f.segmentHeader, seg === undefined ? undefined : { ...seg });
        assert.equal(toHex(f.dataField), toHex(data));
        assert.equal(f.fecf !== undefined, h.fecfPresent);
      },
    ),
    { numRuns: 500 },
  );
});

test('BC frames: Unlock and Set V(R) for every V(R)', () => {
  for (let vR = 0; vR < 256; vR++) {
    const cmd: ControlCommand = { type: 'SET_VR', vR };
    const f = decodeTcFrame(
      encodeTcFrame({ spacecraftId: 1, virtualChannelId: 2, controlCommand: cmd }),
      {
        segmentHeaderPresent: true,
      },
    );
    assert.equal(f.frameType, 'BC');
    assert.deepEqual(f.controlCommand, cmd);
    assert.equal(f.segmentHeader, undefined);
  }
  assert.deepEqual(decodeControlCommand(encodeControlCommand({ type: 'UNLOCK' })), {
    type: 'UNLOCK',
  });
  for (const bad of [[], [1], [0, 0], [0x82, 0], [0x82, 1, 0], [0x82, 0, 0, 0]]) {
    assert.throws(() => decodeControlCommand(Uint8Array.from(bad)), code('INVALID_FIELD'));
  }
});

test('decoder rejections carry stable codes', () => {
  const good = encodeTcFrame({
    spacecraftId: 7,
    virtualChannelId: 3,
    dataField: Uint8Array.of(1, 2, 3),
  });
  assert.throws(() => decodeTcFrame(good.subarray(0, 4)), code('TRUNCATED'));
  assert.throws(() => decodeTcFrame(good.subarray(0, good.length - 1)), code('TRUNCATED'));
  const v1 = good.slice();
  v1[0] = v1[0]! | 0x40;
  assert.throws(() => decodeTcFrame(v1), code('INVALID_FIELD'));
  const ctrlA = good.slice();
  ctrlA[0] = ctrlA[0]! | 0x10;
  assert.throws(() => decodeTcFrame(ctrlA, { verifyFecf: false }), code('INVALID_FIELD'));
  const bad = good.slice();
  bad[5] = bad[5]! ^ 1;
  assert.throws(() => decodeTcFrame(bad), code('BAD_CRC'));
  assert.equal(decodeTcFrame(bad, { verifyFecf: false }).dataField[0], 0);
  const trailing = new Uint8Array(good.length + 1);
  trailing.set(good);
  assert.throws(() => decodeTcFrame(trailing), code('INVALID_FIELD'));
  assert.equal(decodeTcFrame(trailing, { allowTrailing: true }).frameLength, good.length - 1);
  assert.throws(() => decodeTcFrame(good, { maxFrameLength: 8 }), code('LIMIT_EXCEEDED'));
  // A 7-octet frame cannot hold a header, a data octet and a FECF... it can: 5 + 0 + 2 = 7 leaves none.
  const tiny = Uint8Array.of(0x00, 0x07, 0x0c, 0x06, 0x00, 0x00, 0x00);
  assert.throws(() => decodeTcFrame(tiny), code('INVALID_FIELD'));
  assert.throws(
    () => encodeTcFrame({ spacecraftId: 1, virtualChannelId: 1, dataField: new Uint8Array(1018) }),
    code('INVALID_ARGUMENT'),
  );
  assert.throws(
    () => encodeTcFrame({ spacecraftId: 1024, virtualChannelId: 1, dataField: new Uint8Array(1) }),
    code('INVALID_ARGUMENT'),
  );
  assert.throws(
    () => encodeTcFrame({ spacecraftId: 1, virtualChannelId: 1 }),
    code('INVALID_ARGUMENT'),
  );
  assert.throws(() => splitTcFrames(good.subarray(0, good.length - 1)), code('TRUNCATED'));
});

const packetArb = fc
  .tuple(fc.integer({ min: 0, max: 2046 }), fc.integer({ min: 1, max: 2600 }), fc.integer())
  .map(([apid, n, seed]) =>
    encodeSpacePacket({ apid, packetType: 1, userData: new SeededRandom(seed).bytes(n) }),
  );

test('property: MAP segmentation, framing and reassembly round trip', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 63 }), packetArb), {
        minLength: 1,
        maxLength: 12,
      }),
      fc.integer({ min: 14, max: 1024 }),
      fc.boolean(),
      fc.boolean(),
      (items, maxFrameLength, fecfPresent, blocking) => {
        const maxDataLength = tcDataFieldCapacity({ maxFrameLength, fecfPresent });
        // Frames of different MAPs interleave packet by packet on one VC.
        const frames: Uint8Array[] = [];
        let fsn = 0;
        for (const [mapId, p] of items) {
          for (const u of segmentMapPackets([p], { mapId, maxDataLength, blocking })) {
            frames.push(
              encodeTcFrame({
                spacecraftId: 9,
                virtualChannelId: 1,
                frameSequenceNumber: fsn++ & 0xff,
                segmentHeader: u.segmentHeader,
                dataField: u.data,
                fecfPresent,
              }),
            );
          }
        }
        const r = new MapPacketReassembler();
        const got: [number, string][] = [];
        for (const b of frames) {
          assert.ok(b.length <= maxFrameLength);
          const f = decodeTcFrame(b, { fecfPresent, segmentHeaderPresent: true });
          for (const o of r.push(f.segmentHeader, f.dataField)) {
            assert.equal(o.kind, 'packet');
            if (o.kind === 'packet') got.push([o.mapId, toHex(o.packet)]);
          }
        }
        assert.deepEqual(
          got,
          items.map(([m, p]) => [m, toHex(p)]),
        );
      },
    ),
    { numRuns: 150 },
  );
});

test('property: blocking packs several packets per frame and never exceeds the data field', () => {
  fc.assert(
    fc.property(
      fc.array(packetArb, { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 20, max: 1018 }),
      (ps, cap) => {
        const units = segmentMapPackets(ps, { mapId: 4, maxDataLength: cap });
        const r = new MapPacketReassembler();
        const got = units.flatMap((u) => {
          assert.ok(u.data.length <= cap);
          return r
            .push(u.segmentHeader, u.data)
            .map((o) => (o.kind === 'packet' ? toHex(o.packet) : 'abort'));
        });
        assert.deepEqual(got, ps.map(toHex));
        const small = ps.filter((p) => p.length <= cap);
        const blocks = units.filter((u) => u.segmentHeader.sequenceFlags === 3).length;
        assert.ok(blocks <= small.length);
      },
    ),
    { numRuns: 150 },
  );
});

test('reassembly aborts cleanly on a lost segment and recovers on the next packet', () => {
  const rng = new SeededRandom(5);
  const big = encodeSpacePacket({ apid: 5, userData: rng.bytes(3000) });
  const next = encodeSpacePacket({ apid: 5, userData: rng.bytes(40) });
  const units = segmentMapPackets([big, next], { mapId: 2, maxDataLength: 1000 });
  assert.deepEqual(
    units.map((u) => u.segmentHeader.sequenceFlags),
    [1, 0, 0, 2, 3],
  );
  const cases: { drop: number; reasons: RegExp }[] = [
    { drop: 0, reasons: /without a first segment/ },
    { drop: 1, reasons: /disagrees with the packet header/ },
    { drop: 3, reasons: /new packet started/ },
  ];
  for (const c of cases) {
    const r = new MapPacketReassembler();
    const out = units
      .filter((_, i) => i !== c.drop)
      .flatMap((u) => r.push(u.segmentHeader, u.data));
    const packets = out.filter((o) => o.kind === 'packet');
    const aborts = out.filter((o) => o.kind === 'aborted');
    assert.deepEqual(
      packets.map((p) => (p.kind === 'packet' ? toHex(p.packet) : '')),
      [toHex(next)],
      `drop ${c.drop}`,
    );
    assert.ok(
      aborts.length >= 1 && aborts.some((a) => a.kind === 'aborted' && c.reasons.test(a.reason)),
      `drop ${c.drop}: ${JSON.stringify(aborts)}`,
    );
    assert.equal(r.openPackets, 0);
  }
  // Losing the last segment then a continuation of the next packet: the overflow is caught early.
  const r = new MapPacketReassembler();
  const twice = [units[0]!, units[1]!, units[2]!, units[1]!, units[2]!];
  const out = twice.flatMap((u) => r.push(u.segmentHeader, u.data));
  assert.ok(out.some((o) => o.kind === 'aborted' && /exceed the packet length/.test(o.reason)));
  assert.deepEqual(r.abortAll(), []);
  // Garbage in a blocked frame: the packets before it survive.
  const blocked = new Uint8Array(next.length + 3);
  blocked.set(next);
  blocked.set([0x40, 0, 0], next.length);
  const o2 = new MapPacketReassembler().push({ sequenceFlags: 3, mapId: 0 }, blocked);
  assert.deepEqual(
    o2.map((o) => o.kind),
    ['packet', 'aborted'],
  );
});
