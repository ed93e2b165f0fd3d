import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from 'ccsds/core';
import { ConditionCode, FileStatus, type CfdpEvents } from 'ccsds/cfdp';
import { readAll, runUntil, simPair, writeRandomFile } from './sim.js';

type Finished = CfdpEvents['transactionFinished'][0];

async function transfer(
  seed: number,
  size: number,
  opts: {
    link?: Parameters<typeof simPair>[1];
    remote?: Parameters<typeof simPair>[2];
    cls?: 1 | 2;
    checksumType?: number;
    closure?: boolean;
  } = {},
): Promise<{
  sender: Finished | undefined;
  receiver: Finished | undefined;
  data: Uint8Array;
  got: Uint8Array | undefined;
  pair: ReturnType<typeof simPair>;
}> {
  const pair = simPair(seed, opts.link ?? {}, opts.remote ?? {});
  const data = await writeRandomFile(pair.fsA, 'out.bin', size, seed);
  let sender: Finished | undefined;
  let receiver: Finished | undefined;
  pair.a.events.on('transactionFinished', (e) => (sender = e));
  pair.b.events.on('transactionFinished', (e) => (receiver = e));
  pair.a.events.on(
    'abandoned',
    (e) =>
      (sender ??= {
        ...e,
        role: 'sender',
        fileStatus: 3,
        deliveryCode: 1,
        filestoreResponses: [],
        report: undefined as never,
      }),
  );
  pair.b.events.on(
    'abandoned',
    (e) =>
      (receiver ??= {
        ...e,
        role: 'receiver',
        fileStatus: 3,
        deliveryCode: 1,
        filestoreResponses: [],
        report: undefined as never,
      }),
  );
  await pair.a.put({
    destinationEntityId: 2n,
    sourceFileName: 'out.bin',
    destinationFileName: 'in.bin',
    ...(opts.cls !== undefined ? { transmissionClass: opts.cls } : {}),
    ...(opts.checksumType !== undefined ? { checksumType: opts.checksumType } : {}),
    ...(opts.closure !== undefined ? { closureRequested: opts.closure } : {}),
  });
  await runUntil(pair.clock, () => sender !== undefined && receiver !== undefined);
  const got = await readAll(pair.fsB, 'in.bin');
  return { sender, receiver, data, got, pair };
}

test('Class 2 transfer without loss, every checksum type, sizes 0, 1, 1 MiB', async () => {
  for (const checksumType of [0, 1, 2, 3, 15]) {
    for (const size of [0, 1, 1 << 20]) {
      const r = await transfer(size + checksumType, size, { checksumType });
      assert.equal(
        r.receiver?.conditionCode,
        ConditionCode.NO_ERROR,
        `type ${checksumType} size ${size}`,
      );
      assert.equal(r.sender?.conditionCode, ConditionCode.NO_ERROR);
      assert.equal(r.receiver?.fileStatus, FileStatus.RETAINED);
      assert.equal(toHex(r.got ?? new Uint8Array([1])), toHex(r.data));
    }
  }
});

test('Class 1 with and without closure', async () => {
  const r1 = await transfer(3, 50_000, { cls: 1 });
  assert.equal(toHex(r1.got!), toHex(r1.data));
  assert.equal(r1.sender?.conditionCode, 0);
  const r2 = await transfer(4, 50_000, { cls: 1, closure: true });
  assert.equal(toHex(r2.got!), toHex(r2.data));
  assert.equal(
    r2.sender?.fileStatus,
    FileStatus.RETAINED,
    'the sender learns the outcome from Finished',
  );
});

test('Class 2 over a Mars link: 20 minutes light time, 30% loss, duplication and reordering, many seeds', async () => {
  const link = { delayMs: 20 * 60_000, jitterMs: 2000, loss: 0.3, duplicate: 0.1 };
  const remote = {
    ackTimerMs: 2 * 20 * 60_000 + 10_000,
    nakTimerMs: 2 * 20 * 60_000 + 10_000,
    inactivityTimerMs: 6 * 3600_000,
    keepAliveIntervalMs: 0,
    ackLimit: 20,
    nakLimit: 50,
  };
  for (let seed = 1; seed <= 12; seed++) {
    const t0 = Date.now();
    const r = await transfer(seed, 100_000 + seed * 777, { link, remote });
    assert.equal(r.receiver?.conditionCode, 0, `seed ${seed}: receiver condition`);
    assert.equal(r.sender?.conditionCode, 0, `seed ${seed}: sender condition`);
    assert.equal(toHex(r.got!), toHex(r.data), `seed ${seed}: file`);
    assert.ok(r.pair.clock.now() > 40 * 60_000, 'at least one round trip of virtual time');
    assert.ok(Date.now() - t0 < 20_000, 'virtual time, not real time');
  }
});

test('each NAK mode recovers lost data', async () => {
  for (const nakMode of ['immediate', 'deferred', 'prompted', 'asynchronous'] as const) {
    for (let seed = 1; seed <= 3; seed++) {
      const r = await transfer(seed * 10, 40_000, {
        link: { delayMs: 50, loss: 0.2, jitterMs: 10 },
        remote: {
          nakMode,
          ackTimerMs: 300,
          nakTimerMs: 300,
          promptIntervalMs: 200,
          asynchronousNakIntervalMs: 250,
          keepAliveIntervalMs: 0,
          nakLimit: 100,
          ackLimit: 100,
        },
      });
      assert.equal(r.receiver?.conditionCode, 0, `${nakMode} seed ${seed}`);
      assert.equal(toHex(r.got!), toHex(r.data), `${nakMode} seed ${seed}`);
    }
  }
});
