/**
 * TmSender.releaseFrame: a virtual channel's packets go out now, padded, while another channel
 * keeps its full frames ready; the receiver gets every packet of both channels intact and in
 * order, and frame counts stay continuous.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSpacePacket } from 'ccsds/spp';
import { type ReceivedPacket, TmReceiver, TmSender } from 'ccsds/link';

function packet(apid: number, n: number, length: number): Uint8Array {
  return encodeSpacePacket({
    apid,
    packetSequenceCount: n,
    userData: new Uint8Array(length).fill(n & 0xff),
  });
}

test('releaseFrame sends a short packet of a low-volume VC before the bulk VC fills', () => {
  const tm = new TmSender({
    spacecraftId: 42,
    frameLength: 256,
    fecfPresent: true,
    virtualChannels: [{ virtualChannelId: 0 }, { virtualChannelId: 1 }],
  });
  const bulk = Array.from({ length: 6 }, (_, i) => packet(200, i, 300));
  for (const p of bulk) tm.send(1, p);
  const hk = packet(100, 0, 20);
  tm.send(0, hk);
  assert.equal(tm.queuedOctetsOf(0), hk.length);
  // Without a release the multiplexer serves VC 1's full frames and VC 0 waits.
  const vcOf = (f: Uint8Array): number => (f[1]! >> 1) & 7;
  const first = tm.readyFrame()!;
  assert.equal(vcOf(first), 1);
  const released = tm.releaseFrame(0)!;
  assert.equal(vcOf(released), 0);
  assert.equal(tm.queuedOctetsOf(0), 0);
  assert.equal(tm.releaseFrame(0), undefined);
  const rest = tm.flush();
  const got: ReceivedPacket[] = [];
  const events: unknown[] = [];
  const rx = new TmReceiver({
    frameLength: 256,
    fecfPresent: true,
    onPacket: (p) => got.push({ ...p, data: p.data.slice() }),
    onEvent: (e) => events.push(e),
  });
  for (const f of [first, released, ...rest]) rx.pushFrame(f);
  assert.deepEqual(events, []);
  assert.deepEqual(
    got.filter((p) => p.virtualChannelId === 0).map((p) => [...p.data]),
    [[...hk]],
  );
  assert.deepEqual(
    got.filter((p) => p.virtualChannelId === 1).map((p) => [...p.data]),
    bulk.map((p) => [...p]),
  );
  assert.throws(() => tm.releaseFrame(5), { code: 'INVALID_ARGUMENT' });
});
