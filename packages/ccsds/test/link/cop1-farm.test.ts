import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from 'ccsds/core';
import { type FarmDeliverEvent, Farm1, decodeClcw, encodeTcFrame } from 'ccsds/link';

const SCID = 435;
const VC = 21;
const ad = (fsn: number, vc = VC, scid = SCID) =>
  encodeTcFrame({
    spacecraftId: scid,
    virtualChannelId: vc,
    frameSequenceNumber: fsn,
    dataField: Uint8Array.of(fsn),
  });
const bd = (x: number) =>
  encodeTcFrame({
    spacecraftId: SCID,
    virtualChannelId: VC,
    bypassFlag: true,
    dataField: Uint8Array.of(x),
  });
const unlock = () =>
  encodeTcFrame({ spacecraftId: SCID, virtualChannelId: VC, controlCommand: { type: 'UNLOCK' } });
const setVr = (vR: number) =>
  encodeTcFrame({
    spacecraftId: SCID,
    virtualChannelId: VC,
    controlCommand: { type: 'SET_VR', vR },
  });

function farm(options: Partial<ConstructorParameters<typeof Farm1>[0]> = {}) {
  const f = new Farm1({ virtualChannelId: VC, spacecraftId: SCID, ...options });
  const delivered: FarmDeliverEvent[] = [];
  f.on('deliver', (e) => delivered.push(e));
  return { f, delivered };
}

test('FARM-1 E1: in-sequence AD frames are accepted and V(R) wraps 255 -> 0', () => {
  const { f, delivered } = farm({ initialVR: 254 });
  for (const n of [254, 255, 0, 1]) {
    assert.deepEqual(f.receiveFrame(ad(n)), { event: 'E1', accepted: true, state: 'S1' });
  }
  assert.deepEqual(
    delivered.map((d) => [d.frameType, d.frameSequenceNumber, d.dataField[0]]),
    [
      ['AD', 254, 254],
      ['AD', 255, 255],
      ['AD', 0, 0],
      ['AD', 1, 1],
    ],
  );
  assert.equal(f.vR, 2);
  assert.equal(toHex(f.encodeClcw()), '01540002');
});

test('FARM-1 windows: positive (E3) sets Retransmit, negative (E4) is ignored, beyond both (E5) locks out', () => {
  const { f } = farm({ slidingWindowWidth: 10, initialVR: 100 });
  assert.equal(f.positiveWindowWidth, 5);
  assert.equal(f.negativeWindowWidth, 5);
  // Negative window: V(R)-5 .. V(R)-1.
  for (const n of [95, 99])
    assert.deepEqual(f.receiveFrame(ad(n)), { event: 'E4', accepted: false, state: 'S1' });
  assert.equal(f.retransmitFlag, false);
  // Positive window: V(R)+1 .. V(R)+PW-1.
  for (const n of [101, 104])
    assert.deepEqual(f.receiveFrame(ad(n)), { event: 'E3', accepted: false, state: 'S1' });
  assert.equal(f.retransmitFlag, true);
  assert.equal(decodeClcw(f.encodeClcw()).retransmit, true);
  // The expected frame clears it.
  assert.equal(f.receiveFrame(ad(100)).event, 'E1');
  assert.equal(f.retransmitFlag, false);
  // V(R) = 101 now; 101+5 = 106 is outside the positive window: lockout.
  assert.deepEqual(f.receiveFrame(ad(106)), { event: 'E5', accepted: false, state: 'S3' });
  assert.equal(f.lockoutFlag, true);
  // In Lockout every AD frame is discarded, even the expected one.
  assert.deepEqual(f.receiveFrame(ad(101)), { event: 'E1', accepted: false, state: 'S3' });
  assert.equal(f.receiveFrame(ad(96)).state, 'S3');
  // Just below the negative window also locks out (from another FARM).
  const g = farm({ slidingWindowWidth: 10, initialVR: 100 }).f;
  assert.equal(g.receiveFrame(ad(94)).event, 'E5');
});

test('FARM-1 lockout -> Set V(R) is accepted but ignored -> Unlock reopens (E8 in S3, E7 in S3)', () => {
  const { f, delivered } = farm();
  f.receiveFrame(ad(50));
  assert.equal(f.state, 'S3');
  assert.deepEqual(f.receiveFrame(setVr(50)), { event: 'E8', accepted: true, state: 'S3' });
  assert.equal(f.vR, 0);
  assert.equal(f.farmBCounter, 1);
  assert.deepEqual(f.receiveFrame(unlock()), { event: 'E7', accepted: true, state: 'S1' });
  assert.deepEqual(
    [f.lockoutFlag, f.waitFlag, f.retransmitFlag, f.farmBCounter],
    [false, false, false, 2],
  );
  assert.equal(f.receiveFrame(ad(0)).accepted, true);
  assert.equal(delivered.length, 1);
});

