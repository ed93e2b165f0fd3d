import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConditionCode, conditionCodeName } from 'ccsds/cfdp';

test('conditionCodeName: the names of 727.0-B-5 Table 5-5, reserved and unknown codes said so', () => {
  assert.equal(conditionCodeName(ConditionCode.NO_ERROR), 'no error');
  assert.equal(conditionCodeName(ConditionCode.INACTIVITY_DETECTED), 'inactivity detected');
  assert.equal(conditionCodeName(ConditionCode.NAK_LIMIT_REACHED), 'NAK limit reached');
  assert.equal(conditionCodeName(ConditionCode.CANCEL_REQUEST_RECEIVED), 'cancel request received');
  for (const code of Object.values(ConditionCode))
    assert.doesNotMatch(conditionCodeName(code), /condition code/, `code ${code} has a name`);
  assert.equal(conditionCodeName(12), 'reserved condition code 12');
  assert.equal(conditionCodeName(13), 'reserved condition code 13');
  assert.equal(conditionCodeName(16), 'condition code 16');
  assert.equal(conditionCodeName(1.5), 'condition code 1.5');
});
