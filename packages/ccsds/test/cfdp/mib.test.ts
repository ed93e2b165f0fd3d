import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMib } from 'ccsds/cfdp';

test('a MIB loads from JSON with defaults filled in', () => {
  const mib = parseMib(
    JSON.stringify({
      local: { entityId: 1, faultHandlers: { '8': 'abandon', '5': 'ignore' } },
      remotes: [
        {
          entityId: '0x10',
          address: 'udp://127.0.0.1:5111',
          nakMode: 'deferred',
          crc: true,
          checksumType: 2,
        },
        {
          entityId: 18446744073709551615n.toString(),
          address: 'tcp://127.0.0.1:5112',
          defaultClass: 1,
          maxRetransmissionFactor: 0,
        },
      ],
    }),
  );
  assert.equal(mib.local.entityId, 1n);
  assert.equal(mib.local.faultHandlers[8], 4);
  assert.equal(mib.local.faultHandlers[5], 3);
  assert.equal(mib.local.faultHandlers[1], 1, 'default: cancel');
  assert.equal(mib.remotes[0]!.entityId, 16n);
  assert.equal(mib.remotes[0]!.nakMode, 'deferred');
  assert.equal(mib.remotes[0]!.ackTimerMs, 5000);
  assert.equal(mib.remotes[1]!.entityId, 2n ** 64n - 1n);
  assert.equal(mib.remotes[1]!.defaultClass, 1);
  assert.equal(mib.remotes[0]!.maxRetransmissionFactor, 20, 'default bound');
  assert.equal(mib.remotes[1]!.maxRetransmissionFactor, 0, 'bound disabled');
});

test('bad MIBs are refused with a message naming the setting', () => {
  const cases: [unknown, RegExp][] = [
    ['{not json', /not valid JSON/],
    [{ local: { entityId: -1 } }, /local\.entityId/],
    [
      { local: { entityId: 1 }, remotes: [{ entityId: 2, address: 'nowhere' }] },
      /remotes\[0\]\.address/,
    ],
    [
      {
        local: { entityId: 1 },
        remotes: [{ entityId: 2, address: 'udp://a:1', nakMode: 'eager' }],
      },
      /nakMode/,
    ],
    [
      { local: { entityId: 1 }, remotes: [{ entityId: 2, address: 'udp://a:1', checksumType: 7 }] },
      /checksumType/,
    ],
    [
      { local: { entityId: 1 }, remotes: [{ entityId: 2, address: 'udp://a:1', ackTimerMs: 0 }] },
      /ackTimerMs/,
    ],
    [
      {
        local: { entityId: 1 },
        remotes: [{ entityId: 2, address: 'udp://a:1', maxRetransmissionFactor: -1 }],
      },
      /maxRetransmissionFactor/,
    ],
    [
      { local: { entityId: 1 }, remotes: [{ entityId: 2, address: 'udp://a:1', colour: 'red' }] },
      /colour: unknown setting/,
    ],
    [
      {
        local: { entityId: 1 },
        remotes: [
          { entityId: 2, address: 'udp://a:1', maxFileSegmentLength: 2000, maxPduLength: 1000 },
        ],
      },
      /does not fit/,
    ],
    [{ local: { entityId: 1, faultHandlers: { '3': 'explode' } } }, /faultHandlers\.3/],
    [
      {
        local: { entityId: 1 },
        remotes: [
          { entityId: 2, address: 'udp://a:1' },
          { entityId: 2, address: 'udp://b:1' },
        ],
      },
      /listed twice/,
    ],
  ];
  for (const [input, re] of cases) {
    assert.throws(
      () => parseMib(input as string),
      (e: Error & { code?: string }) => e.code === 'INVALID_ARGUMENT' && re.test(e.message),
      String(re),
    );
  }
});