test('FARM-1 Wait: no buffer (E2) -> S2; buffer release (E10) -> S1 with Retransmit still set', () => {
  const { f } = farm({ bufferCapacity: 2 });
  assert.equal(f.receiveFrame(ad(0)).event, 'E1');
  assert.equal(f.receiveFrame(ad(1)).event, 'E1');
  assert.deepEqual(f.receiveFrame(ad(2)), { event: 'E2', accepted: false, state: 'S2' });
  assert.deepEqual([f.waitFlag, f.retransmitFlag], [true, true]);
  assert.equal(toHex(f.encodeClcw()), '01541802');
  // In Wait, N(S) = V(R) is still E2; the positive window is discarded without change.
  assert.deepEqual(f.receiveFrame(ad(2)), { event: 'E2', accepted: false, state: 'S2' });
  assert.deepEqual(f.receiveFrame(ad(3)), { event: 'E3', accepted: false, state: 'S2' });
  assert.deepEqual(f.bufferRelease(), { event: 'E10', accepted: false, state: 'S1' });
  assert.deepEqual([f.waitFlag, f.retransmitFlag], [false, true]);
  assert.equal(f.receiveFrame(ad(2)).event, 'E1');
  assert.equal(f.retransmitFlag, false);
  // Set V(R) in Wait reopens with the new V(R) (E8 in S2).
  f.receiveFrame(ad(3));
  assert.equal(f.state, 'S2');
  assert.deepEqual(f.receiveFrame(setVr(9)), { event: 'E8', accepted: true, state: 'S1' });
  assert.deepEqual([f.vR, f.waitFlag, f.retransmitFlag], [9, false, false]);
  // Unlock in Wait also clears Wait (E7 in S2).
  f.receiveFrame(ad(9));
  assert.equal(f.state, 'S2');
  assert.equal(f.receiveFrame(unlock()).state, 'S1');
  // Release in Lockout clears the Wait flag but stays locked out.
  f.receiveFrame(ad(200));
  assert.equal(f.state, 'S3');
  f.receiveFrame(ad(9));
  assert.equal(f.bufferRelease(5).state, 'S3');
  assert.equal(f.waitFlag, false);
});

test('FARM-1 E6: BD frames are accepted in every state; the FARM-B counter counts modulo 4', () => {
  const { f, delivered } = farm();
  const counters: number[] = [];
  for (let i = 0; i < 3; i++) {
    assert.equal(f.receiveFrame(bd(i)).event, 'E6');
    counters.push(decodeClcw(f.encodeClcw()).farmBCounter);
  }
  f.receiveFrame(ad(77));
  assert.equal(f.state, 'S3');
  assert.deepEqual(f.receiveFrame(bd(3)), { event: 'E6', accepted: true, state: 'S3' });
  counters.push(f.farmBCounter);
  f.receiveFrame(bd(4));
  counters.push(f.farmBCounter);
  assert.deepEqual(counters, [1, 2, 3, 0, 1]);
  assert.deepEqual(
    delivered.map((d) => d.frameType + d.dataField[0]),
    ['BD0', 'BD1', 'BD2', 'BD3', 'BD4'],
  );
});

test('FARM-1 E9: invalid frames change nothing', () => {
  const { f } = farm();
  const bad = ad(0);
  bad[6] = bad[6]! ^ 0xff;
  const discards: string[] = [];
  f.on('discard', (e) => discards.push(e.event));
  for (const b of [
    bad,
    ad(0, 22),
    ad(0, VC, 1),
    new Uint8Array(3),
    Uint8Array.of(0x30, 0xff, 0x54, 0x06, 0, 1, 2),
  ]) {
    assert.deepEqual(f.receiveFrame(b), { event: 'E9', accepted: false, state: 'S1' });
  }
  assert.deepEqual(discards, ['E9', 'E9', 'E9', 'E9', 'E9']);
  assert.equal(toHex(f.encodeClcw()), '01540000');
  f.noRfAvailable = true;
  f.noBitLock = true;
  f.statusField = 7;
  assert.equal(toHex(f.encodeClcw()), '1d54c000');
  assert.throws(() => new Farm1({ virtualChannelId: 1, slidingWindowWidth: 7 }));
  assert.throws(() => new Farm1({ virtualChannelId: 1, slidingWindowWidth: 256 }));
});
