import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimulatedClock } from 'ccsds/core';
import {
  BlockType,
  BpsecStatusReason,
  BundleAgent,
  DTN_EPOCH_UNIX_MS,
  type Bundle,
  createBundle,
  encodeBundle,
  encryptBcb,
  parseEid,
  signBib,
} from 'ccsds/bp';

const T0 = DTN_EPOCH_UNIX_MS + 848_632_306_246;

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

test('agent security policy: payloads from listed sources need a valid BIB, others pass', async () => {
  const clock = new SimulatedClock({ startTime: T0 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  const agent = new BundleAgent({
    node: 2,
    clock,
    security: { requireBibFrom: [1], key },
  });
  const got: string[] = [];
  agent.register(1).events.on('bundle', (p) => got.push(new TextDecoder().decode(p)));
  const deleted: number[] = [];
  agent.events.on('deleted', (_b, reason) => deleted.push(reason));

  let seq = 0;
  const make = (source: string, text: string): Bundle =>
    createBundle({
      destination: parseEid('ipn:2.1'),
      source: parseEid(source),
      payload: new TextEncoder().encode(text),
      creationTime: T0 - DTN_EPOCH_UNIX_MS,
      sequenceNumber: seq++,
      hopLimit: 8,
    });
  const sign = (b: Bundle, k: Uint8Array) =>
    signBib(b, { targets: [1], key: k, source: parseEid('ipn:1.0') });

  // Signed with the right key: delivered.
  agent.receive(encodeBundle(await sign(make('ipn:1.1', 'signed'), key)));
  // Unsigned from node 1: deleted, missing security operation.
  agent.receive(encodeBundle(make('ipn:1.1', 'unsigned')));
  // Signed with another key: deleted, failed security operation.
  agent.receive(encodeBundle(await sign(make('ipn:1.1', 'wrong key'), new Uint8Array(32))));
  // Signed, then one payload bit flipped on the way: deleted.
  const tampered = encodeBundle(await sign(make('ipn:1.1', 'tampered'), key));
  tampered[tampered.length - 2]! ^= 0x01; // the payload's last octet, before the closing break
  agent.receive(tampered);
  // A BIB over the hop count block only does not cover the payload: missing.
  const hopOnly = make('ipn:1.1', 'hop only');
  const hop = hopOnly.blocks.find((b) => b.blockType === BlockType.HOP_COUNT)!.blockNumber;
  agent.receive(
    encodeBundle(await signBib(hopOnly, { targets: [hop], key, source: parseEid('ipn:1.0') })),
  );
  // An encrypted payload (its BIB encrypted too) cannot be verified here: missing.
  const signedEnc = await sign(make('ipn:1.1', 'encrypted'), key);
  const bibNo = signedEnc.blocks.find((b) => b.blockType === BlockType.BLOCK_INTEGRITY)!;
  agent.receive(
    encodeBundle(
      await encryptBcb(signedEnc, {
        targets: [1, bibNo.blockNumber],
        key: new Uint8Array(32),
        source: parseEid('ipn:1.0'),
      }),
    ),
  );
  // Node 3 is not in the policy: delivered unsigned.
  agent.receive(encodeBundle(make('ipn:3.1', 'from node 3')));

  await until(() => got.length + deleted.length === 7, 'all seven bundles');
  assert.deepEqual(got.sort(), ['from node 3', 'signed']);
  assert.deepEqual(deleted.sort(), [
    BpsecStatusReason.MISSING_SECURITY_OPERATION,
    BpsecStatusReason.MISSING_SECURITY_OPERATION,
    BpsecStatusReason.MISSING_SECURITY_OPERATION,
    BpsecStatusReason.FAILED_SECURITY_OPERATION,
    BpsecStatusReason.FAILED_SECURITY_OPERATION,
  ]);
  assert.equal(agent.counts.securityFailures, 5);
  assert.equal(agent.counts.received, 7);
  assert.equal(agent.counts.delivered, 2);
  agent.close();
});
