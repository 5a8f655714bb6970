import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ControllerExpectations } from './expectations.js';

test('creations: unsatisfied until every create is observed', () => {
  const e = new ControllerExpectations(() => 0);
  assert.equal(e.satisfied('ns/rs'), true, 'no expectation yet');
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
  e.creationObserved('ns/rs'); // a late extra observation does not go negative and block later
  e.expectCreations('ns/rs', 1);
  assert.equal(e.satisfied('ns/rs'), false);
});

test('deletions are tracked per pod: seeing the same pod twice counts once', () => {
  const e = new ControllerExpectations(() => 0);
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('an expectation expires after its TTL', () => {
  let now = 1000;
  const e = new ControllerExpectations(() => now, 500);
  e.expectCreations('ns/rs', 3);
  now = 1400;
  assert.equal(e.satisfied('ns/rs'), false);
  now = 1501;
  assert.equal(e.satisfied('ns/rs'), true);
});
