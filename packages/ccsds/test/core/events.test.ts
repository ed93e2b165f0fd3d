import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedEmitter } from 'ccsds/core';

interface Events {
  [k: string]: unknown[];
  tick: [n: number];
}

test('TypedEmitter: listeners run in order; a throwing one does not stop the others and its error comes out after', () => {
  const e = new TypedEmitter<Events>();
  const seen: string[] = [];
  e.on('tick', (n) => seen.push(`a${n}`));
  e.on('tick', () => {
    throw new Error('boom');
  });
  e.on('tick', (n) => seen.push(`c${n}`));
  assert.throws(() => e.emit('tick', 1), /boom/);
  assert.deepEqual(seen, ['a1', 'c1']);
  const only = new TypedEmitter<Events>();
  only.on('tick', () => {
    throw new Error('alone');
  });
  assert.throws(() => only.emit('tick', 1), /alone/);
});

test('TypedEmitter: adding twice is once; changes made while emitting apply from the next emit', () => {
  const e = new TypedEmitter<Events>();
  const seen: string[] = [];
  const a = (n: number): void => {
    seen.push(`a${n}`);
  };
  e.on('tick', a);
  e.on('tick', a);
  assert.equal(e.listenerCount('tick'), 1);
  const late = (n: number): void => {
    seen.push(`late${n}`);
  };
  const offB = e.on('tick', (n) => {
    seen.push(`b${n}`);
    e.on('tick', late);
    e.off('tick', a);
  });
  e.emit('tick', 1);
  assert.deepEqual(seen, ['a1', 'b1'], 'late not called, a still called in this emit');
  seen.length = 0;
  e.emit('tick', 2);
  assert.deepEqual(seen, ['b2', 'late2']);
  offB();
  e.off('tick', late);
  assert.equal(e.listenerCount('tick'), 0);
  e.emit('tick', 3);
  assert.deepEqual(seen, ['b2', 'late2']);
  let once = 0;
  e.once('tick', () => once++);
  e.emit('tick', 4);
  e.emit('tick', 5);
  assert.equal(once, 1);
  assert.equal(e.listenerCount('tick'), 0);
});
