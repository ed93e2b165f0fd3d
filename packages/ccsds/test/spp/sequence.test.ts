import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeSpacePacket,
  SegmentReassembler,
  segmentUserData,
  SequenceCounter,
  SequenceTracker,
  encodeSpacePacket,
} from 'ccsds/spp';
import fc from 'fast-check';

test('sequence counter wraps modulo 16384 per APID', () => {
  const c = new SequenceCounter();
  c.set(7, 16383);
  assert.equal(c.take(7), 16383);
  assert.equal(c.take(7), 0);
  assert.equal(c.take(8), 0);
  assert.equal(c.peek(7), 1);
});

test('tracker: legal wrap is in order; gaps, duplicates and backwards are classified', () => {
  const t = new SequenceTracker();
  assert.equal(t.observe(1, 16382).status, 'first');
  assert.equal(t.observe(1, 16383).status, 'in-order');
  assert.equal(t.observe(1, 0).status, 'in-order');
  assert.deepEqual(t.observe(1, 3), { status: 'gap', missing: 2, previous: 0 });
  assert.equal(t.observe(1, 3).status, 'duplicate');
  assert.equal(t.observe(1, 2).status, 'backwards');
  assert.equal(t.observe(1, 4).status, 'in-order');
  // gap across the wrap
  t.observe(2, 16380);
  assert.deepEqual(t.observe(2, 1), { status: 'gap', missing: 4, previous: 16380 });
});

test('tracker counts missing packets exactly for random drops', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 16383 }),
      fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 200 }),
      (start, steps) => {
        const t = new SequenceTracker();
        t.observe(9, start);
        let c = start;
        let missing = 0;
        for (const s of steps) {
          c = (c + s) % 16384;
          const o = t.observe(9, c);
          missing += o.missing;
          assert.equal(o.status, s === 1 ? 'in-order' : 'gap');
        }
        assert.equal(
          missing,
          steps.reduce((a, s) => a + s - 1, 0),
        );
      },
    ),
  );
});

test('segmentation and reassembly round trip', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 0, max: 16383 }),
      (data, max, first) => {
        const pkts = segmentUserData(data, {
          apid: 33,
          maxDataFieldLength: max,
          firstSequenceCount: first,
        });
        assert.equal(pkts.length, Math.ceil(data.length / max));
        const r = new SegmentReassembler();
        const results = pkts.flatMap((p) => r.push(decodeSpacePacket(p)));
        const done = results.filter((x) => x.kind === 'complete');
        assert.equal(done.length, 1);
        assert.deepEqual(done[0]!.kind === 'complete' ? [...done[0]!.userData] : [], [...data]);
        assert.equal(results.filter((x) => x.kind === 'aborted').length, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('reassembly aborts cleanly on a gap and recovers on the next group', () => {
  const data = new Uint8Array(1000).map((_, i) => i & 0xff);
  const pkts = segmentUserData(data, { apid: 4, maxDataFieldLength: 100 });
  const r = new SegmentReassembler();
  const results = pkts.filter((_, i) => i !== 4).flatMap((p) => r.push(decodeSpacePacket(p)));
  const aborted = results.filter((x) => x.kind === 'aborted');
  // the gap aborts the open group; each orphaned continuation/last segment is refused on its own
  assert.equal(aborted.length, 6);
  assert.match(aborted[0]!.kind === 'aborted' ? aborted[0]!.reason : '', /does not follow/);
  assert.ok(
    aborted.slice(1).every((a) => a.kind === 'aborted' && /without a first/.test(a.reason)),
  );
  assert.equal(results.filter((x) => x.kind === 'complete').length, 0);
  // a fresh unsegmented packet after that is delivered
  const single = r.push(
    decodeSpacePacket(
      encodeSpacePacket({ apid: 4, packetSequenceCount: 11, userData: new Uint8Array([1]) }),
    ),
  );
  assert.equal(single.at(-1)!.kind, 'complete');
  // a first segment while a group is open aborts the open one
  const r2 = new SegmentReassembler();
  r2.push(decodeSpacePacket(pkts[0]!));
  const again = r2.push(decodeSpacePacket(pkts[0]!));
  assert.equal(again[0]!.kind, 'aborted');
  assert.equal(r2.flush().length, 1);
});

test('reassembly enforces its size limit', () => {
  const pkts = segmentUserData(new Uint8Array(500), { apid: 4, maxDataFieldLength: 100 });
  const r = new SegmentReassembler({ maxUserDataLength: 250 });
  const results = pkts.flatMap((p) => r.push(decodeSpacePacket(p)));
  assert.ok(results.some((x) => x.kind === 'aborted' && x.reason.includes('limit')));
  assert.ok(!results.some((x) => x.kind === 'complete'));
});
